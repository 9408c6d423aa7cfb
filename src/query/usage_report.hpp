#pragma once
// Usage reports: model calls grouped by day, month, session, project, model or
// 5-hour billing block, priced with the pricing table at report time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pricing.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/token_counts.hpp"
#include "store/store.hpp"

namespace agent_trace {

enum class ReportKind : uint8_t { daily, monthly, session, project, model, blocks };

// Row order: by key (dates and block starts are chronological), by cost or
// tokens (largest first), or by last activity (most recent last).
enum class ReportSort : uint8_t { key, cost, tokens, last };

std::optional<ReportSort> parse_report_sort(std::string_view name);

std::optional<ReportKind> parse_report_kind(std::string_view name);
std::string_view to_string(ReportKind kind);

struct UsageTotals {
    int64_t messages = 0;  // model calls
    TokenCounts tokens;
    int64_t cost_units = 0;       // priced calls only (1e-10 USD)
    int64_t unpriced_tokens = 0;  // tokens of calls whose model has no price
    int64_t unpriced_messages = 0;

    [[nodiscard]] double cost_usd() const { return cost_units_to_usd(cost_units); }
    void add(const UsageTotals& other);
};

struct SubagentUsage {
    std::string agent_id;
    UsageTotals totals;
};

struct ModelUsage {
    std::string model;
    UsageTotals totals;
};

struct ReportRow {
    std::string key;
    UsageTotals totals;
    std::vector<std::string> models;  // sorted, distinct
    // session and project rows
    std::string project;
    std::string cwd;
    TimestampUs first_ts = 0;
    TimestampUs last_ts = 0;
    std::vector<SubagentUsage> subagents;  // session rows: each subagent's share (included above)
    std::vector<ModelUsage> by_model;      // with ReportOptions::breakdown: each model's share
    // block rows
    TimestampUs block_end = 0;
    bool active = false;
    double burn_tokens_per_minute = 0;
    double burn_usd_per_hour = 0;
    double projected_cost_usd = 0;  // active block: cost at block end at the current rate
    int64_t projected_total_tokens = 0;
};

struct UnpricedModel {
    std::string model;
    int64_t tokens = 0;
    int64_t messages = 0;
};

struct UsageReport {
    ReportKind kind = ReportKind::daily;
    std::string zone;
    std::vector<ReportRow> rows;
    UsageTotals totals;
    std::vector<UnpricedModel> unpriced_models;
    ImportHealth skipped;
};

struct ReportOptions {
    ReportKind kind = ReportKind::daily;
    Zone zone = Zone::utc();
    std::optional<CivilDate> since;  // inclusive, in `zone`
    std::optional<CivilDate> until;  // inclusive, in `zone`
    std::string project;             // project key or cwd
    TimestampUs now = 0;             // for the active block; 0: the clock
    bool breakdown = false;          // split every row by model
    ReportSort sort = ReportSort::key;
};

Result<UsageReport> build_usage_report(UsageReader& reader, const PricingTable& pricing,
                                       const ReportOptions& options);

}  // namespace agent_trace
