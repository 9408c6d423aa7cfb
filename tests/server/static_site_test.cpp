// The dashboard's files served from memory: content types, ETag and 304,
// caching, gzip, client-side routes, 404 for a missing asset, and no way out of
// the build directory (../, %2e%2e) however the path is spelled.
#include "server/static_site.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../support/test_support.hpp"
#include "server/gzip.hpp"

namespace agent_trace::server {
namespace {

using testing_support::ScopedEnv;
using testing_support::TempDir;
using testing_support::write_file;

constexpr const char* kPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

std::string header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) return value;
    }
    return {};
}

bool has_header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key == name) return true;
    }
    return false;
}

HttpRequest get(const std::string& target, const std::string& accept_encoding = "",
                const std::string& if_none_match = "") {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.accept_encoding = accept_encoding;
    request.if_none_match = if_none_match;
    return request;
}

// A Vite-like build in <tmp>/site, and a secret beside it that must stay unreachable.
class StaticSiteTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = tmp_.path() / "site";
        index_ =
            "<!doctype html><html><head><script type=module src=/assets/index-3f2a1b.js>"
            "</script></head><body><div id=app></div></body></html>\n";
        // Long enough to be worth compressing.
        script_.clear();
        for (int i = 0; i < 200; ++i)
            script_ += "export const value" + std::to_string(i) + " = 1;\n";
        write_file(root_ / "index.html", index_);
        write_file(root_ / "assets" / "index-3f2a1b.js", script_);
        write_file(root_ / "assets" / "index-9c8d7e.css", "body{margin:0}\n");
        write_file(root_ / "favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        write_file(root_ / "logo.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(600, 'x'));
        write_file(root_ / "data.bin", "??");
        write_file(root_ / ".env", "SECRET=1");
        write_file(root_ / ".vite" / "manifest.json", "{}");
        write_file(tmp_.path() / "secret.txt", "top secret");
        auto site = StaticSite::load(root_.string());
        ASSERT_TRUE(site.ok()) << site.error().message;
        site_.emplace(std::move(*site));
    }

    TempDir tmp_;
    std::filesystem::path root_;
    std::string index_;
    std::string script_;
    std::optional<StaticSite> site_;
};

TEST_F(StaticSiteTest, ReadsTheBuildAndSkipsDotFiles) {
    EXPECT_TRUE(site_->available());
    EXPECT_EQ(site_->dir(), std::filesystem::canonical(root_).string());
    EXPECT_EQ(site_->file_count(), 6u);  // index, js, css, svg, png, bin
    EXPECT_EQ(site_->serve(get("/.env")).status, 404);
    EXPECT_EQ(site_->serve(get("/.vite/manifest.json")).status, 404);
}

TEST_F(StaticSiteTest, ServesEachFileWithItsContentType) {
    const std::pair<const char*, const char*> cases[] = {
        {"/", "text/html; charset=utf-8"},
        {"/index.html", "text/html; charset=utf-8"},
        {"/assets/index-3f2a1b.js", "text/javascript; charset=utf-8"},
        {"/assets/index-9c8d7e.css", "text/css; charset=utf-8"},
        {"/favicon.svg", "image/svg+xml"},
        {"/logo.png", "image/png"},
        {"/data.bin", "application/octet-stream"},
    };
    for (const auto& [target, type] : cases) {
        SCOPED_TRACE(target);
        const HttpResponse response = site_->serve(get(target));
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.content_type, type);
        EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
        EXPECT_FALSE(header(response, "ETag").empty());
    }
    EXPECT_EQ(site_->serve(get("/")).body, index_);
    EXPECT_EQ(site_->serve(get("/assets/index-3f2a1b.js")).body, script_);
    EXPECT_EQ(static_content_type("a/b/app.MJS"), "text/javascript; charset=utf-8");
    EXPECT_EQ(static_content_type("font.woff2"), "font/woff2");
    EXPECT_EQ(static_content_type("icon.ico"), "image/x-icon");
    EXPECT_EQ(static_content_type("Makefile"), "application/octet-stream");
}

TEST_F(StaticSiteTest, HtmlCarriesTheContentSecurityPolicy) {
    EXPECT_EQ(header(site_->serve(get("/")), "Content-Security-Policy"), kPolicy);
    EXPECT_FALSE(
        has_header(site_->serve(get("/assets/index-3f2a1b.js")), "Content-Security-Policy"));
}

