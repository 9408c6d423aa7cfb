#pragma once
// Cheap test run on every transcript line before any JSON parsing.
#include <string_view>

namespace agent_trace::transcript {

// True when `line` contains the unescaped token "assistant" (with its quotes).
// Every top-level assistant record carries "type":"assistant"; inside JSON
// strings quotes are escaped, so tool output that merely mentions the word
// never matches. False positives are fine (the line is then parsed); false
// negatives are impossible for compact or pretty JSON.
bool may_be_assistant_line(std::string_view line);

}  // namespace agent_trace::transcript
