#include "api/analytics_routes.hpp"

#include <optional>
#include <vector>

#include "api/api_routes.hpp"
#include "api/list_cursor.hpp"
#include "api/time_window.hpp"
#include "core/json_writer.hpp"
#include "query/analytics.hpp"
#include "query/timeline_json.hpp"

namespace agent_trace::api {
namespace {

constexpr int kUsdDecimals = 8;
constexpr int kRatioDecimals = 6;

ApiError store_failed(const Error& error) {
    return ApiError{ApiErrorCode::internal, "reading the store failed: " + error.message, ""};
}

struct AnalyticsRequest {
    TimeWindow window;
    AnalyticsFilter filter;
};

ApiResult<AnalyticsRequest> parse_analytics_request(const QueryParams& params) {
    auto window = parse_time_window(params);
    if (!window.ok()) return window.error();
    AnalyticsRequest request;
    request.filter.since = window->since;
    request.filter.until = window->until;
    request.filter.project = std::string(params.get("project"));
    request.filter.user = std::string(params.get("user"));
    request.filter.model = std::string(params.get("model"));
    request.filter.session_id = std::string(params.get("session_id"));
    request.window = std::move(*window);
    return request;
}

void write_optional_ts(JsonWriter& w, std::string_view name, const std::optional<TimestampUs>& ts) {
    w.key(name);
    if (ts) {
        w.value(format_iso8601_utc(*ts));
    } else {
        w.null();
    }
}

// The window the answer covers, echoed so a client sees how dates were read.
void write_window(JsonWriter& w, const TimeWindow& window) {
    w.key("zone").value(window.zone.name());
    write_optional_ts(w, "since", window.since);
    write_optional_ts(w, "until", window.until);
}

void write_ratio(JsonWriter& w, std::string_view name, const std::optional<double>& ratio) {
    w.key(name);
    if (ratio) {
        w.value(*ratio, kRatioDecimals);
    } else {
        w.null();
    }
}

void write_durations(JsonWriter& w, std::string_view name,
                     const std::optional<DurationStats>& stats) {
    w.key(name);
    if (!stats) {
        w.null();
        return;
    }
    w.begin_object();
    w.key("count").value(stats->count);
    w.key("p50").value(stats->p50);
    w.key("p90").value(stats->p90);
    w.key("p95").value(stats->p95);
    w.key("p99").value(stats->p99);
    w.key("max").value(stats->max);
    w.end_object();
}

// A usage group's figures (by=tool groups carry only calls and their cost share).
void write_usage_fields(JsonWriter& w, const UsageGroup& group, bool with_tokens) {
    w.key("calls").value(group.calls);
    w.key("cost_usd").value(group.cost_usd, kUsdDecimals);
    if (!with_tokens) return;
    write_tokens(w, group.tokens);
    w.key("reported_cost_usd").value(group.reported_cost_usd, kUsdDecimals);
    w.key("computed_cost_usd").value(group.computed_cost_usd, kUsdDecimals);
    w.key("unpriced_calls").value(group.unpriced_calls);
    write_ratio(w, "cache_hit_ratio", cache_hit_ratio(group.tokens));
}

}  // namespace

ApiResult<std::string> usage_analytics(ApiContext& context, const QueryParams& params) {
    const auto by = parse_usage_group_by(params.has("by") ? params.get("by") : "day");
    if (!by) return bad_param("by", "unknown grouping");
    std::optional<UsageSplit> split;
    if (params.has("split")) {
        split = parse_usage_split(params.get("split"));
        if (!split) return bad_param("split", "unknown split");
        if (*by != UsageGroupBy::day) {
            return bad_param("split", "split is taken with by=day only (each day's usage per " +
                                          std::string(params.get("split")) + ")");
        }
    }
    auto request = parse_analytics_request(params);
    if (!request.ok()) return request.error();
    if (*by == UsageGroupBy::tool && !request->filter.model.empty()) {
        // Tool rows carry no model: their shares could not be narrowed the same way.
        return bad_param("model", "model cannot be combined with by=tool");
    }
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    // One scan of the fused usage rows: the days and their splits are summed here,
    // which is faster than SQLite's GROUP BY sorting them (docs/api.md).
    UsageAccumulator usage(*by, request->window.zone, split);
    Status scanned = lease->index().scan_fused_usage(
        request->filter, [&](const FusedUsageRow& row) { usage.add(row); });
    if (scanned.ok() && *by == UsageGroupBy::tool) {
        scanned = lease->index().scan_fused_tools(request->filter,
                                                  [&](const FusedToolRow& row) { usage.add(row); });
    }
    if (!scanned.ok()) return store_failed(scanned.error());
    const UsageAnalytics result = std::move(usage).finish();

    const bool group_tokens = *by != UsageGroupBy::tool;
    JsonWriter w;
    w.begin_object();
    w.key("by").value(to_string(*by));
    if (split) w.key("split").value(to_string(*split));
    write_window(w, request->window);
    w.key("groups").begin_array();
    for (const UsageGroup& group : result.groups) {
        w.begin_object().key("key").value(group.key);
        write_usage_fields(w, group, group_tokens);
        if (split) {
            w.key("split").begin_array();
            for (const UsageGroup& part : group.split) {
                w.begin_object().key("key").value(part.key);
                w.key("calls").value(part.calls);
                w.key("cost_usd").value(part.cost_usd, kUsdDecimals);
                write_tokens(w, part.tokens);
                w.key("unpriced_calls").value(part.unpriced_calls);
                w.end_object();
            }
            w.end_array();
        }
        w.end_object();
    }
    w.end_array();
    w.key("totals").begin_object();
    write_usage_fields(w, result.totals, true);
    w.end_object();
    if (*by == UsageGroupBy::tool) {
        w.key("unattributed_cost_usd").value(result.unattributed_cost_usd, kUsdDecimals);
    }
    w.end_object();
    return w.take();
}

ApiResult<std::string> tool_analytics(ApiContext& context, const QueryParams& params) {
    auto request = parse_analytics_request(params);
    if (!request.ok()) return request.error();
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    ToolStatsAccumulator tools;
    const Status scanned = lease->index().scan_fused_tools(
        request->filter, [&](const FusedToolRow& row) { tools.add(row); });
    if (!scanned.ok()) return store_failed(scanned.error());
    const std::vector<ToolStats> stats = std::move(tools).finish();

    ToolStats totals;
    JsonWriter w;
    w.begin_object();
    write_window(w, request->window);
    w.key("tools").begin_array();
    for (const ToolStats& tool : stats) {
        w.begin_object();
        w.key("tool_name").value(tool.tool_name);
        w.key("calls").value(tool.calls);
        w.key("errors").value(tool.errors);
        w.key("denied").value(tool.denied);
        w.key("pending").value(tool.pending);
        w.key("error_rate").value(tool.error_rate(), kRatioDecimals);
        w.key("cost_usd").value(tool.cost_usd, kUsdDecimals);
        write_durations(w, "duration_ms", tool.duration_ms);
        w.end_object();
        totals.calls += tool.calls;
        totals.errors += tool.errors;
        totals.denied += tool.denied;
        totals.pending += tool.pending;
    }
    w.end_array();
    w.key("totals").begin_object();
    w.key("calls").value(totals.calls);
    w.key("errors").value(totals.errors);
    w.key("denied").value(totals.denied);
    w.key("pending").value(totals.pending);
    w.key("error_rate").value(totals.error_rate(), kRatioDecimals);
    w.end_object();
    w.end_object();
    return w.take();
}

ApiResult<std::string> tool_failures(ApiContext& context, const QueryParams& params) {
    auto request = parse_analytics_request(params);
    if (!request.ok()) return request.error();
    ToolFailureQuery query;
    query.filter = request->filter;
    query.tool_name = std::string(params.get("tool"));
    query.result = std::string(params.get("result"));
    query.limit = kDefaultFailurePageSize;
    if (const auto limit = params.get_int("limit")) query.limit = static_cast<size_t>(*limit);
    const std::string fingerprint = failure_filter_fingerprint(query);
    if (params.has("cursor")) {
        const auto cursor = decode_failure_cursor(params.get("cursor"));
        if (!cursor) {
            return ApiError{ApiErrorCode::invalid_cursor, "cursor is not a cursor this API issued",
                            "cursor"};
        }
        if (cursor->filter_fingerprint != fingerprint) {
            return ApiError{ApiErrorCode::invalid_cursor,
                            "cursor was issued for another filter; start again without it",
                            "cursor"};
        }
        query.after = cursor->position;
    }
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    auto page = lease->index().list_tool_failures(query);
    if (!page.ok()) return store_failed(page.error());

    JsonWriter w;
    w.begin_object();
    write_window(w, request->window);
    w.key("failures").begin_array();
    for (const FusedToolRow& row : page->rows) {
        w.begin_object();
        w.key("session_id").value(row.session_id);
        w.key("project").value(row.project);
        w.key("agent_id").value(row.agent_id);
        w.key("tool_use_id").value(row.tool_use_id);
        w.key("tool_name").value(row.tool_name);
        w.key("ts").value(format_iso8601_utc(row.ts));
        w.key("duration_ms");
        if (row.duration_ms) {
            w.value(*row.duration_ms);
        } else {
            w.null();
        }
        w.key("result").value(row.result);
        w.end_object();
    }
    w.end_array();
    w.key("next_cursor");
    if (page->next) {
        w.value(encode_failure_cursor({fingerprint, *page->next}));
    } else {
        w.null();
    }
    w.end_object();
    return w.take();
}

ApiResult<std::string> model_analytics(ApiContext& context, const QueryParams& params) {
    auto request = parse_analytics_request(params);
    if (!request.ok()) return request.error();
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    ModelStatsAccumulator models;
    const Status scanned = lease->index().scan_fused_calls(
        request->filter, [&](const FusedCallRow& row) { models.add(row); });
    if (!scanned.ok()) return store_failed(scanned.error());
    const std::vector<ModelStats> stats = std::move(models).finish();

    JsonWriter w;
    w.begin_object();
    write_window(w, request->window);
    w.key("models").begin_array();
    for (const ModelStats& model : stats) {
        w.begin_object();
        w.key("model").value(model.model);
        w.key("calls").value(model.calls);
        w.key("priced_calls").value(model.priced_calls);
        w.key("unpriced_calls").value(model.unpriced_calls);
        write_tokens(w, model.tokens);
        w.key("cost_usd").value(model.cost_usd, kUsdDecimals);
        write_ratio(w, "cache_hit_ratio", cache_hit_ratio(model.tokens));
        write_durations(w, "latency_ms", model.latency_ms);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.take();
}

namespace {

void write_block(JsonWriter& w, const ReportRow& block) {
    w.begin_object();
    w.key("start").value(block.key);
    w.key("end").value(format_iso8601_utc(block.block_end));
    w.key("active").value(block.active);
    w.key("first_call").value(format_iso8601_utc(block.first_ts));
    w.key("last_call").value(format_iso8601_utc(block.last_ts));
    w.key("calls").value(block.totals.messages);
    write_tokens(w, block.totals.tokens);
    w.key("cost_usd").value(block.totals.cost_usd(), kUsdDecimals);
    w.key("unpriced_calls").value(block.totals.unpriced_messages);
    w.key("models").begin_array();
    for (const std::string& model : block.models) w.value(model);
    w.end_array();
    w.key("burn_tokens_per_minute").value(block.burn_tokens_per_minute, 2);
    w.key("burn_usd_per_hour").value(block.burn_usd_per_hour, kUsdDecimals);
    w.key("projected_cost_usd");
    if (block.active) {
        w.value(block.projected_cost_usd, kUsdDecimals);
    } else {
        w.null();
    }
    w.key("projected_total_tokens");
    if (block.active) {
        w.value(block.projected_total_tokens);
    } else {
        w.null();
    }
    w.end_object();
}

}  // namespace

ApiResult<std::string> billing_blocks(ApiContext& context, const QueryParams& params,
                                      TimestampUs now) {
    auto request = parse_analytics_request(params);
    if (!request.ok()) return request.error();
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    std::vector<BlockCall> calls;
    const Status scanned = lease->index().scan_fused_calls(
        request->filter, [&](const FusedCallRow& row) { calls.push_back(to_block_call(row)); });
    if (!scanned.ok()) return store_failed(scanned.error());
    const std::vector<ReportRow> blocks = build_billing_blocks(std::move(calls), now);

    JsonWriter w;
    w.begin_object();
    write_window(w, request->window);
    w.key("now").value(format_iso8601_utc(now));
    w.key("blocks").begin_array();
    const ReportRow* active = nullptr;
    for (const ReportRow& block : blocks) {
        write_block(w, block);
        if (block.active) active = &block;
    }
    w.end_array();
    w.key("active");
    if (active != nullptr) {
        write_block(w, *active);
    } else {
        w.null();
    }
    w.end_object();
    return w.take();
}

}  // namespace agent_trace::api
