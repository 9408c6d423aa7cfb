#include "query/usage_report.hpp"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "query/billing_blocks.hpp"

namespace agent_trace {
namespace {

constexpr std::array<std::pair<ReportKind, std::string_view>, 6> kKinds{{
    {ReportKind::daily, "daily"},
    {ReportKind::monthly, "monthly"},
    {ReportKind::session, "session"},
    {ReportKind::project, "project"},
    {ReportKind::model, "model"},
    {ReportKind::blocks, "blocks"},
}};

struct Group {
    ReportRow row;
    std::set<std::string> models;
    std::map<std::string, UsageTotals> subagents;
    std::map<std::string, UsageTotals> by_model;
    std::string last_model;  // skips the set lookup for runs of one model
};

// Resolves each distinct model string once per report.
class PriceCache {
public:
    explicit PriceCache(const PricingTable& table) : table_(table) {}
    const ModelPrice* find(std::string_view model) {
        if (model == last_model_) return last_price_;  // rows come in runs of one model
        auto it = cache_.find(std::string(model));
        if (it == cache_.end()) it = cache_.emplace(std::string(model), table_.find(model)).first;
        last_model_ = it->first;
        last_price_ = it->second;
        return last_price_;
    }

private:
    const PricingTable& table_;
    std::unordered_map<std::string, const ModelPrice*> cache_;
    std::string last_model_;
    const ModelPrice* last_price_ = nullptr;
};

}  // namespace

std::optional<ReportKind> parse_report_kind(std::string_view name) {
    for (const auto& [kind, text] : kKinds) {
        if (text == name) return kind;
    }
    return std::nullopt;
}

std::string_view to_string(ReportKind kind) {
    for (const auto& [k, text] : kKinds) {
        if (k == kind) return text;
    }
    return "unknown";
}

void UsageTotals::add(const UsageTotals& o) {
    messages += o.messages;
    tokens.add(o.tokens);
    cost_units += o.cost_units;
    unpriced_tokens += o.unpriced_tokens;
    unpriced_messages += o.unpriced_messages;
}

Result<UsageReport> build_usage_report(UsageReader& reader, const PricingTable& pricing,
                                       const ReportOptions& options) {
    UsageReport report;
    report.kind = options.kind;
    report.zone = options.zone.name();
    UsageFilter filter;
    filter.project = options.project;
    filter.with_identity =
        options.kind == ReportKind::session || options.kind == ReportKind::project;
    if (options.since) filter.since = options.zone.start_of_day(*options.since);
    if (options.until) {
        // The until date is inclusive: stop at the start of the next local day.
        const date::year_month_day next =
            date::sys_days{date::year{options.until->year} / date::month{options.until->month} /
                           date::day{options.until->day}} +
            date::days{1};
        filter.until = options.zone.start_of_day({static_cast<int>(next.year()),
                                                  static_cast<unsigned>(next.month()),
                                                  static_cast<unsigned>(next.day())});
    }

    PriceCache prices(pricing);
    std::map<std::string, Group> groups;
    std::map<std::string, UnpricedModel> unpriced;
    std::vector<BlockCall> calls;  // blocks only
    int64_t cached_day = INT64_MIN;
    Group* last_group = nullptr;  // std::map nodes are stable
    std::string last_key;
    std::string cached_day_key;

    auto status = reader.scan_usage(filter, [&](const UsageRow& row) {
        UsageTotals t;
        t.messages = 1;
        t.tokens = row.tokens;
        if (row.reported_cost_usd) {
            t.cost_units = std::llround(*row.reported_cost_usd * kCostUnitsPerUsd);
        } else if (const ModelPrice* price = prices.find(row.model); price != nullptr) {
            const CallUsage usage{row.tokens, row.web_search_requests, row.us_inference_geo};
            t.cost_units = cost_units(*price, usage);
        } else {
            t.unpriced_tokens = t.tokens.total();
            t.unpriced_messages = 1;
            auto& u = unpriced[std::string(row.model)];
            u.model = row.model;
            u.tokens += t.unpriced_tokens;
            u.messages += 1;
        }
        report.totals.add(t);

        std::string_view key;
        switch (options.kind) {
            case ReportKind::daily:
            case ReportKind::monthly: {
                // Most consecutive rows fall on the same day: format each day once.
                const int64_t day = options.zone.local_day_number(row.ts);
                if (day != cached_day) {
                    cached_day = day;
                    cached_day_key = Zone::format_day_number(day);
                    if (options.kind == ReportKind::monthly) cached_day_key.resize(7);
                }
                key = cached_day_key;
                break;
            }
            case ReportKind::session:
                key = row.session_id;
                break;
            case ReportKind::project:
                key = row.project;
                break;
            case ReportKind::model:
                key = row.model;
                break;
            case ReportKind::blocks:
                calls.push_back({row.ts, t, std::string(row.model)});
                return;
        }
        if (last_group == nullptr || key != last_key) {
            last_key.assign(key);
            last_group = &groups[last_key];
        }
        Group& g = *last_group;
        if (g.row.totals.messages == 0) {
            g.row.first_ts = row.ts;
            g.row.last_ts = row.ts;
            g.row.project = std::string(row.project);
        }
        g.row.totals.add(t);
        g.row.first_ts = std::min(g.row.first_ts, row.ts);
        g.row.last_ts = std::max(g.row.last_ts, row.ts);
        if (g.row.cwd.empty() && !row.cwd.empty()) g.row.cwd = std::string(row.cwd);
        if (g.last_model != row.model) {
            g.last_model = std::string(row.model);
            g.models.insert(g.last_model);
        }
        if (options.kind == ReportKind::session && !row.agent_id.empty()) {
            g.subagents[std::string(row.agent_id)].add(t);
        }
        if (options.breakdown) g.by_model[g.last_model].add(t);
    });
    if (!status) return status.error();
    if (options.kind == ReportKind::session) {
        // Sessions without a model call of their own still get a row, with zeros.
        status = reader.scan_sessions(filter, [&](const SessionMarker& marker) {
            auto [it, inserted] = groups.try_emplace(std::string(marker.session_id));
            if (inserted) {
                it->second.row.project = std::string(marker.project);
                it->second.row.first_ts = it->second.row.last_ts = marker.ts;
            }
        });
        if (!status) return status.error();
    }

    if (options.kind == ReportKind::blocks) {
        report.rows = build_billing_blocks(
            std::move(calls), options.now != 0 ? options.now : now_us(), options.breakdown);
    } else {
        report.rows.reserve(groups.size());
        for (auto& [key, g] : groups) {
            g.row.key = key;
            g.row.models.assign(g.models.begin(), g.models.end());
            for (auto& [agent, totals] : g.subagents) g.row.subagents.push_back({agent, totals});
            for (auto& [model, totals] : g.by_model) g.row.by_model.push_back({model, totals});
            report.rows.push_back(std::move(g.row));
        }
    }
    for (auto& [model, u] : unpriced) report.unpriced_models.push_back(std::move(u));
    auto health = reader.import_health();
    if (!health) return health.error();
    report.skipped = *health;
    return report;
}

}  // namespace agent_trace
