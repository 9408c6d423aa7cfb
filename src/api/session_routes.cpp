#include "api/session_routes.hpp"

#include <optional>
#include <vector>

#include "api/session_list_request.hpp"
#include "core/json_writer.hpp"
#include "query/session_fusion.hpp"
#include "query/timeline_json.hpp"

namespace agent_trace::api {
namespace {

ApiError store_failed(const Error& error) {
    return ApiError{ApiErrorCode::internal, "reading the store failed: " + error.message, ""};
}

// Fuses the session from its stored events; not_found when it has none.
ApiResult<SessionTimeline> fused_timeline(ApiContext& context, std::string_view session_id) {
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    auto timeline = fuse_stored_session(lease->events(), session_id, context.pricing);
    if (!timeline.ok()) return store_failed(timeline.error());
    if (!*timeline) {
        return ApiError{ApiErrorCode::not_found, "no session " + std::string(session_id), "id"};
    }
    return std::move(**timeline);
}

}  // namespace

ApiResult<std::string> list_sessions(ApiContext& context, const QueryParams& params) {
    auto query = parse_session_list_request(params, context.max_page_size);
    if (!query.ok()) return query.error();
    auto lease = context.connections.acquire();
    if (!lease.ok()) return store_failed(lease.error());
    auto page = lease->index().list_sessions(*query);
    if (!page.ok()) return store_failed(page.error());
    std::optional<uint64_t> total;
    if (params.get_bool("include_total").value_or(false)) {
        auto counted = lease->index().count_sessions(*query);
        if (!counted.ok()) return store_failed(counted.error());
        total = *counted;
    }
    JsonWriter w;
    w.begin_object().key("sessions").begin_array();
    for (const FusedSessionRow& row : page->rows) write_session_row(w, row);
    w.end_array().key("next_cursor");
    if (page->next) {
        w.value(next_page_cursor(*query, *page->next));
    } else {
        w.null();
    }
    if (total) w.key("total").value(*total);
    w.end_object();
    return w.take();
}

ApiResult<std::string> session_detail(ApiContext& context, std::string_view session_id) {
    auto timeline = fused_timeline(context, session_id);
    if (!timeline.ok()) return timeline.error();
    return session_detail_json(*timeline);
}

ApiResult<std::string> session_timeline(ApiContext& context, std::string_view session_id,
                                        const QueryParams& params) {
    const TimelineView view =
        params.get("view") == "tree" ? TimelineView::tree : TimelineView::flat;
    auto timeline = fused_timeline(context, session_id);
    if (!timeline.ok()) return timeline.error();
    return timeline_json(*timeline, view);
}

ApiResult<std::string> session_linking(ApiContext& context, std::string_view session_id) {
    auto timeline = fused_timeline(context, session_id);
    if (!timeline.ok()) return timeline.error();
    return linking_json(*timeline);
}

}  // namespace agent_trace::api
