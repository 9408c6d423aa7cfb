#include "ingest/transcript/importer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../support/store_support.hpp"
#include "../../support/test_support.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

using testing_support::append_file;
using testing_support::at;
using testing_support::checkpoints_by_path;
using testing_support::open_store;
using testing_support::scan_rows;
using testing_support::TempDir;
using testing_support::write_lines;
using Row = testing_support::StoredRow;

constexpr const char* kSonnet = "claude-sonnet-4-5-20250929";
constexpr const char* kHaiku = "claude-haiku-4-5-20251001";

// One assistant line (one content block of a response), 2.x shape.
struct Block {
    std::string session;
    std::string msg;
    std::string req;
    std::string ts;
    std::string uuid;
    std::string model = kSonnet;
    std::string agent;  // agentId field, when set
    int64_t in = 0, out = 0, w5 = 0, w1 = 0, read = 0;
    bool sidechain = false;
};

std::string assistant_line(const Block& b) {
    std::string s = R"({"parentUuid":null,"isSidechain":)";
    s += b.sidechain ? "true" : "false";
    if (!b.agent.empty()) s += R"(,"agentId":")" + b.agent + "\"";
    s += R"(,"userType":"external","cwd":"/home/dev/app","sessionId":")" + b.session;
    s += R"(","version":"2.1.3","gitBranch":"main","message":{"id":")" + b.msg;
    s += R"(","type":"message","role":"assistant","model":")" + b.model;
    s += R"(","content":[{"type":"text","text":"ok"}],"stop_reason":null,"stop_sequence":null,)";
    s += R"("usage":{"input_tokens":)" + std::to_string(b.in);
    s += R"(,"cache_creation_input_tokens":)" + std::to_string(b.w5 + b.w1);
    s += R"(,"cache_read_input_tokens":)" + std::to_string(b.read);
    s += R"(,"output_tokens":)" + std::to_string(b.out);
    s += R"(,"cache_creation":{"ephemeral_5m_input_tokens":)" + std::to_string(b.w5);
    s += R"(,"ephemeral_1h_input_tokens":)" + std::to_string(b.w1);
    s += R"(},"service_tier":"standard"}})";
    if (!b.req.empty()) s += R"(,"requestId":")" + b.req + "\"";
    s += R"(,"type":"assistant","uuid":")" + b.uuid + R"(","timestamp":")" + b.ts + "\"}";
    return s;
}

std::string user_line(const std::string& session, const std::string& text, bool sidechain = false) {
    return R"({"parentUuid":null,"isSidechain":)" + std::string(sidechain ? "true" : "false") +
           R"(,"type":"user","message":{"role":"user","content":")" + text + R"("},"uuid":"u-)" +
           session + R"(","timestamp":"2026-03-02T09:59:00.000Z","sessionId":")" + session + "\"}";
}

// Response A written as three blocks; the first two carry a streaming snapshot.
Block a_block(int i) {
    Block b{"sess-main", "msg_A", "req_A", "2026-03-02T10:00:0" + std::to_string(i) + ".000Z",
            "uA" + std::to_string(i)};
    b.in = 100;
    b.out = i < 3 ? 5 : 120;
    b.w5 = 600;
    b.w1 = 400;
    b.read = 2000;
    return b;
}

Block b_block() {
    Block b{"sess-main", "msg_B", "req_B", "2026-03-02T10:05:00.000Z", "uB"};
    b.in = 50;
    b.out = 30;
    b.read = 3000;
    return b;
}

// The hand-written tree every test starts from.
struct Tree {
    fs::path root;  // .../projects
    fs::path main, resumed, subagent, aside, legacy;
};

