#include "query/analytics.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace agent_trace {
namespace {

// Larger cost first; ties by more calls, then by key, so the order is stable.
template <class T>
bool larger_cost_first(const T& a, const T& b, const std::string& a_key, const std::string& b_key) {
    if (a.cost_usd != b.cost_usd) return a.cost_usd > b.cost_usd;
    if (a.calls != b.calls) return a.calls > b.calls;
    return a_key < b_key;
}

int64_t nearest_rank(const std::vector<int64_t>& sorted, int percent) {
    const auto n = static_cast<int64_t>(sorted.size());
    // ceil(percent / 100 * n) in integers, 1-based.
    const int64_t rank = std::clamp<int64_t>((percent * n + 99) / 100, 1, n);
    return sorted[static_cast<size_t>(rank - 1)];
}

}  // namespace

std::optional<UsageGroupBy> parse_usage_group_by(std::string_view name) {
    if (name == "day") return UsageGroupBy::day;
    if (name == "model") return UsageGroupBy::model;
    if (name == "project") return UsageGroupBy::project;
    if (name == "user") return UsageGroupBy::user;
    if (name == "tool") return UsageGroupBy::tool;
    return std::nullopt;
}

std::string_view to_string(UsageGroupBy by) {
    switch (by) {
        case UsageGroupBy::day:
            return "day";
        case UsageGroupBy::model:
            return "model";
        case UsageGroupBy::project:
            return "project";
        case UsageGroupBy::user:
            return "user";
        case UsageGroupBy::tool:
            return "tool";
    }
    return "day";
}

std::optional<UsageSplit> parse_usage_split(std::string_view name) {
    if (name == "model") return UsageSplit::model;
    if (name == "project") return UsageSplit::project;
    if (name == "user") return UsageSplit::user;
    return std::nullopt;
}

std::string_view to_string(UsageSplit split) {
    switch (split) {
        case UsageSplit::model:
            return "model";
        case UsageSplit::project:
            return "project";
        case UsageSplit::user:
            return "user";
    }
    return "model";
}

std::optional<double> cache_hit_ratio(const TokenCounts& tokens) {
    const int64_t prompt =
        tokens.input + tokens.cache_read + tokens.cache_write_5m + tokens.cache_write_1h;
    if (prompt <= 0) return std::nullopt;
    return static_cast<double>(tokens.cache_read) / static_cast<double>(prompt);
}

void UsageGroup::add(const FusedUsageRow& row) {
    calls += row.calls;
    tokens.add(row.tokens);
    cost_usd += row.cost_usd;
    reported_cost_usd += row.reported_cost_usd;
    computed_cost_usd += row.computed_cost_usd;
    unpriced_calls += row.unpriced_calls;
}

UsageAccumulator::UsageAccumulator(UsageGroupBy by, Zone zone, std::optional<UsageSplit> split)
    : by_(by), zone_(std::move(zone)), split_(by == UsageGroupBy::day ? split : std::nullopt) {}

void UsageAccumulator::add(const FusedUsageRow& row) {
    totals_.add(row);
    switch (by_) {
        case UsageGroupBy::day: {
            Day& day = days_[zone_.local_day_number(row.bucket_ts)];
            day.group.add(row);
            if (split_) {
                const std::string& key = *split_ == UsageSplit::model     ? row.model
                                         : *split_ == UsageSplit::project ? row.project
                                                                          : row.user;
                auto it = day.parts.find(key);
                if (it == day.parts.end()) it = day.parts.emplace(key, UsageGroup{}).first;
                it->second.add(row);
            }
            return;
        }
        case UsageGroupBy::model:
            groups_[row.model].add(row);
            return;
        case UsageGroupBy::project:
            groups_[row.project].add(row);
            return;
        case UsageGroupBy::user:
            groups_[row.user].add(row);
            return;
        case UsageGroupBy::tool:
            return;  // tool groups come from tool rows
    }
}

void UsageAccumulator::add(const FusedToolRow& row) {
    if (by_ != UsageGroupBy::tool) return;
    UsageGroup& group = groups_[row.tool_name];
    group.calls += 1;
    group.cost_usd += row.cost_usd;
}

namespace {

// The groups of `map`, keyed, largest cost first.
std::vector<UsageGroup> sorted_groups(
    std::unordered_map<std::string, UsageGroup, TransparentStringHash, std::equal_to<>>& map) {
    std::vector<UsageGroup> out;
    out.reserve(map.size());
    for (auto& [key, group] : map) {
        group.key = key;
        out.push_back(std::move(group));
    }
    std::sort(out.begin(), out.end(), [](const UsageGroup& a, const UsageGroup& b) {
        return larger_cost_first(a, b, a.key, b.key);
    });
    return out;
}

}  // namespace

