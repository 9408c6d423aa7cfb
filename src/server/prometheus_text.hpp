#pragma once
// Prometheus text exposition format 0.0.4: each family's HELP and TYPE lines,
// then its samples; label values and help text escaped as the format requires.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace agent_trace::server {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

using PrometheusLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class PrometheusText {
public:
    // Starts a family; its samples follow. `type` is "counter" or "gauge".
    PrometheusText& family(std::string_view name, std::string_view type, std::string_view help);
    // A sample of the current family.
    PrometheusText& sample(double value, PrometheusLabels labels = {});
    PrometheusText& sample(uint64_t value, PrometheusLabels labels = {});

    // A family with one unlabelled sample.
    PrometheusText& counter(std::string_view name, std::string_view help, uint64_t value) {
        return family(name, "counter", help).sample(value);
    }
    PrometheusText& gauge(std::string_view name, std::string_view help, double value) {
        return family(name, "gauge", help).sample(value);
    }

    std::string take() { return std::move(out_); }

private:
    void sample_head(PrometheusLabels labels);
    std::string out_;
    std::string name_;
};

}  // namespace agent_trace::server
