#pragma once
// Canonical events read back from the events table (store/event_reader.hpp),
// over a connection the caller owns: the store's own, or a read-only one for a
// reader thread that must not share the writer's connection (the live stream).
#include <memory>
#include <string>

#include "store/event_reader.hpp"
#include "store/sqlite/sqlite_handle.hpp"

namespace agent_trace::sqlite {

class EventReads final : public EventReader {
public:
    explicit EventReads(sqlite3* db) : db_(db) {}

    Status scan_session_events(std::string_view session_id,
                               const std::function<void(Event&&)>& visit) override;
    Status scan_events_after(int64_t after_seq, const EventFeedFilter& filter, size_t limit,
                             const std::function<void(int64_t seq, const Event&)>& visit) override;
    Result<int64_t> last_event_seq() override;
    Result<int64_t> seq_before_last(int64_t up_to_seq, const EventFeedFilter& filter,
                                    size_t count) override;

private:
    sqlite3* db_;
    Statement session_events_;  // prepared on first use, reused
    Statement last_seq_;
};

}  // namespace agent_trace::sqlite

namespace agent_trace {

// An EventReader on its own read-only connection to the database at `path`
// (which must exist). For one thread at a time.
Result<std::unique_ptr<EventReader>> open_sqlite_event_reader(const std::string& path);

}  // namespace agent_trace