Tree write_tree(const fs::path& base) {
    Tree t;
    t.root = base / "projects";
    const fs::path project = t.root / "-home-dev-app";
    t.main = project / "sess-main.jsonl";
    t.resumed = project / "sess-resumed.jsonl";
    t.subagent = project / "sess-main" / "subagents" / "agent-a11.jsonl";
    t.aside = project / "sess-main" / "subagents" / "agent-aside_question-0f3a.jsonl";
    t.legacy = t.root / "-home-dev-old" / "agent-1a2b3c4d.jsonl";

    const std::string b_line = assistant_line(b_block());
    Block synthetic{"sess-main", "synthetic-1", "", "2026-03-02T10:06:00.000Z", "uS"};
    synthetic.model = "<synthetic>";
    write_lines(t.main, {
                            user_line("sess-main", "hello"),
                            assistant_line(a_block(1)),
                            assistant_line(a_block(2)),
                            assistant_line(a_block(3)),
                            user_line("sess-main", R"(tool said \"assistant\" twice)"),
                            b_line,
                            assistant_line(synthetic),
                            "",
                            b_line.substr(0, b_line.size() / 2),  // torn copy
                            R"({"type":"summary","summary":"Fix things","leafUuid":"uB"})",
                        });

    Block c{"sess-resumed", "msg_C", "req_C", "2026-03-02T11:00:00.000Z", "uC"};
    c.in = 20;
    c.out = 10;
    write_lines(t.resumed, {
                               R"({"type":"summary","summary":"Resume","leafUuid":"uA3"})",
                               assistant_line(a_block(1)),  // verbatim copies of the
                               assistant_line(a_block(2)),  // earlier session's lines
                               assistant_line(a_block(3)),
                               user_line("sess-resumed", "go on"),
                               assistant_line(c),
                           });

    Block e{"sess-main", "msg_E", "req_E", "2026-03-02T10:10:00.000Z", "uE"};
    e.model = kHaiku;
    e.agent = "a11";
    e.sidechain = true;
    e.in = 300;
    e.out = 40;
    write_lines(t.subagent, {assistant_line(e)});

    // /btw aside: replays the parent's last response with a new requestId, then answers.
    Block replay = b_block();
    replay.req = "req_B_aside";
    replay.uuid = "uB-replay";
    replay.ts = "2026-03-02T10:30:00.000Z";
    replay.sidechain = true;
    Block d{"sess-main", "msg_D", "req_D", "2026-03-02T10:31:00.000Z", "uD"};
    d.sidechain = true;
    d.in = 60;
    d.out = 15;
    write_lines(t.aside,
                {assistant_line(replay), user_line("sess-main", "btw?", true), assistant_line(d)});

    Block g{"sess-old", "msg_G", "req_G", "2026-03-02T09:00:00.000Z", "uG"};
    g.agent = "1a2b3c4d";
    g.sidechain = true;
    g.in = 22;
    g.out = 11;
    write_lines(t.legacy, {assistant_line(g)});
    return t;
}

ImportSummary run_import(Store& store, const ImportOptions& options) {
    auto result = import_transcripts(options, store, store);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? std::move(*result) : ImportSummary{};
}

ImportSummary run_import(Store& store, const std::vector<std::string>& roots, unsigned threads = 2,
                         bool full = false) {
    ImportOptions options;
    options.roots = roots;
    options.threads = threads;
    options.full = full;
    return run_import(store, options);
}

