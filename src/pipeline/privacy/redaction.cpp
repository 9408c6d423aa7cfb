#include "pipeline/privacy/redaction.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace agent_trace::privacy {
namespace {

constexpr std::array<std::string_view, kSecretKindCount> kKindNames{
    "anthropic_key", "openai_key",     "aws_access_key",      "github_token",
    "slack_token",   "google_api_key", "bearer_token",        "jwt",
    "private_key",   "url_password",   "password_assignment",
};

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_base64url(char c) { return is_alnum(c) || c == '_' || c == '-'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, size_t at, std::string_view prefix) {
    if (text.size() - at < prefix.size()) return false;
    for (size_t k = 0; k < prefix.size(); ++k) {
        if (lower(text[at + k]) != prefix[k]) return false;
    }
    return true;
}

// A secret found in the text: [begin, end) is replaced by "[REDACTED:<kind>]".
struct Match {
    size_t begin = 0;
    size_t end = 0;
    SecretKind kind{};
};

// The first characters of every pattern: bytes that are not triggers are skipped
// with one table lookup.
// Token patterns (sk-, AKIA, ghp_, xox, Bearer, eyJ) start a word: their first letter
// in the middle of a word is skipped without a call.
enum Trigger : uint8_t { kNone = 0, kWordStart = 1, kAnywhere = 2 };
constexpr std::array<uint8_t, 256> kTriggers = [] {
    std::array<uint8_t, 256> t{};
    for (const unsigned char c : std::string_view("sAgxBbe")) t[c] = kWordStart;
    for (const unsigned char c : std::string_view("-:=")) t[c] = kAnywhere;
    return t;
}();

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    // A secret whose pattern starts at `i` (or, for assignments, whose key ends there).
    [[nodiscard]] std::optional<Match> match_at(size_t i) const {
        switch (text_[i]) {
            case 's':
                return left_boundary(i) ? openai_or_anthropic(i) : std::nullopt;
            case 'A':
                return left_boundary(i) ? aws_or_google(i) : std::nullopt;
            case 'g':
                return left_boundary(i) ? github(i) : std::nullopt;
            case 'x':
                return left_boundary(i) ? slack(i) : std::nullopt;
            case 'B':
            case 'b':
                return left_boundary(i) ? bearer(i) : std::nullopt;
            case 'e':
                return left_boundary(i) ? jwt(i) : std::nullopt;
            case '-':
                return private_key(i);
            case ':': {
                if (auto m = url_password(i)) return m;
                return assignment(i);
            }
            case '=':
                return assignment(i);
            default:
                return std::nullopt;
        }
    }

private:
    [[nodiscard]] bool left_boundary(size_t i) const { return i == 0 || !is_alnum(text_[i - 1]); }
    [[nodiscard]] bool has(size_t at, std::string_view prefix) const {
        return text_.substr(at).starts_with(prefix);
    }
    // End of the run of characters satisfying `pred` starting at `at`.
    template <class Pred>
    [[nodiscard]] size_t run_end(size_t at, Pred pred) const {
        while (at < text_.size() && pred(text_[at])) ++at;
        return at;
    }

    // The specific token patterns (used again for the value of an assignment, so an
    // API key assigned to a variable is reported by its own kind).
    [[nodiscard]] std::optional<Match> token_at(size_t i) const {
        if (i >= text_.size()) return std::nullopt;
        switch (text_[i]) {
            case 's':
                return openai_or_anthropic(i);
            case 'A':
                return aws_or_google(i);
            case 'g':
                return github(i);
            case 'x':
                return slack(i);
            case 'e':
                return jwt(i);
            default:
                return std::nullopt;
        }
    }

