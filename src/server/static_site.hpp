#pragma once
// The dashboard's files (a Vite build: index.html, assets/<name>-<hash>.js|css,
// icons), read into memory once when serve starts and answered from there. A
// request path is only ever a key into that map: no filesystem path is built
// from it, so no request can reach a file outside the build (../, %2e%2e).
//
// - content type by extension, X-Content-Type-Options: nosniff on every answer
//   and a Content-Security-Policy on HTML;
// - a strong ETag per file (If-None-Match -> 304); assets/ (hashed names) are
//   cached for a year as immutable, everything else is revalidated (no-cache);
// - gzip, compressed once at load, for clients that accept it;
// - client-side routes: a path without a file extension answers index.html;
//   a missing file with an extension is a 404.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "server/http_server.hpp"

namespace agent_trace::server {

struct StaticSiteLimits {
    size_t max_files = 4096;
    uint64_t max_total_bytes = 64ull << 20;  // a Vite build is ~300 KB; this is a wrong --web-dir
};

class StaticSite {
public:
    // Every regular file below `dir` (dot files and dot directories excepted).
    // Fails when `dir` has no index.html or holds more than `limits` allow.
    static Result<StaticSite> load(const std::string& dir, const StaticSiteLimits& limits = {});

    // A site with nothing to serve: every page is a 503 HTML page saying the
    // dashboard was not built, why (`reason`), and what to run.
    static StaticSite unavailable(std::string reason);

    // Answers a GET or HEAD for a path outside the API (the caller routes /api/,
    // /healthz and /metrics); other methods get 405.
    [[nodiscard]] HttpResponse serve(const HttpRequest& request) const;

    [[nodiscard]] bool available() const { return !files_.empty(); }
    [[nodiscard]] const std::string& dir() const { return dir_; }
    [[nodiscard]] size_t file_count() const { return files_.size(); }
    [[nodiscard]] uint64_t total_bytes() const { return total_bytes_; }
    [[nodiscard]] const std::string& reason() const { return reason_; }  // when unavailable

private:
    struct File {
        std::string content_type;
        std::string body;
        std::string gzip_body;  // empty: not worth compressing
        std::string etag;       // of `body`, quoted
        std::string gzip_etag;  // of `gzip_body`, quoted
        bool immutable = false;
        bool html = false;
    };

    StaticSite() = default;
    [[nodiscard]] HttpResponse answer(const File& file, const HttpRequest& request) const;

    std::string dir_;
    std::map<std::string, File, std::less<>> files_;  // "index.html", "assets/app-1a2b.js"
    uint64_t total_bytes_ = 0;
    std::string reason_;
};

// Where the dashboard is looked for when --web-dir is not given, in order:
// $AGENT_TRACE_WEB_DIR, <dir of this executable>/web (a build tree: build/web
// beside build/agent-trace-engine), <exe dir>/../share/agent-trace/web and
// <exe dir>/../../share/agent-trace/web (an install: bin/ or libexec/agent-trace/).
std::vector<std::string> default_web_dirs();

// The first of `candidates` that holds an index.html; "" when none does.
std::string find_web_dir(const std::vector<std::string>& candidates);

// The Content-Type served for a file name ("app.js" -> "text/javascript; charset=utf-8").
std::string_view static_content_type(std::string_view name);

// True when an Accept-Encoding value accepts gzip (q=0 refuses it; "*" accepts it).
bool accepts_gzip(std::string_view accept_encoding);

// True when an If-None-Match value names `etag` (weak comparison, "*" matches any).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace agent_trace::server