TEST_F(StaticSiteTest, HashedAssetsAreImmutableTheRestIsRevalidated) {
    EXPECT_EQ(header(site_->serve(get("/assets/index-3f2a1b.js")), "Cache-Control"),
              "public, max-age=31536000, immutable");
    EXPECT_EQ(header(site_->serve(get("/assets/index-9c8d7e.css")), "Cache-Control"),
              "public, max-age=31536000, immutable");
    EXPECT_EQ(header(site_->serve(get("/")), "Cache-Control"), "no-cache");
    EXPECT_EQ(header(site_->serve(get("/index.html")), "Cache-Control"), "no-cache");
    EXPECT_EQ(header(site_->serve(get("/sessions/abc")), "Cache-Control"), "no-cache");
    EXPECT_EQ(header(site_->serve(get("/favicon.svg")), "Cache-Control"), "no-cache");
}

TEST_F(StaticSiteTest, IfNoneMatchWithTheEtagAnswers304WithoutABody) {
    const HttpResponse first = site_->serve(get("/assets/index-3f2a1b.js"));
    const std::string etag = header(first, "ETag");
    ASSERT_EQ(etag.front(), '"');
    ASSERT_EQ(etag.back(), '"');
    for (const std::string& held : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
        SCOPED_TRACE(held);
        const HttpResponse again = site_->serve(get("/assets/index-3f2a1b.js", "", held));
        EXPECT_EQ(again.status, 304);
        EXPECT_TRUE(again.body.empty());
        EXPECT_EQ(header(again, "ETag"), etag);
        EXPECT_EQ(header(again, "Cache-Control"), "public, max-age=31536000, immutable");
    }
    EXPECT_EQ(site_->serve(get("/assets/index-3f2a1b.js", "", "\"stale\"")).status, 200);
    // Each file has its own tag.
    EXPECT_NE(header(site_->serve(get("/assets/index-9c8d7e.css")), "ETag"), etag);
    EXPECT_EQ(site_->serve(get("/assets/index-9c8d7e.css", "", etag)).status, 200);
}

TEST_F(StaticSiteTest, GzipsCompressibleFilesForClientsThatAcceptIt) {
    const HttpResponse zipped = site_->serve(get("/assets/index-3f2a1b.js", "gzip, deflate, br"));
    EXPECT_EQ(zipped.status, 200);
    EXPECT_EQ(header(zipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(zipped, "Vary"), "Accept-Encoding");
    EXPECT_LT(zipped.body.size(), script_.size());
    const InflateResult inflated = inflate_body(zipped.body, 1u << 20);
    ASSERT_EQ(inflated.code, InflateResult::Code::ok) << inflated.message;
    EXPECT_EQ(inflated.data, script_);

    const HttpResponse plain = site_->serve(get("/assets/index-3f2a1b.js"));
    EXPECT_FALSE(has_header(plain, "Content-Encoding"));
    EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
    EXPECT_EQ(plain.body, script_);
    // The two representations have their own tags; either revalidates.
    EXPECT_NE(header(zipped, "ETag"), header(plain, "ETag"));
    EXPECT_EQ(site_->serve(get("/assets/index-3f2a1b.js", "gzip", header(plain, "ETag"))).status,
              304);
    EXPECT_EQ(site_->serve(get("/assets/index-3f2a1b.js", "", header(zipped, "ETag"))).status, 304);

    // Refused by weight, already compressed (PNG), or too small to bother.
    EXPECT_FALSE(
        has_header(site_->serve(get("/assets/index-3f2a1b.js", "gzip;q=0")), "Content-Encoding"));
    EXPECT_FALSE(has_header(site_->serve(get("/logo.png", "gzip")), "Content-Encoding"));
    EXPECT_FALSE(
        has_header(site_->serve(get("/assets/index-9c8d7e.css", "gzip")), "Content-Encoding"));
}

TEST(StaticSiteHeaders, AcceptEncodingAndIfNoneMatchAreParsed) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip("br, *"));
    EXPECT_TRUE(accepts_gzip("x-gzip"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("br, deflate"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000, br"));
    EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("*;q=0"));

    EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("W/\"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("\"x\" , \"a\"", "\"a\""));
    EXPECT_TRUE(etag_matches("*", "\"a\""));
    EXPECT_FALSE(etag_matches("\"ab\"", "\"a\""));
    EXPECT_FALSE(etag_matches("", "\"a\""));
}

TEST_F(StaticSiteTest, PathsWithoutAnExtensionAreTheAppsRoutes) {
    for (const char* target : {"/sessions", "/sessions/0b7e-4c1a", "/sessions/abc?tab=timeline",
                               "/analytics/usage/", "/assets/", "/a/b/c/d"}) {
        SCOPED_TRACE(target);
        const HttpResponse response = site_->serve(get(target));
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.body, index_);
        EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
    }
}