void expect_tree_rows(const std::vector<Row>& rows) {
    ASSERT_EQ(rows.size(), 6u);
    // G: legacy subagent file, attributed to the sessionId in its lines.
    EXPECT_EQ(rows[0].ts, at("2026-03-02T09:00:00Z"));
    EXPECT_EQ(rows[0].session, "sess-old");
    EXPECT_EQ(rows[0].agent, "1a2b3c4d");
    EXPECT_EQ(rows[0].project, "-home-dev-old");
    EXPECT_EQ(rows[0].in, 22);
    EXPECT_EQ(rows[0].out, 11);
    // A: three blocks + three resumed copies -> one call with the final output count.
    const Row& a = rows[1];
    EXPECT_EQ(a.ts, at("2026-03-02T10:00:03Z"));
    EXPECT_EQ(a.session, "sess-main");
    EXPECT_EQ(a.agent, "");
    EXPECT_EQ(a.project, "-home-dev-app");
    EXPECT_EQ(a.model, kSonnet);
    EXPECT_EQ(a.in, 100);
    EXPECT_EQ(a.out, 120);
    EXPECT_EQ(a.w5, 600);
    EXPECT_EQ(a.w1, 400);
    EXPECT_EQ(a.read, 2000);
    EXPECT_FALSE(a.sidechain);
    // B: the aside replay does not move it to the aside or to 10:30.
    const Row& b = rows[2];
    EXPECT_EQ(b.ts, at("2026-03-02T10:05:00Z"));
    EXPECT_EQ(b.session, "sess-main");
    EXPECT_EQ(b.agent, "");
    EXPECT_FALSE(b.sidechain);
    EXPECT_EQ(b.in, 50);
    EXPECT_EQ(b.out, 30);
    EXPECT_EQ(b.read, 3000);
    // E: subagent call, counted in the parent session.
    const Row& e = rows[3];
    EXPECT_EQ(e.ts, at("2026-03-02T10:10:00Z"));
    EXPECT_EQ(e.session, "sess-main");
    EXPECT_EQ(e.agent, "a11");
    EXPECT_EQ(e.project, "-home-dev-app");
    EXPECT_EQ(e.model, kHaiku);
    EXPECT_TRUE(e.sidechain);
    EXPECT_EQ(e.in, 300);
    EXPECT_EQ(e.out, 40);
    // D: the aside's own answer, in the parent session, agent from the file name.
    const Row& d = rows[4];
    EXPECT_EQ(d.ts, at("2026-03-02T10:31:00Z"));
    EXPECT_EQ(d.session, "sess-main");
    EXPECT_EQ(d.agent, "aside_question-0f3a");
    EXPECT_TRUE(d.sidechain);
    EXPECT_EQ(d.out, 15);
    // C: the resumed session's own call.
    const Row& c = rows[5];
    EXPECT_EQ(c.ts, at("2026-03-02T11:00:00Z"));
    EXPECT_EQ(c.session, "sess-resumed");
    EXPECT_EQ(c.out, 10);
}

// Every test starts from the hand-written tree below <dir>/projects and an empty
// store at <dir>/at.db. Tests that need files of their own put them in another
// root beside the tree and import only that.
class ImportTranscripts : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = open_store(dir_.path() / "at.db");
        ASSERT_NE(store_, nullptr);
    }

    ImportSummary import_tree(unsigned threads = 2, bool full = false) {
        return run_import(*store_, {tree_.root.string()}, threads, full);
    }

    TempDir dir_;
    const Tree tree_ = write_tree(dir_.path());
    std::unique_ptr<Store> store_;
};

TEST_F(ImportTranscripts, CountsEachResponseOnce) {
    const ImportSummary s = import_tree();
    EXPECT_TRUE(s.errors.empty());
    EXPECT_EQ(s.files_seen, 5u);
    EXPECT_EQ(s.files_read, 5u);
    EXPECT_EQ(s.files_unchanged, 0u);
    EXPECT_EQ(s.lines_read, 21u);
    EXPECT_EQ(s.assistant_lines, 12u);
    EXPECT_EQ(s.synthetic_lines, 1u);
    EXPECT_EQ(s.malformed_lines, 1u);
    EXPECT_EQ(s.oversized_lines, 0u);
    EXPECT_EQ(s.incomplete_lines, 0u);
    // Per-file unique responses (8, before cross-file merging), plus whatever
    // non-usage events (session markers) the importer adds.
    EXPECT_GE(s.events_written, 8u);
    ASSERT_EQ(s.problems.size(), 1u);
    EXPECT_EQ(s.problems[0].path, tree_.main.string());
    EXPECT_EQ(s.problems[0].line, 9u);
    EXPECT_EQ(s.problems[0].kind, "malformed");

    expect_tree_rows(scan_rows(*store_));
}

TEST_F(ImportTranscripts, SameResultWithOneOrManyThreads) {
    auto many = open_store(dir_.path() / "many.db");
    ASSERT_NE(many, nullptr);
    import_tree(1);
    run_import(*many, {tree_.root.string()}, 8);
    const auto rows = scan_rows(*store_);
    expect_tree_rows(rows);
    EXPECT_EQ(scan_rows(*many), rows);
}

