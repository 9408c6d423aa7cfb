// Canonical events read back from a real SQLite file: every column round-trips,
// a session comes back in time order, and the feed after a sequence number
// honours its filters, its limit and storage order.
#include "store/sqlite/event_reads.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/store_support.hpp"
#include "../support/test_support.hpp"
#include "core/event.hpp"
#include "core/ids.hpp"

namespace agent_trace {
namespace {

using testing_support::commit_batch;
using testing_support::open_store;
using testing_support::TempDir;

// 2026-03-02T10:00:00Z
constexpr TimestampUs kT0 = 1'772'445'600'000'000;
constexpr TimestampUs kSecond = 1'000'000;

Event hook_event(const std::string& key, EventKind kind, const std::string& session,
                 TimestampUs ts) {
    Event e;
    e.event_id = hash_event_id({"test", key});
    e.source = Source::hook;
    e.kind = kind;
    e.ts = ts;
    e.ingest_ts = ts + 5;
    e.session_id = session;
    e.project = "-home-dev-" + session;
    e.cwd = "/home/dev/" + session;
    return e;
}

// An event with every optional field set, so a lost column shows.
Event full_event() {
    Event e = hook_event("full", EventKind::api_request, "sess-a", kT0 + 3 * kSecond);
    e.source = Source::otel;
    e.agent_id = "agent-7";
    e.prompt_id = "prompt-1";
    e.message_id = "msg_01";
    e.request_id = "req_01";
    e.tool_use_id = "toolu_01";
    e.parent_uuid = "parent-uuid";
    e.user = "dev@example.com";
    e.host = "workstation";
    e.git_branch = "main";
    e.app_version = "2.1.0";
    e.model = "claude-sonnet-4-5";
    e.set_token_counts({11, 22, 33, 44, 55});
    e.cost_usd = 0.125;
    e.cost_source = CostSource::reported;
    e.tool_name = "Bash";
    e.duration_ms = 1234;
    e.success = false;
    e.error = "exit status 2";
    e.is_sidechain = true;
    e.tier = 3;
    e.attrs = R"({"command":"ls","n":1})";
    return e;
}

void expect_same(const Event& got, const Event& want) {
    EXPECT_EQ(got.event_id, want.event_id);
    EXPECT_EQ(got.source, want.source);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.ts, want.ts);
    EXPECT_EQ(got.ingest_ts, want.ingest_ts);
    EXPECT_EQ(got.session_id, want.session_id);
    EXPECT_EQ(got.agent_id, want.agent_id);
    EXPECT_EQ(got.prompt_id, want.prompt_id);
    EXPECT_EQ(got.message_id, want.message_id);
    EXPECT_EQ(got.request_id, want.request_id);
    EXPECT_EQ(got.tool_use_id, want.tool_use_id);
    EXPECT_EQ(got.parent_uuid, want.parent_uuid);
    EXPECT_EQ(got.user, want.user);
    EXPECT_EQ(got.host, want.host);
    EXPECT_EQ(got.project, want.project);
    EXPECT_EQ(got.cwd, want.cwd);
    EXPECT_EQ(got.git_branch, want.git_branch);
    EXPECT_EQ(got.app_version, want.app_version);
    EXPECT_EQ(got.model, want.model);
    EXPECT_EQ(got.token_counts(), want.token_counts());
    EXPECT_EQ(got.cost_usd, want.cost_usd);
    EXPECT_EQ(got.cost_source, want.cost_source);
    EXPECT_EQ(got.tool_name, want.tool_name);
    EXPECT_EQ(got.duration_ms, want.duration_ms);
    EXPECT_EQ(got.success, want.success);
    EXPECT_EQ(got.error, want.error);
    EXPECT_EQ(got.is_sidechain, want.is_sidechain);
    EXPECT_EQ(got.tier, want.tier);
    EXPECT_EQ(got.attrs, want.attrs);
}

struct Fed {
    int64_t seq;
    std::string id;
};

std::vector<Fed> feed(EventReader& reader, int64_t after, const EventFeedFilter& filter,
                      size_t limit = 1000) {
    std::vector<Fed> out;
    const Status s =
        reader.scan_events_after(after, filter, limit, [&](int64_t seq, const Event& e) {
            out.push_back({seq, e.tool_use_id});
        });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return out;
}

std::vector<std::string> ids(const std::vector<Fed>& fed) {
    std::vector<std::string> out;
    out.reserve(fed.size());
    for (const Fed& f : fed) out.push_back(f.id);
    return out;
}

class EventReadsTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.file("agent-trace.db"));
        ASSERT_NE(store_, nullptr);
    }

    // Stores events named by their tool_use_id, one batch per call.
    void store(std::vector<Event> events) {
        ASSERT_TRUE(commit_batch(*store_, std::move(events)).ok());
    }

    static Event named(const std::string& id, EventKind kind, const std::string& session,
                       TimestampUs ts) {
        Event e = hook_event(id, kind, session, ts);
        e.tool_use_id = id;
        return e;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
};

