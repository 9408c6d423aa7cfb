#include "server/prometheus_text.hpp"

#include <charconv>
#include <cmath>

namespace agent_trace::server {
namespace {

// HELP text: backslash and line feed escaped. Label values: also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

}  // namespace

PrometheusText& PrometheusText::family(std::string_view name, std::string_view type,
                                       std::string_view help) {
    name_ = std::string(name);
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    append_escaped(out_, help, false);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    return *this;
}

void PrometheusText::sample_head(PrometheusLabels labels) {
    out_ += name_;
    if (labels.size() > 0) {
        out_ += '{';
        bool first = true;
        for (const auto& [label, value] : labels) {
            if (!first) out_ += ',';
            first = false;
            out_ += label;
            out_ += "=\"";
            append_escaped(out_, value, true);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
}

PrometheusText& PrometheusText::sample(double value, PrometheusLabels labels) {
    sample_head(labels);
    if (std::isnan(value)) {
        out_ += "NaN";
    } else if (std::isinf(value)) {
        out_ += value > 0 ? "+Inf" : "-Inf";
    } else {
        char buffer[64];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
        out_.append(buffer, result.ptr);
    }
    out_ += '\n';
    return *this;
}

PrometheusText& PrometheusText::sample(uint64_t value, PrometheusLabels labels) {
    sample_head(labels);
    out_ += std::to_string(value);
    out_ += '\n';
    return *this;
}

}  // namespace agent_trace::server
