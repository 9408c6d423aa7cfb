#pragma once
// Analytics over the fused index's rows: cost and tokens per group, tool error
// rates and latencies, model latencies, and the calls 5-hour blocks are cut from.
// Each accumulator takes rows one at a time as a scan visits them (nothing is
// kept per row except durations for percentiles) and is finished once.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/pricing.hpp"
#include "core/time.hpp"
#include "core/token_counts.hpp"
#include "query/billing_blocks.hpp"
#include "store/fused_index.hpp"

namespace agent_trace {

enum class UsageGroupBy : uint8_t { day, model, project, user, tool };

std::optional<UsageGroupBy> parse_usage_group_by(std::string_view name);
std::string_view to_string(UsageGroupBy by);

// by=day only: each day's usage is also given per model, project or user, so a
// chart can stack a day's cost by model from one answer.
enum class UsageSplit : uint8_t { model, project, user };

std::optional<UsageSplit> parse_usage_split(std::string_view name);
std::string_view to_string(UsageSplit split);

// cache_read / (input + cache_read + cache writes): the share of the prompt
// served from the cache. nullopt when the calls read no prompt tokens at all.
std::optional<double> cache_hit_ratio(const TokenCounts& tokens);

struct UsageGroup {
    std::string key;
    int64_t calls = 0;   // model calls; by=tool: tool calls
    TokenCounts tokens;  // by=tool: none (a tool's share is cost only)
    double cost_usd = 0;
    double reported_cost_usd = 0;
    double computed_cost_usd = 0;
    int64_t unpriced_calls = 0;
    // A day's usage per split key, largest cost first (by=day with a split only).
    std::vector<UsageGroup> split;

    void add(const FusedUsageRow& row);
};

struct UsageAnalytics {
    UsageGroupBy by = UsageGroupBy::day;
    std::string zone;
    std::vector<UsageGroup> groups;  // days oldest first; other groups largest cost first
    UsageGroup totals;               // every model call in the filter, key ""
    // by=tool: the cost of model calls that issued no tool (totals minus the tools' shares).
    double unattributed_cost_usd = 0;
};

// Usage grouped by day (in `zone`; a 15-minute bucket never straddles a local
// midnight because every zone's offset is a multiple of 15 minutes), model,
// project or user; by=tool also takes tool rows, each carrying its share of
// the cost of the model call that issued it.
class UsageAccumulator {
public:
    // `split` is only read for by=day.
    UsageAccumulator(UsageGroupBy by, Zone zone, std::optional<UsageSplit> split = std::nullopt);
    void add(const FusedUsageRow& row);
    void add(const FusedToolRow& row);  // by=tool only; ignored otherwise
    UsageAnalytics finish() &&;

private:
    using GroupMap =
        std::unordered_map<std::string, UsageGroup, TransparentStringHash, std::equal_to<>>;
    struct Day {
        UsageGroup group;
        GroupMap parts;  // split key -> group
    };

    UsageGroupBy by_;
    Zone zone_;
    std::optional<UsageSplit> split_;
    UsageGroup totals_;
    std::map<int64_t, Day> days_;  // local day number -> day
    GroupMap groups_;
};

// Nearest-rank percentiles of durations in milliseconds.
struct DurationStats {
    int64_t count = 0;
    int64_t p50 = 0;
    int64_t p90 = 0;
    int64_t p95 = 0;
    int64_t p99 = 0;
    int64_t max = 0;
};

// The smallest value with at least `percent`% of the values at or below it;
// nullopt for no values. Sorts `values`.
std::optional<DurationStats> duration_stats(std::vector<int64_t>& values);

struct ToolStats {
    std::string tool_name;
    int64_t calls = 0;
    int64_t errors = 0;
    int64_t denied = 0;
    int64_t pending = 0;  // no result seen (still running, or its end was lost)
    double cost_usd = 0;  // the tool calls' shares of their model calls' cost
    [[nodiscard]] double error_rate() const {
        return calls > 0 ? static_cast<double>(errors) / static_cast<double>(calls) : 0;
    }
    std::optional<DurationStats> duration_ms;  // calls with a known duration
};

class ToolStatsAccumulator {
public:
    void add(const FusedToolRow& row);
    // Most calls first, then by name.
    std::vector<ToolStats> finish() &&;

private:
    struct Entry {
        ToolStats stats;
        std::vector<int64_t> durations;
    };
    std::unordered_map<std::string, Entry, TransparentStringHash, std::equal_to<>> tools_;
};

struct ModelStats {
    std::string model;
    int64_t calls = 0;
    int64_t priced_calls = 0;
    int64_t unpriced_calls = 0;
    TokenCounts tokens;
    double cost_usd = 0;
    std::optional<DurationStats> latency_ms;  // calls with a known duration
};

class ModelStatsAccumulator {
public:
    void add(const FusedCallRow& row);
    // Largest cost first, then most calls, then by name.
    std::vector<ModelStats> finish() &&;

private:
    struct Entry {
        ModelStats stats;
        std::vector<int64_t> durations;
    };
    std::unordered_map<std::string, Entry, TransparentStringHash, std::equal_to<>> models_;
};

// A fused call as build_billing_blocks() takes it; a call without a known cost
// is counted as unpriced (its tokens too), never as $0.
BlockCall to_block_call(const FusedCallRow& row);

}  // namespace agent_trace
