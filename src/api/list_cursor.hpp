#pragma once
// The lists' opaque cursors: base64url of the keyset position plus the sort, the
// order and a fingerprint of the filters it was issued for, so a cursor replayed
// against another query is refused instead of skipping rows. The sessions list
// and the failed tool calls list each have their own (a version tag tells them
// apart).
#include <optional>
#include <string>
#include <string_view>

#include "store/fused_index.hpp"

namespace agent_trace::api {

struct ListCursor {
    SessionSort sort = SessionSort::last_activity;
    bool descending = true;
    std::string filter_fingerprint;
    SessionCursor position;
};

std::string encode_list_cursor(const ListCursor& cursor);
// nullopt when the text is not a cursor encode_list_cursor() made.
std::optional<ListCursor> decode_list_cursor(std::string_view text);

// Identifies the filters of a list query (not its sort, order, limit or position).
std::string session_filter_fingerprint(const SessionListQuery& query);

// The same for the failed tool calls list (newest first, one order).
struct ToolFailureListCursor {
    std::string filter_fingerprint;
    ToolFailureCursor position;
};

std::string encode_failure_cursor(const ToolFailureListCursor& cursor);
std::optional<ToolFailureListCursor> decode_failure_cursor(std::string_view text);
std::string failure_filter_fingerprint(const ToolFailureQuery& query);

}  // namespace agent_trace::api
