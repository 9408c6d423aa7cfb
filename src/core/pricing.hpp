#pragma once
// Model prices and the cost rule. Money is integer: 1 unit = 1e-10 USD, so a
// price of P USD per million tokens is P*1e4 units per token and sums are exact.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "core/token_counts.hpp"

namespace agent_trace {

inline constexpr int64_t kCostUnitsPerUsd = 10'000'000'000;             // 1e10
inline constexpr int64_t kWebSearchCostUnits = kCostUnitsPerUsd / 100;  // $0.01 per search

// Per-token prices in cost units (1e-10 USD per token == 1e-4 USD per MTok).
struct TokenPrices {
    int64_t input = 0;
    int64_t output = 0;
    int64_t cache_write_5m = 0;
    int64_t cache_write_1h = 0;
    int64_t cache_read = 0;
};

struct ModelPrice {
    std::string id;                    // canonical, normalised id, e.g. "claude-sonnet-4-5"
    std::vector<std::string> aliases;  // other normalised ids that share this price
    TokenPrices base;
    std::optional<TokenPrices> above_threshold;  // long-context tier, whole request
    int64_t threshold_tokens = 200'000;
    std::string origin;  // "builtin" or the override file path
    std::string note;    // where the price came from (free text from the table)
};

// What a single model call used; enough to price it.
struct CallUsage {
    TokenCounts tokens;
    int64_t web_search_requests = 0;
    bool us_inference_geo = false;  // data residency: 1.1x on every token class
};

// Normalises a model id as written by Claude Code, Bedrock or Vertex to the
// table's form: lower case, no "[1m]" suffix, no region/"anthropic." prefix,
// no "-v1:0" / "@20250929" / "-20250929" / "-latest" suffix.
std::string normalize_model_id(std::string_view model);

// "<synthetic>" lines are made by Claude Code itself and are never priced.
bool is_synthetic_model(std::string_view model);

// Hash for string-keyed maps that are looked up with a std::string_view.
struct TransparentStringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

class PricingTable {
public:
    // The table compiled into the binary (data/pricing.json).
    static const PricingTable& builtin();
    static Result<PricingTable> from_json(std::string_view json, std::string_view origin);

    // Entries in `json` replace or add models; origin names the file in errors and listings.
    Status merge_override(std::string_view json, std::string_view origin);

    // nullptr when the model has no price.
    [[nodiscard]] const ModelPrice* find(std::string_view model) const;

    // Cost in units; nullopt when the model has no price. Long-context rule:
    // when input + cache writes + cache reads > threshold and the model has an
    // above-threshold tier, every token of the call uses that tier.
    // "<synthetic>" costs 0 (it is never a model call), not nullopt.
    [[nodiscard]] std::optional<int64_t> cost_units(std::string_view model,
                                                    const CallUsage& usage) const;

    [[nodiscard]] const std::vector<ModelPrice>& models() const { return models_; }
    [[nodiscard]] const std::string& source() const { return source_; }
    [[nodiscard]] const std::string& as_of() const { return as_of_; }

private:
    std::vector<ModelPrice> models_;
    // Canonical ids and aliases -> position in models_.
    std::unordered_map<std::string, size_t, TransparentStringHash, std::equal_to<>> index_;
    std::string source_;
    std::string as_of_;
};

// The same rule for a price already looked up (negative token counts count as 0).
[[nodiscard]] int64_t cost_units(const ModelPrice& price, const CallUsage& usage);

// Loads the builtin table and merges <config_dir>/pricing.json when it exists.
Result<PricingTable> load_pricing(const std::string& config_dir);

double cost_units_to_usd(int64_t units);

// A per-token price in units as decimal USD per MTok, without trailing zeros:
// 37500 -> "3.75", 150000 -> "15", 1250 -> "0.125".
std::string format_price_per_mtok(int64_t units_per_token);

}  // namespace agent_trace