TEST_F(EventReadsTest, EveryColumnRoundTrips) {
    const Event minimal = hook_event("minimal", EventKind::session_start, "sess-a", kT0);
    store({minimal, full_event()});
    std::vector<Event> got;
    ASSERT_TRUE(
        store_->scan_session_events("sess-a", [&](const Event& e) { got.push_back(e); }).ok());
    ASSERT_EQ(got.size(), 2u);
    expect_same(got[0], minimal);
    expect_same(got[1], full_event());
    EXPECT_FALSE(got[0].cost_usd.has_value());
    EXPECT_FALSE(got[0].duration_ms.has_value());
    EXPECT_FALSE(got[0].success.has_value());
    EXPECT_EQ(got[0].cost_source, CostSource::none);
}

TEST_F(EventReadsTest, SessionEventsComeInTimeOrderThenStorageOrder) {
    // Stored out of time order, two with the same ts, and another session between.
    store({named("late", EventKind::tool_end, "s1", kT0 + 9 * kSecond),
           named("other", EventKind::tool_end, "s2", kT0)});
    store({named("tie-1", EventKind::tool_start, "s1", kT0 + 5 * kSecond),
           named("early", EventKind::user_prompt, "s1", kT0 + 1 * kSecond),
           named("tie-2", EventKind::tool_start, "s1", kT0 + 5 * kSecond)});
    std::vector<std::string> order;
    ASSERT_TRUE(
        store_->scan_session_events("s1", [&](const Event& e) { order.push_back(e.tool_use_id); })
            .ok());
    EXPECT_EQ(order, (std::vector<std::string>{"early", "tie-1", "tie-2", "late"}));
    // Twice on the same connection: the reused statement starts over.
    order.clear();
    ASSERT_TRUE(
        store_->scan_session_events("s1", [&](const Event& e) { order.push_back(e.tool_use_id); })
            .ok());
    EXPECT_EQ(order.size(), 4u);
    size_t none = 0;
    ASSERT_TRUE(store_->scan_session_events("no-such-session", [&](const Event&) { ++none; }).ok());
    EXPECT_EQ(none, 0u);
}

