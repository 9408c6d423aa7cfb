#include "server/static_site.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>

#include "api/query_params.hpp"
#include "core/ascii_text.hpp"
#include "core/file_io.hpp"
#include "core/ids.hpp"
#include "server/gzip.hpp"

namespace agent_trace::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kAssetsPrefix = "assets/";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";
constexpr const char* kHtmlPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";
// Smaller files gain nothing from gzip that is worth a header.
constexpr size_t kMinCompressBytes = 256;

// Calls `each` with every comma-separated, trimmed, non-empty element of `list`.
template <class Each>
void for_each_element(std::string_view list, Each each) {
    while (!list.empty()) {
        const size_t comma = list.find(',');
        const std::string_view element = trim_blanks(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (!element.empty()) each(element);
    }
}

std::string_view extension_of(std::string_view name) {
    const size_t slash = name.rfind('/');
    const std::string_view last = slash == std::string_view::npos ? name : name.substr(slash + 1);
    const size_t dot = last.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : last.substr(dot + 1);
}

bool compressible(std::string_view content_type) {
    return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
           content_type.starts_with("application/manifest+json") ||
           content_type.starts_with("application/wasm") ||
           content_type.starts_with("image/svg+xml") || content_type.starts_with("image/x-icon");
}

std::string quoted_etag(std::string_view tag, std::string_view content) {
    // 80 bits of a content hash: a changed file gets another tag.
    return "\"" + hash_event_id({tag, content}).hex().substr(0, 20) + "\"";
}

std::string html_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

HttpResponse plain(int status, std::string body) {
    HttpResponse response{status, "text/plain; charset=utf-8", std::move(body), {}, {}};
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return response;
}

// "/assets/a.js?v=1" -> "assets/a.js"; "/" -> "index.html"; nullopt when the
// path cannot name a file (bad escape, NUL).
std::optional<std::string> file_key(std::string_view target) {
    auto decoded = api::percent_decode(api::split_target(target).path, false);
    if (!decoded || decoded->empty() || decoded->front() != '/' ||
        decoded->find('\0') != std::string::npos) {
        return std::nullopt;
    }
    decoded->erase(0, 1);
    if (decoded->empty()) return std::string(kIndex);
    return decoded;
}

}  // namespace

std::string_view static_content_type(std::string_view name) {
    const std::string ext = ascii_lower(extension_of(name));
    static const std::pair<std::string_view, std::string_view> kTypes[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
        {"woff", "font/woff"},
        {"ttf", "font/ttf"},
        {"wasm", "application/wasm"},
    };
    for (const auto& [known, type] : kTypes) {
        if (ext == known) return type;
    }
    return "application/octet-stream";
}

bool accepts_gzip(std::string_view accept_encoding) {
    std::optional<bool> gzip;
    std::optional<bool> any;
    for_each_element(accept_encoding, [&](std::string_view element) {
        const size_t semi = element.find(';');
        const std::string coding = ascii_lower(trim_blanks(element.substr(0, semi)));
        bool wanted = true;
        if (semi != std::string_view::npos) {
            // "q=0", "q=0.0", "q=0.000" refuse; any other weight accepts.
            std::string_view params = trim_blanks(element.substr(semi + 1));
            if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
                const std::string_view q = trim_blanks(params.substr(2));
                wanted = q.find_first_not_of("0.") != std::string_view::npos;
            }
        }
        if (coding == "gzip" || coding == "x-gzip") {
            gzip = wanted;
        } else if (coding == "*") {
            any = wanted;
        }
    });
    if (gzip) return *gzip;
    return any.value_or(false);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    const auto strong = [](std::string_view tag) {
        return tag.starts_with("W/") ? tag.substr(2) : tag;
    };
    bool matched = false;
    for_each_element(if_none_match, [&](std::string_view element) {
        if (element == "*" || strong(element) == strong(etag)) matched = true;
    });
    return matched;
}

