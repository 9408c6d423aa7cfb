// Bad requests get the documented 4xx JSON error, never a crash or a 200.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/openapi_document.hpp"
#include "api_test_support.hpp"

namespace agent_trace::api {
namespace {

using testing::ApiOverStore;

struct BadRequest {
    std::string method;
    std::string target;
    int status;
    std::string code;
    std::string param;  // "" when the error names none
};

// The codes openapi.json documents for the Error schema.
std::set<std::string> documented_codes(ApiOverStore& api) {
    std::set<std::string> codes;
    auto doc = api.parse(std::string(openapi_document()));
    auto code_enum =
        doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for (auto code : code_enum.get_array()) codes.insert(std::string(std::string_view(code)));
    return codes;
}

class ApiErrorsTest : public ::testing::Test {
protected:
    ApiOverStore api;

    // A cursor the API issued for sort=cost.
    std::string cost_cursor() {
        auto page = api.get_json("/api/v1/sessions?sort=cost&limit=1");
        return std::string(std::string_view(page["next_cursor"]));
    }

    void expect_error(const BadRequest& bad) {
        SCOPED_TRACE(bad.method + " " + bad.target);
        const server::HttpResponse response = api.request(bad.method, bad.target);
        EXPECT_EQ(response.status, bad.status) << response.body;
        EXPECT_EQ(response.content_type, "application/json");
        auto body = api.parse(response.body);
        auto error = body["error"];
        ASSERT_TRUE(error.is_object()) << response.body;
        const std::string code{std::string_view(error["code"])};
        EXPECT_EQ(code, bad.code);
        EXPECT_TRUE(documented_codes(api).contains(code)) << code;
        EXPECT_FALSE(std::string_view(error["message"]).empty());
        if (bad.param.empty()) {
            EXPECT_TRUE(error["param"].error() == simdjson::NO_SUCH_FIELD) << response.body;
        } else {
            EXPECT_EQ(std::string_view(error["param"]), bad.param) << response.body;
        }
    }
};

TEST_F(ApiErrorsTest, UnknownSessionIs404) {
    for (const char* path :
         {"/api/v1/sessions/no-such-session", "/api/v1/sessions/no-such-session/timeline",
          "/api/v1/sessions/no-such-session/linking"}) {
        expect_error({"GET", path, 404, "not_found", "id"});
    }
}

TEST_F(ApiErrorsTest, UnknownRoutesAre404) {
    for (const char* path :
         {"/api/v1/nothing", "/api/v1/sessions/sess-alpha/other", "/", "/api/v1/sessions/",
          "/api/v1/sessions/sess-alpha/timeline/x", "/api/v2/sessions", "/api/v1/stream"}) {
        expect_error({"GET", path, 404, "not_found", ""});
    }
}

TEST_F(ApiErrorsTest, BadTimes) {
    expect_error({"GET", "/api/v1/sessions?since=yesterday", 400, "bad_request", "since"});
    expect_error({"GET", "/api/v1/sessions?until=2026-02-30", 400, "bad_request", "until"});
    expect_error({"GET", "/api/v1/analytics/usage?since=2026-03-05&until=2026-03-01", 400,
                  "bad_request", "until"});
    expect_error({"GET", "/api/v1/analytics/usage?tz=Nowhere/Land", 400, "bad_request", "tz"});
    expect_error({"GET", "/api/v1/blocks?until=soon", 400, "bad_request", "until"});
}

TEST_F(ApiErrorsTest, BadEnumerations) {
    expect_error({"GET", "/api/v1/sessions?sort=name", 400, "bad_request", "sort"});
    expect_error({"GET", "/api/v1/sessions?order=up", 400, "bad_request", "order"});
    expect_error({"GET", "/api/v1/sessions?has_errors=1", 400, "bad_request", "has_errors"});
    expect_error(
        {"GET", "/api/v1/sessions/sess-alpha/timeline?view=graph", 400, "bad_request", "view"});
    expect_error({"GET", "/api/v1/analytics/usage?by=week", 400, "bad_request", "by"});
    expect_error({"GET", "/api/v1/analytics/usage?by=tool&model=claude-sonnet-4-5", 400,
                  "bad_request", "model"});
}

TEST_F(ApiErrorsTest, LimitsOutOfRangeAreRefusedNotClamped) {
    for (const char* limit : {"0", "100000", "-3", "many", "501"}) {
        expect_error(
            {"GET", std::string("/api/v1/sessions?limit=") + limit, 400, "bad_request", "limit"});
    }
}

TEST_F(ApiErrorsTest, MalformedAndForeignCursors) {
    expect_error({"GET", "/api/v1/sessions?cursor=!!!", 400, "invalid_cursor", "cursor"});
    expect_error({"GET", "/api/v1/sessions?cursor=aGVsbG8", 400, "invalid_cursor", "cursor"});
    const std::string cursor = cost_cursor();
    ASSERT_FALSE(cursor.empty());
    EXPECT_EQ(api.get("/api/v1/sessions?sort=cost&limit=1&cursor=" + cursor).status, 200);
    expect_error(
        {"GET", "/api/v1/sessions?sort=tokens&cursor=" + cursor, 400, "invalid_cursor", "cursor"});
    expect_error({"GET", "/api/v1/sessions?sort=cost&order=asc&cursor=" + cursor, 400,
                  "invalid_cursor", "cursor"});
    expect_error({"GET", "/api/v1/sessions?sort=cost&user=bob&cursor=" + cursor, 400,
                  "invalid_cursor", "cursor"});
}

TEST_F(ApiErrorsTest, UnknownOrRepeatedParametersAreErrors) {
    expect_error({"GET", "/api/v1/sessions?colour=red", 400, "bad_request", "colour"});
    expect_error({"GET", "/api/v1/sessions/sess-alpha?view=tree", 400, "bad_request", "view"});
    expect_error({"GET", "/api/v1/analytics/tools?model=x", 400, "bad_request", "model"});
    expect_error({"GET", "/api/v1/openapi.json?x=1", 400, "bad_request", "x"});
    expect_error({"GET", "/api/v1/sessions?limit=1&limit=2", 400, "bad_request", "limit"});
    expect_error({"GET", "/api/v1/sessions?q=%zz", 400, "bad_request", "q"});
}

TEST_F(ApiErrorsTest, OnlyGetIsAllowed) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}) {
        expect_error({method, "/api/v1/sessions", 405, "method_not_allowed", ""});
    }
    expect_error({"POST", "/api/v1/sessions/sess-alpha", 405, "method_not_allowed", ""});
}

TEST_F(ApiErrorsTest, HostileTargetsNeverCrash) {
    const std::string long_id(100000, 'a');
    const std::pair<std::string, int> cases[] = {
        {"/api/v1/sessions/" + long_id, 404},
        {"/api/v1/sessions/%00%ff", 404},
        {"/api/v1/sessions/%zz", 404},
        {"/api/v1/sessions?" + std::string(20000, '&'), 200},
        {"/api/v1/sessions?q=%27%3B%20DROP%20TABLE%20events%3B--", 200},
        {"/api/v1/sessions?q=%22unbalanced%20*%20NEAR(", 200},
        {"/api/v1/sessions?q=a%00b", 400},
        {"/api/v1/sessions?project=%25&user=_", 200},
        {"", 404},
    };
    for (const auto& [target, status] : cases) {
        const auto response = api.get(target);
        EXPECT_EQ(response.status, status) << target.substr(0, 80) << ": " << response.body;
    }
}

}  // namespace
}  // namespace agent_trace::api
