#include "core/pricing.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace agent_trace {

// data/pricing.json, embedded by the build (cmake/embed.cmake).
extern const char* const kBuiltinPricingJson;

namespace {

constexpr std::string_view kSchema = "agent-trace-pricing/1";
constexpr std::string_view kUnit = "USD per million tokens";
constexpr std::string_view kBuiltinOrigin = "builtin";
constexpr int64_t kDefaultThreshold = 200'000;
// Sanity bound on a price: no model costs a million dollars per million tokens.
constexpr double kMaxPricePerMTok = 1e6;
constexpr double kUnitsPerUsdPerMTok = 1e4;  // 1 USD/MTok = 1e-6 USD/token = 1e4 units/token

using PriceIndex = std::unordered_map<std::string, size_t, TransparentStringHash, std::equal_to<>>;
namespace dom = simdjson::dom;

// ---------------------------------------------------------------- normalisation

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// "us.anthropic.", "global.anthropic.", "anthropic." (Bedrock model and inference-profile ids).
void strip_bedrock_prefix(std::string& s) {
    constexpr std::string_view kAnthropic = "anthropic.";
    const size_t p = s.find(kAnthropic);
    if (p == std::string::npos) return;
    if (p != 0) {
        // Exactly one region label before it: [a-z0-9-]+ followed by '.'.
        if (p < 2 || s[p - 1] != '.') return;
        for (size_t i = 0; i + 1 < p; ++i) {
            const char c = s[i];
            if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-')) return;
        }
    }
    s.erase(0, p + kAnthropic.size());
}

// "-v1:0", "-v2:0", "-v1" (Bedrock revision); also Vertex's "-v2" left after "@…".
bool strip_version_suffix(std::string& s) {
    size_t end = s.size();
    const size_t colon = s.rfind(':');
    if (colon != std::string::npos && all_digits(std::string_view(s).substr(colon + 1))) {
        end = colon;
    }
    size_t i = end;
    while (i > 0 && is_digit(s[i - 1])) --i;
    if (i == end || i < 2 || s[i - 1] != 'v' || s[i - 2] != '-') return false;
    s.erase(i - 2);
    return true;
}

// "-20250929": a dash and exactly eight digits.
bool strip_date_suffix(std::string& s) {
    if (s.size() < 10) return false;
    const std::string_view tail = std::string_view(s).substr(s.size() - 9);
    if (tail[0] != '-' || !all_digits(tail.substr(1))) return false;
    s.erase(s.size() - 9);
    return true;
}

bool strip_latest_suffix(std::string& s) {
    constexpr std::string_view kLatest = "-latest";
    if (s.size() <= kLatest.size() || !std::string_view(s).ends_with(kLatest)) return false;
    s.erase(s.size() - kLatest.size());
    return true;
}

void normalize_in_place(std::string& s) {
    // Trim and lower-case (ASCII only: model ids are ASCII).
    size_t b = 0;
    size_t e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    s.erase(e);
    s.erase(0, b);
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (s == "<synthetic>") return;
    // Context-window suffix: "claude-sonnet-4-5[1m]".
    while (!s.empty() && s.back() == ']') {
        const size_t open = s.rfind('[');
        if (open == std::string::npos) break;
        s.erase(open);
        while (!s.empty() && is_space(s.back())) s.pop_back();
    }
    // ARNs and resource paths: ".../inference-profile/us.anthropic.claude-…",
    // ".../publishers/anthropic/models/claude-…@…".
    if (const size_t slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
    // Vertex: "claude-sonnet-4-5@20250929".
    if (const size_t at = s.find('@'); at != std::string::npos) s.erase(at);
    strip_bedrock_prefix(s);
    while (strip_version_suffix(s) || strip_date_suffix(s) || strip_latest_suffix(s)) {
    }
}

// ---------------------------------------------------------------- arithmetic

int64_t sat_mul(int64_t a, int64_t b) {
    int64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t sat_add(int64_t a, int64_t b) {
    int64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<int64_t>::max() : r;
}

int64_t non_negative(int64_t v) { return v < 0 ? 0 : v; }

// Anthropic's cache multipliers, applied to an input price in units (round half up).
int64_t default_write_5m(int64_t input) { return sat_add(sat_mul(input, 5), 2) / 4; }
int64_t default_write_1h(int64_t input) { return sat_mul(input, 2); }
int64_t default_read(int64_t input) { return sat_add(input, 5) / 10; }

// ---------------------------------------------------------------- JSON table

struct FileContext {
    std::string_view origin;
    std::optional<int64_t> threshold;  // the file's long_context.threshold_tokens
};

Error file_error(const FileContext& ctx, std::string_view message) {
    return make_error(fmt::format("{}: {}", ctx.origin, message));
}

Error model_error(const FileContext& ctx, std::string_view model, std::string_view message) {
    return make_error(fmt::format("{}: model \"{}\": {}", ctx.origin, model, message));
}

// A price in USD per MTok -> units per token, rounded to 1e-4 USD per MTok.
Result<int64_t> parse_price(dom::element value, std::string_view field) {
    double usd_per_mtok = 0;
    if (value.get_double().get(usd_per_mtok) != simdjson::SUCCESS) {
        return make_error(fmt::format("\"{}\" must be a number (USD per million tokens)", field));
    }
    if (!std::isfinite(usd_per_mtok) || usd_per_mtok < 0 || usd_per_mtok > kMaxPricePerMTok) {
        return make_error(
            fmt::format("\"{}\" must be between 0 and {:.0f} USD per million tokens, got {}", field,
                        kMaxPricePerMTok, usd_per_mtok));
    }
    return std::llround(usd_per_mtok * kUnitsPerUsdPerMTok);
}

Result<int64_t> parse_threshold(dom::element value, std::string_view field) {
    int64_t tokens = 0;
    if (value.get_int64().get(tokens) != simdjson::SUCCESS || tokens <= 0) {
        return make_error(fmt::format("\"{}\" must be a positive whole number of tokens", field));
    }
    return tokens;
}

struct PriceFields {
    std::optional<int64_t> input, output, cache_write_5m, cache_write_1h, cache_read;
};

// Reads the five price fields of `obj`; `allow_other` fields are skipped (checked by the caller).
Result<PriceFields> parse_price_fields(dom::object obj, bool allow_other) {
    PriceFields out;
    std::set<std::string_view> seen;
    for (const dom::key_value_pair field : obj) {
        if (!seen.insert(field.key).second) {
            return make_error(fmt::format("field \"{}\" appears twice", field.key));
        }
        std::optional<int64_t>* slot = nullptr;
        if (field.key == "input") {
            slot = &out.input;
        } else if (field.key == "output") {
            slot = &out.output;
        } else if (field.key == "cache_write_5m") {
            slot = &out.cache_write_5m;
        } else if (field.key == "cache_write_1h") {
            slot = &out.cache_write_1h;
        } else if (field.key == "cache_read") {
            slot = &out.cache_read;
        } else if (allow_other) {
            continue;
        } else {
            return make_error(fmt::format(
                "unknown field \"{}\" (expected input, output, cache_write_5m, cache_write_1h, "
                "cache_read)",
                field.key));
        }
        auto price = parse_price(field.value, field.key);
        if (!price) return price.error();
        *slot = *price;
    }
    return out;
}

// Applies `fields` to `prices`. A new price list needs input and output; its
// cache prices default to Anthropic's multipliers of the input price.
Status apply_price_fields(const PriceFields& fields, bool is_new, std::string_view what,
                          TokenPrices& prices) {
    if (is_new && (!fields.input || !fields.output)) {
        return make_error(fmt::format(R"({} needs at least "input" and "output")", what));
    }
    if (fields.input) prices.input = *fields.input;
    if (fields.output) prices.output = *fields.output;
    if (fields.cache_write_5m) {
        prices.cache_write_5m = *fields.cache_write_5m;
    } else if (is_new) {
        prices.cache_write_5m = default_write_5m(prices.input);
    }
    if (fields.cache_write_1h) {
        prices.cache_write_1h = *fields.cache_write_1h;
    } else if (is_new) {
        prices.cache_write_1h = default_write_1h(prices.input);
    }
    if (fields.cache_read) {
        prices.cache_read = *fields.cache_read;
    } else if (is_new) {
        prices.cache_read = default_read(prices.input);
    }
    return Ok{};
}

constexpr std::string_view kModelFields =
    "input, output, cache_write_5m, cache_write_1h, cache_read, aliases, above_200k, "
    "threshold_tokens, note";

bool is_model_field(std::string_view key) {
    return key == "input" || key == "output" || key == "cache_write_5m" ||
           key == "cache_write_1h" || key == "cache_read" || key == "aliases" ||
           key == "above_200k" || key == "threshold_tokens" || key == "note";
}

// One entry of "models". `touched` holds the entries this file already defined.
Status apply_model(const FileContext& ctx, std::string_view key, dom::element value,
                   std::vector<ModelPrice>& models, PriceIndex& index, std::set<size_t>& touched) {
    const std::string id = normalize_model_id(key);
    if (id.empty() || is_synthetic_model(id)) return model_error(ctx, key, "not a model id");
    dom::object obj;
    if (value.get_object().get(obj) != simdjson::SUCCESS) {
        return model_error(ctx, key, "must be an object of prices");
    }

    const auto found = index.find(id);
    const bool is_new = found == index.end();
    if (!is_new && touched.count(found->second) != 0) {
        return model_error(ctx, key,
                           fmt::format("an earlier key of this file already names the entry "
                                       "\"{}\" (ids are compared after normalisation)",
                                       models[found->second].id));
    }
    ModelPrice entry;
    if (is_new) {
        entry.id = id;
        entry.threshold_tokens = kDefaultThreshold;
    } else {
        entry = models[found->second];
        entry.note.clear();  // the old note no longer describes the price
    }

    // Price fields (unknown keys are reported here, the others are read below).
    for (const dom::key_value_pair field : obj) {
        if (!is_model_field(field.key)) {
            return model_error(
                ctx, key,
                fmt::format("unknown field \"{}\" (expected {})", field.key, kModelFields));
        }
    }
    auto fields = parse_price_fields(obj, /*allow_other=*/true);
    if (!fields) return model_error(ctx, key, fields.error().message);
    if (auto st =
            apply_price_fields(*fields, is_new, "a model that is not in the table yet", entry.base);
        !st) {
        return model_error(ctx, key, st.error().message);
    }

    std::vector<std::string> new_aliases;
    std::optional<int64_t> threshold;
    for (const dom::key_value_pair field : obj) {
        if (field.key == "aliases") {
            dom::array list;
            if (field.value.get_array().get(list) != simdjson::SUCCESS) {
                return model_error(ctx, key, "\"aliases\" must be an array of model ids");
            }
            for (const dom::element item : list) {
                std::string_view alias_text;
                if (item.get_string().get(alias_text) != simdjson::SUCCESS) {
                    return model_error(ctx, key, "\"aliases\" must be an array of model ids");
                }
                std::string alias = normalize_model_id(alias_text);
                if (alias.empty() || is_synthetic_model(alias)) {
                    return model_error(ctx, key,
                                       fmt::format("alias \"{}\" is not a model id", alias_text));
                }
                new_aliases.push_back(std::move(alias));
            }
        } else if (field.key == "above_200k") {
            if (field.value.is_null()) {
                entry.above_threshold.reset();
                continue;
            }
            dom::object tier;
            if (field.value.get_object().get(tier) != simdjson::SUCCESS) {
                return model_error(ctx, key, "\"above_200k\" must be an object of prices or null");
            }
            auto tier_fields = parse_price_fields(tier, /*allow_other=*/false);
            if (!tier_fields) {
                return model_error(ctx, key, "above_200k: " + tier_fields.error().message);
            }
            const bool new_tier = !entry.above_threshold.has_value();
            TokenPrices prices = entry.above_threshold.value_or(TokenPrices{});
            if (auto st = apply_price_fields(*tier_fields, new_tier, "a new tier", prices); !st) {
                return model_error(ctx, key, "above_200k: " + st.error().message);
            }
            entry.above_threshold = prices;
        } else if (field.key == "threshold_tokens") {
            auto t = parse_threshold(field.value, field.key);
            if (!t) return model_error(ctx, key, t.error().message);
            threshold = *t;
        } else if (field.key == "note") {
            std::string_view note;
            if (field.value.get_string().get(note) != simdjson::SUCCESS) {
                return model_error(ctx, key, "\"note\" must be a string");
            }
            entry.note = std::string(note);
        }
    }
    if (threshold) {
        entry.threshold_tokens = *threshold;
    } else if (ctx.threshold) {
        entry.threshold_tokens = *ctx.threshold;
    }
    entry.origin = std::string(ctx.origin);

    const size_t position = is_new ? models.size() : found->second;
    for (std::string& alias : new_aliases) {
        if (alias == entry.id ||
            std::find(entry.aliases.begin(), entry.aliases.end(), alias) != entry.aliases.end()) {
            continue;
        }
        if (const auto other = index.find(alias); other != index.end()) {
            return model_error(ctx, key,
                               fmt::format(R"(alias "{}" already names the entry "{}")", alias,
                                           models[other->second].id));
        }
        entry.aliases.push_back(std::move(alias));
    }
    for (const std::string& alias : entry.aliases) index[alias] = position;
    index[entry.id] = position;
    if (is_new) {
        models.push_back(std::move(entry));
    } else {
        models[position] = std::move(entry);
    }
    touched.insert(position);
    return Ok{};
}

struct TableText {
    std::optional<std::string> source;
    std::optional<std::string> as_of;
};

// Parses one table file and applies it to models/index. `full`: the file must be
// a complete table (schema required). Leaves models/index half-applied on error:
// callers work on copies.
Result<TableText> apply_table(FileContext ctx, std::string_view json, bool full,
                              std::vector<ModelPrice>& models, PriceIndex& index) {
    dom::parser parser;
    dom::element doc;
    if (const auto err = parser.parse(json.data(), json.size()).get(doc); err) {
        return file_error(ctx, fmt::format("invalid JSON: {}", simdjson::error_message(err)));
    }
    dom::object root;
    if (doc.get_object().get(root) != simdjson::SUCCESS) {
        return file_error(ctx, "expected a JSON object with a \"models\" object");
    }

    TableText text;
    std::optional<dom::object> model_list;
    bool has_schema = false;
    for (const dom::key_value_pair field : root) {
        const std::string_view k = field.key;
        std::string_view str;
        if (k == "schema") {
            if (field.value.get_string().get(str) != simdjson::SUCCESS || str != kSchema) {
                return file_error(ctx, fmt::format(R"("schema" must be "{}")", kSchema));
            }
            has_schema = true;
        } else if (k == "source" || k == "as_of") {
            if (field.value.get_string().get(str) != simdjson::SUCCESS) {
                return file_error(ctx, fmt::format("\"{}\" must be a string", k));
            }
            (k == "source" ? text.source : text.as_of) = std::string(str);
        } else if (k == "unit") {
            if (field.value.get_string().get(str) != simdjson::SUCCESS || str != kUnit) {
                return file_error(
                    ctx,
                    fmt::format(R"("unit" must be "{}" (prices are per million tokens))", kUnit));
            }
        } else if (k == "long_context") {
            dom::object lc;
            if (field.value.get_object().get(lc) != simdjson::SUCCESS) {
                return file_error(ctx, "\"long_context\" must be an object");
            }
            for (const dom::key_value_pair item : lc) {
                if (item.key == "threshold_tokens") {
                    auto t = parse_threshold(item.value, "long_context.threshold_tokens");
                    if (!t) return file_error(ctx, t.error().message);
                    ctx.threshold = *t;
                } else if (item.key != "rule") {
                    return file_error(ctx, fmt::format("unknown field \"long_context.{}\" "
                                                       "(expected threshold_tokens, rule)",
                                                       item.key));
                }
            }
        } else if (k == "models") {
            dom::object obj;
            if (field.value.get_object().get(obj) != simdjson::SUCCESS) {
                return file_error(ctx, "\"models\" must be an object keyed by model id");
            }
            model_list = obj;
        } else {
            return file_error(ctx, fmt::format("unknown field \"{}\" (expected schema, source, "
                                               "as_of, unit, long_context, models)",
                                               k));
        }
    }
    if (full && !has_schema) {
        return file_error(ctx, fmt::format(R"(missing "schema": "{}")", kSchema));
    }
    if (!model_list) return file_error(ctx, "missing \"models\" object");

    std::set<size_t> touched;
    for (const dom::key_value_pair field : *model_list) {
        if (auto st = apply_model(ctx, field.key, field.value, models, index, touched); !st) {
            return st.error();
        }
    }
    return text;
}

}  // namespace

// ---------------------------------------------------------------- public API

std::string normalize_model_id(std::string_view model) {
    std::string s(model);
    normalize_in_place(s);
    return s;
}

bool is_synthetic_model(std::string_view model) {
    while (!model.empty() && is_space(model.front())) model.remove_prefix(1);
    while (!model.empty() && is_space(model.back())) model.remove_suffix(1);
    return model == "<synthetic>";
}

const PricingTable& PricingTable::builtin() {
    static const PricingTable table = [] {
        auto parsed = from_json(kBuiltinPricingJson, kBuiltinOrigin);
        if (!parsed) {
            // The file is compiled in and tested: failing here is a build defect.
            std::fprintf(stderr, "agent-trace: the built-in price table is invalid: %s\n",
                         parsed.error().message.c_str());
            std::abort();
        }
        return std::move(parsed).value();
    }();
    return table;
}

Result<PricingTable> PricingTable::from_json(std::string_view json, std::string_view origin) {
    PricingTable table;
    auto text = apply_table(FileContext{origin, std::nullopt}, json, /*full=*/true, table.models_,
                            table.index_);
    if (!text) return text.error();
    table.source_ = text->source.value_or("");
    table.as_of_ = text->as_of.value_or("");
    return table;
}

Status PricingTable::merge_override(std::string_view json, std::string_view origin) {
    std::vector<ModelPrice> models = models_;
    PriceIndex index = index_;
    auto text = apply_table(FileContext{origin, std::nullopt}, json, /*full=*/false, models, index);
    if (!text) return text.error();
    models_ = std::move(models);
    index_ = std::move(index);
    return Ok{};
}

const ModelPrice* PricingTable::find(std::string_view model) const {
    thread_local std::string key;  // reused: no allocation per lookup
    key.assign(model);
    normalize_in_place(key);
    const auto it = index_.find(std::string_view(key));
    return it == index_.end() ? nullptr : &models_[it->second];
}

std::optional<int64_t> PricingTable::cost_units(std::string_view model,
                                                const CallUsage& usage) const {
    if (is_synthetic_model(model)) return 0;
    const ModelPrice* price = find(model);
    if (price == nullptr) return std::nullopt;
    return agent_trace::cost_units(*price, usage);
}

int64_t cost_units(const ModelPrice& price, const CallUsage& usage) {
    const int64_t input = non_negative(usage.tokens.input);
    const int64_t output = non_negative(usage.tokens.output);
    const int64_t write_5m = non_negative(usage.tokens.cache_write_5m);
    const int64_t write_1h = non_negative(usage.tokens.cache_write_1h);
    const int64_t read = non_negative(usage.tokens.cache_read);

    // Whole-request rule: the prompt size picks one price list for every token class.
    const int64_t prompt = sat_add(sat_add(input, write_5m), sat_add(write_1h, read));
    const TokenPrices& p = (price.above_threshold && prompt > price.threshold_tokens)
                               ? *price.above_threshold
                               : price.base;
    int64_t tokens = sat_mul(input, p.input);
    tokens = sat_add(tokens, sat_mul(output, p.output));
    tokens = sat_add(tokens, sat_mul(write_5m, p.cache_write_5m));
    tokens = sat_add(tokens, sat_mul(write_1h, p.cache_write_1h));
    tokens = sat_add(tokens, sat_mul(read, p.cache_read));
    if (usage.us_inference_geo) tokens = sat_add(sat_mul(tokens, 11), 5) / 10;  // half up
    return sat_add(tokens, sat_mul(non_negative(usage.web_search_requests), kWebSearchCostUnits));
}

Result<PricingTable> load_pricing(const std::string& config_dir) {
    PricingTable table = PricingTable::builtin();
    if (config_dir.empty()) return table;
    const std::filesystem::path path = std::filesystem::path(config_dir) / "pricing.json";
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found) return table;
    if (ec) return make_error(fmt::format("{}: cannot read: {}", path.string(), ec.message()));
    if (std::filesystem::is_directory(status)) {
        return make_error(fmt::format("{}: is a directory, expected a JSON file", path.string()));
    }
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return make_error(fmt::format("{}: cannot read: {}", path.string(),
                                      errno != 0 ? std::strerror(errno) : "open failed"));
    }
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) return make_error(fmt::format("{}: cannot read the file", path.string()));
    if (auto st = table.merge_override(text.str(), path.string()); !st) return st.error();
    return table;
}

double cost_units_to_usd(int64_t units) {
    return static_cast<double>(units) / static_cast<double>(kCostUnitsPerUsd);
}

std::string format_price_per_mtok(int64_t units_per_token) {
    const bool negative = units_per_token < 0;
    const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(units_per_token)
                                        : static_cast<uint64_t>(units_per_token);
    std::string out = fmt::format("{}{}", negative ? "-" : "", magnitude / 10'000);
    uint64_t fraction = magnitude % 10'000;
    if (fraction != 0) {
        std::string digits = fmt::format("{:04d}", fraction);
        while (digits.back() == '0') digits.pop_back();
        out += '.';
        out += digits;
    }
    return out;
}

}  // namespace agent_trace
