#pragma once
// Helpers the unit tests share: a scratch directory, environment overrides,
// writing files, timestamps the tests state in ISO 8601, and model-call events.
// Test files include this by a relative path (tests/ is not on the include path).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/event.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"

namespace agent_trace::testing_support {

// A fresh directory below ::testing::TempDir(), removed with everything in it
// when the test ends. The path is canonical, so paths built from it compare
// equal to the ones code under test reports.
class TempDir {
public:
    TempDir() {
        std::string tmpl =
            (std::filesystem::path(::testing::TempDir()) / "agent_trace_XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp failed for " << tmpl;
            path_ = tmpl;
            return;
        }
        path_ = std::filesystem::canonical(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path file(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Sets (or, with nullopt, unsets) an environment variable until the end of the scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        set(value);
    }
    ~ScopedEnv() { set(old_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    void set(const std::optional<std::string>& value) const {
        if (value) {
            ::setenv(name_.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(name_.c_str());
        }
    }

    std::string name_;
    std::optional<std::string> old_;
};

// Replaces the file with `content`, creating its directory first.
inline void write_file(const std::filesystem::path& path, const std::string& content) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    EXPECT_TRUE(out.good()) << "cannot write " << path;
}

// Replaces the file with `lines`, each ended by '\n'.
inline void write_lines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
    std::string content;
    for (const auto& line : lines) content += line + '\n';
    write_file(path, content);
}

// Adds `content` at the end of the file.
inline void append_file(const std::filesystem::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    EXPECT_TRUE(out.good()) << "cannot append to " << path;
}

// Parses a timestamp the test itself states; fails the test loudly when it cannot.
inline TimestampUs at(const char* iso) {
    const auto ts = parse_iso8601(iso);
    EXPECT_TRUE(ts.has_value()) << iso;
    return ts.value_or(0);
}

// A transcript api_request event for `message_id` at `ts`, with no session,
// model or tokens yet.
inline Event api_request_event(const std::string& message_id, TimestampUs ts) {
    Event e;
    e.event_id = hash_event_id({"transcript", "api_request", message_id});
    e.source = Source::transcript;
    e.kind = EventKind::api_request;
    e.ts = ts;
    e.ingest_ts = ts;
    e.message_id = message_id;
    return e;
}

inline void set_tokens(Event& e, int64_t input, int64_t output, int64_t cache_write_5m,
                       int64_t cache_write_1h, int64_t cache_read) {
    e.set_token_counts({input, output, cache_write_5m, cache_write_1h, cache_read});
}

}  // namespace agent_trace::testing_support
