#include "ingest/transcript/subagent_meta.hpp"

#include <fcntl.h>
#include <simdjson.h>

#include <string_view>

#include "core/file_io.hpp"

namespace agent_trace::transcript {
namespace {

// Real sidecars are a few hundred bytes; anything much larger is not one.
constexpr uint64_t kMaxMetaBytes = uint64_t{64} << 10;
constexpr std::string_view kTranscriptSuffix = ".jsonl";
constexpr std::string_view kMetaSuffix = ".meta.json";

std::optional<std::string> read_small_file(const std::string& path) {
    auto fd = file_io::open_file(path, O_RDONLY);
    if (!fd) return std::nullopt;
    auto size = file_io::file_size(fd->get(), path);
    if (!size || *size > kMaxMetaBytes) return std::nullopt;
    std::string content(static_cast<size_t>(*size), '\0');
    if (!file_io::read_exactly_at(fd->get(), content.data(), content.size(), 0, path).ok()) {
        return std::nullopt;
    }
    return content;
}

}  // namespace

std::optional<SubagentMeta> read_subagent_meta(const std::string& transcript_path,
                                               simdjson::dom::parser& parser) {
    if (!transcript_path.ends_with(kTranscriptSuffix)) return std::nullopt;
    std::string path = transcript_path.substr(0, transcript_path.size() - kTranscriptSuffix.size());
    path += kMetaSuffix;
    const auto content = read_small_file(path);
    if (!content) return std::nullopt;
    simdjson::dom::object fields;
    if (parser.parse(*content).get_object().get(fields) != simdjson::SUCCESS) return std::nullopt;
    SubagentMeta meta;
    for (auto [key, value] : fields) {
        std::string_view text;
        if (key == "agentType" && value.get_string().get(text) == simdjson::SUCCESS) {
            meta.agent_type = text;
        } else if (key == "toolUseId" && value.get_string().get(text) == simdjson::SUCCESS) {
            meta.tool_use_id = text;
        } else if (key == "spawnDepth") {
            int64_t depth = 0;
            if (value.get_int64().get(depth) == simdjson::SUCCESS && depth >= 0) {
                meta.spawn_depth = depth;
            }
        }
    }
    return meta;
}

}  // namespace agent_trace::transcript
