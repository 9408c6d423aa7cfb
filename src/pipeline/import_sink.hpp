#pragma once
// The contract between a file-based source (transcript import) and whatever
// persists its output. Sources depend on this header, never on a store.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"

namespace agent_trace {

// Where reading a file stopped, and how to tell on the next run whether the
// bytes before that point are still the same bytes.
struct FileCheckpoint {
    std::string path;
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;  // file size when last read
    int64_t mtime_ns = 0;
    uint64_t offset = 0;     // end of the last complete line consumed
    uint64_t head_hash = 0;  // XXH3-64 of the first head_length bytes
    uint32_t head_length = 0;
    uint64_t lines = 0;  // complete lines before offset
    uint64_t malformed_lines = 0;
    uint64_t oversized_lines = 0;
    uint64_t incomplete_lines = 0;  // 1 when the file ends in a line still being written
    int decoder_version = 0;
    std::string error;  // non-empty when the file could not be read
};

// A batch handed to the sink: events plus the checkpoints they complete.
struct ImportBatch {
    std::vector<Event> events;
    std::vector<FileCheckpoint> checkpoints;
    // Files an earlier run could not read that no longer exist: their error is dropped
    // (events already imported from any file always stay).
    std::vector<std::string> forgotten;
};

// Batches written since the last commit become durable together, or not at
// all: a checkpoint never outlives the events it covers.
class ImportSink {
public:
    virtual ~ImportSink() = default;
    virtual Status write(ImportBatch& batch) = 0;
    virtual Status commit() = 0;
};

class CheckpointSource {
public:
    virtual ~CheckpointSource() = default;
    virtual Result<std::vector<FileCheckpoint>> load_checkpoints() = 0;
};

}  // namespace agent_trace
