#pragma once
// Turns a UsageReport into a terminal table, CSV or the documented JSON shape.
#include <string>

#include "query/usage_report.hpp"

namespace agent_trace::cli {

std::string render_json(const UsageReport& report);
std::string render_csv(const UsageReport& report, bool breakdown);
std::string render_table(const UsageReport& report, const Zone& zone);
// Warnings for stderr: unpriced models, skipped lines. Empty when all is well.
std::string render_warnings(const UsageReport& report, const std::string& config_dir);

}  // namespace agent_trace::cli
