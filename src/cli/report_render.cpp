#include "cli/report_render.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/json_writer.hpp"
#include "query/billing_blocks.hpp"

namespace agent_trace::cli {
namespace {

void write_totals(JsonWriter& w, const UsageTotals& t) {
    w.key("messages").value(t.messages);
    w.key("input_tokens").value(t.tokens.input);
    w.key("output_tokens").value(t.tokens.output);
    w.key("cache_write_5m_tokens").value(t.tokens.cache_write_5m);
    w.key("cache_write_1h_tokens").value(t.tokens.cache_write_1h);
    w.key("cache_read_tokens").value(t.tokens.cache_read);
    w.key("total_tokens").value(t.tokens.total());
    w.key("cost_usd").value(t.cost_usd(), 10);
    w.key("unpriced_tokens").value(t.unpriced_tokens);
}

// An array of {name_key: name, ...totals} for a row's shares (subagents, models).
template <class Share>
void write_shares(JsonWriter& w, std::string_view array_key, std::string_view name_key,
                  std::string Share::*name, const std::vector<Share>& shares) {
    w.key(array_key).begin_array();
    for (const Share& share : shares) {
        w.begin_object();
        w.key(name_key).value(share.*name);
        write_totals(w, share.totals);
        w.end_object();
    }
    w.end_array();
}

std::string with_commas(int64_t n) {
    const std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out = n < 0 ? "-" : "";
    // Digits are copied left to right; a comma goes before every group of three from the end.
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string money(const UsageTotals& t) {
    if (t.unpriced_tokens > 0 && t.unpriced_messages == t.messages) return "unpriced";
    std::string s = fmt::format("${:.2f}", t.cost_usd());
    if (t.unpriced_tokens > 0) s += "*";
    return s;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += sep;
        out += item;
    }
    return out;
}

// Shortens model ids for the table: "claude-sonnet-4-5-20250929" -> "sonnet-4-5".
std::string short_model(const std::string& model) {
    std::string m = model;
    if (m.rfind("claude-", 0) == 0) m = m.substr(7);
    if (m.size() > 9 && m[m.size() - 9] == '-' &&
        std::all_of(m.end() - 8, m.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        m.resize(m.size() - 9);
    }
    return m;
}

struct Table {
    std::vector<std::string> header;
    std::vector<bool> right;
    std::vector<std::vector<std::string>> rows;

    [[nodiscard]] std::string render() const {
        std::vector<size_t> width(header.size(), 0);
        auto measure = [&](const std::vector<std::string>& r) {
            for (size_t i = 0; i < r.size(); ++i)
                width[i] = std::max(width[i], display_width(r[i]));
        };
        measure(header);
        for (const auto& r : rows) measure(r);
        std::string out;
        auto line = [&](const std::vector<std::string>& r) {
            for (size_t i = 0; i < r.size(); ++i) {
                const size_t pad = width[i] - display_width(r[i]);
                if (i != 0) out += "  ";
                if (right[i]) out.append(pad, ' ');
                out += r[i];
                if (!right[i] && i + 1 != r.size()) out.append(pad, ' ');
            }
            out += '\n';
        };
        line(header);
        size_t total = 0;
        for (size_t w : width) total += w;
        out.append(total + 2 * (width.size() - 1), '-');
        out += '\n';
        for (size_t i = 0; i < rows.size(); ++i) {
            if (i + 1 == rows.size() && rows[i][0] == "Total") {
                out.append(total + 2 * (width.size() - 1), '-');
                out += '\n';
            }
            line(rows[i]);
        }
        return out;
    }

    static size_t display_width(const std::string& s) {
        size_t n = 0;
        for (const unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
        return n;
    }
};

std::vector<std::string> token_cells(const UsageTotals& t) {
    return {with_commas(t.tokens.input),
            with_commas(t.tokens.output),
            with_commas(t.tokens.cache_write_5m),
            with_commas(t.tokens.cache_write_1h),
            with_commas(t.tokens.cache_read),
            with_commas(t.tokens.total()),
            money(t)};
}

}  // namespace

std::string render_json(const UsageReport& report) {
    JsonWriter w;
    w.begin_object();
    w.key("report").value(to_string(report.kind));
    w.key("tz").value(report.zone);
    w.key("rows").begin_array();
    for (const ReportRow& row : report.rows) {
        w.begin_object();
        w.key("key").value(row.key);
        write_totals(w, row.totals);
        w.key("models").begin_array();
        for (const auto& m : row.models) w.value(m);
        w.end_array();
        if (!row.by_model.empty())
            write_shares(w, "breakdown", "model", &ModelUsage::model, row.by_model);
        switch (report.kind) {
            case ReportKind::session:
                w.key("project").value(row.project);
                w.key("cwd").value(row.cwd);
                w.key("first_ts").value(format_iso8601_utc(row.first_ts));
                w.key("last_ts").value(format_iso8601_utc(row.last_ts));
                write_shares(w, "subagents", "agent_id", &SubagentUsage::agent_id, row.subagents);
                break;
            case ReportKind::project:
                w.key("cwd").value(row.cwd);
                break;
            case ReportKind::blocks:
                w.key("end").value(format_iso8601_utc(row.block_end));
                w.key("first_activity").value(format_iso8601_utc(row.first_ts));
                w.key("last_activity").value(format_iso8601_utc(row.last_ts));
                w.key("active").value(row.active);
                w.key("burn_tokens_per_minute").value(row.burn_tokens_per_minute, 2);
                w.key("burn_usd_per_hour").value(row.burn_usd_per_hour, 6);
                if (row.active) {
                    w.key("projected_cost_usd").value(row.projected_cost_usd, 6);
                    w.key("projected_total_tokens").value(row.projected_total_tokens);
                }
                break;
            default:
                break;
        }
        w.end_object();
    }
    w.end_array();
    w.key("totals").begin_object();
    write_totals(w, report.totals);
    w.end_object();
    w.key("unpriced_models").begin_array();
    for (const auto& u : report.unpriced_models) {
        w.begin_object();
        w.key("model").value(u.model);
        w.key("tokens").value(u.tokens);
        w.key("messages").value(u.messages);
        w.end_object();
    }
    w.end_array();
    w.key("skipped").begin_object();
    w.key("malformed_lines").value(report.skipped.malformed_lines);
    w.key("files_unreadable").value(report.skipped.files_unreadable);
    w.key("incomplete_lines").value(report.skipped.incomplete_lines);
    w.key("oversized_lines").value(report.skipped.oversized_lines);
    w.end_object();
    w.end_object();
    std::string out = w.take();
    out += '\n';
    return out;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string q = "\"";
    for (char c : text) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

std::string render_csv(const UsageReport& report, bool breakdown) {
    // With a breakdown every line is one (key, model) pair, so lines still sum to the total.
    std::string out = breakdown ? "key,model," : "key,";
    out +=
        "messages,input_tokens,output_tokens,cache_write_5m_tokens,cache_write_1h_tokens,"
        "cache_read_tokens,total_tokens,cost_usd,unpriced_tokens,models\n";
    auto row_line = [&](const std::string& key, const std::string* model, const UsageTotals& t,
                        const std::vector<std::string>& models) {
        out += csv_field(key) + ",";
        if (model != nullptr) out += csv_field(*model) + ",";
        out += fmt::format("{},{},{},{},{},{},{},{:.10f},{},{}\n", t.messages, t.tokens.input,
                           t.tokens.output, t.tokens.cache_write_5m, t.tokens.cache_write_1h,
                           t.tokens.cache_read, t.tokens.total(), t.cost_usd(), t.unpriced_tokens,
                           join(models, ";"));
    };
    const std::string all;
    for (const auto& row : report.rows) {
        if (!breakdown) {
            row_line(row.key, nullptr, row.totals, row.models);
            continue;
        }
        for (const auto& part : row.by_model) {
            row_line(row.key, &part.model, part.totals, {part.model});
        }
    }
    row_line("total", breakdown ? &all : nullptr, report.totals, {});
    return out;
}

std::string render_table(const UsageReport& report, const Zone& zone) {
    if (report.rows.empty()) {
        return "No usage found. Import Claude Code transcripts with `agent-trace import`.\n";
    }
    Table table;
    const std::vector<std::string> token_header = {"Input",      "Output", "Cache 5m", "Cache 1h",
                                                   "Cache read", "Total",  "Cost"};
    std::vector<std::string> lead;
    switch (report.kind) {
        case ReportKind::daily:
            lead = {"Date (" + report.zone + ")", "Models"};
            break;
        case ReportKind::monthly:
            lead = {"Month (" + report.zone + ")", "Models"};
            break;
        case ReportKind::session:
            lead = {"Session", "Project", "Last activity", "Models"};
            break;
        case ReportKind::project:
            lead = {"Project", "Models"};
            break;
        case ReportKind::model:
            lead = {"Model", "Calls"};
            break;
        case ReportKind::blocks:
            lead = {"Block start (" + report.zone + ")", "Status"};
            break;
    }
    table.header = lead;
    table.header.insert(table.header.end(), token_header.begin(), token_header.end());
    if (report.kind == ReportKind::blocks) table.header.emplace_back("Burn $/h");
    table.right.assign(table.header.size(), true);
    for (size_t i = 0; i < lead.size(); ++i) table.right[i] = false;
    if (report.kind == ReportKind::model) table.right[1] = true;

    std::vector<std::string> short_models;
    for (const ReportRow& row : report.rows) {
        short_models.clear();
        for (const auto& m : row.models) short_models.push_back(short_model(m));
        std::vector<std::string> cells;
        switch (report.kind) {
            case ReportKind::daily:
            case ReportKind::monthly:
                cells = {row.key, join(short_models, ", ")};
                break;
            case ReportKind::session:
                cells = {row.key.substr(0, 8), row.cwd.empty() ? row.project : row.cwd,
                         zone.minute_key(row.last_ts), join(short_models, ", ")};
                break;
            case ReportKind::project:
                cells = {row.cwd.empty() ? row.key : row.cwd, join(short_models, ", ")};
                break;
            case ReportKind::model:
                cells = {row.key, with_commas(row.totals.messages)};
                break;
            case ReportKind::blocks: {
                std::string status = row.active ? "ACTIVE" : "ended";
                if (row.active) {
                    status += fmt::format(" → ${:.2f} projected", row.projected_cost_usd);
                }
                cells = {zone.minute_key(row.block_end - kBlockDurationUs), status};
                break;
            }
        }
        auto tokens = token_cells(row.totals);
        cells.insert(cells.end(), tokens.begin(), tokens.end());
        if (report.kind == ReportKind::blocks) {
            cells.push_back(fmt::format("${:.2f}", row.burn_usd_per_hour));
        }
        table.rows.push_back(std::move(cells));
        for (const auto& part : row.by_model) {
            std::vector<std::string> sub(lead.size(), "");
            sub[lead.size() - 1] = "└ " + short_model(part.model);
            auto part_tokens = token_cells(part.totals);
            sub.insert(sub.end(), part_tokens.begin(), part_tokens.end());
            if (report.kind == ReportKind::blocks) sub.emplace_back("");
            table.rows.push_back(std::move(sub));
        }
    }
    std::vector<std::string> total_cells(lead.size(), "");
    total_cells[0] = "Total";
    if (report.kind == ReportKind::model) total_cells[1] = with_commas(report.totals.messages);
    auto tokens = token_cells(report.totals);
    total_cells.insert(total_cells.end(), tokens.begin(), tokens.end());
    if (report.kind == ReportKind::blocks) total_cells.emplace_back("");
    table.rows.push_back(std::move(total_cells));
    std::string out = table.render();
    if (report.totals.unpriced_tokens > 0) {
        out += "* includes tokens of models without a price; their cost is not in the total.\n";
    }
    return out;
}

std::string render_warnings(const UsageReport& report, const std::string& config_dir) {
    std::string out;
    for (const auto& u : report.unpriced_models) {
        out += fmt::format(
            "warning: no price for model '{}': {} tokens in {} calls are not in the cost total "
            "(add it to {}/pricing.json)\n",
            u.model, with_commas(u.tokens), with_commas(u.messages), config_dir);
    }
    // Skipped lines are reported by `import` (and in --json); torn lines are
    // common in live transcripts, so repeating them on every report is noise.
    if (report.skipped.files_unreadable > 0) {
        out += fmt::format(
            "note: {} transcript files could not be read at the last import "
            "(agent-trace import --verbose lists them)\n",
            report.skipped.files_unreadable);
    }
    return out;
}

}  // namespace agent_trace::cli