TEST_F(ImportTranscripts, ReimportIsIdempotent) {
    import_tree();
    const auto before = scan_rows(*store_);

    const ImportSummary again = import_tree();
    EXPECT_EQ(again.files_seen, 5u);
    EXPECT_EQ(again.files_unchanged, 5u);
    EXPECT_EQ(again.files_read, 0u);
    EXPECT_EQ(again.events_written, 0u);
    EXPECT_EQ(scan_rows(*store_), before);

    // --full reads everything again; upserts keep the numbers.
    const ImportSummary full = import_tree(2, true);
    EXPECT_EQ(full.files_read, 5u);
    EXPECT_GE(full.events_written, 8u);
    EXPECT_EQ(scan_rows(*store_), before);

    // A second store fed the same tree through overlapping roots agrees.
    auto other = open_store(dir_.path() / "other.db");
    ASSERT_NE(other, nullptr);
    const ImportSummary overlap = run_import(
        *other,
        {tree_.root.string(), (tree_.root / "-home-dev-app").string(), tree_.main.string()});
    EXPECT_EQ(overlap.files_seen, 5u);
    EXPECT_EQ(scan_rows(*other), before);
}

TEST_F(ImportTranscripts, CheckpointsRecordFileEnds) {
    import_tree();

    const auto cps = checkpoints_by_path(*store_);
    ASSERT_EQ(cps.size(), 5u);
    for (const fs::path& p :
         {tree_.main, tree_.resumed, tree_.subagent, tree_.aside, tree_.legacy}) {
        ASSERT_EQ(cps.count(p.string()), 1u) << p;
        const FileCheckpoint& cp = cps.at(p.string());
        EXPECT_EQ(cp.offset, fs::file_size(p)) << p;
        EXPECT_EQ(cp.size, fs::file_size(p)) << p;
        EXPECT_EQ(cp.incomplete_lines, 0u) << p;
        EXPECT_EQ(cp.error, "") << p;
        EXPECT_EQ(cp.decoder_version, kDecoderVersion);
        EXPECT_GT(cp.head_length, 0u);
    }
    EXPECT_EQ(cps.at(tree_.main.string()).lines, 10u);
    EXPECT_EQ(cps.at(tree_.main.string()).malformed_lines, 1u);
    EXPECT_EQ(cps.at(tree_.aside.string()).lines, 3u);

    auto health = store_->import_health();
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(health->files, 5u);
    EXPECT_EQ(health->malformed_lines, 1u);
    EXPECT_EQ(health->incomplete_lines, 0u);
}

TEST_F(ImportTranscripts, AppendedLineAddsExactlyOneEvent) {
    import_tree();

    Block f{"sess-main", "msg_F", "req_F", "2026-03-02T12:00:00.000Z", "uF"};
    f.in = 7;
    f.out = 8;
    append_file(tree_.main, assistant_line(f) + "\n");

    const ImportSummary s = import_tree();
    EXPECT_EQ(s.files_read, 1u);
    EXPECT_EQ(s.files_unchanged, 4u);
    EXPECT_EQ(s.files_reread, 0u);
    EXPECT_EQ(s.lines_read, 1u);  // resumed from the checkpoint, not from the start
    EXPECT_EQ(s.events_written, 1u);
    EXPECT_EQ(s.malformed_lines, 0u);

    const auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 7u);
    EXPECT_EQ(rows.back().ts, at("2026-03-02T12:00:00Z"));
    EXPECT_EQ(rows.back().out, 8);
    const FileCheckpoint cp = checkpoints_by_path(*store_).at(tree_.main.string());
    EXPECT_EQ(cp.offset, fs::file_size(tree_.main));
    EXPECT_EQ(cp.lines, 11u);
    EXPECT_EQ(cp.malformed_lines, 1u);  // carried over from the first run
}