    // sk-ant-api03-..., sk-proj-..., sk-<48>: long, and not made of plain words
    // ("sk-learn-is-a-python-library-2024" stays).
    [[nodiscard]] std::optional<Match> openai_or_anthropic(size_t i) const {
        if (!has(i, "sk-")) return std::nullopt;
        const size_t body = i + 3;
        const size_t end = run_end(body, is_base64url);
        const size_t len = end - body;
        if (len < 20) return std::nullopt;
        const std::string_view token = text_.substr(body, len);
        const bool digit =
            std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
        const bool upper =
            std::any_of(token.begin(), token.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
        if (!digit || (!upper && len < 32)) return std::nullopt;
        return Match{i, end,
                     has(i, "sk-ant-") ? SecretKind::anthropic_key : SecretKind::openai_key};
    }

    [[nodiscard]] std::optional<Match> aws_or_google(size_t i) const {
        if (has(i, "AKIA") || has(i, "ASIA")) {
            const size_t end = run_end(i + 4, is_upper_or_digit);
            if (end - (i + 4) == 16 && (end == text_.size() || !is_alnum(text_[end]))) {
                return Match{i, end, SecretKind::aws_access_key};
            }
        }
        if (has(i, "AIza")) {
            const size_t end = run_end(i + 4, is_base64url);
            if (end - (i + 4) == 35) return Match{i, end, SecretKind::google_api_key};
        }
        return std::nullopt;
    }

    [[nodiscard]] std::optional<Match> github(size_t i) const {
        if (has(i, "github_pat_")) {
            const size_t end = run_end(i + 11, [](char c) { return is_alnum(c) || c == '_'; });
            if (end - (i + 11) >= 22) return Match{i, end, SecretKind::github_token};
            return std::nullopt;
        }
        if (text_.size() - i < 4 || text_[i + 1] != 'h' || text_[i + 3] != '_') {
            return std::nullopt;
        }
        if (std::string_view("pousr").find(text_[i + 2]) == std::string_view::npos) {
            return std::nullopt;
        }
        const size_t end = run_end(i + 4, is_alnum);
        if (end - (i + 4) >= 36) return Match{i, end, SecretKind::github_token};
        return std::nullopt;
    }

    [[nodiscard]] std::optional<Match> slack(size_t i) const {
        if (!has(i, "xox") || text_.size() - i < 5 || text_[i + 4] != '-') return std::nullopt;
        if (std::string_view("bpars").find(text_[i + 3]) == std::string_view::npos) {
            return std::nullopt;
        }
        const size_t end = run_end(i + 5, [](char c) { return is_alnum(c) || c == '-'; });
        if (end - (i + 5) >= 10) return Match{i, end, SecretKind::slack_token};
        return std::nullopt;
    }

    // "Bearer <token>": only the token is replaced. A token has 16+ characters and a
    // digit, so prose ("bearer of bad news", "Bearer authentication") stays.
    [[nodiscard]] std::optional<Match> bearer(size_t i) const {
        if (!starts_with_nocase(text_, i, "bearer")) return std::nullopt;
        size_t at = i + 6;
        const size_t spaces_end = run_end(at, [](char c) { return c == ' ' || c == '\t'; });
        if (spaces_end == at) return std::nullopt;
        at = spaces_end;
        const size_t end = run_end(at, [](char c) {
            return is_base64url(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
        });
        const std::string_view token = text_.substr(at, end - at);
        if (token.size() < 16 ||
            std::none_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        return Match{at, end, SecretKind::bearer_token};
    }

    // header.payload.signature, both JSON parts base64url of '{"' (eyJ).
    [[nodiscard]] std::optional<Match> jwt(size_t i) const {
        if (!has(i, "eyJ")) return std::nullopt;
        const size_t header_end = run_end(i + 3, is_base64url);
        if (header_end >= text_.size() || text_[header_end] != '.' || !has(header_end + 1, "eyJ")) {
            return std::nullopt;
        }
        const size_t payload_end = run_end(header_end + 4, is_base64url);
        if (payload_end >= text_.size() || text_[payload_end] != '.') return std::nullopt;
        const size_t end = run_end(payload_end + 1, is_base64url);
        return Match{i, end, SecretKind::jwt};
    }

    // -----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY----- ... -----END ...-----
    // A block cut short (no END line) is redacted to the end of the text.
    [[nodiscard]] std::optional<Match> private_key(size_t i) const {
        if (!has(i, "-----BEGIN ")) return std::nullopt;
        const size_t label_end = text_.find("-----", i + 11);
        if (label_end == std::string_view::npos || label_end - (i + 11) > 40) return std::nullopt;
        const std::string_view label = text_.substr(i + 11, label_end - (i + 11));
        if (!label.ends_with("PRIVATE KEY")) return std::nullopt;
        const size_t end_marker = text_.find("-----END ", label_end + 5);
        if (end_marker == std::string_view::npos) {
            return Match{i, text_.size(), SecretKind::private_key};
        }
        const size_t close = text_.find("-----", end_marker + 9);
        const size_t end = close == std::string_view::npos ? text_.size() : close + 5;
        return Match{i, end, SecretKind::private_key};
    }

    // scheme://user:PASSWORD@host: only the password is replaced.
    [[nodiscard]] std::optional<Match> url_password(size_t i) const {
        if (!has(i, "://") || i == 0 || !is_alnum(text_[i - 1])) return std::nullopt;
        size_t colon = std::string_view::npos;
        for (size_t at = i + 3; at < text_.size(); ++at) {
            const char c = text_[at];
            if (c == '@') {
                if (colon == std::string_view::npos || at == colon + 1) return std::nullopt;
                return Match{colon + 1, at, SecretKind::url_password};
            }
            if (c == ':' && colon == std::string_view::npos) colon = at;
            if (c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
                is_space(c)) {
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

    // The key before an '=' or ':' at `op`, lower-cased with '_', '-' and '.' removed;
    // sets `quoted` when the key was in quotes and `line_start` when only spaces
    // precede it on its line.
    // The key lives in `buffer` (no allocation: this runs at every '=' and ':').
    [[nodiscard]] std::string_view assignment_key(size_t op, bool& quoted, bool& line_start,
                                                  std::array<char, 64>& buffer) const {
        size_t end = op;
        while (end > 0 && (text_[end - 1] == ' ' || text_[end - 1] == '\t')) --end;
        quoted = end > 0 && (text_[end - 1] == '"' || text_[end - 1] == '\'');
        if (quoted) --end;
        size_t begin = end;
        while (begin > 0 && (is_alnum(text_[begin - 1]) || text_[begin - 1] == '_' ||
                             text_[begin - 1] == '-' || text_[begin - 1] == '.')) {
            --begin;
            if (end - begin > buffer.size()) return {};
        }
        size_t before = begin;
        if (quoted && before > 0) --before;  // the opening quote
        while (before > 0 && (text_[before - 1] == ' ' || text_[before - 1] == '\t')) --before;
        line_start = before == 0 || text_[before - 1] == '\n';
        size_t length = 0;
        for (size_t k = begin; k < end; ++k) {
            const char c = text_[k];
            if (c != '_' && c != '-' && c != '.') buffer[length++] = lower(c);
        }
        return {buffer.data(), length};
    }

    // The rest of the statement after an unquoted value starts: up to the line's end.
    [[nodiscard]] size_t code_end(size_t at) const {
        const size_t eol = text_.find('\n', at);
        return eol == std::string_view::npos ? text_.size() : eol;
    }

    // A member access, call, index, block or statement end: an expression, not a value.
    static bool reads_like_code(std::string_view rest) {
        return rest.find_first_of("().[]{};") != std::string_view::npos;
    }

    static bool sensitive_key(std::string_view key) {
        static constexpr std::array<std::string_view, 11> kSuffixes{
            "password",  "passwd",    "passphrase", "secret",     "token",       "apikey",
            "accesskey", "secretkey", "privatekey", "credential", "credentials",
        };
        return std::any_of(kSuffixes.begin(), kSuffixes.end(),
                           [&](std::string_view s) { return key.ends_with(s); });
    }

    // password=..., API_KEY=..., "secret": "...", token: "..." (and, at the start of
    // a line, YAML's token: value). Type hints and comparisons stay: "password: str",
    // "password == x", "token != y".
    [[nodiscard]] std::optional<Match> assignment(size_t op) const {
        const char c = text_[op];
        if (op == 0) return std::nullopt;
        if (c == '=' && (op + 1 < text_.size() && text_[op + 1] == '=')) return std::nullopt;
        if (c == '=' && std::string_view("!<>=").find(text_[op - 1]) != std::string_view::npos) {
            return std::nullopt;
        }
        bool quoted_key = false;
        bool line_start = false;
        std::array<char, 64> buffer{};
        const std::string_view key = assignment_key(op, quoted_key, line_start, buffer);
        if (key.empty() || !sensitive_key(key)) return std::nullopt;
        size_t at = run_end(op + 1, [](char ch) { return ch == ' ' || ch == '\t'; });
        if (at >= text_.size()) return std::nullopt;
        const char quote = text_[at];
        const bool quoted_value = quote == '"' || quote == '\'';
        // KEY=value with nothing around the '=' is a shell, env, flag or query
        // assignment: any value. Otherwise (':' or a spaced '=') an unquoted value must
        // be a config line (key first on its line, or a quoted key) and not read like
        // code: "token = request.token;" and "password: str" stay.
        const bool spaced =
            op > 0 && (text_[op - 1] == ' ' || text_[op - 1] == '\t' ||
                       (op + 1 < text_.size() && (text_[op + 1] == ' ' || text_[op + 1] == '\t')));
        const bool needs_config_value = !quoted_value && (c == ':' || spaced);
        if (needs_config_value && !quoted_key && !line_start) return std::nullopt;
        if (quoted_value) ++at;
        if (auto token = token_at(at)) return token;
        if (starts_with_nocase(text_, at, "bearer")) {
            if (auto token = bearer(at)) return token;
        }
        size_t end = at;
        if (quoted_value) {
            while (end < text_.size() && text_[end] != quote && text_[end] != '\n') {
                end += text_[end] == '\\' && end + 1 < text_.size() ? 2 : 1;
            }
            end = std::min(end, text_.size());
        } else {
            end = run_end(at, [](char ch) {
                return !is_space(ch) &&
                       std::string_view("\"'&;,)]}").find(ch) == std::string_view::npos;
            });
        }
        const std::string_view value = text_.substr(at, end - at);
        if (value.empty() || value.front() == '$' || value == "null" || value == "true" ||
            value == "false") {
            return std::nullopt;
        }
        if (needs_config_value && reads_like_code(text_.substr(at, code_end(at) - at))) {
            return std::nullopt;
        }
        // Counts ("max_token: 100") are not secrets; short digit strings are left.
        if (value.size() < 8 && std::all_of(value.begin(), value.end(),
                                            [](char ch) { return ch >= '0' && ch <= '9'; })) {
            return std::nullopt;
        }
        return Match{at, end, SecretKind::password_assignment};
    }

    std::string_view text_;
};

}  // namespace

std::string_view to_string(SecretKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

bool redact(std::string_view text, std::string& out, RedactionCounts& counts) {
    const Scanner scanner(text);
    size_t copied = 0;
    bool changed = false;
    for (size_t i = 0; i < text.size();) {
        const uint8_t trigger = kTriggers[static_cast<unsigned char>(text[i])];
        if (trigger == kNone || (trigger == kWordStart && i > 0 && is_alnum(text[i - 1]))) {
            ++i;
            continue;
        }
        const std::optional<Match> m = scanner.match_at(i);
        if (!m || m->begin < copied) {
            ++i;
            continue;
        }
        if (!changed) {
            out.clear();
            out.reserve(text.size());
            changed = true;
        }
        out.append(text.substr(copied, m->begin - copied));
        out.append("[REDACTED:").append(to_string(m->kind)).push_back(']');
        counts.add(m->kind);
        copied = m->end;
        i = std::max(m->end, i + 1);
    }
    if (changed) out.append(text.substr(copied));
    return changed;
}

std::string redacted(std::string_view text, RedactionCounts& counts) {
    std::string out;
    if (redact(text, out, counts)) return out;
    return std::string(text);
}

}  // namespace agent_trace::privacy
