#include "pipeline/queue/segment_format.hpp"

#include <xxhash.h>

#include <array>
#include <cstring>
#include <limits>

namespace agent_trace::queue_format {
namespace {

constexpr std::string_view kMagic = "ATQSEGMT";
constexpr std::string_view kFilePrefix = "segment-";
constexpr std::string_view kFileSuffix = ".log";
constexpr size_t kLsnDigits = 20;

void put32(char* at, uint32_t v) {
    for (unsigned i = 0; i < 4; ++i) at[i] = static_cast<char>(v >> (8U * i));
}

void put64(char* at, uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) at[i] = static_cast<char>(v >> (8U * i));
}

uint32_t get32(const char* at) {
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; ++i) {
        v |= static_cast<uint32_t>(static_cast<unsigned char>(at[i])) << (8U * i);
    }
    return v;
}

uint64_t get64(const char* at) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) {
        v |= static_cast<uint64_t>(static_cast<unsigned char>(at[i])) << (8U * i);
    }
    return v;
}

// Over the length and lsn fields (12 contiguous bytes at record + 4).
uint32_t record_checksum(const char* record, uint64_t payload_hash) {
    return static_cast<uint32_t>(XXH3_64bits_withSeed(record + 4, 12, payload_hash));
}

}  // namespace

std::string segment_file_name(uint64_t first_lsn) {
    std::string digits = std::to_string(first_lsn);
    std::string name(kFilePrefix);
    name.append(kLsnDigits - digits.size(), '0');
    name += digits;
    name += kFileSuffix;
    return name;
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
    if (name.size() != kFilePrefix.size() + kLsnDigits + kFileSuffix.size() ||
        !name.starts_with(kFilePrefix) || !name.ends_with(kFileSuffix)) {
        return std::nullopt;
    }
    const std::string_view digits = name.substr(kFilePrefix.size(), kLsnDigits);
    uint64_t v = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::string encode_header(uint64_t first_lsn) {
    std::string header(kHeaderBytes, '\0');
    std::memcpy(header.data(), kMagic.data(), kMagic.size());
    put32(header.data() + 8, kVersion);
    put32(header.data() + 12, static_cast<uint32_t>(kHeaderBytes));
    put64(header.data() + 16, first_lsn);
    put32(header.data() + 28, XXH32(header.data(), 28, 0));
    return header;
}

std::optional<uint64_t> decode_header(std::string_view bytes) {
    if (bytes.size() < kHeaderBytes) return std::nullopt;
    if (bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
    if (get32(bytes.data() + 28) != XXH32(bytes.data(), 28, 0)) return std::nullopt;
    if (get32(bytes.data() + 8) != kVersion || get32(bytes.data() + 12) != kHeaderBytes) {
        return std::nullopt;
    }
    return get64(bytes.data() + 16);
}

uint64_t payload_hash(std::string_view payload) {
    return XXH3_64bits(payload.data(), payload.size());
}

void append_record(std::string& out, std::string_view payload, uint64_t payload_hash) {
    const size_t at = out.size();
    out.resize(at + kRecordHeaderBytes);
    put32(out.data() + at, kRecordMarker);
    put32(out.data() + at + 4, static_cast<uint32_t>(payload.size()));
    put64(out.data() + at + 8, 0);
    put32(out.data() + at + 16, record_checksum(out.data() + at, payload_hash));
    out.append(payload);
}

void seal_record(char* record, uint64_t lsn, uint64_t payload_hash) {
    put64(record + 8, lsn);
    put32(record + 16, record_checksum(record, payload_hash));
}

std::optional<uint32_t> announced_length(std::string_view bytes, uint64_t offset) {
    if (offset > bytes.size() || bytes.size() - offset < kRecordHeaderBytes) return std::nullopt;
    const char* record = bytes.data() + offset;
    if (get32(record) != kRecordMarker) return std::nullopt;
    const uint32_t length = get32(record + 4);
    if (length > kMaxPayloadBytes) return std::nullopt;
    return length;
}

std::optional<RecordView> record_at(std::string_view bytes, uint64_t offset, uint64_t after_lsn,
                                    uint64_t before_lsn) {
    const auto length = announced_length(bytes, offset);
    if (!length || bytes.size() - offset - kRecordHeaderBytes < static_cast<uint64_t>(*length)) {
        return std::nullopt;
    }
    const char* record = bytes.data() + offset;
    const uint64_t lsn = get64(record + 8);
    if (lsn <= after_lsn || lsn >= before_lsn) return std::nullopt;
    const std::string_view payload(record + kRecordHeaderBytes, *length);
    if (get32(record + 16) != record_checksum(record, payload_hash(payload))) return std::nullopt;
    return RecordView{lsn, offset, payload};
}

ScanResult scan_records(std::string_view bytes, uint64_t after_lsn, uint64_t before_lsn,
                        bool tail_is_damage) {
    ScanResult result;
    std::array<char, 4> marker{};
    put32(marker.data(), kRecordMarker);
    const std::string_view marker_bytes(marker.data(), marker.size());
    uint64_t offset = 0;
    uint64_t previous = after_lsn;
    while (offset < bytes.size()) {
        if (auto record = record_at(bytes, offset, previous, before_lsn)) {
            previous = record->lsn;
            offset = record->end();
            result.valid_end = offset;
            result.records.push_back(*record);
            continue;
        }
        // Look for the next intact record; everything before it is lost.
        std::optional<RecordView> next;
        size_t search = offset + 1;
        while (!next) {
            search = bytes.find(marker_bytes, search);
            if (search == std::string_view::npos) break;
            next = record_at(bytes, search, previous, before_lsn);
            ++search;
        }
        if (!next) {
            if (tail_is_damage) {
                const uint64_t lost = before_lsn != std::numeric_limits<uint64_t>::max()
                                          ? before_lsn - previous - 1
                                          : 0;
                result.corrupt_records += lost == 0 ? 1 : lost;
            }
            break;
        }
        result.damaged_inside = true;
        const uint64_t lost = next->lsn - previous - 1;
        result.corrupt_records += lost == 0 ? 1 : lost;
        offset = next->offset;
    }
    result.tail_bytes = bytes.size() - result.valid_end;
    return result;
}

}  // namespace agent_trace::queue_format