Result<StaticSite> StaticSite::load(const std::string& dir, const StaticSiteLimits& limits) {
    StaticSite site;
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(dir, ec);
    if (ec) return make_error("cannot resolve " + dir + ": " + ec.message());
    site.dir_ = root.string();
    if (!fs::is_regular_file(root / kIndex, ec)) {
        return make_error(site.dir_ + " has no index.html");
    }
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
    if (ec) return make_error("cannot list " + site.dir_ + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return make_error("cannot list " + site.dir_ + ": " + ec.message());
        const fs::path& path = it->path();
        // .git, .vite/manifest.json and editor files are not the site.
        if (path.filename().string().starts_with(".")) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file(ec)) continue;
        if (site.files_.size() >= limits.max_files) {
            return make_error(site.dir_ + " holds more than " + std::to_string(limits.max_files) +
                              " files: is it a dashboard build?");
        }
        auto content = file_io::read_whole_file(path.string());
        if (!content) return content.error();
        site.total_bytes_ += content->size();
        if (site.total_bytes_ > limits.max_total_bytes) {
            return make_error(site.dir_ + " holds more than " +
                              std::to_string(limits.max_total_bytes >> 20) +
                              " MiB: is it a dashboard build?");
        }
        std::string key = path.lexically_relative(root).generic_string();
        File file;
        file.content_type = std::string(static_content_type(key));
        file.html = file.content_type.starts_with("text/html");
        file.immutable = key.starts_with(kAssetsPrefix);
        file.etag = quoted_etag("identity", *content);
        if (compressible(file.content_type) && content->size() >= kMinCompressBytes) {
            std::string gz = gzip_compress(*content, 9);
            // Keep it only when it saves something worth the client's inflate.
            if (!gz.empty() && gz.size() < content->size() - content->size() / 20) {
                file.gzip_etag = quoted_etag("gzip", *content);
                file.gzip_body = std::move(gz);
            }
        }
        file.body = std::move(*content);
        site.files_.emplace(std::move(key), std::move(file));
    }
    return site;
}

StaticSite StaticSite::unavailable(std::string reason) {
    StaticSite site;
    site.reason_ = std::move(reason);
    return site;
}

HttpResponse StaticSite::serve(const HttpRequest& request) const {
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response = plain(405, "405 method not allowed: the dashboard is read-only\n");
        response.headers.emplace_back("Allow", "GET, HEAD");
        return response;
    }
    if (!available()) {
        HttpResponse response{503, "text/html; charset=utf-8", {}, "", {}};
        response.body =
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>agent-trace: dashboard not built</title></head><body>\n"
            "<h1>The agent-trace dashboard is not built</h1>\n"
            "<p>" +
            html_escape(reason_) +
            "</p>\n"
            "<p>Build it with <code>make build</code> (the dashboard lands in "
            "<code>build/web</code>, next to the binary), or start serve with "
            "<code>--web-dir DIR</code> pointing at a built dashboard "
            "(<code>web/dist</code> after <code>npm run build</code>).</p>\n"
            "<p>The API answers on this port all the same: "
            "<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>, "
            "<a href=\"/healthz\">/healthz</a>.</p>\n</body></html>\n";
        response.headers.emplace_back("Cache-Control", "no-store");
        response.headers.emplace_back("X-Content-Type-Options", "nosniff");
        response.headers.emplace_back("Content-Security-Policy", kHtmlPolicy);
        return response;
    }
    const auto key = file_key(request.target);
    if (!key) return plain(404, "404 not found\n");
    if (const auto it = files_.find(*key); it != files_.end()) return answer(it->second, request);
    // Client-side routes (/sessions/abc) are the app's: it reads the path itself.
    // Anything with an extension was meant to be a file, and is missing.
    if (extension_of(*key).empty() && !key->starts_with("api/")) {
        if (const auto index = files_.find(kIndex); index != files_.end()) {
            return answer(index->second, request);
        }
    }
    return plain(404, "404 not found: /" + *key + "\n");
}

HttpResponse StaticSite::answer(const File& file, const HttpRequest& request) const {
    const bool gzip = !file.gzip_body.empty() && accepts_gzip(request.accept_encoding);
    const std::string& etag = gzip ? file.gzip_etag : file.etag;
    HttpResponse response{200, file.content_type, {}, "", {}};
    response.headers.emplace_back("ETag", etag);
    response.headers.emplace_back("Cache-Control", file.immutable ? kImmutable : kRevalidate);
    if (!file.gzip_body.empty()) response.headers.emplace_back("Vary", "Accept-Encoding");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (file.html) response.headers.emplace_back("Content-Security-Policy", kHtmlPolicy);
    // Either representation's tag revalidates: the content behind both is the same.
    if (!request.if_none_match.empty() &&
        (etag_matches(request.if_none_match, file.etag) ||
         (!file.gzip_etag.empty() && etag_matches(request.if_none_match, file.gzip_etag)))) {
        response.status = 304;
        return response;
    }
    if (gzip) {
        response.headers.emplace_back("Content-Encoding", "gzip");
        response.body = file.gzip_body;
    } else {
        response.body = file.body;
    }
    return response;
}

std::vector<std::string> default_web_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("AGENT_TRACE_WEB_DIR"); env != nullptr && *env != '\0') {
        dirs.emplace_back(env);
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path exe_dir = exe.parent_path();
        dirs.push_back((exe_dir / "web").string());
        dirs.push_back(
            (exe_dir / ".." / "share" / "agent-trace" / "web").lexically_normal().string());
        dirs.push_back(
            (exe_dir / ".." / ".." / "share" / "agent-trace" / "web").lexically_normal().string());
    }
    return dirs;
}

std::string find_web_dir(const std::vector<std::string>& candidates) {
    for (const std::string& dir : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(fs::path(dir) / kIndex, ec)) return dir;
    }
    return {};
}

}  // namespace agent_trace::server