TEST_F(EventReadsTest, FeedAfterASequenceIsInStorageOrderWithFilters) {
    auto last = store_->last_event_seq();
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, 0);
    store({named("a1", EventKind::user_prompt, "s1", kT0 + 50 * kSecond),
           named("b1", EventKind::tool_start, "s2", kT0),
           named("a2", EventKind::tool_start, "s1", kT0 + 10 * kSecond)});
    store({named("b2", EventKind::tool_end, "s2", kT0 + kSecond),
           named("a3", EventKind::tool_end, "s1", kT0 + 11 * kSecond)});

    const std::vector<Fed> all = feed(*store_, 0, {});
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(ids(all), (std::vector<std::string>{"a1", "b1", "a2", "b2", "a3"}));
    for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].seq, all[i - 1].seq);
    last = store_->last_event_seq();
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, all.back().seq);

    EXPECT_EQ(ids(feed(*store_, all[1].seq, {})), (std::vector<std::string>{"a2", "b2", "a3"}));
    EXPECT_EQ(ids(feed(*store_, all[0].seq, {}, 2)), (std::vector<std::string>{"b1", "a2"}));
    EXPECT_TRUE(feed(*store_, all.back().seq, {}).empty());
    EXPECT_TRUE(feed(*store_, 0, {}, 0).empty());

    EventFeedFilter session;
    session.session_id = "s2";
    EXPECT_EQ(ids(feed(*store_, 0, session)), (std::vector<std::string>{"b1", "b2"}));

    EventFeedFilter project;
    project.project = "-home-dev-s1";
    EXPECT_EQ(ids(feed(*store_, 0, project)), (std::vector<std::string>{"a1", "a2", "a3"}));
    project.project = "/home/dev/s2";  // the cwd matches as well
    EXPECT_EQ(ids(feed(*store_, 0, project)), (std::vector<std::string>{"b1", "b2"}));

    EventFeedFilter kinds;
    kinds.kinds = {EventKind::tool_start, EventKind::tool_end};
    EXPECT_EQ(ids(feed(*store_, all[0].seq, kinds)),
              (std::vector<std::string>{"b1", "a2", "b2", "a3"}));
    kinds.session_id = "s1";
    kinds.project = "-home-dev-s1";
    EXPECT_EQ(ids(feed(*store_, 0, kinds, 1)), (std::vector<std::string>{"a2"}));
}

TEST_F(EventReadsTest, ASecondCopyKeepsItsPlaceInTheFeed) {
    store({named("x", EventKind::tool_start, "s1", kT0)});
    const std::vector<Fed> first = feed(*store_, 0, {});
    ASSERT_EQ(first.size(), 1u);
    store(
        {named("x", EventKind::tool_start, "s1", kT0), named("y", EventKind::tool_end, "s1", kT0)});
    const std::vector<Fed> after = feed(*store_, first[0].seq, {});
    EXPECT_EQ(ids(after), (std::vector<std::string>{"y"}));
}

// What ?tail=N starts from: scan_events_after(seq_before_last(...)) gives the last N
// matching events up to a point, in storage order.
std::vector<std::string> tail(EventReader& reader, int64_t up_to, const EventFeedFilter& filter,
                              size_t count) {
    auto from = reader.seq_before_last(up_to, filter, count);
    EXPECT_TRUE(from.ok()) << (from.ok() ? "" : from.error().message);
    if (!from.ok()) return {};
    std::vector<std::string> out;
    for (const Fed& f : feed(reader, *from, filter)) {
        if (f.seq <= up_to) out.push_back(f.id);
    }
    return out;
}

