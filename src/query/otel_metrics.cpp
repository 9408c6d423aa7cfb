#include "query/otel_metrics.hpp"

namespace agent_trace {

std::optional<MetricGroup> parse_metric_group(std::string_view name) {
    if (name == "none" || name.empty()) return MetricGroup::none;
    if (name == "day") return MetricGroup::day;
    if (name == "session") return MetricGroup::session;
    if (name == "model") return MetricGroup::model;
    return std::nullopt;
}

void MetricTotalsBuilder::add(const MetricPoint& point) {
    double increment = point.value;
    if (point.temporality == "cumulative") {
        auto [it, first] =
            last_cumulative_.try_emplace({std::string(point.series), point.start_ts}, point.value);
        if (!first) {
            const double previous = it->second;
            it->second = point.value;
            // A running total that went down was reset: it counts from zero again.
            increment = point.value >= previous ? point.value - previous : point.value;
        }
    }
    // Earlier points only set the baseline of a cumulative series.
    if (options_.since && point.ts < *options_.since) return;
    if (options_.until && point.ts >= *options_.until) return;
    std::string group;
    switch (options_.group) {
        case MetricGroup::none:
            break;
        case MetricGroup::day:
            group = options_.zone.day_key(point.ts);
            break;
        case MetricGroup::session:
            group = point.session_id;
            break;
        case MetricGroup::model:
            group = point.model;
            break;
    }
    auto key =
        std::make_tuple(std::string(point.metric), std::move(group), std::string(point.type));
    auto [it, inserted] = totals_.try_emplace(key);
    if (inserted) {
        it->second.metric = std::get<0>(key);
        it->second.group = std::get<1>(key);
        it->second.type = std::get<2>(key);
    }
    ++it->second.points;
    if (point.temporality != "delta" && point.temporality != "cumulative") {
        // A gauge is a reading, not an increment: its series contributes its last value.
        last_gauge_[std::string(point.series)] = {key, point.value};
        return;
    }
    it->second.value += increment;
}

std::vector<MetricTotal> MetricTotalsBuilder::totals() const {
    auto totals = totals_;
    for (const auto& [series, reading] : last_gauge_) totals[reading.first].value += reading.second;
    std::vector<MetricTotal> out;
    out.reserve(totals.size());
    for (const auto& [key, total] : totals) out.push_back(total);
    return out;
}

Result<std::vector<MetricTotal>> otel_metric_totals(MetricReader& reader,
                                                    const MetricTotalsOptions& options) {
    MetricTotalsBuilder builder(options);
    MetricFilter filter;
    filter.until = options.until;
    filter.session_id = options.session_id;
    if (auto s = reader.scan_metric_points(filter, [&](const MetricPoint& p) { builder.add(p); });
        !s) {
        return s.error();
    }
    return builder.totals();
}

}  // namespace agent_trace
