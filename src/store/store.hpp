#pragma once
// What the query layer and the CLI may ask of a store, whatever its engine.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "core/token_counts.hpp"
#include "pipeline/event_sink.hpp"
#include "pipeline/import_sink.hpp"
#include "store/event_reader.hpp"
#include "store/fused_index.hpp"

namespace agent_trace {

struct UsageFilter {
    std::optional<TimestampUs> since;  // inclusive
    std::optional<TimestampUs> until;  // exclusive
    std::string project;               // exact project key or cwd; empty: all
    bool with_identity = true;         // fill session_id, agent_id, project and cwd
};

// One model call, as the usage reports need it. Views are valid during the callback.
struct UsageRow {
    TimestampUs ts = 0;
    std::string_view session_id;
    std::string_view agent_id;
    std::string_view project;
    std::string_view cwd;
    std::string_view model;
    TokenCounts tokens;
    int64_t web_search_requests = 0;
    bool us_inference_geo = false;
    bool is_sidechain = false;
    std::optional<double> reported_cost_usd;
};

// What went wrong across all imports so far (kept per file, latest state).
struct ImportHealth {
    uint64_t files = 0;
    uint64_t malformed_lines = 0;
    uint64_t oversized_lines = 0;
    uint64_t incomplete_lines = 0;
    uint64_t files_unreadable = 0;
};

// A session known from its transcript file, whether or not it made model calls.
struct SessionMarker {
    TimestampUs ts = 0;
    std::string_view session_id;
    std::string_view project;
};

class UsageReader {
public:
    virtual ~UsageReader() = default;
    virtual Status scan_usage(const UsageFilter& filter,
                              const std::function<void(const UsageRow&)>& visit) = 0;

    // The same rows split into up to `max_parts` slices read concurrently:
    // `prepare(n)` is called once with the number of slices, then `visit(slice,
    // row)` from one thread per slice (rows of one slice in order). Slices are in
    // storage order, so visiting them one after the other equals scan_usage().
    virtual Status scan_usage_parallel(const UsageFilter& filter, size_t max_parts,
                                       const std::function<void(size_t)>& prepare,
                                       const std::function<void(size_t, const UsageRow&)>& visit) {
        (void)max_parts;
        prepare(1);
        return scan_usage(filter, [&](const UsageRow& row) { visit(0, row); });
    }
    virtual Status scan_sessions(const UsageFilter& filter,
                                 const std::function<void(const SessionMarker&)>& visit) = 0;
    virtual Result<ImportHealth> import_health() = 0;
};

// Recent arrivals per source, for `status`.
struct SourceActivity {
    std::string source;
    uint64_t events_since = 0;  // ingested at or after the asked time
    uint64_t events_total = 0;
    TimestampUs last_ingest_ts = 0;  // 0: none
    TimestampUs last_event_ts = 0;
};

// Sessions that look live: an event at or after `since`, and no end since they
// last started or were prompted.
struct ActiveSessions {
    uint64_t count = 0;
    std::vector<std::string> session_ids;  // most recent event first, at most the asked limit
};

class ActivityReader {
public:
    virtual ~ActivityReader() = default;
    virtual Result<std::vector<SourceActivity>> source_activity(TimestampUs since) = 0;
    virtual Result<ActiveSessions> active_sessions(TimestampUs since, size_t limit) = 0;
};

// One OpenTelemetry metric data point (kind=metric, source=otel), as the metric
// totals need it. Views are valid during the callback.
struct MetricPoint {
    TimestampUs ts = 0;
    TimestampUs start_ts = 0;      // cumulative points: the running total counts from here
    std::string_view metric;       // "claude_code.cost.usage"
    std::string_view series;       // metric + resource + point attributes, hashed
    std::string_view temporality;  // "delta", "cumulative", "unspecified"
    std::string_view session_id;
    std::string_view model;
    std::string_view type;  // the point's `type` attribute (input, output, added, cli ...)
    double value = 0;
};

struct MetricFilter {
    std::optional<TimestampUs> until;  // exclusive; earlier points are all returned (baselines)
    std::string session_id;            // empty: all
};

class MetricReader {
public:
    virtual ~MetricReader() = default;
    // Points in time order (ts, then storage order).
    virtual Status scan_metric_points(const MetricFilter& filter,
                                      const std::function<void(const MetricPoint&)>& visit) = 0;
};

// The embedded store implements every role.
class Store : public ImportSink,
              public CheckpointSource,
              public UsageReader,
              public EventSink,
              public ActivityReader,
              public MetricReader,
              public FusedIndex,
              public EventReader {
public:
    [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace agent_trace
