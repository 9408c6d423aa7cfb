#include "ingest/otlp/otlp_view.hpp"

#include <simdjson.h>

#include <bit>
#include <cstring>
#include <limits>

#include "opentelemetry/proto/logs/v1/logs.pb.h"

namespace agent_trace::otlp {
namespace {

// Nested arrays and maps deeper than this go to protobuf (whose own limit is 100 messages).
constexpr int kMaxAnyDepth = 32;

// Claude Code's strings are nearly all ASCII: checked eight bytes at a time, and from
// the first other byte on (a character boundary) by simdjson's validator.
bool valid_utf8(std::string_view s) {
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    const size_t n = s.size();
    uint64_t any_high = 0;
    size_t i = 0;
    for (; i + 8 <= n && any_high == 0; i += 8) {
        uint64_t w = 0;
        std::memcpy(&w, s.data() + i, sizeof w);
        any_high = w & kHigh;
    }
    if (any_high == 0 && i < n) {
        uint64_t w = 0;
        if (n >= 8) {
            std::memcpy(&w, s.data() + n - 8, sizeof w);  // overlaps bytes already seen
        } else {
            for (size_t k = 0; k < n; ++k)
                w |= static_cast<uint64_t>(static_cast<uint8_t>(s[k])) << (8 * k);
        }
        any_high = w & kHigh;
    }
    return any_high == 0 || simdjson::validate_utf8(s.data(), s.size());
}

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Protobuf wire primitives over a byte range; every read is bounds checked.
class Cursor {
public:
    explicit Cursor(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

    [[nodiscard]] bool done() const { return p_ == end_; }
    [[nodiscard]] std::string_view rest() const { return {p_, static_cast<size_t>(end_ - p_)}; }

    bool varint(uint64_t& v) {
        // Tags, lengths and most numbers are below 128: one byte.
        if (p_ != end_ && (static_cast<uint8_t>(*p_) & 0x80U) == 0) {
            v = static_cast<uint8_t>(*p_++);
            return true;
        }
        v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) return false;
            const auto b = static_cast<uint8_t>(*p_++);
            // The tenth byte may only carry the top bit of a 64-bit value.
            if (shift == 63 && b > 1) return false;
            v |= static_cast<uint64_t>(b & 0x7FU) << shift;
            if ((b & 0x80U) == 0) return true;
        }
        return false;
    }

    bool tag(uint32_t& field, uint32_t& wire) {
        uint64_t t = 0;
        if (!varint(t) || t > std::numeric_limits<uint32_t>::max()) return false;
        field = static_cast<uint32_t>(t >> 3U);
        wire = static_cast<uint32_t>(t & 7U);
        return field != 0;
    }

    bool fixed64(uint64_t& v) {
        if (end_ - p_ < 8) return false;
        v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8U) | static_cast<uint8_t>(p_[i]);
        p_ += 8;
        return true;
    }

    bool length_delimited(std::string_view& out) {
        uint64_t n = 0;
        if (!varint(n) || n > static_cast<uint64_t>(end_ - p_)) return false;
        out = std::string_view(p_, static_cast<size_t>(n));
        p_ += n;
        return true;
    }

    bool string(std::string_view& out) { return length_delimited(out) && valid_utf8(out); }

    // Skips a field this reader does not use. Groups are left to protobuf.
    bool skip(uint32_t wire) {
        uint64_t ignored = 0;
        std::string_view view;
        switch (wire) {
            case kVarint:
                return varint(ignored);
            case kFixed64:
                return advance(8);
            case kLengthDelimited:
                return length_delimited(view);
            case kFixed32:
                return advance(4);
            default:
                return false;
        }
    }

private:
    bool advance(size_t n) {
        if (static_cast<size_t>(end_ - p_) < n) return false;
        p_ += n;
        return true;
    }

    const char* p_;
    const char* end_;
};

}  // namespace

// Field numbers: opentelemetry/proto/{common,resource,logs}/v1 and collector/logs/v1.
class WireReader {
public:
    explicit WireReader(LogsRequestView& request) : request_(request) {}

