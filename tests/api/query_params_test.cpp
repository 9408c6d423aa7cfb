#include "api/query_params.hpp"

#include <gtest/gtest.h>

#include "api/api_routes.hpp"

namespace agent_trace::api {
namespace {

TEST(PercentDecode, EscapesAndPlus) {
    EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("%2F%2f", true), "//");
    EXPECT_EQ(percent_decode("", true), "");
    EXPECT_FALSE(percent_decode("%", true).has_value());
    EXPECT_FALSE(percent_decode("%4", true).has_value());
    EXPECT_FALSE(percent_decode("%zz", true).has_value());
    EXPECT_FALSE(percent_decode("ab%g1", true).has_value());
}

TEST(SplitTarget, PathAndQuery) {
    const auto t = split_target("/api/v1/sessions?limit=5&q=x");
    EXPECT_EQ(t.path, "/api/v1/sessions");
    EXPECT_EQ(t.query, "limit=5&q=x");
    const auto bare = split_target("/api/v1/sessions");
    EXPECT_EQ(bare.path, "/api/v1/sessions");
    EXPECT_EQ(bare.query, "");
}

TEST(QueryParams, DecodesNamesAndValues) {
    auto params = QueryParams::parse("q=hello+world&project=%2Fhome%2Fme&&flag");
    ASSERT_TRUE(params.ok());
    EXPECT_EQ(params->get("q"), "hello world");
    EXPECT_EQ(params->get("project"), "/home/me");
    EXPECT_EQ(params->get("flag"), "");
    EXPECT_FALSE(params->has("flag"));  // empty is the same as absent
    EXPECT_EQ(params->get("missing"), "");
}

TEST(QueryParams, RepeatedParameterIsAnError) {
    auto params = QueryParams::parse("limit=1&limit=2");
    ASSERT_FALSE(params.ok());
    EXPECT_EQ(params.error().code, ApiErrorCode::bad_request);
    EXPECT_EQ(params.error().param, "limit");
}

TEST(QueryParams, MalformedEscapeIsAnError) {
    auto params = QueryParams::parse("q=%zz");
    ASSERT_FALSE(params.ok());
    EXPECT_EQ(params.error().param, "q");
}

TEST(QueryParams, NulByteIsAnError) {
    auto params = QueryParams::parse("q=a%00b");
    ASSERT_FALSE(params.ok());
    EXPECT_EQ(params.error().param, "q");
}

TEST(QueryParams, OverlongValueIsAnError) {
    auto params = QueryParams::parse("q=" + std::string(5000, 'x'));
    ASSERT_FALSE(params.ok());
    EXPECT_EQ(params.error().param, "q");
}

TEST(QueryParams, CheckAgainstTheRouteTable) {
    const ApiRoute& sessions = api_route(RouteId::sessions);
    const auto check = [&](std::string_view query) -> std::optional<ApiError> {
        auto params = QueryParams::parse(query);
        EXPECT_TRUE(params.ok());
        return params->check_against(sessions);
    };
    EXPECT_FALSE(check("limit=10&sort=cost&order=asc&has_errors=true&q=x").has_value());
    EXPECT_FALSE(check("limit=&sort=").has_value());  // empty values are left out

    const auto unknown = check("colour=red");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->param, "colour");
    EXPECT_NE(unknown->message.find("unknown parameter"), std::string::npos);

    const auto path_param = check("id=abc");  // a path parameter is not a query parameter
    ASSERT_TRUE(path_param.has_value());
    EXPECT_EQ(path_param->param, "id");

    for (const char* bad : {"limit=0", "limit=501", "limit=-1", "limit=ten", "limit=1.5",
                            "limit=99999999999999999999"}) {
        const auto error = check(bad);
        ASSERT_TRUE(error.has_value()) << bad;
        EXPECT_EQ(error->param, "limit") << bad;
    }
    const auto sort = check("sort=name");
    ASSERT_TRUE(sort.has_value());
    EXPECT_EQ(sort->param, "sort");
    EXPECT_NE(sort->message.find("last, first, cost, tokens, calls, duration"), std::string::npos);
    const auto flag = check("has_errors=yes");
    ASSERT_TRUE(flag.has_value());
    EXPECT_EQ(flag->param, "has_errors");
}

TEST(QueryParams, TypedGetters) {
    auto params = QueryParams::parse("limit=25&has_errors=false");
    ASSERT_TRUE(params.ok());
    EXPECT_EQ(params->get_int("limit"), 25);
    EXPECT_EQ(params->get_bool("has_errors"), false);
    EXPECT_FALSE(params->get_int("missing").has_value());
    EXPECT_FALSE(params->get_bool("missing").has_value());
}

}  // namespace
}  // namespace agent_trace::api