// A response whose blocks straddle two imports: the first run stores the
// streaming snapshot, the second the final count; still one call.
TEST_F(ImportTranscripts, ResponseSplitAcrossImportsKeepsFinalCount) {
    const fs::path root = dir_.path() / "split";
    const fs::path file = root / "-home-dev-app" / "sess-x.jsonl";
    Block first = a_block(1);
    first.session = "sess-x";
    Block last = a_block(3);
    last.session = "sess-x";
    write_lines(file, {assistant_line(first)});
    run_import(*store_, {root.string()});
    auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].out, 5);

    append_file(file, assistant_line(last) + "\n");
    run_import(*store_, {root.string()});
    rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].out, 120);
    EXPECT_EQ(rows[0].ts, at("2026-03-02T10:00:03Z"));

    // Replaying the first block later (e.g. a resumed copy) changes nothing.
    const fs::path resumed = file.parent_path() / "sess-y.jsonl";
    write_lines(resumed, {assistant_line(first)});
    run_import(*store_, {root.string()});
    rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].out, 120);
    EXPECT_EQ(rows[0].session, "sess-x");
}

TEST_F(ImportTranscripts, LineStillBeingWrittenIsReadWhenComplete) {
    import_tree();

    Block f{"sess-main", "msg_F", "req_F", "2026-03-02T12:00:00.000Z", "uF"};
    f.out = 8;
    const std::string line = assistant_line(f);
    const uint64_t size_before = fs::file_size(tree_.main);
    append_file(tree_.main, line.substr(0, 40));

    ImportSummary s = import_tree();
    EXPECT_EQ(s.incomplete_lines, 1u);
    EXPECT_EQ(s.malformed_lines, 0u);
    EXPECT_EQ(scan_rows(*store_).size(), 6u);
    FileCheckpoint cp = checkpoints_by_path(*store_).at(tree_.main.string());
    EXPECT_EQ(cp.offset, size_before);
    EXPECT_EQ(cp.incomplete_lines, 1u);
    ASSERT_TRUE(store_->import_health().ok());
    EXPECT_EQ(store_->import_health()->incomplete_lines, 1u);

    append_file(tree_.main, line.substr(40) + "\n");
    s = import_tree();
    EXPECT_EQ(s.incomplete_lines, 0u);
    EXPECT_EQ(s.malformed_lines, 0u);
    EXPECT_EQ(s.events_written, 1u);
    EXPECT_EQ(scan_rows(*store_).size(), 7u);
    cp = checkpoints_by_path(*store_).at(tree_.main.string());
    EXPECT_EQ(cp.offset, fs::file_size(tree_.main));
    EXPECT_EQ(cp.incomplete_lines, 0u);
}

TEST_F(ImportTranscripts, RewrittenFileIsReadFromTheStart) {
    import_tree();

    // Same path, different head (and longer than before): not an append.
    Block h{"sess-resumed", "msg_H", "req_H", "2026-03-02T13:00:00.000Z", "uH"};
    h.out = 3;
    Block c{"sess-resumed", "msg_C", "req_C", "2026-03-02T11:00:00.000Z", "uC"};
    c.in = 20;
    c.out = 10;
    write_lines(tree_.resumed,
                {assistant_line(h),
                 R"({"type":"summary","summary":"Rewritten and longer than before, much longer"})",
                 assistant_line(c), assistant_line(a_block(1)), assistant_line(a_block(2)),
                 assistant_line(a_block(3))});
    const ImportSummary s = import_tree();
    EXPECT_EQ(s.files_reread, 1u);
    EXPECT_EQ(s.files_read, 1u);
    EXPECT_EQ(s.lines_read, 6u);
    const auto rows = scan_rows(*store_);
    ASSERT_EQ(rows.size(), 7u);
    EXPECT_EQ(rows.back().ts, at("2026-03-02T13:00:00Z"));
}

