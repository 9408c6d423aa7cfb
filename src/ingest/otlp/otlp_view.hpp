#pragma once
// A zero-copy reading of an ExportLogsServiceRequest's protobuf bytes: every string is
// a view into the request buffer, attributes sit in one flat array, and nothing is
// allocated per value. The types offer the accessors of the generated protobuf classes
// the decoders use (value_case(), string_value(), attributes(), ...), so decode_logs is
// one template over both (otlp_logs.cpp): the views on the receivers' hot path, the
// protobuf messages everywhere else (OTLP/JSON, tests).
//
// The reader takes only what the protobuf parser would read the same way and is simple
// to read exactly: well-formed wire data, valid UTF-8 in every string field, each
// singular message field and AnyValue member at most once, no deprecated
// instrumentation_library_logs, no groups, nesting within limits. Anything else makes it
// give up (nullopt), and the caller parses with protobuf instead, which accepts or
// refuses as before.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace agent_trace::otlp {

class KeyValueView;

// Iterates the items of a repeated message field (field 1) of already validated bytes.
template <class Item>
class RepeatedView {
public:
    class iterator {
    public:
        iterator() = default;
        explicit iterator(std::string_view rest) : rest_(rest) { advance(); }
        const Item& operator*() const { return item_; }
        const Item* operator->() const { return &item_; }
        iterator& operator++() {
            advance();
            return *this;
        }
        bool operator==(const iterator& other) const { return done_ == other.done_; }

    private:
        void advance();
        std::string_view rest_;
        Item item_;
        bool done_ = true;
    };

    RepeatedView() = default;
    explicit RepeatedView(std::string_view bytes) : bytes_(bytes) {}
    [[nodiscard]] iterator begin() const { return iterator(bytes_); }
    [[nodiscard]] iterator end() const { return {}; }

private:
    std::string_view bytes_;
};

class AnyView;

class ArrayView {
public:
    ArrayView() = default;
    explicit ArrayView(std::string_view bytes) : bytes_(bytes) {}
    [[nodiscard]] RepeatedView<AnyView> values() const;

private:
    std::string_view bytes_;
};

class KeyValueListView {
public:
    KeyValueListView() = default;
    explicit KeyValueListView(std::string_view bytes) : bytes_(bytes) {}
    [[nodiscard]] RepeatedView<KeyValueView> values() const;

private:
    std::string_view bytes_;
};

// opentelemetry.proto.common.v1.AnyValue.
class AnyView {
public:
    // The generated AnyValue::ValueCase numbering (the oneof's field numbers).
    enum ValueCase : int {
        kStringValue = 1,
        kBoolValue = 2,
        kIntValue = 3,
        kDoubleValue = 4,
        kArrayValue = 5,
        kKvlistValue = 6,
        kBytesValue = 7,
        VALUE_NOT_SET = 0,
    };

    [[nodiscard]] ValueCase value_case() const { return case_; }
    [[nodiscard]] std::string_view string_value() const {
        return case_ == kStringValue ? data_ : std::string_view{};
    }
    [[nodiscard]] std::string_view bytes_value() const {
        return case_ == kBytesValue ? data_ : std::string_view{};
    }
    [[nodiscard]] bool bool_value() const { return case_ == kBoolValue && number_ != 0; }
    [[nodiscard]] int64_t int_value() const {
        return case_ == kIntValue ? static_cast<int64_t>(number_) : 0;
    }
    [[nodiscard]] double double_value() const;
    [[nodiscard]] ArrayView array_value() const {
        return ArrayView(case_ == kArrayValue ? data_ : std::string_view{});
    }
    [[nodiscard]] KeyValueListView kvlist_value() const {
        return KeyValueListView(case_ == kKvlistValue ? data_ : std::string_view{});
    }

private:
    friend class WireReader;
    ValueCase case_ = VALUE_NOT_SET;
    uint64_t number_ = 0;    // bool, int64 or the bits of the double
    std::string_view data_;  // string, bytes, or the ArrayValue / KeyValueList message
};

// opentelemetry.proto.common.v1.KeyValue.
class KeyValueView {
public:
    [[nodiscard]] std::string_view key() const { return key_; }
    [[nodiscard]] const AnyView& value() const { return value_; }

private:
    friend class WireReader;
    std::string_view key_;
    AnyView value_;
};

// A run of attributes in the request's flat attribute array.
class AttributesView {
public:
    [[nodiscard]] const KeyValueView* begin() const { return begin_; }
    [[nodiscard]] const KeyValueView* end() const { return begin_ + size_; }
    [[nodiscard]] size_t size() const { return size_; }

private:
    friend class WireReader;
    friend class LogsRequestView;
    const KeyValueView* begin_ = nullptr;
    size_t first_ = 0;  // index into the flat array, until the pointers are fixed
    size_t size_ = 0;
};

