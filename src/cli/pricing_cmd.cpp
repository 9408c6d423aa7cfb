// `agent-trace pricing list|show`: what the price table says and where a model id lands in it.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "core/json_writer.hpp"
#include "core/pricing.hpp"

namespace agent_trace::cli {
namespace {

constexpr int kExitNoPrice = 1;
constexpr int kExitLoadError = 2;
constexpr size_t kWrapWidth = 100;

void out(const std::string& text) { std::fputs(text.c_str(), stdout); }

void err(const std::string& text) { std::fputs(text.c_str(), stderr); }

// Greedy word wrap; `indent` prefixes every line after the first.
std::string wrap(std::string_view text, size_t width, std::string_view indent = {}) {
    std::string result;
    size_t line_length = 0;
    while (!text.empty()) {
        const size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (word.empty()) continue;
        if (line_length > 0 && line_length + 1 + word.size() > width) {
            result += '\n';
            result += indent;
            line_length = indent.size();
        } else if (line_length > 0) {
            result += ' ';
            ++line_length;
        }
        result += word;
        line_length += word.size();
    }
    return result;
}

// 200000 -> "200k"; other thresholds verbatim.
std::string short_tokens(int64_t tokens) {
    if (tokens >= 1000 && tokens % 1000 == 0) return fmt::format("{}k", tokens / 1000);
    return std::to_string(tokens);
}

std::string tier_summary(const TokenPrices& p) {
    return fmt::format("{}/{}/{}/{}/{}", format_price_per_mtok(p.input),
                       format_price_per_mtok(p.output), format_price_per_mtok(p.cache_write_5m),
                       format_price_per_mtok(p.cache_write_1h),
                       format_price_per_mtok(p.cache_read));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string result;
    for (const std::string& item : items) {
        if (!result.empty()) result += separator;
        result += item;
    }
    return result;
}

void write_prices(JsonWriter& w, const TokenPrices& p) {
    w.key("input").raw(format_price_per_mtok(p.input));
    w.key("output").raw(format_price_per_mtok(p.output));
    w.key("cache_write_5m").raw(format_price_per_mtok(p.cache_write_5m));
    w.key("cache_write_1h").raw(format_price_per_mtok(p.cache_write_1h));
    w.key("cache_read").raw(format_price_per_mtok(p.cache_read));
}

void write_model(JsonWriter& w, const ModelPrice& m) {
    w.begin_object();
    w.key("id").value(m.id);
    w.key("aliases").begin_array();
    for (const std::string& alias : m.aliases) w.value(alias);
    w.end_array();
    write_prices(w, m.base);
    w.key("above_200k");
    if (m.above_threshold) {
        w.begin_object();
        write_prices(w, *m.above_threshold);
        w.end_object();
    } else {
        w.null();
    }
    w.key("threshold_tokens").value(m.threshold_tokens);
    w.key("origin").value(m.origin);
    w.key("note").value(m.note);
    w.end_object();
}

std::string list_json(const PricingTable& table) {
    JsonWriter w;
    w.begin_object();
    w.key("source").value(table.source());
    w.key("as_of").value(table.as_of());
    w.key("unit").value("USD per million tokens");
    w.key("models").begin_array();
    for (const ModelPrice& m : table.models()) write_model(w, m);
    w.end_array();
    w.end_object();
    return w.take() + "\n";
}

std::string list_text(const PricingTable& table) {
    enum Align { kLeft, kRight };
    struct Column {
        std::string title;
        Align align;
    };
    const std::vector<Column> columns = {
        {"MODEL", kLeft},       {"ALIASES", kLeft},      {"INPUT", kRight},
        {"OUTPUT", kRight},     {"5M WRITE", kRight},    {"1H WRITE", kRight},
        {"CACHE READ", kRight}, {"LONG CONTEXT", kLeft}, {"ORIGIN", kLeft},
    };
    std::vector<std::vector<std::string>> rows;
    rows.reserve(table.models().size());
    for (const ModelPrice& m : table.models()) {
        rows.push_back({
            m.id,
            m.aliases.empty() ? "-" : join(m.aliases, ", "),
            format_price_per_mtok(m.base.input),
            format_price_per_mtok(m.base.output),
            format_price_per_mtok(m.base.cache_write_5m),
            format_price_per_mtok(m.base.cache_write_1h),
            format_price_per_mtok(m.base.cache_read),
            m.above_threshold ? fmt::format("above {}: {}", short_tokens(m.threshold_tokens),
                                            tier_summary(*m.above_threshold))
                              : "-",
            m.origin,
        });
    }
    std::vector<size_t> widths;
    widths.reserve(columns.size());
    for (const Column& c : columns) widths.push_back(c.title.size());
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    auto format_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) line += "  ";
            const bool last = i + 1 == cells.size();
            if (columns[i].align == kRight) {
                line += fmt::format("{:>{}}", cells[i], widths[i]);
            } else if (last) {
                line += cells[i];
            } else {
                line += fmt::format("{:<{}}", cells[i], widths[i]);
            }
        }
        return line + "\n";
    };

    std::string text = fmt::format("Prices in USD per million tokens, as of {}.\n",
                                   table.as_of().empty() ? "(unknown)" : table.as_of());
    if (!table.source().empty()) {
        text += wrap("Source: " + table.source(), kWrapWidth, "  ") + "\n";
    }
    text += "\n";
    std::vector<std::string> titles;
    titles.reserve(columns.size());
    for (const Column& c : columns) titles.push_back(c.title);
    text += format_row(titles);
    for (const auto& row : rows) text += format_row(row);
    text += "\n";
    text += wrap(
                "Long context: for a model with a tier, a request whose prompt (input + cache "
                "writes + cache reads) exceeds the threshold is billed at the tier's prices "
                "(input/output/5m write/1h write/cache read) for every token, output included.",
                kWrapWidth) +
            "\n";
    text += wrap(
                "Models not listed here are reported as unpriced: their tokens are counted, "
                "their cost is not guessed. Add them in <config-dir>/pricing.json.",
                kWrapWidth) +
            "\n";
    return text;
}

