#pragma once
// The SQLite side of the fused index (tables from migration 0002): a helper the
// store delegates to, bound to the store's own connection.
#include <span>
#include <string>

#include "core/event.hpp"
#include "store/fused_index.hpp"
#include "store/sqlite/sqlite_handle.hpp"

namespace agent_trace::sqlite {

class FusedIndexTables {
public:
    explicit FusedIndexTables(sqlite3* db) : db_(db) {}

    // Inside the writer's transaction: the sessions of `events` become stale.
    Status mark_stale(std::span<const Event> events);
    // Inside the writer's transaction, for an event just inserted as row `seq`:
    // its content (tier 2 or 3) becomes searchable.
    Status index_text(const Event& event, int64_t seq);

    Result<std::vector<StaleSession>> stale_sessions(size_t limit);
    Status put_fused_session(const FusedSession& fused, int64_t generation);
    Status ensure_fusion_version(int version);
    Result<SessionPage> list_sessions(const SessionListQuery& query);
    Result<uint64_t> count_sessions(const SessionListQuery& query);
    Result<ToolFailurePage> list_tool_failures(const ToolFailureQuery& query);
    Result<std::optional<FusedSessionRow>> find_session(std::string_view session_id);
    Result<std::vector<std::string>> session_ids_with_prefix(std::string_view prefix, size_t limit);
    Status scan_fused_usage(const AnalyticsFilter& filter,
                            const std::function<void(const FusedUsageRow&)>& visit);
    Status scan_fused_calls(const AnalyticsFilter& filter,
                            const std::function<void(const FusedCallRow&)>& visit);
    Status scan_fused_tools(const AnalyticsFilter& filter,
                            const std::function<void(const FusedToolRow&)>& visit);

private:
    Status replace_rows(const FusedSession& fused);
    sqlite3* db_;
    Statement mark_stale_;
    Statement index_text_;
};

}  // namespace agent_trace::sqlite