template <class T>
class SpanView {
public:
    [[nodiscard]] const T* begin() const { return begin_; }
    [[nodiscard]] const T* end() const { return begin_ + size_; }
    [[nodiscard]] size_t size() const { return size_; }

private:
    friend class WireReader;
    friend class LogsRequestView;
    const T* begin_ = nullptr;
    size_t first_ = 0;
    size_t size_ = 0;
};

class ResourceView {
public:
    [[nodiscard]] const AttributesView& attributes() const { return attributes_; }

private:
    friend class WireReader;
    friend class LogsRequestView;
    AttributesView attributes_;
};

class ScopeView {
public:
    [[nodiscard]] std::string_view name() const { return name_; }
    [[nodiscard]] std::string_view version() const { return version_; }

private:
    friend class WireReader;
    std::string_view name_;
    std::string_view version_;
};

// opentelemetry.proto.logs.v1.LogRecord.
class LogRecordView {
public:
    [[nodiscard]] uint64_t time_unix_nano() const { return time_; }
    [[nodiscard]] uint64_t observed_time_unix_nano() const { return observed_time_; }
    [[nodiscard]] int32_t severity_number() const { return severity_number_; }
    [[nodiscard]] std::string_view severity_text() const { return severity_text_; }
    [[nodiscard]] const AnyView& body() const { return body_; }
    [[nodiscard]] const AttributesView& attributes() const { return attributes_; }
    [[nodiscard]] std::string_view trace_id() const { return trace_id_; }
    [[nodiscard]] std::string_view span_id() const { return span_id_; }
    // What the generated LogRecord's SerializeAsString() gives for this record.
    [[nodiscard]] std::string SerializeAsString() const;

private:
    friend class WireReader;
    friend class LogsRequestView;
    std::string_view bytes_;
    uint64_t time_ = 0;
    uint64_t observed_time_ = 0;
    int32_t severity_number_ = 0;
    std::string_view severity_text_;
    AnyView body_;
    AttributesView attributes_;
    std::string_view trace_id_;
    std::string_view span_id_;
};

class ScopeLogsView {
public:
    [[nodiscard]] const ScopeView& scope() const { return scope_; }
    [[nodiscard]] const SpanView<LogRecordView>& log_records() const { return log_records_; }
    [[nodiscard]] int log_records_size() const { return static_cast<int>(log_records_.size()); }

private:
    friend class WireReader;
    friend class LogsRequestView;
    ScopeView scope_;
    SpanView<LogRecordView> log_records_;
};

class ResourceLogsView {
public:
    [[nodiscard]] const ResourceView& resource() const { return resource_; }
    [[nodiscard]] const SpanView<ScopeLogsView>& scope_logs() const { return scope_logs_; }

private:
    friend class WireReader;
    friend class LogsRequestView;
    ResourceView resource_;
    SpanView<ScopeLogsView> scope_logs_;
};

// opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest. Views into the bytes
// it was read from: they must outlive it. Not copyable (the spans point into it).
class LogsRequestView {
public:
    LogsRequestView() = default;
    LogsRequestView(const LogsRequestView&) = delete;
    LogsRequestView& operator=(const LogsRequestView&) = delete;
    LogsRequestView(LogsRequestView&&) = default;
    LogsRequestView& operator=(LogsRequestView&&) = default;

    [[nodiscard]] const std::vector<ResourceLogsView>& resource_logs() const {
        return resource_logs_;
    }

    // Reads `bytes`; false when they are not in the form described above (`*this` is
    // then unspecified). Reuses the arrays of a previous read.
    bool read(std::string_view bytes);

private:
    friend class WireReader;
    void fix_pointers();

    std::vector<ResourceLogsView> resource_logs_;
    std::vector<ScopeLogsView> scope_logs_;
    std::vector<LogRecordView> log_records_;
    std::vector<KeyValueView> attributes_;
};

// For RepeatedView: reads one item of a validated repeated field, false at the end.
bool next_any(std::string_view& rest, AnyView& out);
bool next_key_value(std::string_view& rest, KeyValueView& out);

template <class Item>
void RepeatedView<Item>::iterator::advance() {
    if constexpr (std::is_same_v<Item, AnyView>) {
        done_ = !next_any(rest_, item_);
    } else {
        done_ = !next_key_value(rest_, item_);
    }
}

inline RepeatedView<AnyView> ArrayView::values() const { return RepeatedView<AnyView>(bytes_); }
inline RepeatedView<KeyValueView> KeyValueListView::values() const {
    return RepeatedView<KeyValueView>(bytes_);
}

}  // namespace agent_trace::otlp
