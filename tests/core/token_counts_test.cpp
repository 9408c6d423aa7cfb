#include "core/token_counts.hpp"

#include <gtest/gtest.h>

#include "core/event.hpp"

namespace agent_trace {
namespace {

TEST(TokenCounts, TotalAndAddCoverEveryClass) {
    TokenCounts a{1, 20, 300, 4'000, 50'000};
    EXPECT_EQ(a.total(), 54'321);
    a.add({10, 200, 3'000, 40'000, 500'000});
    EXPECT_EQ(a, (TokenCounts{11, 220, 3'300, 44'000, 550'000}));
}

TEST(TokenCounts, KeepMaxTakesTheLargestOfEachClass) {
    TokenCounts a{5, 1, 7, 0, 9};
    a.keep_max({3, 8, 7, 2, 4});
    EXPECT_EQ(a, (TokenCounts{5, 8, 7, 2, 9}));
}

TEST(TokenCounts, EventFieldsRoundTrip) {
    Event e;
    e.set_token_counts({1, 2, 3, 4, 5});
    EXPECT_EQ(e.input_tokens, 1);
    EXPECT_EQ(e.output_tokens, 2);
    EXPECT_EQ(e.cache_write_5m_tokens, 3);
    EXPECT_EQ(e.cache_write_1h_tokens, 4);
    EXPECT_EQ(e.cache_read_tokens, 5);
    EXPECT_EQ(e.token_counts(), (TokenCounts{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace agent_trace