    static bool any(std::string_view bytes, AnyView& out, int depth) {
        if (depth > kMaxAnyDepth) return false;
        Cursor in(bytes);
        out = AnyView{};
        bool set = false;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field > AnyView::kBytesValue) {
                if (!in.skip(wire)) return false;
                continue;
            }
            // A second member of the oneof: protobuf's replace-or-merge rules are its own.
            if (set) return false;
            set = true;
            uint64_t number = 0;
            std::string_view data;
            switch (field) {
                case AnyView::kStringValue:
                    if (wire != kLengthDelimited || !in.string(data)) return false;
                    break;
                case AnyView::kBoolValue:
                    if (wire != kVarint || !in.varint(number)) return false;
                    number = number != 0 ? 1 : 0;
                    break;
                case AnyView::kIntValue:
                    if (wire != kVarint || !in.varint(number)) return false;
                    break;
                case AnyView::kDoubleValue:
                    if (wire != kFixed64 || !in.fixed64(number)) return false;
                    break;
                case AnyView::kArrayValue:
                    if (wire != kLengthDelimited || !in.length_delimited(data) ||
                        !array(data, depth + 1)) {
                        return false;
                    }
                    break;
                case AnyView::kKvlistValue:
                    if (wire != kLengthDelimited || !in.length_delimited(data) ||
                        !kvlist(data, depth + 1)) {
                        return false;
                    }
                    break;
                case AnyView::kBytesValue:
                    if (wire != kLengthDelimited || !in.length_delimited(data)) return false;
                    break;
                default:
                    return false;
            }
            out.case_ = static_cast<AnyView::ValueCase>(field);
            out.number_ = number;
            out.data_ = data;
        }
        return true;
    }

    static bool key_value(std::string_view bytes, KeyValueView& out, int depth) {
        Cursor in(bytes);
        out = KeyValueView{};
        bool has_value = false;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field == 1) {
                if (wire != kLengthDelimited || !in.string(out.key_)) return false;
            } else if (field == 2) {
                std::string_view value;
                if (has_value || wire != kLengthDelimited || !in.length_delimited(value) ||
                    !any(value, out.value_, depth)) {
                    return false;
                }
                has_value = true;
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    bool request(std::string_view bytes) {
        Cursor in(bytes);
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field == 1) {
                std::string_view sub;
                if (wire != kLengthDelimited || !in.length_delimited(sub)) return false;
                ResourceLogsView resource_logs;
                if (!read_resource_logs(sub, resource_logs)) return false;
                request_.resource_logs_.push_back(resource_logs);
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

private:
    // ArrayValue and KeyValueList: checked through, read again when iterated.
    static bool array(std::string_view bytes, int depth) {
        Cursor in(bytes);
        AnyView item;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field == 1) {
                std::string_view sub;
                if (wire != kLengthDelimited || !in.length_delimited(sub) ||
                    !any(sub, item, depth)) {
                    return false;
                }
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    static bool kvlist(std::string_view bytes, int depth) {
        Cursor in(bytes);
        KeyValueView item;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field == 1) {
                std::string_view sub;
                if (wire != kLengthDelimited || !in.length_delimited(sub) ||
                    !key_value(sub, item, depth)) {
                    return false;
                }
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    // A repeated KeyValue field's item, appended to the flat attribute array.
    bool attribute(Cursor& in, uint32_t wire, AttributesView& into) {
        std::string_view sub;
        KeyValueView kv;
        if (wire != kLengthDelimited || !in.length_delimited(sub) || !key_value(sub, kv, 0)) {
            return false;
        }
        request_.attributes_.push_back(kv);
        ++into.size_;
        return true;
    }

    bool read_resource_logs(std::string_view bytes, ResourceLogsView& out) {
        Cursor in(bytes);
        out.scope_logs_.first_ = request_.scope_logs_.size();
        bool has_resource = false;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            std::string_view sub;
            switch (field) {
                case 1:  // resource
                    if (has_resource || wire != kLengthDelimited || !in.length_delimited(sub) ||
                        !read_resource(sub, out.resource_)) {
                        return false;
                    }
                    has_resource = true;
                    break;
                case 2: {  // scope_logs
                    if (wire != kLengthDelimited || !in.length_delimited(sub)) return false;
                    ScopeLogsView scope_logs;
                    if (!read_scope_logs(sub, scope_logs)) return false;
                    request_.scope_logs_.push_back(scope_logs);
                    ++out.scope_logs_.size_;
                    break;
                }
                case 3:  // schema_url
                    if (wire != kLengthDelimited || !in.string(sub)) return false;
                    break;
                case 1000:  // instrumentation_library_logs (deprecated)
                    return false;
                default:
                    if (!in.skip(wire)) return false;
            }
        }
        return true;
    }

    bool read_resource(std::string_view bytes, ResourceView& out) {
        Cursor in(bytes);
        out.attributes_.first_ = request_.attributes_.size();
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            uint64_t ignored = 0;
            if (field == 1) {  // attributes
                if (!attribute(in, wire, out.attributes_)) return false;
            } else if (field == 2) {  // dropped_attributes_count
                if (wire != kVarint || !in.varint(ignored)) return false;
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    bool read_scope_logs(std::string_view bytes, ScopeLogsView& out) {
        Cursor in(bytes);
        out.log_records_.first_ = request_.log_records_.size();
        bool has_scope = false;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            std::string_view sub;
            switch (field) {
                case 1:  // scope
                    if (has_scope || wire != kLengthDelimited || !in.length_delimited(sub) ||
                        !read_scope(sub, out.scope_)) {
                        return false;
                    }
                    has_scope = true;
                    break;
                case 2: {  // log_records
                    if (wire != kLengthDelimited || !in.length_delimited(sub)) return false;
                    LogRecordView record;
                    if (!read_log_record(sub, record)) return false;
                    request_.log_records_.push_back(record);
                    ++out.log_records_.size_;
                    break;
                }
                case 3:  // schema_url
                    if (wire != kLengthDelimited || !in.string(sub)) return false;
                    break;
                default:
                    if (!in.skip(wire)) return false;
            }
        }
        return true;
    }

    static bool read_scope(std::string_view bytes, ScopeView& out) {
        Cursor in(bytes);
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            if (field == 1) {
                if (wire != kLengthDelimited || !in.string(out.name_)) return false;
            } else if (field == 2) {
                if (wire != kLengthDelimited || !in.string(out.version_)) return false;
            } else if (!in.skip(wire)) {
                return false;
            }
        }
        return true;
    }

    bool read_log_record(std::string_view bytes, LogRecordView& out) {
        Cursor in(bytes);
        out.bytes_ = bytes;
        out.attributes_.first_ = request_.attributes_.size();
        bool has_body = false;
        while (!in.done()) {
            uint32_t field = 0;
            uint32_t wire = 0;
            if (!in.tag(field, wire)) return false;
            uint64_t number = 0;
            std::string_view sub;
            switch (field) {
                case 1:  // time_unix_nano
                    if (wire != kFixed64 || !in.fixed64(out.time_)) return false;
                    break;
                case 11:  // observed_time_unix_nano
                    if (wire != kFixed64 || !in.fixed64(out.observed_time_)) return false;
                    break;
                case 2:  // severity_number (an open enum: any int32)
                    if (wire != kVarint || !in.varint(number)) return false;
                    out.severity_number_ = static_cast<int32_t>(static_cast<uint32_t>(number));
                    break;
                case 3:  // severity_text
                    if (wire != kLengthDelimited || !in.string(out.severity_text_)) return false;
                    break;
                case 5:  // body
                    if (has_body || wire != kLengthDelimited || !in.length_delimited(sub) ||
                        !any(sub, out.body_, 0)) {
                        return false;
                    }
                    has_body = true;
                    break;
                case 6:  // attributes
                    if (!attribute(in, wire, out.attributes_)) return false;
                    break;
                case 7:  // dropped_attributes_count
                    if (wire != kVarint || !in.varint(number)) return false;
                    break;
                case 8:  // flags
                    if (wire != kFixed32 || !in.skip(kFixed32)) return false;
                    break;
                case 9:  // trace_id
                    if (wire != kLengthDelimited || !in.length_delimited(out.trace_id_)) {
                        return false;
                    }
                    break;
                case 10:  // span_id
                    if (wire != kLengthDelimited || !in.length_delimited(out.span_id_)) {
                        return false;
                    }
                    break;
                default:
                    if (!in.skip(wire)) return false;
            }
        }
        return true;
    }

    LogsRequestView& request_;
};

double AnyView::double_value() const {
    return case_ == kDoubleValue ? std::bit_cast<double>(number_) : 0.0;
}

std::string LogRecordView::SerializeAsString() const {
    opentelemetry::proto::logs::v1::LogRecord record;
    // The bytes were read as a whole request before: parsing this part of them cannot fail.
    (void)record.ParseFromArray(bytes_.data(), static_cast<int>(bytes_.size()));
    return record.SerializeAsString();
}

bool LogsRequestView::read(std::string_view bytes) {
    resource_logs_.clear();
    scope_logs_.clear();
    log_records_.clear();
    attributes_.clear();
    if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return false;
    WireReader reader(*this);
    if (!reader.request(bytes)) return false;
    fix_pointers();
    return true;
}

void LogsRequestView::fix_pointers() {
    for (ResourceLogsView& rl : resource_logs_) {
        AttributesView& resource_attributes = rl.resource_.attributes_;
        resource_attributes.begin_ = attributes_.data() + resource_attributes.first_;
        rl.scope_logs_.begin_ = scope_logs_.data() + rl.scope_logs_.first_;
    }
    for (ScopeLogsView& sl : scope_logs_) {
        sl.log_records_.begin_ = log_records_.data() + sl.log_records_.first_;
    }
    for (LogRecordView& record : log_records_) {
        record.attributes_.begin_ = attributes_.data() + record.attributes_.first_;
    }
}

bool next_any(std::string_view& rest, AnyView& out) {
    Cursor in(rest);
    while (!in.done()) {
        uint32_t field = 0;
        uint32_t wire = 0;
        if (!in.tag(field, wire)) break;
        if (field == 1 && wire == kLengthDelimited) {
            std::string_view sub;
            if (!in.length_delimited(sub) || !WireReader::any(sub, out, 0)) break;
            rest = in.rest();
            return true;
        }
        if (!in.skip(wire)) break;
    }
    rest = {};
    return false;
}

bool next_key_value(std::string_view& rest, KeyValueView& out) {
    Cursor in(rest);
    while (!in.done()) {
        uint32_t field = 0;
        uint32_t wire = 0;
        if (!in.tag(field, wire)) break;
        if (field == 1 && wire == kLengthDelimited) {
            std::string_view sub;
            if (!in.length_delimited(sub) || !WireReader::key_value(sub, out, 0)) break;
            rest = in.rest();
            return true;
        }
        if (!in.skip(wire)) break;
    }
    rest = {};
    return false;
}

}  // namespace agent_trace::otlp
