// `agent-trace dlq` through the real binary, against a real DLQ directory and store.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/run_binary.hpp"
#include "../support/test_support.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_codec.hpp"

namespace agent_trace {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

using testing_support::RunResult;

constexpr TimestampUs kT0 = 1'772'445'600'000'000;  // 2026-03-02T10:00:00Z

class DlqCli : public ::testing::Test {
protected:
    TempDir dir;
    fs::path data = dir.path() / "data";

    [[nodiscard]] RunResult run(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {AGENT_TRACE_BINARY, "--data-dir", data.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return testing_support::run_binary(
            argv, {"PATH=/usr/bin:/bin", "TZ=UTC", "HOME=" + dir.path().string()}, dir.path());
    }

    [[nodiscard]] std::unique_ptr<DeadLetterQueue> dlq() const {
        auto q = open_dead_letter_queue((data / "dlq").string());
        EXPECT_TRUE(q.ok());
        return q.ok() ? std::move(*q) : nullptr;
    }

    [[nodiscard]] int64_t stored_events() const {
        sqlite3* db = nullptr;
        int64_t n = -1;
        if (sqlite3_open_v2((data / "agent-trace.db").c_str(), &db, SQLITE_OPEN_READONLY,
                            nullptr) == SQLITE_OK) {
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &stmt, nullptr) ==
                    SQLITE_OK &&
                sqlite3_step(stmt) == SQLITE_ROW) {
                n = sqlite3_column_int64(stmt, 0);
            }
            sqlite3_finalize(stmt);
        }
        sqlite3_close_v2(db);
        return n;
    }

    // Three entries: one the store will take now, one it refuses (no session),
    // one that never decoded.
    void put_entries() const {
        auto q = dlq();
        ASSERT_TRUE(q);
        Event good;
        good.event_id = hash_event_id({"dlq-cli", "good"});
        good.source = Source::hook;
        good.kind = EventKind::tool_end;
        good.ts = kT0;
        good.ingest_ts = kT0;
        good.session_id = "sess-good";
        good.tool_name = "Read";
        DeadLetter a{
            "0001aaaa",          kT0 + 1, "sqlite: attempt to write a readonly database", "writer",
            event_to_json(good), ""};
        Event bad = good;
        bad.event_id = hash_event_id({"dlq-cli", "bad"});
        bad.session_id.clear();
        DeadLetter b{
            "0002bbbb",         kT0 + 2, "invalid event from hook: session_id is empty", "writer",
            event_to_json(bad), ""};
        DeadLetter c{"0003cccc", kT0 + 3, "undecodable queue record (lsn 9): event record: empty",
                     "writer",   "",      "00ff"};
        ASSERT_TRUE(q->put(a).ok());
        ASSERT_TRUE(q->put(b).ok());
        ASSERT_TRUE(q->put(c).ok());
    }
};

