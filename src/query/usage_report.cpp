#include "query/usage_report.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <iterator>
#include <map>
#include <memory>
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

constexpr size_t kScanThreads = 2;

// Stable, with the key as the last tie-break, so equal rows keep a fixed order.
void sort_rows(std::vector<ReportRow>& rows, ReportSort sort) {
    if (sort == ReportSort::key) return;  // groups come out in key order already
    std::stable_sort(rows.begin(), rows.end(), [sort](const ReportRow& a, const ReportRow& b) {
        switch (sort) {
            case ReportSort::cost:
                if (a.totals.cost_units != b.totals.cost_units) {
                    return a.totals.cost_units > b.totals.cost_units;
                }
                break;
            case ReportSort::tokens:
                if (a.totals.tokens.total() != b.totals.tokens.total()) {
                    return a.totals.tokens.total() > b.totals.tokens.total();
                }
                break;
            case ReportSort::last:
                if (a.last_ts != b.last_ts) return a.last_ts < b.last_ts;
                break;
            case ReportSort::key:
                break;
        }
        return a.key < b.key;
    });
}

// Aggregates rows into groups; one per scan slice, merged afterwards.
class UsageAccumulator {
public:
    UsageAccumulator(const PricingTable& pricing, const ReportOptions& options)
        : prices_(pricing), options_(options) {}

    void add(const UsageRow& row) {
        UsageTotals t;
        t.messages = 1;
        t.tokens = row.tokens;
        if (row.reported_cost_usd) {
            t.cost_units = std::llround(*row.reported_cost_usd * kCostUnitsPerUsd);
        } else if (const ModelPrice* price = prices_.find(row.model); price != nullptr) {
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
        totals.add(t);

        std::string_view key;
        switch (options_.kind) {
            case ReportKind::daily:
            case ReportKind::monthly: {
                // Most consecutive rows fall on the same day: format each day once.
                const int64_t day = options_.zone.local_day_number(row.ts);
                if (day != cached_day_) {
                    cached_day_ = day;
                    cached_day_key_ = Zone::format_day_number(day);
                    if (options_.kind == ReportKind::monthly) cached_day_key_.resize(7);
                }
                key = cached_day_key_;
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
        if (last_group_ == nullptr || key != last_key_) {
            last_key_.assign(key);
            last_group_ = &groups[last_key_];
        }
        Group& g = *last_group_;
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
        if (options_.kind == ReportKind::session && !row.agent_id.empty()) {
            g.subagents[std::string(row.agent_id)].add(t);
        }
        if (options_.breakdown) g.by_model[g.last_model].add(t);
    }

    // Folds a later slice in: sums add up, and fields a sequential scan would
    // have set from its first row keep this slice's value.
    void merge(UsageAccumulator&& later) {
        totals.add(later.totals);
        for (auto& [model, u] : later.unpriced) {
            auto& mine = unpriced[model];
            mine.model = model;
            mine.tokens += u.tokens;
            mine.messages += u.messages;
        }
        calls.insert(calls.end(), std::make_move_iterator(later.calls.begin()),
                     std::make_move_iterator(later.calls.end()));
        for (auto& [key, theirs] : later.groups) {
            auto [it, inserted] = groups.try_emplace(key);
            Group& g = it->second;
            if (inserted) {
                g = std::move(theirs);
                continue;
            }
            g.row.totals.add(theirs.row.totals);
            g.row.first_ts = std::min(g.row.first_ts, theirs.row.first_ts);
            g.row.last_ts = std::max(g.row.last_ts, theirs.row.last_ts);
            if (g.row.cwd.empty()) g.row.cwd = theirs.row.cwd;
            g.models.insert(theirs.models.begin(), theirs.models.end());
            for (auto& [agent, t] : theirs.subagents) g.subagents[agent].add(t);
            for (auto& [model, t] : theirs.by_model) g.by_model[model].add(t);
        }
        last_group_ = nullptr;
    }

    std::map<std::string, Group> groups;
    std::map<std::string, UnpricedModel> unpriced;
    std::vector<BlockCall> calls;  // blocks only
    UsageTotals totals;

private:
    PriceCache prices_;
    const ReportOptions& options_;
    int64_t cached_day_ = INT64_MIN;
    std::string cached_day_key_;
    Group* last_group_ = nullptr;  // std::map nodes are stable
    std::string last_key_;
};

}  // namespace

std::optional<ReportSort> parse_report_sort(std::string_view name) {
    if (name == "key") return ReportSort::key;
    if (name == "cost") return ReportSort::cost;
    if (name == "tokens") return ReportSort::tokens;
    if (name == "last") return ReportSort::last;
    return std::nullopt;
}

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
    // The until date is inclusive: stop at the start of the next local day.
    if (options.until) filter.until = options.zone.start_of_next_day(*options.until);

    // One accumulator per slice of the table, filled in parallel, merged in slice order
    // (so the result is the one a single sequential scan gives).
    std::vector<std::unique_ptr<UsageAccumulator>> parts;
    const auto make_part = [&]() -> UsageAccumulator& {
        parts.push_back(std::make_unique<UsageAccumulator>(pricing, options));
        return *parts.back();
    };
    auto status = reader.scan_usage_parallel(
        filter, kScanThreads,
        [&](size_t count) {
            for (size_t i = 0; i < count; ++i) make_part();
        },
        [&](size_t part, const UsageRow& row) { parts[part]->add(row); });
    if (!status) return status.error();
    UsageAccumulator& all = *parts.front();
    for (size_t i = 1; i < parts.size(); ++i) all.merge(std::move(*parts[i]));
    auto& groups = all.groups;
    auto& unpriced = all.unpriced;
    auto& calls = all.calls;
    report.totals = all.totals;
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
    sort_rows(report.rows, options.sort);
    for (auto& [model, u] : unpriced) report.unpriced_models.push_back(std::move(u));
    auto health = reader.import_health();
    if (!health) return health.error();
    report.skipped = *health;
    return report;
}

}  // namespace agent_trace
