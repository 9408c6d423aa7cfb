// openapi.json is kept true: every route the router knows is documented with
// the same parameters, every documented path is routed, and every route's
// answer on a real store has what its documented schema requires.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/api_routes.hpp"
#include "api/openapi_document.hpp"
#include "api_test_support.hpp"

namespace agent_trace::api {
namespace {

using simdjson::dom::element;
using testing::ApiOverStore;

std::string str(element e) { return std::string(std::string_view(e)); }

class OpenApiContract : public ::testing::Test {
protected:
    void SetUp() override {
        auto parsed = parser_.parse(std::string(openapi_document()));
        ASSERT_FALSE(parsed.error()) << "openapi.json is not JSON";
        doc_ = parsed.value_unsafe();
    }

    // Follows a local "$ref" ("#/components/schemas/X") until a definition.
    element resolve(element node) {
        for (int depth = 0; depth < 16; ++depth) {
            std::string_view ref;
            if (!node.is_object() || node["$ref"].get(ref) != simdjson::SUCCESS) return node;
            EXPECT_TRUE(ref.starts_with("#/")) << ref;
            element target = doc_;
            std::string_view rest = ref.substr(2);
            while (!rest.empty()) {
                const size_t slash = rest.find('/');
                const std::string_view part = rest.substr(0, slash);
                auto next = target[part];
                EXPECT_FALSE(next.error()) << "dangling $ref " << ref;
                if (next.error()) return node;
                target = next.value_unsafe();
                rest =
                    slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
            }
            node = target;
        }
        ADD_FAILURE() << "$ref loop";
        return node;
    }

    // The documented query and path parameters of `path`, by name.
    std::map<std::string, element> documented_params(const std::string& path) {
        std::map<std::string, element> params;
        for (auto p : doc_["paths"][path]["get"]["parameters"].get_array()) {
            const element param = resolve(p);
            const std::string in = str(param["in"]);
            if (in == "query" || in == "path") params[str(param["name"])] = param;
        }
        return params;
    }

    // Errors, each with its JSON path, where `value` breaks `schema`: types,
    // required properties, enumerations, and the same for nested properties
    // and array items (oneOf: any one alternative).
    void validate(element value, element schema_node, const std::string& where,
                  std::vector<std::string>& errors) {
        const element schema = resolve(schema_node);
        if (auto alternatives = schema["oneOf"]; !alternatives.error()) {
            for (auto alternative : alternatives.get_array()) {
                std::vector<std::string> attempt;
                validate(value, alternative, where, attempt);
                if (attempt.empty()) return;
            }
            errors.push_back(where + ": matches no oneOf alternative");
            return;
        }
        std::string_view type;
        if (schema["type"].get(type) == simdjson::SUCCESS && !type_matches(value, type)) {
            errors.push_back(where + ": not " + std::string(type));
            return;
        }
        if (auto values = schema["enum"]; !values.error() && value.is_string()) {
            bool found = false;
            for (auto v : values.get_array()) found = found || str(v) == str(value);
            if (!found) errors.push_back(where + ": '" + str(value) + "' not in enum");
        }
        if (value.is_object()) {
            if (auto required = schema["required"]; !required.error()) {
                for (auto name : required.get_array()) {
                    if (value[std::string_view(name)].error()) {
                        errors.push_back(where + ": missing required " + str(name));
                    }
                }
            }
            if (auto properties = schema["properties"]; !properties.error()) {
                for (auto [key, property] : properties.get_object()) {
                    auto present = value[key];
                    if (!present.error()) {
                        validate(present.value_unsafe(), property, where + "." + std::string(key),
                                 errors);
                    }
                }
            }
        }
        if (value.is_array()) {
            if (auto items = schema["items"]; !items.error()) {
                size_t i = 0;
                for (auto item : value.get_array()) {
                    validate(item, items.value_unsafe(), where + "[" + std::to_string(i++) + "]",
                             errors);
                }
            }
        }
    }

    static bool type_matches(element value, std::string_view type) {
        if (type == "object") return value.is_object();
        if (type == "array") return value.is_array();
        if (type == "string") return value.is_string();
        if (type == "integer") return value.is_int64() || value.is_uint64();
        if (type == "number") return value.is_number();
        if (type == "boolean") return value.is_bool();
        if (type == "null") return value.is_null();
        ADD_FAILURE() << "unknown schema type " << type;
        return false;
    }

    simdjson::simdjson_result<element> response_schema(const std::string& path,
                                                       const char* status) {
        return doc_["paths"][path]["get"]["responses"][status]["content"]["application/json"]
                   ["schema"];
    }