TEST_F(ImportTranscripts, OversizedLineIsSkippedAndCounted) {
    const fs::path root = dir_.path() / "oversized";
    const fs::path file = root / "-p" / "s.jsonl";
    Block x{"s", "msg_X", "req_X", "2026-03-02T10:00:00.000Z", "uX"};
    x.out = 1;
    Block y = x;
    y.msg = "msg_Y";
    y.req = "req_Y";
    const std::string huge =
        R"({"type":"user","message":{"content":")" + std::string(2 << 20, 'z') + "\"}}";
    write_lines(file, {assistant_line(x), huge, assistant_line(y)});

    ImportOptions options;
    options.roots = {root.string()};
    options.max_line_bytes = 1 << 20;
    const ImportSummary s = run_import(*store_, options);
    EXPECT_EQ(s.oversized_lines, 1u);
    EXPECT_EQ(s.lines_read, 3u);
    ASSERT_EQ(s.problems.size(), 1u);
    EXPECT_EQ(s.problems[0].kind, "oversized");
    EXPECT_EQ(s.problems[0].line, 2u);
    EXPECT_EQ(scan_rows(*store_).size(), 2u);
    EXPECT_EQ(checkpoints_by_path(*store_).at(file.string()).oversized_lines, 1u);
}

TEST_F(ImportTranscripts, MissingRootIsReportedNotFatal) {
    const ImportSummary s =
        run_import(*store_, {(dir_.path() / "missing").string(), tree_.root.string()});
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_NE(s.errors[0].find("missing"), std::string::npos);
    EXPECT_EQ(scan_rows(*store_).size(), 6u);
}

TEST_F(ImportTranscripts, EmptyRootListImportsNothing) {
    const fs::path empty = dir_.path() / "empty";
    fs::create_directories(empty);
    const ImportSummary s = run_import(*store_, {empty.string()});
    EXPECT_EQ(s.files_seen, 0u);
    EXPECT_TRUE(scan_rows(*store_).empty());
}

TEST_F(ImportTranscripts, ProgressEndsAtTotals) {
    ImportOptions options;
    options.roots = {tree_.root.string()};
    ImportProgress last;
    int calls = 0;
    auto result = import_transcripts(options, *store_, *store_, [&](const ImportProgress& p) {
        last = p;
        ++calls;
    });
    ASSERT_TRUE(result.ok());
    EXPECT_GE(calls, 1);
    EXPECT_EQ(last.files_total, 5u);
    EXPECT_EQ(last.files_done, 5u);
    EXPECT_EQ(last.bytes_done, last.bytes_total);
    EXPECT_GT(last.bytes_total, 0u);
}

// An assistant line whose event the store must refuse (no sessionId, and a
// legacy agent-<id>.jsonl path that implies none) is bad input in one line of
// one file: it should be counted as malformed, not abort the whole import and
// leave every other file unimported.
TEST_F(ImportTranscripts, LineWithoutSessionDoesNotAbortImport) {
    const fs::path bad = tree_.root / "-home-dev-old" / "agent-deadbeef.jsonl";
    std::string line =
        assistant_line(Block{"", "msg_Z", "req_Z", "2026-03-02T10:00:00.000Z", "uZ"});
    const std::string field = R"("sessionId":"",)";
    line.erase(line.find(field), field.size());
    write_lines(bad, {line});

    const ImportSummary s = import_tree(1);
    EXPECT_GE(s.malformed_lines, 1u);
    EXPECT_EQ(scan_rows(*store_).size(), 6u);
}

// Same root cause through another door: a count too large for int64 decodes
// negative, the store refuses the event, and the whole import fails.
TEST_F(ImportTranscripts, LineWithHugeCountDoesNotAbortImport) {
    Block z{"sess-main", "msg_Z", "req_Z", "2026-03-02T10:00:00.000Z", "uZ"};
    std::string line = assistant_line(z);
    const std::string field = R"("output_tokens":0)";
    line.replace(line.find(field), field.size(), R"("output_tokens":18446744073709551615)");
    append_file(tree_.main, line + "\n");

    import_tree(1);
    EXPECT_GE(scan_rows(*store_).size(), 6u);
}

}  // namespace
}  // namespace agent_trace::transcript
