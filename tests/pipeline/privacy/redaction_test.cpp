#include "pipeline/privacy/redaction.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agent_trace::privacy {
namespace {

struct Redacted {
    std::string text;
    RedactionCounts counts;
};

Redacted run(std::string_view text) {
    Redacted r;
    r.text = redacted(text, r.counts);
    return r;
}

TEST(Redaction, ApiKeysByProvider) {
    const std::string anthropic =
        "sk-ant-api03-AbCdEf0123456789_AbCdEf0123456789-AbCdEf0123456789AbCdEf0123456789AA";
    auto r = run("export ANTHROPIC_KEY=" + anthropic + " # mine");
    EXPECT_EQ(r.text, "export ANTHROPIC_KEY=[REDACTED:anthropic_key] # mine");
    EXPECT_EQ(r.counts.of(SecretKind::anthropic_key), 1u);

    r = run("key: sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa");
    EXPECT_EQ(r.text, "key: [REDACTED:openai_key]");

    r = run("aws AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE.");
    EXPECT_EQ(r.text, "aws [REDACTED:aws_access_key] and [REDACTED:aws_access_key].");
    EXPECT_EQ(r.counts.of(SecretKind::aws_access_key), 2u);

    r =
        run("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and "
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz");
    EXPECT_EQ(r.text, "token [REDACTED:github_token] and [REDACTED:github_token]");

    r = run("slack xoxb-1234567890-abcdefghij end");
    EXPECT_EQ(r.text, "slack [REDACTED:slack_token] end");

    r = run("maps AIzaSyA-1234567890abcdefghijklmnopqrstu?");
    EXPECT_EQ(r.text, "maps [REDACTED:google_api_key]?");
}

TEST(Redaction, BearerJwtAndPrivateKey) {
    auto r = run("curl -H 'Authorization: Bearer abcDEF123456ghiJKL789' https://x");
    EXPECT_EQ(r.text, "curl -H 'Authorization: Bearer [REDACTED:bearer_token]' https://x");

    const std::string jwt =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
        "XgL0n3I9PlFUP0THsR8U";
    r = run("token=" + jwt);
    EXPECT_EQ(r.text, "token=[REDACTED:jwt]");
    r = run("see " + jwt + ".");
    EXPECT_EQ(r.text, "see [REDACTED:jwt].");
    EXPECT_EQ(r.counts.of(SecretKind::jwt), 1u);

    r =
        run("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE "
            "KEY-----\nb");
    EXPECT_EQ(r.text, "a\n[REDACTED:private_key]\nb");
    r = run("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (cut");
    EXPECT_EQ(r.text, "[REDACTED:private_key]");
}

TEST(Redaction, PasswordsInUrlsAndAssignments) {
    auto r = run("git clone https://alice:s3cr3t-P4ss@github.com/a/b.git");
    EXPECT_EQ(r.text, "git clone https://alice:[REDACTED:url_password]@github.com/a/b.git");
    r = run("DATABASE_URL=postgres://app:hunter2@db:5432/app");
    EXPECT_EQ(r.text, "DATABASE_URL=postgres://app:[REDACTED:url_password]@db:5432/app");
    EXPECT_EQ(r.counts.of(SecretKind::url_password), 1u);

    r = run("mysql --password=hunter2 -u root");
    EXPECT_EQ(r.text, "mysql --password=[REDACTED:password_assignment] -u root");
    r = run("DB_PASSWORD='correct horse' ./run");
    EXPECT_EQ(r.text, "DB_PASSWORD='[REDACTED:password_assignment]' ./run");
    r = run(R"({"client_secret": "abc123def", "name": "x"})");
    EXPECT_EQ(r.text, R"({"client_secret": "[REDACTED:password_assignment]", "name": "x"})");
    r = run("config:\n  api_token: 9f8e7d6c5b4a\n");
    EXPECT_EQ(r.text, "config:\n  api_token: [REDACTED:password_assignment]\n");
    r = run("url?user=a&password=p%40ss&x=1");
    EXPECT_EQ(r.text, "url?user=a&password=[REDACTED:password_assignment]&x=1");
    r = run("[db]\npassword = hunter2\nhost = x\n");
    EXPECT_EQ(r.text, "[db]\npassword = [REDACTED:password_assignment]\nhost = x\n");
    r = run("    self.api_key = \"k3y-v4lue\"\n");
    EXPECT_EQ(r.text, "    self.api_key = \"[REDACTED:password_assignment]\"\n");
}

TEST(Redaction, LeavesLookalikesAlone) {
    for (const std::string_view text : {
             "pip install scikit-learn; import sk-learn-is-a-python-library-2024",
             "the task-runner-configuration-file-for-2024 is fine",
             "AKIA is the prefix of AWS access keys; AKIAshort",
             "Bearer authentication is described in RFC 6750",
             "the bearer of bad news arrived",
             "eyJ alone is not a token, nor eyJabc.def",
             "https://example.com:8080/path?q=1 and user@example.com",
             "ssh://git@github.com/org/repo.git",
             "def login(password: str, token: Optional[str]) -> bool:",
             "if password == expected or token != other:",
             "password=$DB_PASSWORD  secret=${SECRET}",
             "max_token: 100, tokens=5, token_count=3",
             "the password field is required; enter a secret",
             "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
             "xoxb is a Slack prefix, ghp_short, github_pat_short",
             "PWD=/home/u/project OLDPWD=/tmp",
             "    options.auth_token = request.token;",
             "const std::string_view token = text_.substr(body, len);",
             "    token = compute_token()\n    secret = vault[name]",
             "1 USD/MTok = 1e-6 USD/token = 1e4 units/token",
             "if (auto token = token_at(at)) return token;",
         }) {
        RedactionCounts counts;
        std::string out;
        EXPECT_FALSE(redact(text, out, counts)) << text << " -> " << out;
        EXPECT_EQ(counts.total(), 0u) << text;
    }
}

TEST(Redaction, NothingToRedactLeavesOutputUntouched) {
    RedactionCounts counts;
    std::string out = "unchanged";
    EXPECT_FALSE(redact("plain text with = and : and - signs", out, counts));
    EXPECT_EQ(out, "unchanged");
    EXPECT_FALSE(redact("", out, counts));
}

TEST(Redaction, SecretsAtTheEdgesAndRepeated) {
    auto r = run("AKIAIOSFODNN7EXAMPLE");
    EXPECT_EQ(r.text, "[REDACTED:aws_access_key]");
    r = run("password=x");
    EXPECT_EQ(r.text, "password=[REDACTED:password_assignment]");
    r = run("password=");
    EXPECT_EQ(r.text, "password=");
    std::string many;
    for (int i = 0; i < 100; ++i) many += "AKIAIOSFODNN7EXAMPLE ";
    r = run(many);
    EXPECT_EQ(r.counts.total(), 100u);
    EXPECT_EQ(r.text.find("AKIA"), std::string::npos);
}

TEST(Redaction, KindNames) {
    EXPECT_EQ(to_string(SecretKind::anthropic_key), "anthropic_key");
    EXPECT_EQ(to_string(SecretKind::password_assignment), "password_assignment");
}

}  // namespace
}  // namespace agent_trace::privacy