UsageAnalytics UsageAccumulator::finish() && {
    UsageAnalytics out;
    out.by = by_;
    out.zone = zone_.name();
    out.totals = std::move(totals_);
    if (by_ == UsageGroupBy::day) {
        out.groups.reserve(days_.size());
        for (auto& [number, day] : days_) {
            day.group.key = Zone::format_day_number(number);
            if (split_) day.group.split = sorted_groups(day.parts);
            out.groups.push_back(std::move(day.group));
        }
        return out;
    }
    out.groups = sorted_groups(groups_);
    if (by_ == UsageGroupBy::tool) {
        double attributed = 0;
        for (const UsageGroup& group : out.groups) attributed += group.cost_usd;
        // Rounding in the shares must not show as a tiny negative remainder.
        out.unattributed_cost_usd = std::max(0.0, out.totals.cost_usd - attributed);
    }
    return out;
}

std::optional<DurationStats> duration_stats(std::vector<int64_t>& values) {
    if (values.empty()) return std::nullopt;
    std::sort(values.begin(), values.end());
    DurationStats stats;
    stats.count = static_cast<int64_t>(values.size());
    stats.p50 = nearest_rank(values, 50);
    stats.p90 = nearest_rank(values, 90);
    stats.p95 = nearest_rank(values, 95);
    stats.p99 = nearest_rank(values, 99);
    stats.max = values.back();
    return stats;
}

void ToolStatsAccumulator::add(const FusedToolRow& row) {
    auto it = tools_.find(row.tool_name);
    if (it == tools_.end()) it = tools_.emplace(row.tool_name, Entry{}).first;
    Entry& entry = it->second;
    entry.stats.calls += 1;
    if (row.result == "error") {
        entry.stats.errors += 1;
    } else if (row.result == "denied") {
        entry.stats.denied += 1;
    } else if (row.result == "pending") {
        entry.stats.pending += 1;
    }
    entry.stats.cost_usd += row.cost_usd;
    if (row.duration_ms) entry.durations.push_back(*row.duration_ms);
}

std::vector<ToolStats> ToolStatsAccumulator::finish() && {
    std::vector<ToolStats> out;
    out.reserve(tools_.size());
    for (auto& [name, entry] : tools_) {
        entry.stats.tool_name = name;
        entry.stats.duration_ms = duration_stats(entry.durations);
        out.push_back(std::move(entry.stats));
    }
    std::sort(out.begin(), out.end(), [](const ToolStats& a, const ToolStats& b) {
        if (a.calls != b.calls) return a.calls > b.calls;
        return a.tool_name < b.tool_name;
    });
    return out;
}

void ModelStatsAccumulator::add(const FusedCallRow& row) {
    auto it = models_.find(row.model);
    if (it == models_.end()) it = models_.emplace(row.model, Entry{}).first;
    Entry& entry = it->second;
    entry.stats.calls += 1;
    entry.stats.tokens.add(row.tokens);
    if (row.priced) {
        entry.stats.priced_calls += 1;
        entry.stats.cost_usd += row.cost_usd;
    } else {
        entry.stats.unpriced_calls += 1;
    }
    if (row.duration_ms) entry.durations.push_back(*row.duration_ms);
}

std::vector<ModelStats> ModelStatsAccumulator::finish() && {
    std::vector<ModelStats> out;
    out.reserve(models_.size());
    for (auto& [name, entry] : models_) {
        entry.stats.model = name;
        entry.stats.latency_ms = duration_stats(entry.durations);
        out.push_back(std::move(entry.stats));
    }
    std::sort(out.begin(), out.end(), [](const ModelStats& a, const ModelStats& b) {
        return larger_cost_first(a, b, a.model, b.model);
    });
    return out;
}

BlockCall to_block_call(const FusedCallRow& row) {
    BlockCall call;
    call.ts = row.ts;
    call.model = row.model;
    call.totals.messages = 1;
    call.totals.tokens = row.tokens;
    if (row.priced) {
        call.totals.cost_units = std::llround(row.cost_usd * static_cast<double>(kCostUnitsPerUsd));
    } else {
        call.totals.unpriced_messages = 1;
        call.totals.unpriced_tokens = row.tokens.total();
    }
    return call;
}

}  // namespace agent_trace
