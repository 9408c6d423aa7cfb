#pragma once
// The on-disk form of a queue segment (docs/operations.md, "Queue and dead letters"):
//
//   header  (32 bytes): "ATQSEGMT", u32 version, u32 header size, u64 first lsn,
//                       u32 reserved, u32 XXH32 of the 28 bytes before it
//   records (20 + n bytes each): u32 marker, u32 n, u64 lsn, u32 checksum, n payload bytes
//
// All integers little-endian. The record checksum covers length, lsn and payload:
// the low 32 bits of XXH3-64(length|lsn, seed = XXH3-64(payload)), so the payload
// can be hashed before the lsn is known (outside the append lock).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent_trace::queue_format {

constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 32;
constexpr size_t kRecordHeaderBytes = 20;
constexpr uint32_t kRecordMarker = 0x51E7A7C5;
// A length above this is garbage, not a record: it bounds what recovery and
// the reader will ever try to allocate.
constexpr uint32_t kMaxPayloadBytes = 64U << 20U;

std::string segment_file_name(uint64_t first_lsn);  // segment-<20 digits>.log
std::optional<uint64_t> parse_segment_file_name(std::string_view name);

std::string encode_header(uint64_t first_lsn);
// The first lsn the header names; nullopt when the header is damaged.
std::optional<uint64_t> decode_header(std::string_view bytes);

uint64_t payload_hash(std::string_view payload);
// Appends one record whose lsn is filled in later by seal_record().
void append_record(std::string& out, std::string_view payload, uint64_t payload_hash);
// Writes `lsn` and the checksum into the record whose header starts at `record`.
void seal_record(char* record, uint64_t lsn, uint64_t payload_hash);

// The payload length a record header at `offset` announces, when the header is
// there and plausible (marker present, length within the limit).
std::optional<uint32_t> announced_length(std::string_view bytes, uint64_t offset);

struct RecordView {
    uint64_t lsn = 0;
    uint64_t offset = 0;  // of the record header, from the start of the scanned bytes
    std::string_view payload;
    [[nodiscard]] uint64_t end() const { return offset + kRecordHeaderBytes + payload.size(); }
};

// The record at `offset` of `bytes` when it is complete, intact and its lsn lies
// in (after_lsn, before_lsn); nullopt otherwise.
std::optional<RecordView> record_at(std::string_view bytes, uint64_t offset, uint64_t after_lsn,
                                    uint64_t before_lsn);

struct ScanResult {
    std::vector<RecordView> records;
    uint64_t valid_end = 0;        // just past the last good record
    uint64_t tail_bytes = 0;       // after valid_end: a torn last write, or damage
    bool damaged_inside = false;   // bad bytes between two good records
    uint64_t corrupt_records = 0;  // lsns lost in damaged regions (at least one per region)
};

// Reads the records of `bytes` (a segment body, or any run of whole records). A
// damaged region is skipped up to the next intact record, so one bad byte costs
// one record, not the rest of the file. Bytes after the last intact record are a
// torn tail in the segment being written (`tail_is_damage` false: counted in
// tail_bytes only) and damage anywhere else (also counted as corrupt records).
ScanResult scan_records(std::string_view bytes, uint64_t after_lsn, uint64_t before_lsn,
                        bool tail_is_damage);

}  // namespace agent_trace::queue_format