TEST_F(EventReadsTest, TheLastEventsMatchingAFilterUpToAPoint) {
    store({named("a1", EventKind::user_prompt, "s1", kT0 + 50 * kSecond),
           named("b1", EventKind::tool_start, "s2", kT0),
           named("a2", EventKind::tool_start, "s1", kT0 + 10 * kSecond)});
    store({named("b2", EventKind::tool_end, "s2", kT0 + kSecond),
           named("a3", EventKind::tool_end, "s1", kT0 + 11 * kSecond)});
    const std::vector<Fed> all = feed(*store_, 0, {});
    ASSERT_EQ(all.size(), 5u);
    const int64_t end = all.back().seq;

    EXPECT_EQ(tail(*store_, end, {}, 2), (std::vector<std::string>{"b2", "a3"}));
    EXPECT_EQ(tail(*store_, end, {}, 5), (std::vector<std::string>{"a1", "b1", "a2", "b2", "a3"}));
    EXPECT_EQ(tail(*store_, end, {}, 100),
              (std::vector<std::string>{"a1", "b1", "a2", "b2", "a3"}));
    // Up to an earlier point: what came later is not part of it.
    EXPECT_EQ(tail(*store_, all[2].seq, {}, 2), (std::vector<std::string>{"b1", "a2"}));
    auto none = store_->seq_before_last(end, {}, 0);
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(*none, end);  // nothing to replay

    EventFeedFilter session;
    session.session_id = "s1";
    EXPECT_EQ(tail(*store_, end, session, 2), (std::vector<std::string>{"a2", "a3"}));
    EXPECT_EQ(tail(*store_, end, session, 9), (std::vector<std::string>{"a1", "a2", "a3"}));
    EventFeedFilter project;
    project.project = "/home/dev/s2";
    EXPECT_EQ(tail(*store_, end, project, 1), (std::vector<std::string>{"b2"}));
    EventFeedFilter kinds;
    kinds.kinds = {EventKind::tool_start, EventKind::user_prompt};
    EXPECT_EQ(tail(*store_, end, kinds, 2), (std::vector<std::string>{"b1", "a2"}));
    kinds.session_id = "s2";
    EXPECT_EQ(tail(*store_, end, kinds, 2), (std::vector<std::string>{"b1"}));
}

// Past the newest rows (walked one by one), a rare kind is looked up through its index.
TEST_F(EventReadsTest, TheLastEventsOfARareKindLieBeyondTheRecentRows) {
    store({named("old-end", EventKind::session_end, "s1", kT0),
           named("old-start", EventKind::session_start, "s2", kT0)});
    constexpr int kRows = 60'000;  // more than the rows walked back one by one
    std::vector<Event> batch;
    batch.reserve(kRows);
    for (int i = 0; i < kRows; ++i) {
        batch.push_back(
            named("n" + std::to_string(i), EventKind::notification, "s3", kT0 + (i + 1) * kSecond));
    }
    store(std::move(batch));
    store({named("new-end", EventKind::session_end, "s4", kT0 + 2 * kRows * kSecond)});
    auto last = store_->last_event_seq();
    ASSERT_TRUE(last.ok());

    EventFeedFilter ends;
    ends.kinds = {EventKind::session_end, EventKind::session_start};
    EXPECT_EQ(tail(*store_, *last, ends, 2), (std::vector<std::string>{"old-start", "new-end"}));
    EXPECT_EQ(tail(*store_, *last, ends, 5),
              (std::vector<std::string>{"old-end", "old-start", "new-end"}));
    EventFeedFilter project;
    project.project = "-home-dev-s1";
    EXPECT_EQ(tail(*store_, *last, project, 3), (std::vector<std::string>{"old-end"}));
    EXPECT_EQ(tail(*store_, *last, {}, 2), (std::vector<std::string>{"n59999", "new-end"}));
}

TEST_F(EventReadsTest, AReadOnlyReaderSeesCommittedWritesOfAnotherConnection) {
    store({named("a", EventKind::tool_start, "s1", kT0)});
    auto reader = open_sqlite_event_reader(dir_.file("agent-trace.db").string());
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto last = (*reader)->last_event_seq();
    ASSERT_TRUE(last.ok());
    store({named("b", EventKind::tool_end, "s1", kT0 + kSecond)});
    EXPECT_EQ(ids(feed(**reader, *last, {})), (std::vector<std::string>{"b"}));
    std::vector<Event> events;
    ASSERT_TRUE(
        (*reader)->scan_session_events("s1", [&](const Event& e) { events.push_back(e); }).ok());
    EXPECT_EQ(events.size(), 2u);
}

TEST_F(EventReadsTest, OpeningAMissingDatabaseFailsWithItsPath) {
    auto reader = open_sqlite_event_reader(dir_.file("missing/agent-trace.db").string());
    ASSERT_FALSE(reader.ok());
    EXPECT_NE(reader.error().message.find("missing"), std::string::npos);
}

}  // namespace
}  // namespace agent_trace
