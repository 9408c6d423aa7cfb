// Dead letters as one JSON file each: <dir>/<id>.json, written whole (temporary
// file + fsync + rename) so a reader in another process never sees half an entry.
#include "pipeline/dlq/dead_letter_queue.hpp"

#include <dirent.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "core/file_io.hpp"
#include "core/hex.hpp"
#include "core/json_writer.hpp"

namespace agent_trace {
namespace {

constexpr std::string_view kSuffix = ".json";
constexpr size_t kMaxIdLength = 128;
// A damaged file is shown as hex up to this much; the file itself stays for inspection.
constexpr size_t kMaxDamagedHexBytes = 64U << 10U;

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '-' || c == '_';
    });
}

Error invalid_id(std::string_view id) {
    return make_error("invalid dead letter id \"" + std::string(id) +
                      "\" (expected letters, digits, '-' or '_')");
}

bool is_json_object(simdjson::dom::parser& parser, std::string_view text) {
    simdjson::dom::element element;
    return parser.parse(text.data(), text.size()).get(element) == simdjson::SUCCESS &&
           element.type() == simdjson::dom::element_type::OBJECT;
}

std::string entry_json(const DeadLetter& entry) {
    simdjson::dom::parser parser;
    JsonWriter w;
    w.begin_object();
    w.key("id").value(entry.id);
    w.key("failed_at").value(entry.failed_at);
    w.key("failed_at_iso").value(format_iso8601_utc(entry.failed_at));
    w.key("origin").value(entry.origin);
    w.key("reason").value(entry.reason);
    // The event is embedded as an object so the file reads like the API's events;
    // anything that is not an object is kept verbatim as a string.
    w.key("event");
    if (entry.event_json.empty()) {
        w.null();
    } else if (is_json_object(parser, entry.event_json)) {
        w.raw(entry.event_json);
    } else {
        w.value(entry.event_json);
    }
    w.key("raw_hex").value(entry.raw_hex);
    w.end_object();
    std::string out = w.take();
    out += '\n';
    return out;
}

Result<DeadLetter> parse_entry(std::string_view content) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(content.data(), content.size()).get(root);
        error != simdjson::SUCCESS) {
        return make_error(simdjson::error_message(error));
    }
    simdjson::dom::object fields;
    if (root.get_object().get(fields) != simdjson::SUCCESS) return make_error("not an object");
    DeadLetter entry;
    std::string_view text;
    if (fields["id"].get_string().get(text) != simdjson::SUCCESS) {
        return make_error("no \"id\" string");
    }
    entry.id = std::string(text);
    if (fields["failed_at"].get_int64().get(entry.failed_at) != simdjson::SUCCESS) {
        return make_error("no \"failed_at\" integer");
    }
    if (fields["reason"].get_string().get(text) == simdjson::SUCCESS) entry.reason = text;
    if (fields["origin"].get_string().get(text) == simdjson::SUCCESS) entry.origin = text;
    if (fields["raw_hex"].get_string().get(text) == simdjson::SUCCESS) entry.raw_hex = text;
    simdjson::dom::element event;
    if (fields["event"].get(event) == simdjson::SUCCESS) {
        if (event.type() == simdjson::dom::element_type::OBJECT) {
            entry.event_json = simdjson::minify(event);
        } else if (event.get_string().get(text) == simdjson::SUCCESS) {
            entry.event_json = text;
        }
    }
    return entry;
}

class DirectoryDeadLetterQueue final : public DeadLetterQueue {
public:
    explicit DirectoryDeadLetterQueue(std::string dir) : dir_(std::move(dir)) {}

    Status put(const DeadLetter& entry) override {
        if (!valid_id(entry.id)) return invalid_id(entry.id);
        if (auto s = file_io::replace_file(path_of(entry.id), entry_json(entry), true); !s) {
            return Error{"dead letter queue: " + s.error().message, s.error().retryable};
        }
        return Ok{};
    }

    Result<std::vector<DeadLetter>> list() override {
        auto ids = entry_ids();
        if (!ids) return ids.error();
        std::vector<DeadLetter> entries;
        entries.reserve(ids->size());
        for (const std::string& id : *ids) {
            auto entry = load(id);
            if (!entry) return entry.error();
            // Removed by someone else since the directory was read.
            if (entry->has_value()) entries.push_back(std::move(**entry));
        }
        std::sort(entries.begin(), entries.end(), [](const DeadLetter& a, const DeadLetter& b) {
            return a.failed_at != b.failed_at ? a.failed_at < b.failed_at : a.id < b.id;
        });
        return entries;
    }

    Result<std::optional<DeadLetter>> get(const std::string& id) override {
        if (!valid_id(id)) return invalid_id(id);
        return load(id);
    }

    Status remove(const std::string& id) override {
        if (!valid_id(id)) return invalid_id(id);
        const std::string path = path_of(id);
        if (::unlink(path.c_str()) != 0) {
            if (errno == ENOENT) return make_error("no dead letter " + id);
            return file_io::errno_error("unlink", path, errno);
        }
        return file_io::sync_directory(dir_);
    }

    Result<uint64_t> count() override {
        auto ids = entry_ids();
        if (!ids) return ids.error();
        return static_cast<uint64_t>(ids->size());
    }

private:
    [[nodiscard]] std::string path_of(const std::string& id) const {
        return dir_ + "/" + id + std::string(kSuffix);
    }

    Result<std::vector<std::string>> entry_ids() const {
        DIR* dir = ::opendir(dir_.c_str());
        if (dir == nullptr) return file_io::errno_error("opendir", dir_, errno);
        std::vector<std::string> ids;
        errno = 0;
        while (const dirent* entry = ::readdir(dir)) {
            const std::string_view name = entry->d_name;
            if (!name.ends_with(kSuffix)) continue;
            const std::string_view id = name.substr(0, name.size() - kSuffix.size());
            if (valid_id(id)) ids.emplace_back(id);
        }
        const int read_error = errno;
        ::closedir(dir);
        if (read_error != 0) return file_io::errno_error("readdir", dir_, read_error);
        return ids;
    }

    // The entry, a stand-in describing a damaged file, or nullopt when it is gone.
    Result<std::optional<DeadLetter>> load(const std::string& id) const {
        const std::string path = path_of(id);
        auto content = file_io::read_whole_file(path);
        if (!content) {
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
                return std::optional<DeadLetter>{};
            }
            return content.error();
        }
        auto entry = parse_entry(*content);
        if (entry && entry->id == id) return std::optional<DeadLetter>(std::move(*entry));
        DeadLetter damaged;
        damaged.id = id;
        damaged.origin = "dlq";
        damaged.reason = "the entry file is unreadable (" +
                         (entry ? "its id says " + entry->id : entry.error().message) + ")";
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) {
            damaged.failed_at =
                static_cast<TimestampUs>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
        }
        damaged.raw_hex = to_hex(
            std::string_view(*content).substr(0, std::min(content->size(), kMaxDamagedHexBytes)));
        return std::optional<DeadLetter>(std::move(damaged));
    }

    std::string dir_;
};

}  // namespace

Result<std::unique_ptr<DeadLetterQueue>> open_dead_letter_queue(const std::string& dir) {
    if (dir.empty()) return make_error("dead letter queue: no directory given");
    if (auto s = file_io::make_directories(dir); !s) return s.error();
    return std::unique_ptr<DeadLetterQueue>(std::make_unique<DirectoryDeadLetterQueue>(dir));
}

}  // namespace agent_trace
