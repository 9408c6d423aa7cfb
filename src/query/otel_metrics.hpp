#pragma once
// Totals of Claude Code's own OpenTelemetry counters (cost, tokens by type, sessions,
// lines of code, commits, PRs, edit decisions, active time), right under either
// temporality: delta points are summed; cumulative points are turned into the
// increments between consecutive points of a series (a value below the previous
// one, or a new start_ts, is a restart of the sender and counts from zero). A gauge
// contributes the last reading of each series.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace agent_trace {

enum class MetricGroup : uint8_t { none, day, session, model };

std::optional<MetricGroup> parse_metric_group(std::string_view name);

struct MetricTotal {
    std::string metric;  // "claude_code.token.usage"
    std::string group;   // the day, session or model ("" for none)
    std::string type;    // the `type` attribute ("input", "added", ...; "" when absent)
    double value = 0;
    uint64_t points = 0;  // data points that contributed
};

struct MetricTotalsOptions {
    std::optional<TimestampUs> since;  // inclusive
    std::optional<TimestampUs> until;  // exclusive
    std::string session_id;            // empty: all sessions
    MetricGroup group = MetricGroup::none;
    Zone zone = Zone::utc();  // cuts days for MetricGroup::day
};

// Accumulates points in time order (what MetricReader returns).
class MetricTotalsBuilder {
public:
    explicit MetricTotalsBuilder(const MetricTotalsOptions& options) : options_(options) {}
    void add(const MetricPoint& point);
    // Sorted by metric, group, type.
    [[nodiscard]] std::vector<MetricTotal> totals() const;

private:
    const MetricTotalsOptions& options_;
    // Last value per (series, start_ts) of cumulative series.
    std::map<std::pair<std::string, TimestampUs>, double> last_cumulative_;
    using TotalKey = std::tuple<std::string, std::string, std::string>;  // metric, group, type
    std::map<TotalKey, MetricTotal> totals_;
    // Gauges (no temporality): the last reading per series, and where it counts.
    std::map<std::string, std::pair<TotalKey, double>> last_gauge_;
};

Result<std::vector<MetricTotal>> otel_metric_totals(MetricReader& reader,
                                                    const MetricTotalsOptions& options);

}  // namespace agent_trace