std::string show_json(std::string_view model, const std::string& normalised, const ModelPrice& m) {
    JsonWriter w;
    w.begin_object();
    w.key("model").value(model);
    w.key("normalised").value(normalised);
    w.key("entry");
    write_model(w, m);
    w.end_object();
    return w.take() + "\n";
}

std::string show_text(std::string_view model, const std::string& normalised, const ModelPrice& m) {
    std::string entry = m.id;
    if (normalised != m.id) entry += fmt::format(" (via alias {})", normalised);
    std::string text;
    text += fmt::format("model        {}\n", model);
    text += fmt::format("normalised   {}\n", normalised);
    text += fmt::format("entry        {}\n", entry);
    text += fmt::format("aliases      {}\n", m.aliases.empty() ? "-" : join(m.aliases, ", "));
    text += fmt::format("origin       {}\n\n", m.origin);

    const std::string tier_title =
        m.above_threshold ? fmt::format("above {}", short_tokens(m.threshold_tokens)) : "";
    text += fmt::format("{:<32}{:>8}", "price (USD per million tokens)", "base");
    text += m.above_threshold ? fmt::format("{:>14}\n", tier_title) : "\n";
    auto line = [&](std::string_view name, int64_t TokenPrices::*field) {
        std::string row = fmt::format("  {:<30}{:>8}", name, format_price_per_mtok(m.base.*field));
        if (m.above_threshold) {
            row += fmt::format("{:>14}", format_price_per_mtok((*m.above_threshold).*field));
        }
        return row + "\n";
    };
    text += line("input", &TokenPrices::input);
    text += line("output", &TokenPrices::output);
    text += line("cache write 5m", &TokenPrices::cache_write_5m);
    text += line("cache write 1h", &TokenPrices::cache_write_1h);
    text += line("cache read", &TokenPrices::cache_read);
    text += "\n";
    if (m.above_threshold) {
        text += wrap(fmt::format("Long context: a request whose prompt (input + cache writes + "
                                 "cache reads) exceeds {} tokens is billed at the \"{}\" prices "
                                 "for every token, output included.",
                                 m.threshold_tokens, tier_title),
                     kWrapWidth) +
                "\n";
    } else {
        text += "Long context: one flat price at any prompt size.\n";
    }
    if (!m.note.empty()) text += wrap("Note: " + m.note, kWrapWidth, "  ") + "\n";
    return text;
}

