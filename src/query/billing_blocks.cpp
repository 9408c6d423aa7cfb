#include "query/billing_blocks.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace agent_trace {
namespace {

constexpr int64_t kHourUs = 3600LL * 1'000'000;
constexpr int64_t kMinuteUs = 60LL * 1'000'000;

TimestampUs floor_to_hour(TimestampUs ts) {
    const int64_t r = ts % kHourUs;
    return r >= 0 ? ts - r : ts - r - kHourUs;
}

void finish_block(ReportRow& row, const std::set<std::string>& models, TimestampUs now) {
    row.key = format_iso8601_utc(row.block_end - kBlockDurationUs);
    row.models.assign(models.begin(), models.end());
    // Burn rate over the span of activity; a single call counts as one minute.
    const double minutes =
        std::max(1.0, static_cast<double>(row.last_ts - row.first_ts) / kMinuteUs);
    row.burn_tokens_per_minute = static_cast<double>(row.totals.tokens.total()) / minutes;
    row.burn_usd_per_hour = row.totals.cost_usd() / minutes * 60.0;
    row.active = now >= row.first_ts && now < row.block_end && now - row.last_ts < kBlockDurationUs;
    if (row.active) {
        const double remaining = static_cast<double>(row.block_end - now) / kMinuteUs;
        row.projected_cost_usd = row.totals.cost_usd() + row.burn_usd_per_hour / 60.0 * remaining;
        row.projected_total_tokens = row.totals.tokens.total() +
                                     static_cast<int64_t>(row.burn_tokens_per_minute * remaining);
    }
}

}  // namespace

std::vector<ReportRow> build_billing_blocks(std::vector<BlockCall> calls, TimestampUs now,
                                            bool breakdown) {
    std::sort(calls.begin(), calls.end(),
              [](const BlockCall& a, const BlockCall& b) { return a.ts < b.ts; });
    std::vector<ReportRow> rows;
    std::set<std::string> models;
    std::map<std::string, UsageTotals> by_model;
    const auto close_block = [&](ReportRow& row) {
        finish_block(row, models, now);
        for (auto& [model, totals] : by_model) row.by_model.push_back({model, totals});
        models.clear();
        by_model.clear();
    };
    for (BlockCall& call : calls) {
        const bool start_new = rows.empty() || call.ts >= rows.back().block_end ||
                               call.ts - rows.back().last_ts >= kBlockDurationUs;
        if (start_new) {
            if (!rows.empty()) close_block(rows.back());
            ReportRow row;
            row.first_ts = call.ts;
            row.block_end = floor_to_hour(call.ts) + kBlockDurationUs;
            row.last_ts = call.ts;
            rows.push_back(std::move(row));
        }
        ReportRow& row = rows.back();
        row.totals.add(call.totals);
        row.last_ts = std::max(row.last_ts, call.ts);
        if (breakdown) by_model[call.model].add(call.totals);
        models.insert(std::move(call.model));
    }
    if (!rows.empty()) close_block(rows.back());
    return rows;
}

}  // namespace agent_trace