TEST_F(StaticSiteTest, AMissingFileIsA404) {
    for (const char* target : {"/assets/index-000000.js", "/missing.css", "/robots.txt",
                               "/sessions/abc/x.png", "/api/v1/nothing"}) {
        SCOPED_TRACE(target);
        const HttpResponse response = site_->serve(get(target));
        EXPECT_EQ(response.status, 404);
        EXPECT_EQ(header(response, "X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(response.body.find("<div id=app>"), std::string::npos);
    }
}

TEST_F(StaticSiteTest, NoPathLeavesTheBuildDirectory) {
    for (const char* target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/assets/../../secret.txt",
          "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
          "/./../secret.txt", "//secret.txt", "/..\\secret.txt", "/%252e%252e/secret.txt",
          "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/../../../../etc/passwd", "/%00/secret.txt",
          "/%zz"}) {
        SCOPED_TRACE(target);
        const HttpResponse response = site_->serve(get(target));
        EXPECT_EQ(response.body.find("top secret"), std::string::npos);
        EXPECT_EQ(response.body.find("root:"), std::string::npos);
        // Either not found, or (no extension) the app's index page: never a file outside.
        EXPECT_TRUE(response.status == 404 || response.body == index_) << response.status;
    }
}

TEST_F(StaticSiteTest, OnlyGetAndHeadAreServed) {
    HttpRequest head = get("/");
    head.method = "HEAD";
    EXPECT_EQ(site_->serve(head).status, 200);  // the listener drops the body
    HttpRequest post = get("/");
    post.method = "POST";
    const HttpResponse refused = site_->serve(post);
    EXPECT_EQ(refused.status, 405);
    EXPECT_EQ(header(refused, "Allow"), "GET, HEAD");
}

TEST(StaticSiteLoad, RefusesADirectoryWithoutIndexHtmlOrOverItsLimits) {
    TempDir tmp;
    auto missing = StaticSite::load((tmp.path() / "nope").string());
    EXPECT_FALSE(missing.ok());
    write_file(tmp.path() / "app.js", "x");
    auto no_index = StaticSite::load(tmp.path().string());
    ASSERT_FALSE(no_index.ok());
    EXPECT_NE(no_index.error().message.find("no index.html"), std::string::npos);

    write_file(tmp.path() / "index.html", "<!doctype html>");
    for (int i = 0; i < 5; ++i) write_file(tmp.path() / ("f" + std::to_string(i) + ".js"), "y");
    StaticSiteLimits few_files;
    few_files.max_files = 3;
    EXPECT_FALSE(StaticSite::load(tmp.path().string(), few_files).ok());
    StaticSiteLimits few_bytes;
    few_bytes.max_total_bytes = 8;
    EXPECT_FALSE(StaticSite::load(tmp.path().string(), few_bytes).ok());
    EXPECT_TRUE(StaticSite::load(tmp.path().string()).ok());
}

TEST(StaticSiteUnavailable, EveryPageSaysTheDashboardIsNotBuiltAndHowToBuildIt) {
    const StaticSite site = StaticSite::unavailable("No index.html was found in /x/<web>.");
    EXPECT_FALSE(site.available());
    for (const char* target : {"/", "/sessions/abc", "/assets/app.js"}) {
        SCOPED_TRACE(target);
        const HttpResponse response = site.serve(get(target));
        EXPECT_EQ(response.status, 503);
        EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
        EXPECT_NE(response.body.find("not built"), std::string::npos);
        EXPECT_NE(response.body.find("make build"), std::string::npos);
        EXPECT_NE(response.body.find("--web-dir"), std::string::npos);
        EXPECT_NE(response.body.find("/x/&lt;web&gt;"), std::string::npos);  // escaped
        EXPECT_EQ(header(response, "Content-Security-Policy"), kPolicy);
    }
}

TEST(StaticSiteWebDir, TheEnvironmentComesFirstThenBesideTheExecutable) {
    TempDir tmp;
    {
        const ScopedEnv env("AGENT_TRACE_WEB_DIR", (tmp.path() / "from-env").string());
        const auto dirs = default_web_dirs();
        ASSERT_GE(dirs.size(), 4u);
        EXPECT_EQ(dirs[0], (tmp.path() / "from-env").string());
        const std::filesystem::path exe_dir =
            std::filesystem::read_symlink("/proc/self/exe").parent_path();
        EXPECT_EQ(dirs[1], (exe_dir / "web").string());
        EXPECT_EQ(dirs[2], (exe_dir.parent_path() / "share" / "agent-trace" / "web").string());
    }
    {
        const ScopedEnv env("AGENT_TRACE_WEB_DIR", std::nullopt);
        EXPECT_EQ(default_web_dirs().size(), 3u);
    }
    const std::string a = (tmp.path() / "a").string();
    const std::string b = (tmp.path() / "b").string();
    const std::string c = (tmp.path() / "c").string();
    write_file(std::filesystem::path(b) / "index.html", "b");
    write_file(std::filesystem::path(c) / "index.html", "c");
    EXPECT_EQ(find_web_dir({a, b, c}), b);
    EXPECT_EQ(find_web_dir({a}), "");
}

}  // namespace
}  // namespace agent_trace::server
