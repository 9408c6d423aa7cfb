#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agent_trace {
namespace {

TEST(Base64, Rfc4648VectorsStandardPaddedUrlUnpadded) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded) << plain;
        std::string unpadded = encoded;
        while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
        EXPECT_EQ(base64url_encode(plain), unpadded) << plain;
        EXPECT_EQ(base64url_decode(unpadded), plain) << plain;
    }
    // The two alphabets differ only in the last two characters.
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_FALSE(base64url_decode("+/8").has_value());
    EXPECT_FALSE(base64url_decode("Zm9=").has_value());
}

}  // namespace
}  // namespace agent_trace
