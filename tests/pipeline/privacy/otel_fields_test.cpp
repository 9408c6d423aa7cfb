// otel_attribute_tier: the tier of every attribute the decoders keep or drop, looked up
// through a hash index; keys it does not list fall back to the metadata namespaces.
#include "pipeline/privacy/otel_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agent_trace::privacy {
namespace {

TEST(OtelFields, ListedKeysHaveTheirTier) {
    EXPECT_EQ(otel_attribute_tier("session.id"), 1);
    EXPECT_EQ(otel_attribute_tier("cost_usd_micros"), 1);
    EXPECT_EQ(otel_attribute_tier("cache_creation_5m_tokens"), 1);
    EXPECT_EQ(otel_attribute_tier("user.email"), 1);
    EXPECT_EQ(otel_attribute_tier("prompt"), 2);
    EXPECT_EQ(otel_attribute_tier("tool_parameters"), 2);
    EXPECT_EQ(otel_attribute_tier("workspace.host_paths"), 2);
    EXPECT_EQ(otel_attribute_tier("response"), 3);
    EXPECT_EQ(otel_attribute_tier("error"), 3);
    EXPECT_EQ(otel_attribute_tier("api_request_body"), 3);
    // The first and last entries of the table.
    EXPECT_EQ(otel_attribute_tier("agent.name"), 1);
    EXPECT_EQ(otel_attribute_tier("workflow.run_id"), 1);
}

TEST(OtelFields, UnlistedKeysInMetadataNamespacesAreTierOne) {
    EXPECT_EQ(otel_attribute_tier("service.name"), 1);
    EXPECT_EQ(otel_attribute_tier("host.arch"), 1);
    EXPECT_EQ(otel_attribute_tier("managed_settings.sources"), 1);
    EXPECT_EQ(otel_attribute_tier("hook_execution_anything"), 1);
    EXPECT_EQ(otel_attribute_tier("agent_trace.scenario"), 1);
}

TEST(OtelFields, OtherKeysAreUnknown) {
    const std::string keys[] = {"",
                                "x",
                                "prompt_textt",
                                "session.i",
                                "session.idx",
                                "Session.id",
                                "response ",
                                "service",
                                "user",
                                "tool_parameters\n",
                                std::string("prompt\0", 7)};
    for (const std::string& key : keys) {
        EXPECT_EQ(otel_attribute_tier(key), 0) << key;
    }
}

}  // namespace
}  // namespace agent_trace::privacy