constexpr std::string_view kPricingFooter = R"(Examples:
  agent-trace pricing list
  agent-trace pricing list --json
  agent-trace pricing show claude-sonnet-4-5-20250929
  agent-trace pricing show us.anthropic.claude-opus-4-1-20250805-v1:0

Prices come from the table built into agent-trace; <config-dir>/pricing.json, when it
exists, adds or replaces models (same schema, see docs/pricing.md). Exit status: 0 ok,
1 no price for the model (pricing show), 2 the override file cannot be read or is invalid.)";

}  // namespace

void add_pricing_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    CLI::App* pricing = root.add_subcommand(
        "pricing", "Show the model price table used to compute costs (USD per million tokens)");
    pricing->require_subcommand(1);
    pricing->footer(std::string(kPricingFooter));

    // pricing list
    CLI::App* list = pricing->add_subcommand(
        "list", "List every priced model: base prices, long-context tier and origin");
    auto list_as_json = std::make_shared<bool>(false);
    list->add_flag("--json", *list_as_json, "Print the table as JSON instead of text");
    list->footer(R"(Examples:
  agent-trace pricing list
  agent-trace pricing list --json | jq '.models[] | {id, input, output}'

Columns: prices in USD per million tokens; LONG CONTEXT shows the tier that applies to every
token of a request whose prompt exceeds the threshold (input/output/5m write/1h write/read);
ORIGIN is "builtin" or the override file that set the entry.)");
    list->callback([&globals, &exit_code, list_as_json] {
        auto table = load_pricing(globals.config_dir);
        if (!table) {
            err(fmt::format("agent-trace pricing: {}\n", table.error().message));
            exit_code = kExitLoadError;
            return;
        }
        out(*list_as_json ? list_json(*table) : list_text(*table));
        exit_code = 0;
    });

    // pricing show MODEL
    CLI::App* show = pricing->add_subcommand(
        "show", "Show which table entry a model id resolves to, and its prices");
    auto model = std::make_shared<std::string>();
    auto show_as_json = std::make_shared<bool>(false);
    show->add_option("MODEL", *model,
                     "Model id as written by Claude Code, Bedrock or Vertex (dated ids, [1m], "
                     "region prefixes and @dates are normalised)")
        ->required();
    show->add_flag("--json", *show_as_json, "Print the entry as JSON");
    show->footer(R"(Examples:
  agent-trace pricing show claude-sonnet-4-5-20250929
  agent-trace pricing show 'claude-opus-4-6[1m]'
  agent-trace pricing show global.anthropic.claude-haiku-4-5-20251001-v1:0
  agent-trace pricing show claude-sonnet-4-5@20250929 --json

Exits 1 with "no price for MODEL" when the table has no entry for it.)");
    show->callback([&globals, &exit_code, model, show_as_json] {
        auto table = load_pricing(globals.config_dir);
        if (!table) {
            err(fmt::format("agent-trace pricing: {}\n", table.error().message));
            exit_code = kExitLoadError;
            return;
        }
        const std::string normalised = normalize_model_id(*model);
        const ModelPrice* price = table->find(*model);
        if (price == nullptr) {
            std::string message =
                fmt::format("no price for {} (normalised: {})", *model, normalised);
            if (is_synthetic_model(*model)) {
                message +=
                    ": Claude Code writes <synthetic> for messages it makes itself; they "
                    "are not model calls and are never priced";
            } else {
                message +=
                    "; its tokens are reported as unpriced. See `agent-trace pricing "
                    "list`, or add it to <config-dir>/pricing.json";
            }
            err(message + "\n");
            exit_code = kExitNoPrice;
            return;
        }
        out(*show_as_json ? show_json(*model, normalised, *price)
                          : show_text(*model, normalised, *price));
        exit_code = 0;
    });
}

}  // namespace agent_trace::cli
