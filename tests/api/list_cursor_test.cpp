#include "api/list_cursor.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "api/session_list_request.hpp"
#include "core/base64.hpp"

namespace agent_trace::api {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
    std::string bytes;
    for (int n = 0; n < 70; ++n) {
        const std::string encoded = base64url_encode(bytes);
        EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
        EXPECT_EQ(base64url_decode(encoded), bytes) << n;
        bytes.push_back(static_cast<char>(n * 37 + 200));
    }
}

TEST(Base64Url, RefusesOtherAlphabetsAndNonCanonicalTails) {
    EXPECT_FALSE(base64url_decode("!!!").has_value());
    EXPECT_FALSE(base64url_decode("ab+/").has_value());
    EXPECT_FALSE(base64url_decode("YQ==").has_value());  // padding is not ours
    EXPECT_FALSE(base64url_decode("A").has_value());     // no whole byte
    EXPECT_FALSE(base64url_decode("YR").has_value());    // "YQ" with a stray low bit
    EXPECT_EQ(base64url_decode("YQ"), "a");
}

TEST(ListCursor, RoundTripsExactly) {
    for (const double value : {0.0, 1.0 / 3.0, 1.7e15, -2.5, std::numeric_limits<double>::max()}) {
        const ListCursor cursor{SessionSort::cost, false, "0123456789abcdef",
                                SessionCursor{value, "sess\nwith\nnewlines/and%"}};
        const auto decoded = decode_list_cursor(encode_list_cursor(cursor));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->sort, SessionSort::cost);
        EXPECT_FALSE(decoded->descending);
        EXPECT_EQ(decoded->filter_fingerprint, "0123456789abcdef");
        EXPECT_EQ(decoded->position.value, value);  // bit for bit
        EXPECT_EQ(decoded->position.session_id, "sess\nwith\nnewlines/and%");
    }
}

TEST(ListCursor, RefusesWhatItDidNotMake) {
    EXPECT_FALSE(decode_list_cursor("").has_value());
    EXPECT_FALSE(decode_list_cursor("!!!").has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("hello")).has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c2\nlast\ndesc\nfp\n0\ns")).has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c1\nname\ndesc\nfp\n0\ns")).has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c1\nlast\nup\nfp\n0\ns")).has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c1\nlast\ndesc\nfp\nxyz\ns")).has_value());
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c1\nlast\ndesc\nfp\n0\n")).has_value());
    // NaN would make every keyset comparison false.
    EXPECT_FALSE(decode_list_cursor(base64url_encode("c1\nlast\ndesc\nfp\n7ff8000000000000\ns"))
                     .has_value());
    EXPECT_FALSE(decode_list_cursor(std::string(2000, 'A')).has_value());
    EXPECT_TRUE(decode_list_cursor(base64url_encode("c1\nlast\ndesc\nfp\n0\ns")).has_value());
}

TEST(SessionFilterFingerprint, ChangesWithEveryFilterButNotWithPaging) {
    SessionListQuery base;
    const std::string fp = session_filter_fingerprint(base);
    EXPECT_EQ(fp.size(), 16u);
    SessionListQuery paged = base;
    paged.limit = 7;
    paged.sort = SessionSort::tokens;
    paged.descending = false;
    paged.after = SessionCursor{1, "x"};
    EXPECT_EQ(session_filter_fingerprint(paged), fp);
    const auto differs = [&](auto change) {
        SessionListQuery q = base;
        change(q);
        return session_filter_fingerprint(q) != fp;
    };
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.project = "p"; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.user = "u"; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.model = "m"; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.since = 0; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.until = 5; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.has_errors = false; }));
    EXPECT_TRUE(differs([](SessionListQuery& q) { q.text = "t"; }));
}

ApiResult<SessionListQuery> list_request(std::string_view query, size_t max_page_size = 500) {
    auto params = QueryParams::parse(query);
    EXPECT_TRUE(params.ok());
    return parse_session_list_request(*params, max_page_size);
}

TEST(SessionListRequest, DefaultsAndFilters) {
    auto q = list_request("");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->sort, SessionSort::last_activity);
    EXPECT_TRUE(q->descending);
    EXPECT_EQ(q->limit, kDefaultPageSize);
    EXPECT_FALSE(q->after.has_value());
    auto small = list_request("", 10);
    ASSERT_TRUE(small.ok());
    EXPECT_EQ(small->limit, 10u);

    auto f = list_request(
        "project=p&user=u&model=m&q=needle&has_errors=true&sort=duration&"
        "order=asc&limit=7&since=2026-03-01");
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->project, "p");
    EXPECT_EQ(f->user, "u");
    EXPECT_EQ(f->model, "m");
    EXPECT_EQ(f->text, "needle");
    EXPECT_EQ(f->has_errors, true);
    EXPECT_EQ(f->sort, SessionSort::duration);
    EXPECT_FALSE(f->descending);
    EXPECT_EQ(f->limit, 7u);
    EXPECT_TRUE(f->since.has_value());
}

TEST(SessionListRequest, LimitAboveTheServersMaximumIsRefusedNotClamped) {
    auto q = list_request("limit=20", 10);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().param, "limit");
}

TEST(SessionListRequest, CursorFollowsItsQueryOnly) {
    auto first = list_request("sort=cost&project=p");
    ASSERT_TRUE(first.ok());
    const std::string cursor = next_page_cursor(*first, SessionCursor{2.5, "s-9"});

    auto next = list_request("sort=cost&project=p&limit=3&cursor=" + cursor);
    ASSERT_TRUE(next.ok());
    ASSERT_TRUE(next->after.has_value());
    EXPECT_EQ(next->after->value, 2.5);
    EXPECT_EQ(next->after->session_id, "s-9");

    for (const std::string other : {"sort=tokens&project=p", "sort=cost&project=p&order=asc",
                                    "sort=cost&project=q", "sort=cost"}) {
        std::string query = other;
        query += "&cursor=";
        query += cursor;
        auto refused = list_request(query);
        ASSERT_FALSE(refused.ok()) << other;
        EXPECT_EQ(refused.error().code, ApiErrorCode::invalid_cursor) << other;
        EXPECT_EQ(refused.error().param, "cursor");
    }
    auto garbage = list_request("cursor=!!!");
    ASSERT_FALSE(garbage.ok());
    EXPECT_EQ(garbage.error().code, ApiErrorCode::invalid_cursor);
}

}  // namespace
}  // namespace agent_trace::api
