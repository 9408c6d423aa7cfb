#pragma once
// What one ingress accepted and refused, by reason: every drop is counted.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace agent_trace::server {

class IngestCounters {
public:
    void accepted(uint64_t n) {
        std::lock_guard lock(mutex_);
        accepted_ += n;
    }
    void rejected(const std::string& reason, uint64_t n = 1) {
        std::lock_guard lock(mutex_);
        rejected_ += n;
        by_reason_[reason] += n;
    }
    struct Snapshot {
        uint64_t accepted = 0;
        uint64_t rejected = 0;
        std::map<std::string, uint64_t> by_reason;
    };
    [[nodiscard]] Snapshot snapshot() const {
        std::lock_guard lock(mutex_);
        return {accepted_, rejected_, by_reason_};
    }

private:
    mutable std::mutex mutex_;
    uint64_t accepted_ = 0;
    uint64_t rejected_ = 0;
    std::map<std::string, uint64_t> by_reason_;
};

}  // namespace agent_trace::server
