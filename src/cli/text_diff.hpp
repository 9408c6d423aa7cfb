#pragma once
// A line diff in unified format, for showing a change before it is made
// (`init --dry-run`). Small inputs only: settings files, not source trees.
#include <cstddef>
#include <string>
#include <string_view>

namespace agent_trace::cli {

// "--- a\n+++ b\n@@ -l,n +l,n @@\n..." with `context` lines around each change;
// empty when the texts are equal. A text without a final newline is marked
// "\ No newline at end of file", as diff(1) does.
std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label,
                         size_t context = 3);

}  // namespace agent_trace::cli