TEST_F(DlqCli, ListOnAFreshDataDirectorySaysThereIsNothing) {
    const RunResult r = run({"dlq", "list"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("No dead letters"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(data / "dlq")) << "looking creates nothing";
    const RunResult j = run({"dlq", "list", "--json"});
    EXPECT_EQ(j.exit_code, 0);
    EXPECT_NE(j.out.find(R"("count":0)"), std::string::npos) << j.out;
}

TEST_F(DlqCli, ListShowsEveryEntryOldestFirst) {
    put_entries();
    const RunResult r = run({"dlq", "list"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* text :
         {"ID", "REASON", "0001aaaa", "0002bbbb", "0003cccc", "tool_end", "sess-good", "(raw)",
          "session_id is empty", "2026-03-02 10:00:00Z", "3 dead letters"}) {
        EXPECT_NE(r.out.find(text), std::string::npos) << text << " in\n" << r.out;
    }
    EXPECT_LT(r.out.find("0001aaaa"), r.out.find("0002bbbb"));
    EXPECT_LT(r.out.find("0002bbbb"), r.out.find("0003cccc"));

    const RunResult j = run({"dlq", "list", "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(j.out).get(doc), simdjson::SUCCESS) << j.out;
    EXPECT_EQ(int64_t(doc["count"]), 3);
    simdjson::dom::array entries = doc["entries"];
    ASSERT_EQ(entries.size(), 3U);
    EXPECT_EQ(std::string_view(entries.at(0)["id"]), "0001aaaa");
    EXPECT_EQ(std::string_view(entries.at(0)["event"]["session_id"]), "sess-good");
    EXPECT_EQ(std::string_view(entries.at(0)["kind"]), "tool_end");
    EXPECT_TRUE(entries.at(2)["event"].is_null());
    EXPECT_EQ(std::string_view(entries.at(2)["raw_hex"]), "00ff");
}

TEST_F(DlqCli, ShowPrintsOneEntry) {
    put_entries();
    const RunResult r = run({"dlq", "show", "0002bbbb"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("reason      invalid event from hook: session_id is empty"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\"kind\": \"tool_end\""), std::string::npos) << r.out;
    const RunResult raw = run({"dlq", "show", "0003cccc"});
    EXPECT_NE(raw.out.find("raw bytes (2 bytes, hex)"), std::string::npos) << raw.out;
    const RunResult j = run({"dlq", "show", "0001aaaa", "--json"});
    ASSERT_EQ(j.exit_code, 0);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(j.out).get(doc), simdjson::SUCCESS) << j.out;
    EXPECT_EQ(std::string_view(doc["origin"]), "writer");

    const RunResult missing = run({"dlq", "show", "0009ffff"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no dead letter 0009ffff"), std::string::npos) << missing.err;
    const RunResult sneaky = run({"dlq", "show", "../../etc/passwd"});
    EXPECT_EQ(sneaky.exit_code, 1);
    EXPECT_NE(sneaky.err.find("invalid dead letter id"), std::string::npos) << sneaky.err;
}

TEST_F(DlqCli, ReplayStoresWhatItCanAndKeepsTheRestWithTheNewReason) {
    put_entries();
    const RunResult r = run({"dlq", "replay", "--all"});
    EXPECT_EQ(r.exit_code, 1) << "two entries stay\n" << r.out << r.err;
    EXPECT_NE(r.out.find("replayed  0001aaaa"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("kept      0002bbbb: invalid event from hook: session_id is empty"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("kept      0003cccc: no event to replay"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("replayed 1, kept 2, dropped 0"), std::string::npos) << r.out;
    EXPECT_EQ(stored_events(), 1);
    auto q = dlq();
    ASSERT_TRUE(q);
    EXPECT_EQ(*q->count(), 2U);
    const auto kept = *q->get("0002bbbb");
    ASSERT_TRUE(kept.has_value());
    EXPECT_GT(kept->failed_at, kT0 + 2) << "the failure time is the new attempt's";

    // Replaying the same event again (a second copy) stores nothing new.
    DeadLetter copy{"0004dddd", kT0, "again", "writer", "", ""};
    Event good;
    good.event_id = hash_event_id({"dlq-cli", "good"});
    good.source = Source::hook;
    good.kind = EventKind::tool_end;
    good.ts = kT0;
    good.session_id = "sess-good";
    copy.event_json = event_to_json(good);
    ASSERT_TRUE(q->put(copy).ok());
    const RunResult twice = run({"dlq", "replay", "0004dddd", "--json"});
    EXPECT_EQ(twice.exit_code, 0) << twice.out << twice.err;
    EXPECT_NE(twice.out.find(R"("replayed":1)"), std::string::npos) << twice.out;
    EXPECT_EQ(stored_events(), 1);

    const RunResult drop = run({"dlq", "replay", "--drop", "0002bbbb", "--drop", "0003cccc"});
    EXPECT_EQ(drop.exit_code, 0) << drop.out << drop.err;
    EXPECT_NE(drop.out.find("replayed 0, kept 0, dropped 2"), std::string::npos) << drop.out;
    EXPECT_EQ(*q->count(), 0U);

    const RunResult gone = run({"dlq", "replay", "0001aaaa"});
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_NE(gone.out.find("1 not found"), std::string::npos) << gone.out;
    const RunResult nothing = run({"dlq", "replay"});
    EXPECT_EQ(nothing.exit_code, 1);
    EXPECT_NE(nothing.err.find("--all"), std::string::npos) << nothing.err;
}

std::string hex_of(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
        out.push_back(kDigits[static_cast<unsigned char>(c) & 0xf]);
    }
    return out;
}

TEST_F(DlqCli, ReplayDecodesAHookRequestKeptAsRawBytes) {
    // A spooled hook line the server refused (here: an event name it did not know
    // then) is kept as bytes; a later replay decodes it with this version's decoder.
    const std::string known = R"({"session_id":"raw-sess","cwd":"/tmp/r",)"
                              R"("hook_event_name":"PreToolUse","tool_name":"Bash",)"
                              R"("tool_use_id":"toolu_raw_1","tool_input":{"command":"rm -rf x"}})";
    const std::string unknown = R"({"session_id":"raw-sess","hook_event_name":"NoSuchEvent"})";
    auto q = dlq();
    ASSERT_TRUE(q);
    ASSERT_TRUE(q->put({"0005eeee", kT0, "unknown event", "spool", "", hex_of(known)}).ok());
    ASSERT_TRUE(q->put({"0006ffff", kT0, "unknown event", "spool", "", hex_of(unknown)}).ok());
    const RunResult r = run({"dlq", "replay", "--all"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("replayed  0005eeee"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("kept      0006ffff"), std::string::npos) << r.out;
    EXPECT_EQ(stored_events(), 1);
    EXPECT_EQ(*q->count(), 1U);
}

TEST_F(DlqCli, EverySubcommandHasHelpWithAnExample) {
    for (const char* sub : {"list", "show", "replay"}) {
        const RunResult r = run({"dlq", sub, "--help"});
        EXPECT_EQ(r.exit_code, 0) << sub;
        EXPECT_NE(r.out.find("Examples:"), std::string::npos) << sub << "\n" << r.out;
        EXPECT_NE(r.out.find(std::string("agent-trace dlq ") + sub), std::string::npos) << sub;
    }
}

}  // namespace
}  // namespace agent_trace
