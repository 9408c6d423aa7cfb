#pragma once
// 5-hour billing windows: a block starts at its first call floored to the UTC
// hour and lasts five hours; a call after the block's end, or after five idle
// hours, starts the next block.
#include <string>
#include <vector>

#include "core/time.hpp"
#include "query/usage_report.hpp"

namespace agent_trace {

inline constexpr int64_t kBlockDurationUs = 5LL * 3600 * 1'000'000;

struct BlockCall {
    TimestampUs ts = 0;
    UsageTotals totals;
    std::string model;
};

// Rows keyed by the block start (ISO-8601 UTC), oldest first; the block that
// contains `now` is marked active with burn rate and projection.
// With `breakdown`, each row also carries every model's share.
std::vector<ReportRow> build_billing_blocks(std::vector<BlockCall> calls, TimestampUs now,
                                            bool breakdown = false);

}  // namespace agent_trace
