#pragma once
// Canonical events as queue records: a compact, versioned binary form.
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"

namespace agent_trace {

void encode_event(const Event& event, std::string& out);  // appends to out

// Events encoded back to back into one buffer, as queue records: one allocation per
// batch rather than one per event.
class EncodedBatch {
public:
    void reserve(size_t bytes, size_t events) {
        bytes_.reserve(bytes);
        ends_.reserve(events);
    }
    void add(const Event& event) {
        encode_event(event, bytes_);
        ends_.push_back(bytes_.size());
    }
    [[nodiscard]] size_t size() const { return ends_.size(); }
    [[nodiscard]] bool empty() const { return ends_.empty(); }
    // One view per event into this batch (valid while it lives, unchanged).
    [[nodiscard]] std::vector<std::string_view> views() const;

private:
    std::string bytes_;
    std::vector<size_t> ends_;
};
Result<Event> decode_event(std::string_view bytes);  // error names what is wrong

// The event as one JSON object with the v1 field names (DLQ files, `dlq show`, the API).
std::string event_to_json(const Event& event);
Result<Event> event_from_json(std::string_view json);

}  // namespace agent_trace
