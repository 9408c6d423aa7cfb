#include "core/pricing.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../support/test_support.hpp"

namespace agent_trace {
namespace {

const PricingTable& table() { return PricingTable::builtin(); }

// USD per MTok -> units per token (1e-10 USD).
int64_t units(double usd_per_mtok) { return std::llround(usd_per_mtok * 1e4); }

TokenPrices prices(double in, double out, double w5, double w1, double read) {
    return TokenPrices{units(in), units(out), units(w5), units(w1), units(read)};
}

void expect_prices(const TokenPrices& actual, const TokenPrices& expected,
                   const std::string& what) {
    EXPECT_EQ(actual.input, expected.input) << what << " input";
    EXPECT_EQ(actual.output, expected.output) << what << " output";
    EXPECT_EQ(actual.cache_write_5m, expected.cache_write_5m) << what << " cache_write_5m";
    EXPECT_EQ(actual.cache_write_1h, expected.cache_write_1h) << what << " cache_write_1h";
    EXPECT_EQ(actual.cache_read, expected.cache_read) << what << " cache_read";
}

CallUsage usage(int64_t in, int64_t out, int64_t w5, int64_t w1, int64_t read) {
    CallUsage u;
    u.tokens = {in, out, w5, w1, read};
    return u;
}

// ------------------------------------------------------------------ normalisation

TEST(PricingNormalize, Cases) {
    struct Case {
        const char* in;
        const char* out;
    };
    const Case cases[] = {
        {"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
        {"claude-haiku-4-5-20251001", "claude-haiku-4-5"},
        {"claude-opus-4-20250514", "claude-opus-4"},
        {"claude-sonnet-4-5", "claude-sonnet-4-5"},
        {"claude-opus-5-5", "claude-opus-5-5"},
        {"claude-opus-4-6[1m]", "claude-opus-4-6"},
        {"claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5"},
        {"claude-sonnet-4-5[1M]", "claude-sonnet-4-5"},
        {"Claude-Sonnet-4-5", "claude-sonnet-4-5"},
        {"  claude-haiku-4-5\n", "claude-haiku-4-5"},
        // Bedrock model ids and cross-region inference profiles.
        {"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"},
        {"anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku"},
        {"global.anthropic.claude-opus-4-1-20250805-v1:0", "claude-opus-4-1"},
        {"apac.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"},
        {"eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"},
        {"us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet"},
        {"anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"},
        {"anthropic.claude-3-opus-20240229-v1", "claude-3-opus"},
        {"arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
         "us.anthropic.claude-sonnet-4-20250514-v1:0",
         "claude-sonnet-4"},
        // Vertex.
        {"claude-sonnet-4-5@20250929", "claude-sonnet-4-5"},
        {"claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"},
        {"claude-opus-4-1@20250805", "claude-opus-4-1"},
        {"publishers/anthropic/models/claude-haiku-4-5@20251001", "claude-haiku-4-5"},
        // -latest.
        {"claude-3-5-haiku-latest", "claude-3-5-haiku"},
        {"claude-3-7-sonnet-latest", "claude-3-7-sonnet"},
        // Aliases stay themselves; they resolve through the index.
        {"claude-opus-4-0", "claude-opus-4-0"},
        {"claude-sonnet-4-0", "claude-sonnet-4-0"},
        // Unknown ids are normalised the same way and stay unknown.
        {"claude-nebula-1-20270315", "claude-nebula-1"},
        {"gpt-4o", "gpt-4o"},
        {"<synthetic>", "<synthetic>"},
        {"", ""},
        // Not a date: fewer or more than eight digits.
        {"claude-x-2025092", "claude-x-2025092"},
        {"claude-x-202509291", "claude-x-202509291"},
    };
    for (const Case& c : cases) EXPECT_EQ(normalize_model_id(c.in), c.out) << c.in;
}

TEST(PricingNormalize, FindResolvesToCanonicalEntry) {
    struct Case {
        const char* model;
        const char* entry;
    };
    const Case cases[] = {
        {"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
        {"claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5"},
        {"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"},
        {"claude-sonnet-4-5@20250929", "claude-sonnet-4-5"},
        {"claude-opus-4-0", "claude-opus-4"},
        {"claude-opus-4-20250514", "claude-opus-4"},
        {"claude-sonnet-4-0", "claude-sonnet-4"},
        {"claude-sonnet-4-20250514", "claude-sonnet-4"},
        {"claude-opus-4-1-20250805", "claude-opus-4-1"},
        {"claude-opus-4-5-20251101", "claude-opus-4-5"},
        {"claude-opus-4-6[1m]", "claude-opus-4-6"},
        {"claude-3-5-haiku-latest", "claude-3-5-haiku"},
        {"anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"},
        {"anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"},
        {"claude-haiku-5-5", "claude-haiku-5-5"},
        {"claude-opus-5-5", "claude-opus-5-5"},
    };
    for (const Case& c : cases) {
        const ModelPrice* price = table().find(c.model);
        ASSERT_NE(price, nullptr) << c.model;
        EXPECT_EQ(price->id, c.entry) << c.model;
    }
}

TEST(PricingNormalize, UnknownAndSyntheticModels) {
    EXPECT_EQ(table().find("claude-nebula-1-20270315"), nullptr);
    EXPECT_EQ(table().find("gpt-4o"), nullptr);
    EXPECT_EQ(table().find(""), nullptr);
    EXPECT_EQ(table().cost_units("claude-nebula-1-20270315", usage(1000, 10, 0, 0, 0)),
              std::nullopt);

    EXPECT_TRUE(is_synthetic_model("<synthetic>"));
    EXPECT_FALSE(is_synthetic_model("claude-sonnet-4-5"));
    EXPECT_EQ(table().find("<synthetic>"), nullptr);
    // Not a model call: costs nothing, and is not "unpriced" either.
    EXPECT_EQ(table().cost_units("<synthetic>", usage(0, 0, 0, 0, 0)), std::optional<int64_t>(0));
}

// ------------------------------------------------------------------ builtin table

// tools/corpus/pricing.json (ccusage 20.0.24 table, as_of 2026-09-22), copied here so that the
// test does not depend on the corpus files: the corpus generator's expected.json is computed
// from these prices, so the builtin table must hold exactly them.
struct CorpusModel {
    const char* model;
    TokenPrices base;
    std::optional<TokenPrices> above;
};

std::vector<CorpusModel> corpus_models() {
    const TokenPrices sonnet_above = prices(6, 22.5, 7.5, 12, 0.6);
    return {
        {"claude-opus-4-1-20250805", prices(15, 75, 18.75, 30, 1.5), std::nullopt},
        {"claude-opus-4-5-20251101", prices(5, 25, 6.25, 10, 0.5), std::nullopt},
        {"claude-opus-4-6", prices(5, 25, 6.25, 10, 0.5), std::nullopt},
        {"claude-sonnet-4-20250514", prices(3, 15, 3.75, 6, 0.3), sonnet_above},
        {"claude-sonnet-4-5-20250929", prices(3, 15, 3.75, 6, 0.3), sonnet_above},
        {"claude-sonnet-4-6", prices(3, 15, 3.75, 6, 0.3), std::nullopt},
        {"claude-haiku-4-5-20251001", prices(1, 5, 1.25, 2, 0.1), std::nullopt},
        {"claude-3-5-haiku-20241022", prices(0.8, 4, 1, 1.6, 0.08), std::nullopt},
    };
}

TEST(PricingBuiltin, CorpusModelsHaveIdenticalPrices) {
    for (const CorpusModel& m : corpus_models()) {
        const ModelPrice* price = table().find(m.model);
        ASSERT_NE(price, nullptr) << m.model;
        expect_prices(price->base, m.base, m.model);
        ASSERT_EQ(price->above_threshold.has_value(), m.above.has_value()) << m.model;
        if (m.above)
            expect_prices(*price->above_threshold, *m.above, std::string(m.model) + " above");
        EXPECT_EQ(price->threshold_tokens, 200'000) << m.model;
    }
}

#ifdef AGENT_TRACE_SOURCE_DIR
// The same check against the project's copy of the corpus price file, so a change to that
// file that the builtin table does not follow fails here.
TEST(PricingBuiltin, MatchesCorpusPricingFile) {
    const std::string path = std::string(AGENT_TRACE_SOURCE_DIR) + "/tools/corpus/pricing.json";
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.load(path).get(doc), simdjson::SUCCESS) << path;
    simdjson::dom::object models;
    ASSERT_EQ(doc["models"].get_object().get(models), simdjson::SUCCESS) << path;
    auto read = [](simdjson::dom::object obj) {
        auto get = [&](const char* key) {
            double value = -1;
            EXPECT_EQ(obj[key].get_double().get(value), simdjson::SUCCESS) << key;
            return units(value);
        };
        return TokenPrices{get("input"), get("output"), get("cache_write_5m"),
                           get("cache_write_1h"), get("cache_read")};
    };
    size_t count = 0;
    for (const auto field : models) {
        const std::string model(field.key);
        simdjson::dom::object entry;
        ASSERT_EQ(field.value.get_object().get(entry), simdjson::SUCCESS) << model;
        const ModelPrice* price = table().find(model);
        ASSERT_NE(price, nullptr) << model;
        expect_prices(price->base, read(entry), model);
        simdjson::dom::object above;
        if (entry["above_200k"].get_object().get(above) == simdjson::SUCCESS) {
            ASSERT_TRUE(price->above_threshold.has_value()) << model;
            expect_prices(*price->above_threshold, read(above), model + " above");
        } else {
            EXPECT_FALSE(price->above_threshold.has_value()) << model;
        }
        ++count;
    }
    EXPECT_EQ(count, corpus_models().size());
}
#endif

TEST(PricingBuiltin, OtherModelsHaveTheirListPrices) {
    struct Case {
        const char* model;
        TokenPrices base;
    };
    const Case cases[] = {
        // Anthropic pricing page, 2026-08-21.
        {"claude-opus-4", prices(15, 75, 18.75, 30, 1.5)},
        {"claude-opus-4-7", prices(5, 25, 6.25, 10, 0.5)},
        {"claude-opus-4-8", prices(5, 25, 6.25, 10, 0.5)},
        {"claude-opus-5", prices(5, 25, 6.25, 10, 0.5)},
        {"claude-sonnet-5", prices(2, 10, 2.5, 4, 0.2)},
        // Claude 3 family.
        {"claude-3-7-sonnet", prices(3, 15, 3.75, 6, 0.3)},
        {"claude-3-5-sonnet", prices(3, 15, 3.75, 6, 0.3)},
        {"claude-3-opus", prices(15, 75, 18.75, 30, 1.5)},
        {"claude-3-haiku", prices(0.25, 1.25, 0.3, 0.5, 0.03)},
        // Read back from Claude Code 2.1.332's cost_usd.
        {"claude-opus-5-5", prices(4, 20, 5, 8, 0.4)},
        {"claude-haiku-5-5", prices(0.1, 0.5, 0.125, 0.2, 0.01)},
    };
    for (const Case& c : cases) {
        const ModelPrice* price = table().find(c.model);
        ASSERT_NE(price, nullptr) << c.model;
        EXPECT_EQ(price->id, c.model);
        expect_prices(price->base, c.base, c.model);
        EXPECT_FALSE(price->above_threshold.has_value()) << c.model;
    }
}

TEST(PricingBuiltin, TableIsWellFormed) {
    const std::set<std::string> expected_ids = {
        "claude-opus-4",     "claude-opus-4-1",   "claude-opus-4-5",   "claude-opus-4-6",
        "claude-opus-4-7",   "claude-opus-4-8",   "claude-opus-5",     "claude-opus-5-5",
        "claude-sonnet-4",   "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-sonnet-5",
        "claude-haiku-4-5",  "claude-haiku-5-5",  "claude-3-5-haiku",  "claude-3-7-sonnet",
        "claude-3-5-sonnet", "claude-3-opus",     "claude-3-haiku",
    };
    std::set<std::string> ids;
    std::set<std::string> tiered;
    for (const ModelPrice& m : table().models()) {
        EXPECT_TRUE(ids.insert(m.id).second) << "duplicate " << m.id;
        EXPECT_EQ(normalize_model_id(m.id), m.id) << "not normalised: " << m.id;
        EXPECT_EQ(m.origin, "builtin") << m.id;
        EXPECT_FALSE(m.note.empty()) << "every price names its source: " << m.id;
        EXPECT_GT(m.base.input, 0) << m.id;
        EXPECT_GT(m.base.output, m.base.input) << m.id;
        EXPECT_EQ(m.threshold_tokens, 200'000) << m.id;
        if (m.above_threshold) tiered.insert(m.id);
        for (const std::string& alias : m.aliases) {
            EXPECT_EQ(normalize_model_id(alias), alias) << alias;
            const ModelPrice* via_alias = table().find(alias);
            ASSERT_NE(via_alias, nullptr) << alias;
            EXPECT_EQ(via_alias->id, m.id) << alias;
        }
    }
    EXPECT_EQ(ids, expected_ids);
    EXPECT_EQ(tiered, (std::set<std::string>{"claude-sonnet-4", "claude-sonnet-4-5"}));
    EXPECT_FALSE(table().source().empty());
    EXPECT_EQ(table().as_of(), "2026-11-25");
}

// ------------------------------------------------------------------ cost rule

// Usage tuples (input, output, 5m writes, 1h writes, cache reads) and the corpus generator's
// cost_e8 (tools/corpus/gen_transcripts.py, rule "request") for them, computed by that script.
// Our units are 1e-10 USD, the generator's 1e-8 USD: ours must be exactly 100x.
TEST(PricingCost, CorpusModelsMatchGeneratorFormula) {
    const CallUsage cases[] = {
        usage(1234, 567, 2000, 3000, 45678),
        usage(20000, 4000, 40000, 10000, 190000),  // prompt 260000: above the threshold
        usage(200000, 1000, 0, 0, 0),              // prompt exactly 200000: base prices
        usage(200001, 1000, 0, 0, 0),              // one token more: whole request above
        usage(0, 0, 150000, 50000, 1),             // prompt 200001 of cache only
    };
    struct Expected {
        const char* model;
        int64_t cost_e8[5];
    };
    const Expected expected[] = {
        {"claude-opus-4-1-20250805", {25705200, 193500000, 307500000, 307501500, 431250150}},
        {"claude-opus-4-5-20251101", {8568400, 64500000, 102500000, 102500500, 143750050}},
        {"claude-opus-4-6", {8568400, 64500000, 102500000, 102500500, 143750050}},
        {"claude-sonnet-4-20250514", {5141040, 74400000, 61500000, 122250600, 172500060}},
        {"claude-sonnet-4-5-20250929", {5141040, 74400000, 61500000, 122250600, 172500060}},
        {"claude-sonnet-4-6", {5141040, 38700000, 61500000, 61500300, 86250030}},
        {"claude-haiku-4-5-20251001", {1713680, 12900000, 20500000, 20500100, 28750010}},
        {"claude-3-5-haiku-20241022", {1370944, 10320000, 16400000, 16400080, 23000008}},
    };
    for (const Expected& e : expected) {
        for (size_t i = 0; i < std::size(cases); ++i) {
            EXPECT_EQ(table().cost_units(e.model, cases[i]),
                      std::optional<int64_t>(e.cost_e8[i] * 100))
                << e.model << " case " << i;
        }
    }
}

TEST(PricingCost, LongContextTierAppliesToTheWholeRequest) {
    // 250k prompt tokens: 20k input + 30k 5m writes + 10k 1h writes + 190k cache reads,
    // and 4k output tokens.
    const CallUsage u = usage(20'000, 4'000, 30'000, 10'000, 190'000);

    // Sonnet 4.5 has a tier: every class at 6 / 22.5 / 7.5 / 12 / 0.6 USD per MTok.
    //   20000*6 + 4000*22.5 + 30000*7.5 + 10000*12 + 190000*0.6
    //   = 120000 + 90000 + 225000 + 120000 + 114000 = 669000 USD/M = $0.669
    EXPECT_EQ(table().cost_units("claude-sonnet-4-5-20250929", u),
              std::optional<int64_t>(6'690'000'000));

    // Sonnet 4.6 has none: 3 / 15 / 3.75 / 6 / 0.3 at any size.
    //   20000*3 + 4000*15 + 30000*3.75 + 10000*6 + 190000*0.3
    //   = 60000 + 60000 + 112500 + 60000 + 57000 = 349500 USD/M = $0.3495
    EXPECT_EQ(table().cost_units("claude-sonnet-4-6", u), std::optional<int64_t>(3'495'000'000));

    // Output alone never triggers the tier: only the prompt counts.
    EXPECT_EQ(table().cost_units("claude-sonnet-4-5", usage(1'000, 300'000, 0, 0, 0)),
              std::optional<int64_t>(int64_t{1'000} * 30'000 + 300'000 * int64_t{150'000}));
}

TEST(PricingCost, OneHourWritesUseTheirOwnPrice) {
    // Haiku 4.5: 1000 5m writes at 1.25 and 1000 1h writes at 2 USD/MTok = $0.00325.
    EXPECT_EQ(table().cost_units("claude-haiku-4-5", usage(0, 0, 1000, 1000, 0)),
              std::optional<int64_t>(32'500'000));
}

TEST(PricingCost, WebSearchAndUsInferenceGeo) {
    CallUsage u = usage(1000, 100, 0, 0, 0);  // Sonnet 4.6: 1000*3 + 100*15 = 4500 USD/M
    EXPECT_EQ(table().cost_units("claude-sonnet-4-6", u), std::optional<int64_t>(45'000'000));
    u.us_inference_geo = true;  // x1.1 on tokens
    EXPECT_EQ(table().cost_units("claude-sonnet-4-6", u), std::optional<int64_t>(49'500'000));
    u.web_search_requests = 3;  // + 3 x $0.01, not multiplied
    EXPECT_EQ(table().cost_units("claude-sonnet-4-6", u),
              std::optional<int64_t>(49'500'000 + 300'000'000));
    EXPECT_EQ(kWebSearchCostUnits, 100'000'000);
}

TEST(PricingCost, InferenceGeoRoundsHalfUpToTheUnit) {
    auto t = PricingTable::from_json(R"({"schema":"agent-trace-pricing/1","models":{
        "five":{"input":0.0005,"output":0.0004}}})",
                                     "test");
    ASSERT_TRUE(t.ok()) << t.error().message;
    CallUsage u = usage(1, 0, 0, 0, 0);  // 5 units
    u.us_inference_geo = true;
    EXPECT_EQ(t->cost_units("five", u), std::optional<int64_t>(6));  // 5.5 -> 6
    u = usage(0, 1, 0, 0, 0);                                        // 4 units
    u.us_inference_geo = true;
    EXPECT_EQ(t->cost_units("five", u), std::optional<int64_t>(4));  // 4.4 -> 4
}

TEST(PricingCost, NegativeCountsCountAsZeroAndFreeFunctionAgrees) {
    const ModelPrice* price = table().find("claude-opus-4-6");
    ASSERT_NE(price, nullptr);
    EXPECT_EQ(cost_units(*price, usage(-5, 10, 0, 0, -1)), 10 * 250'000);
    const CallUsage u = usage(123, 45, 678, 90, 12345);
    EXPECT_EQ(table().cost_units("claude-opus-4-6", u),
              std::optional<int64_t>(cost_units(*price, u)));
}

TEST(PricingCost, UnitConversionAndFormatting) {
    EXPECT_DOUBLE_EQ(cost_units_to_usd(kCostUnitsPerUsd), 1.0);
    EXPECT_DOUBLE_EQ(cost_units_to_usd(6'690'000'000), 0.669);
    EXPECT_EQ(format_price_per_mtok(units(3.75)), "3.75");
    EXPECT_EQ(format_price_per_mtok(units(15)), "15");
    EXPECT_EQ(format_price_per_mtok(units(0.125)), "0.125");
    EXPECT_EQ(format_price_per_mtok(units(0.03)), "0.03");
    EXPECT_EQ(format_price_per_mtok(0), "0");
    EXPECT_EQ(format_price_per_mtok(1), "0.0001");
}

// ------------------------------------------------------------------ Claude Code's own figures

// Every api_request event of the harness captures (tests/fixtures/captures/*/otlp/
// otlp-logs.jsonl, Claude Code 2.1.332): model, tokens and the cost_usd Claude Code computed.
// Our table must reproduce each figure; the two 5-5 models' prices were derived from them.
TEST(PricingCaptures, ReproducesClaudeCodeCostUsd) {
    struct Request {
        const char* capture;
        const char* model;
        int64_t input, output, write_5m, write_1h, read;
        double cost_usd;
    };
    const Request requests[] = {
        {"basic-redacted", "claude-sonnet-4-5-20250929", 1200, 45, 9000, 0, 0,
         0.038024999999999996},
        {"basic-redacted", "claude-sonnet-4-5-20250929", 150, 20, 300, 0, 9000, 0.004575},
        {"basic", "claude-sonnet-4-5-20250929", 1200, 45, 9000, 0, 0, 0.038024999999999996},
        {"basic", "claude-sonnet-4-5-20250929", 150, 20, 300, 0, 9000, 0.004575},
        {"edit-and-commit", "claude-sonnet-4-5-20250929", 1500, 60, 10000, 0, 0, 0.0429},
        {"edit-and-commit", "claude-sonnet-4-5-20250929", 80, 70, 200, 0, 10000, 0.00504},
        {"edit-and-commit", "claude-sonnet-4-5-20250929", 90, 50, 250, 0, 10200, 0.0050175},
        {"edit-and-commit", "claude-sonnet-4-5-20250929", 120, 25, 300, 0, 10450,
         0.0049949999999999994},
        {"resume", "claude-sonnet-4-5-20250929", 1000, 30, 8000, 0, 0, 0.03345},
        {"resume", "claude-sonnet-4-5-20250929", 60, 12, 100, 0, 8000, 0.0031349999999999998},
        {"resume", "claude-sonnet-4-5-20250929", 70, 30, 150, 0, 8100, 0.0036525},
        {"resume", "claude-sonnet-4-5-20250929", 50, 8, 80, 0, 8250, 0.003045},
        {"resume", "claude-sonnet-4-5-20250929", 40, 5, 60, 0, 8330, 0.0029189999999999997},
        {"subagent", "claude-sonnet-4-5-20250929", 1300, 80, 9500, 0, 0, 0.040725},
        {"subagent", "claude-sonnet-4-5-20250929", 900, 40, 6000, 0, 0, 0.0258},
        {"subagent", "claude-sonnet-4-5-20250929", 100, 15, 200, 0, 6000, 0.0030749999999999996},
        {"subagent", "claude-sonnet-4-5-20250929", 200, 20, 400, 0, 9500, 0.0052499999999999995},
        {"tool-failure", "claude-sonnet-4-5-20250929", 1100, 40, 9000, 0, 0, 0.037649999999999996},
        {"tool-failure", "claude-sonnet-4-5-20250929", 120, 40, 200, 0, 9000, 0.00441},
        {"tool-failure", "claude-sonnet-4-5-20250929", 110, 45, 150, 0, 9200, 0.0043275},
        {"tool-failure", "claude-sonnet-4-5-20250929", 130, 30, 100, 0, 9350, 0.00402},
        {"two-models", "claude-sonnet-4-5-20250929", 1400, 70, 5800, 4000, 0, 0.051},
        {"two-models", "claude-haiku-5-5", 700, 25, 5000, 0, 0, 0.0007075},
        {"two-models", "claude-sonnet-4-5-20250929", 120, 10, 200, 0, 9800, 0.0042},
        {"two-models", "claude-haiku-5-5", 90, 10, 150, 0, 5000, 8.275e-05},
        {"two-models", "claude-sonnet-4-5-20250929", 150, 15, 300, 0, 9800, 0.00474},
        {"two-models", "claude-opus-5-5", 2000, 5, 0, 0, 0, 0.0081},
    };
    ASSERT_EQ(std::size(requests), 27U);
    for (const Request& r : requests) {
        const auto cost =
            table().cost_units(r.model, usage(r.input, r.output, r.write_5m, r.write_1h, r.read));
        ASSERT_TRUE(cost.has_value()) << r.capture << " " << r.model;
        EXPECT_NEAR(cost_units_to_usd(*cost), r.cost_usd, 1e-9) << r.capture << " " << r.model;
    }
}

// ------------------------------------------------------------------ overrides

TEST(PricingOverride, AddsANewModelWithDefaultCachePrices) {
    PricingTable t = table();
    const auto st = t.merge_override(R"({"models":{"claude-nebula-1":{"input":2,"output":8,
        "aliases":["nebula-preview"],"note":"internal preview price"}}})",
                                     "/home/u/.config/agent-trace/pricing.json");
    ASSERT_TRUE(st.ok()) << st.error().message;
    const ModelPrice* price = t.find("claude-nebula-1-20270315");
    ASSERT_NE(price, nullptr);
    EXPECT_EQ(price->id, "claude-nebula-1");
    expect_prices(price->base, prices(2, 8, 2.5, 4, 0.2), "nebula");  // 1.25x, 2x, 0.1x input
    EXPECT_FALSE(price->above_threshold.has_value());
    EXPECT_EQ(price->origin, "/home/u/.config/agent-trace/pricing.json");
    EXPECT_EQ(price->note, "internal preview price");
    EXPECT_EQ(t.find("nebula-preview"), price);
    EXPECT_EQ(t.models().size(), table().models().size() + 1);
    // The builtin table is untouched.
    EXPECT_EQ(table().find("claude-nebula-1"), nullptr);
}

TEST(PricingOverride, ReplacesOnlyTheGivenFieldsOfAnExistingModel) {
    PricingTable t = table();
    // A dated key names the same entry.
    const auto st = t.merge_override(
        R"({"models":{"claude-sonnet-4-5-20250929":{"output":16,"above_200k":{"output":24}}}})",
        "override.json");
    ASSERT_TRUE(st.ok()) << st.error().message;
    const ModelPrice* price = t.find("claude-sonnet-4-5");
    ASSERT_NE(price, nullptr);
    expect_prices(price->base, prices(3, 16, 3.75, 6, 0.3), "sonnet-4-5");
    ASSERT_TRUE(price->above_threshold.has_value());
    expect_prices(*price->above_threshold, prices(6, 24, 7.5, 12, 0.6), "sonnet-4-5 above");
    EXPECT_EQ(price->origin, "override.json");
    EXPECT_EQ(t.models().size(), table().models().size());
    // Other models keep the builtin origin.
    EXPECT_EQ(t.find("claude-sonnet-4-6")->origin, "builtin");
}

TEST(PricingOverride, AliasKeyUpdatesItsEntryAndNullRemovesATier) {
    PricingTable t = table();
    const auto st = t.merge_override(
        R"({"models":{"claude-opus-4-0":{"input":14},"claude-sonnet-4":{"above_200k":null}}})",
        "override.json");
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(t.find("claude-opus-4")->base.input, units(14));
    EXPECT_EQ(t.find("claude-opus-4")->base.cache_write_5m, units(18.75));  // kept
    EXPECT_FALSE(t.find("claude-sonnet-4-20250514")->above_threshold.has_value());
    EXPECT_EQ(t.cost_units("claude-sonnet-4", usage(300'000, 0, 0, 0, 0)),
              std::optional<int64_t>(300'000 * units(3)));
}

TEST(PricingOverride, PerFileAndPerModelThresholds) {
    PricingTable t = table();
    const auto st = t.merge_override(R"({"long_context":{"threshold_tokens":100000},"models":{
        "big":{"input":1,"output":2,"above_200k":{"input":10,"output":20}},
        "other":{"input":1,"output":2,"threshold_tokens":5}}})",
                                     "override.json");
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(t.find("big")->threshold_tokens, 100'000);
    EXPECT_EQ(t.find("other")->threshold_tokens, 5);
    expect_prices(*t.find("big")->above_threshold, prices(10, 20, 12.5, 20, 1), "big above");
    EXPECT_EQ(t.cost_units("big", usage(100'001, 0, 0, 0, 0)),
              std::optional<int64_t>(100'001 * units(10)));
    EXPECT_EQ(t.find("claude-sonnet-4-5")->threshold_tokens, 200'000);  // not in this file
}

TEST(PricingOverride, BadJsonIsAnErrorNamingTheFile) {
    PricingTable t = table();
    const auto st = t.merge_override(R"({"models":{"x":{"input":1,}}})", "/etc/at/pricing.json");
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("/etc/at/pricing.json"), std::string::npos)
        << st.error().message;
    EXPECT_NE(st.error().message.find("invalid JSON"), std::string::npos) << st.error().message;
}

TEST(PricingOverride, InvalidEntriesAreErrorsNamingFileAndModel) {
    const char* bad[] = {
        R"({"models":{"claude-foo":{"input":1}}})",               // new: no output
        R"({"models":{"claude-foo":{"input":1,"ouput":2}}})",     // unknown field
        R"({"models":{"claude-foo":{"input":-1,"output":2}}})",   // negative
        R"({"models":{"claude-foo":{"input":"1","output":2}}})",  // not a number
        R"({"models":{"claude-foo":{"input":1,"output":2,"aliases":["claude-sonnet-4-0"]}}})",
        R"({"models":{"claude-foo":{"input":1,"output":2,"above_200k":{"input":2}}}})",
        R"({"models":{"claude-foo":[1,2]}})",
        R"({"models":{"claude-foo":{"input":1,"output":2},"claude-foo-20250101":{"input":1}}})",
    };
    for (const char* json : bad) {
        PricingTable t = table();
        const auto st = t.merge_override(json, "my-pricing.json");
        ASSERT_FALSE(st.ok()) << json;
        EXPECT_NE(st.error().message.find("my-pricing.json"), std::string::npos)
            << st.error().message;
        EXPECT_NE(st.error().message.find("claude-foo"), std::string::npos) << st.error().message;
        // A failed merge leaves the table as it was.
        EXPECT_EQ(t.find("claude-foo"), nullptr) << json;
        EXPECT_EQ(t.models().size(), table().models().size()) << json;
    }
}

TEST(PricingOverride, FileLevelErrors) {
    const char* bad[] = {
        R"([])",
        R"({})",  // no models
        R"({"schema":"agent-trace-pricing/2","models":{}})",
        R"({"unit":"USD per thousand tokens","models":{}})",
        R"({"modles":{}})",
        R"({"models":{},"long_context":{"threshold_tokens":0}})",
    };
    for (const char* json : bad) {
        PricingTable t = table();
        const auto st = t.merge_override(json, "my-pricing.json");
        ASSERT_FALSE(st.ok()) << json;
        EXPECT_EQ(st.error().message.rfind("my-pricing.json: ", 0), 0U) << st.error().message;
    }
    PricingTable t = table();
    EXPECT_TRUE(t.merge_override(R"({"models":{}})", "empty.json").ok());
}

TEST(PricingFromJson, RequiresTheSchema) {
    EXPECT_FALSE(PricingTable::from_json(R"({"models":{}})", "t").ok());
    const auto t = PricingTable::from_json(
        R"({"schema":"agent-trace-pricing/1","source":"s","as_of":"2026-01-02","models":{}})", "t");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->source(), "s");
    EXPECT_EQ(t->as_of(), "2026-01-02");
    EXPECT_TRUE(t->models().empty());
}

class PricingLoad : public ::testing::Test {
protected:
    void write(const std::string& text) const {
        testing_support::write_file(dir_ / "pricing.json", text);
    }
    testing_support::TempDir tmp_;
    const std::filesystem::path dir_ = tmp_.path();
};

TEST_F(PricingLoad, WithoutAFileItIsTheBuiltinTable) {
    auto t = load_pricing(dir_.string());
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->models().size(), table().models().size());
    auto none = load_pricing("");
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->models().size(), table().models().size());
    auto missing_dir = load_pricing((dir_ / "does-not-exist").string());
    ASSERT_TRUE(missing_dir.ok());
}

TEST_F(PricingLoad, MergesTheOverrideFile) {
    write(R"({"models":{"claude-nebula-1":{"input":2,"output":8}}})");
    auto t = load_pricing(dir_.string());
    ASSERT_TRUE(t.ok()) << t.error().message;
    const ModelPrice* price = t->find("claude-nebula-1-20270315");
    ASSERT_NE(price, nullptr);
    EXPECT_EQ(price->origin, (dir_ / "pricing.json").string());
    EXPECT_EQ(t->source(), table().source());
}

TEST_F(PricingLoad, InvalidFileIsAnErrorNamingIt) {
    write("{not json");
    auto t = load_pricing(dir_.string());
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find((dir_ / "pricing.json").string()), std::string::npos)
        << t.error().message;
}

TEST_F(PricingLoad, DirectoryInsteadOfFileIsAnError) {
    std::filesystem::create_directories(dir_ / "pricing.json");
    auto t = load_pricing(dir_.string());
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("pricing.json"), std::string::npos) << t.error().message;
}

}  // namespace
}  // namespace agent_trace
