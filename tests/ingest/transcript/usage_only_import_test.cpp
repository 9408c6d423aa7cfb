// `import --usage-only`: model calls and session markers only, and how its
// checkpoints meet those of a full (timeline) import of the same files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../../support/store_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/transcript/importer.hpp"

namespace agent_trace::transcript {
namespace {

namespace fs = std::filesystem;

using testing_support::open_store;
using testing_support::TempDir;

const fs::path kSubagentCapture =
    fs::path(AGENT_TRACE_SOURCE_DIR) / "tests/fixtures/captures/subagent/transcripts";

std::map<EventKind, int> kinds_stored(Store& store) {
    std::map<EventKind, int> out;
    const Status s = store.scan_events_after(
        0, {}, 1U << 20, [&](int64_t /*seq*/, const Event& e) { out[e.kind]++; });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return out;
}

ImportSummary run(Store& store, bool timeline) {
    ImportOptions options;
    options.roots = {kSubagentCapture.string()};
    options.threads = 1;
    options.timeline = timeline;
    auto result = import_transcripts(options, store, store);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? std::move(*result) : ImportSummary{};
}

TEST(UsageOnlyImport, StoresModelCallsOnlyAndAFullImportCompletesTheFilesLater) {
    TempDir dir;
    auto store = open_store(dir.path() / "db.sqlite");
    ASSERT_NE(store, nullptr);
    const ImportSummary usage = run(*store, false);
    EXPECT_EQ(usage.calls_written, 4u);
    auto kinds = kinds_stored(*store);
    EXPECT_EQ(kinds[EventKind::api_request], 4);
    EXPECT_EQ(kinds[EventKind::session_start], 1);
    EXPECT_EQ(kinds.size(), 2u) << "nothing but calls and the session marker";

    // Usage-only files are read again by a timeline import, which adds the rest.
    const ImportSummary timeline = run(*store, true);
    EXPECT_EQ(timeline.files_unchanged, 0u);
    kinds = kinds_stored(*store);
    EXPECT_EQ(kinds[EventKind::api_request], 4);
    EXPECT_EQ(kinds[EventKind::tool_start], 2);
    EXPECT_EQ(kinds[EventKind::user_prompt], 1);
    EXPECT_EQ(kinds[EventKind::subagent_start], 1);

    // A timeline import covers a usage-only one: nothing to read again.
    const ImportSummary again = run(*store, false);
    EXPECT_EQ(again.files_read, 0u);
    EXPECT_EQ(again.files_unchanged, usage.files_seen);
}

}  // namespace
}  // namespace agent_trace::transcript
