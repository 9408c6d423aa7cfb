#include "pipeline/dlq/dead_letter_queue.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../support/test_support.hpp"
#include "pipeline/event_codec.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

std::unique_ptr<DeadLetterQueue> open_dlq(const fs::path& dir) {
    auto dlq = open_dead_letter_queue(dir.string());
    EXPECT_TRUE(dlq.ok()) << (dlq.ok() ? "" : dlq.error().message);
    return dlq.ok() ? std::move(*dlq) : nullptr;
}

DeadLetter entry(const std::string& id, TimestampUs failed_at) {
    Event e;
    e.event_id = hash_event_id({"dlq-test", id});
    e.source = Source::hook;
    e.kind = EventKind::tool_end;
    e.ts = failed_at - 10;
    e.attrs = R"({"k":"v"})";
    DeadLetter d;
    d.id = id;
    d.failed_at = failed_at;
    d.reason = "invalid event from hook: session_id is empty";
    d.origin = "writer";
    d.event_json = event_to_json(e);
    return d;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(DeadLetterQueue, PutGetListRemoveCount) {
    TempDir dir;
    auto dlq = open_dlq(dir.path() / "dlq");
    ASSERT_TRUE(dlq);
    EXPECT_EQ(*dlq->count(), 0U);
    ASSERT_TRUE(dlq->put(entry("0000000000000003", 3'000)).ok());
    ASSERT_TRUE(dlq->put(entry("0000000000000001", 1'000)).ok());
    ASSERT_TRUE(dlq->put(entry("0000000000000002", 2'000)).ok());
    EXPECT_EQ(*dlq->count(), 3U);

    auto list = dlq->list();
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 3U);
    EXPECT_EQ((*list)[0].id, "0000000000000001") << "oldest first";
    EXPECT_EQ((*list)[2].id, "0000000000000003");

    const DeadLetter expected = entry("0000000000000002", 2'000);
    auto got = dlq->get("0000000000000002");
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    const DeadLetter& d = **got;
    EXPECT_EQ(d.failed_at, expected.failed_at);
    EXPECT_EQ(d.reason, expected.reason);
    EXPECT_EQ(d.origin, expected.origin);
    EXPECT_EQ(d.event_json, expected.event_json);
    EXPECT_EQ(d.raw_hex, "");

    ASSERT_TRUE(dlq->remove("0000000000000002").ok());
    EXPECT_EQ(*dlq->count(), 2U);
    auto gone = dlq->get("0000000000000002");
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value());
    auto again = dlq->remove("0000000000000002");
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("no dead letter"), std::string::npos);

    // Another process (the CLI) sees the same entries.
    auto other = open_dlq(dir.path() / "dlq");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->list()->size(), 2U);
}

TEST(DeadLetterQueue, FileIsReadableJsonWithTheEventEmbedded) {
    TempDir dir;
    auto dlq = open_dlq(dir.path());
    ASSERT_TRUE(dlq);
    DeadLetter d = entry("abc", testing_support::at("2026-03-02T10:00:00Z"));
    ASSERT_TRUE(dlq->put(d).ok());
    const std::string text = read_text(dir.file("abc.json"));
    EXPECT_NE(text.find(R"("event":{"event_id":")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("attrs":{"k":"v"})"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("failed_at_iso":"2026-03-02T10:00:00)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("origin":"writer")"), std::string::npos) << text;

    // An undecodable record keeps its bytes and has no event.
    DeadLetter raw;
    raw.id = "raw";
    raw.failed_at = 5;
    raw.reason = "undecodable";
    raw.origin = "spool";
    raw.raw_hex = "00ff";
    ASSERT_TRUE(dlq->put(raw).ok());
    EXPECT_NE(read_text(dir.file("raw.json")).find(R"("event":null)"), std::string::npos);
    auto back = dlq->get("raw");
    ASSERT_TRUE(back.ok() && back->has_value());
    EXPECT_EQ((*back)->raw_hex, "00ff");
    EXPECT_EQ((*back)->event_json, "");

    // Event text that is not a JSON object is kept verbatim, as a string.
    DeadLetter odd = raw;
    odd.id = "odd";
    odd.event_json = "{truncated";
    ASSERT_TRUE(dlq->put(odd).ok());
    EXPECT_EQ((*dlq->get("odd"))->event_json, "{truncated");
}

TEST(DeadLetterQueue, IdsThatAreNotPlainNamesAreRefused) {
    TempDir dir;
    auto dlq = open_dlq(dir.path() / "dlq");
    ASSERT_TRUE(dlq);
    for (const std::string& id :
         std::vector<std::string>{"", "../escape", "a/b", "dot.dot", std::string(200, 'x')}) {
        DeadLetter d = entry("x", 1);
        d.id = id;
        EXPECT_FALSE(dlq->put(d).ok()) << id;
        EXPECT_FALSE(dlq->get(id).ok()) << id;
        EXPECT_FALSE(dlq->remove(id).ok()) << id;
    }
    EXPECT_FALSE(fs::exists(dir.file("escape.json")));
}

TEST(DeadLetterQueue, ADamagedFileIsReportedNotFatal) {
    TempDir dir;
    auto dlq = open_dlq(dir.path());
    ASSERT_TRUE(dlq);
    ASSERT_TRUE(dlq->put(entry("good", 10)).ok());
    testing_support::write_file(dir.file("broken.json"), R"({"id":"broken", "failed_at":)");
    testing_support::write_file(dir.file("other.json"), R"({"id":"not-other","failed_at":1})");
    testing_support::write_file(dir.file("good.json.tmp-123"), "half written");
    testing_support::write_file(dir.file("README"), "not an entry");

    EXPECT_EQ(*dlq->count(), 3U);
    auto list = dlq->list();
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 3U);
    int damaged = 0;
    for (const DeadLetter& d : *list) {
        if (d.id == "good") {
            EXPECT_EQ(d.origin, "writer");
            continue;
        }
        ++damaged;
        EXPECT_EQ(d.origin, "dlq");
        EXPECT_NE(d.reason.find("unreadable"), std::string::npos) << d.reason;
        EXPECT_FALSE(d.raw_hex.empty());
        EXPECT_TRUE(d.event_json.empty());
    }
    EXPECT_EQ(damaged, 2);
    auto broken = dlq->get("broken");
    ASSERT_TRUE(broken.ok() && broken->has_value());
    EXPECT_EQ((*broken)->id, "broken");
    EXPECT_TRUE(dlq->remove("broken").ok());
    EXPECT_EQ(*dlq->count(), 2U);
}

}  // namespace
}  // namespace agent_trace
