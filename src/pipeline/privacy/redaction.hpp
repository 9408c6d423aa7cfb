#pragma once
// Secret redaction: every string agent-trace keeps from a hook payload passes through
// here first. Hand-written scanners, no regex engine: this runs inside hook-handler,
// where a regex compile alone would cost more than the whole budget.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace agent_trace::privacy {

enum class SecretKind : uint8_t {
    anthropic_key,        // sk-ant-...
    openai_key,           // sk-... / sk-proj-...
    aws_access_key,       // AKIA... / ASIA...
    github_token,         // ghp_ gho_ ghu_ ghs_ ghr_ github_pat_
    slack_token,          // xoxb- xoxp- xoxa- xoxr- xoxs-
    google_api_key,       // AIza...
    bearer_token,         // "Bearer <token>"
    jwt,                  // eyJ....eyJ....sig
    private_key,          // -----BEGIN ... PRIVATE KEY----- block
    url_password,         // scheme://user:PASSWORD@host
    password_assignment,  // password=..., "secret": "...", API_KEY=...
};
inline constexpr size_t kSecretKindCount = 11;

std::string_view to_string(SecretKind kind);

struct RedactionCounts {
    std::array<uint32_t, kSecretKindCount> by_kind{};

    void add(SecretKind kind) { ++by_kind[static_cast<size_t>(kind)]; }
    [[nodiscard]] uint32_t total() const {
        uint32_t sum = 0;
        for (const uint32_t n : by_kind) sum += n;
        return sum;
    }
    [[nodiscard]] uint32_t of(SecretKind kind) const { return by_kind[static_cast<size_t>(kind)]; }
};

// When `text` holds a secret, writes the redacted text to `out` (replacing its
// content), counts each replacement and returns true. Returns false and leaves `out`
// alone when there is nothing to redact, so the caller keeps using `text` without a
// copy. A secret becomes "[REDACTED:<kind>]"; for bearer tokens, URL passwords and
// assignments only the secret part is replaced ("Bearer [REDACTED:bearer_token]").
bool redact(std::string_view text, std::string& out, RedactionCounts& counts);

// Convenience for callers that always want a string.
std::string redacted(std::string_view text, RedactionCounts& counts);

}  // namespace agent_trace::privacy