    simdjson::dom::parser parser_;
    element doc_;
};

TEST_F(OpenApiContract, IsAnOpenApi3Document) {
    EXPECT_TRUE(str(doc_["openapi"]).starts_with("3."));
    EXPECT_FALSE(str(doc_["info"]["title"]).empty());
    EXPECT_FALSE(str(doc_["info"]["version"]).empty());
}

TEST_F(OpenApiContract, EveryRouteIsDocumentedWithTheSameParameters) {
    for (const ApiRoute& route : api_routes()) {
        const std::string path(route.path);
        SCOPED_TRACE(path);
        ASSERT_FALSE(doc_["paths"][path]["get"].error()) << "not documented";
        auto documented = documented_params(path);
        std::set<std::string> routed_names;
        for (const ApiParam& param : route.params) {
            const std::string name(param.name);
            routed_names.insert(name);
            SCOPED_TRACE(name);
            ASSERT_TRUE(documented.contains(name)) << "parameter not documented";
            const element doc_param = documented[name];
            EXPECT_EQ(str(doc_param["in"]), to_string(param.in));
            if (param.in == ParamIn::path) {
                EXPECT_TRUE(bool(doc_param["required"]));
            }
            const element schema = resolve(doc_param["schema"]);
            EXPECT_EQ(str(schema["type"]), to_string(param.type));
            std::vector<std::string> doc_enum;
            if (auto values = schema["enum"]; !values.error()) {
                for (auto v : values.get_array()) doc_enum.push_back(str(v));
            }
            EXPECT_EQ(doc_enum,
                      std::vector<std::string>(param.enum_values.begin(), param.enum_values.end()));
            int64_t bound = 0;
            if (param.minimum) {
                ASSERT_EQ(schema["minimum"].get(bound), simdjson::SUCCESS);
                EXPECT_EQ(bound, *param.minimum);
            } else {
                EXPECT_TRUE(schema["minimum"].error());
            }
            if (param.maximum) {
                ASSERT_EQ(schema["maximum"].get(bound), simdjson::SUCCESS);
                EXPECT_EQ(bound, *param.maximum);
            } else {
                EXPECT_TRUE(schema["maximum"].error());
            }
        }
        for (const auto& [name, param] : documented) {
            EXPECT_TRUE(routed_names.contains(name))
                << "documented parameter " << name << " is not taken by the router";
        }
        if (route.served_by_router) {
            EXPECT_FALSE(response_schema(path, "200").error()) << "no JSON 200 schema";
            EXPECT_EQ(str(resolve(response_schema(path, "200").value())["type"]), "object");
            EXPECT_FALSE(response_schema(path, "405").error()) << "405 not documented";
        }
    }
}

TEST_F(OpenApiContract, EveryDocumentedPathIsRouted) {
    std::set<std::string> routed;
    for (const ApiRoute& route : api_routes()) routed.insert(std::string(route.path));
    for (auto [path, item] : doc_["paths"].get_object()) {
        EXPECT_TRUE(routed.contains(std::string(path))) << path << " is documented, not routed";
        for (auto [method, operation] : item.get_object()) {
            (void)operation;
            EXPECT_EQ(method, "get") << path << ": the API is read-only";
        }
    }
}

TEST_F(OpenApiContract, EveryRoutesAnswerMatchesItsSchema) {
    ApiOverStore api;
    // Every route, with each value of its enumerations (by, view, sort) as well.
    std::vector<std::pair<std::string, std::string>> calls;  // (documented path, target)
    for (const ApiRoute& route : api_routes()) {
        if (!route.served_by_router) continue;
        std::string base(route.path);
        if (const size_t at = base.find("{id}"); at != std::string::npos) {
            base.replace(at, 4, "sess-alpha");
        }
        calls.emplace_back(std::string(route.path), base);
        for (const ApiParam& param : route.params) {
            for (const auto value : param.enum_values) {
                calls.emplace_back(std::string(route.path),
                                   base + "?" + std::string(param.name) + "=" + std::string(value));
            }
        }
    }
    calls.emplace_back("/api/v1/sessions", "/api/v1/sessions?limit=2");  // a next_cursor string
    for (const auto& [path, target] : calls) {
        SCOPED_TRACE(target);
        const auto response = api.get(target);
        ASSERT_EQ(response.status, 200) << response.body;
        auto schema = response_schema(path, "200");
        ASSERT_FALSE(schema.error()) << "no JSON 200 schema";
        std::vector<std::string> errors;
        validate(api.parse(response.body), schema.value(), "$", errors);
        for (const auto& error : errors) ADD_FAILURE() << error;
    }
}

TEST_F(OpenApiContract, ErrorAnswersMatchTheErrorSchema) {
    ApiOverStore api;
    const std::pair<const char*, const char*> cases[] = {
        {"/api/v1/sessions/nope", "404"},
        {"/api/v1/sessions?limit=0", "400"},
        {"/api/v1/sessions?cursor=!!!", "400"},
    };
    for (const auto& [target, status] : cases) {
        SCOPED_TRACE(target);
        const auto response = api.get(target);
        EXPECT_EQ(std::to_string(response.status), status);
        const std::string path = std::string(target).starts_with("/api/v1/sessions/")
                                     ? "/api/v1/sessions/{id}"
                                     : "/api/v1/sessions";
        ASSERT_FALSE(response_schema(path, status).error()) << status << " not documented";
        std::vector<std::string> errors;
        validate(api.parse(response.body), response_schema(path, status).value(), "$", errors);
        for (const auto& error : errors) ADD_FAILURE() << error;
    }
    const auto post = api.request("POST", "/api/v1/blocks");
    EXPECT_EQ(post.status, 405);
    std::vector<std::string> errors;
    validate(api.parse(post.body), response_schema("/api/v1/blocks", "405").value(), "$", errors);
    for (const auto& error : errors) ADD_FAILURE() << error;
}

}  // namespace
}  // namespace agent_trace::api
