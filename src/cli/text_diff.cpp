#include "cli/text_diff.hpp"

#include <algorithm>
#include <vector>

namespace agent_trace::cli {
namespace {

// Lines keep their '\n' so that a missing final newline is a difference.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        const size_t length = newline == std::string_view::npos ? text.size() : newline + 1;
        lines.push_back(text.substr(0, length));
        text.remove_prefix(length);
    }
    return lines;
}

enum class Op { equal, remove, insert };

struct Edit {
    Op op;
    size_t before_index;  // line in `before` (equal, remove)
    size_t after_index;   // line in `after` (equal, insert)
};

// Beyond this many differing lines the trace would cost more memory than the
// answer is worth: show the texts as replaced wholesale.
constexpr long kMaxEditDistance = 2000;

std::vector<Edit> wholesale(size_t n, size_t m) {
    std::vector<Edit> edits;
    for (size_t i = 0; i < n; ++i) edits.push_back({Op::remove, i, 0});
    for (size_t j = 0; j < m; ++j) edits.push_back({Op::insert, n, j});
    return edits;
}

// Myers' O((N+M)D) shortest edit script, keeping each round's frontier for the walk back.
std::vector<Edit> shortest_edit_script(const std::vector<std::string_view>& a,
                                       const std::vector<std::string_view>& b) {
    const long n = static_cast<long>(a.size());
    const long m = static_cast<long>(b.size());
    const long max = n + m;
    const long offset = max + 1;
    std::vector<long> frontier(static_cast<size_t>(2 * max + 3), 0);
    std::vector<std::vector<long>> trace;
    long found = -1;
    for (long d = 0; d <= max && d <= kMaxEditDistance; ++d) {
        // Round d only reads diagonals -d-1 .. d+1 of the previous frontier.
        trace.emplace_back(frontier.begin() + (offset - d - 1),
                           frontier.begin() + (offset + d + 2));
        for (long k = -d; k <= d; k += 2) {
            const auto at = [&](long diagonal) {
                return frontier[static_cast<size_t>(diagonal + offset)];
            };
            long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
            long y = x - k;
            while (x < n && y < m && a[static_cast<size_t>(x)] == b[static_cast<size_t>(y)]) {
                ++x;
                ++y;
            }
            frontier[static_cast<size_t>(k + offset)] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
        if (found >= 0) break;
    }
    if (found < 0) return wholesale(a.size(), b.size());

    std::vector<Edit> reversed;
    long x = n;
    long y = m;
    for (long d = found; d >= 0; --d) {
        const std::vector<long>& v = trace[static_cast<size_t>(d)];
        const auto at = [&](long diagonal) { return v[static_cast<size_t>(diagonal + d + 1)]; };
        const long k = x - y;
        const long previous_k = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
        const long previous_x = d == 0 ? 0 : at(previous_k);
        const long previous_y = d == 0 ? 0 : previous_x - previous_k;
        while (x > previous_x && y > previous_y) {
            --x;
            --y;
            reversed.push_back({Op::equal, static_cast<size_t>(x), static_cast<size_t>(y)});
        }
        if (d == 0) break;
        if (x == previous_x) {
            reversed.push_back(
                {Op::insert, static_cast<size_t>(previous_x), static_cast<size_t>(previous_y)});
        } else {
            reversed.push_back(
                {Op::remove, static_cast<size_t>(previous_x), static_cast<size_t>(previous_y)});
        }
        x = previous_x;
        y = previous_y;
    }
    std::reverse(reversed.begin(), reversed.end());
    return reversed;
}

void append_line(std::string& out, char marker, std::string_view line) {
    out += marker;
    out += line;
    if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

// diff(1)'s range: "start,count", "start" when count is 1, and the line before when empty.
std::string range(size_t first_index, size_t count) {
    if (count == 1) return std::to_string(first_index + 1);
    const size_t start = count == 0 ? first_index : first_index + 1;
    return std::to_string(start) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label,
                         size_t context) {
    if (before == after) return {};
    const std::vector<std::string_view> a = split_lines(before);
    const std::vector<std::string_view> b = split_lines(after);
    const std::vector<Edit> edits = shortest_edit_script(a, b);

    std::string out;
    out += "--- ";
    out += before_label;
    out += "\n+++ ";
    out += after_label;
    out += "\n";
    size_t i = 0;
    while (i < edits.size()) {
        // Next change, then extend the hunk while the following change is close.
        while (i < edits.size() && edits[i].op == Op::equal) ++i;
        if (i == edits.size()) break;
        const size_t first_change = i;
        size_t last_change = first_change;
        for (size_t j = first_change + 1; j < edits.size(); ++j) {
            if (edits[j].op == Op::equal) continue;
            if (j - last_change - 1 > 2 * context) break;  // equal lines in between
            last_change = j;
        }
        const size_t hunk_begin = first_change >= context ? first_change - context : 0;
        const size_t hunk_end = std::min(edits.size(), last_change + context + 1);

        size_t before_count = 0;
        size_t after_count = 0;
        for (size_t j = hunk_begin; j < hunk_end; ++j) {
            if (edits[j].op != Op::insert) ++before_count;
            if (edits[j].op != Op::remove) ++after_count;
        }
        const Edit& start = edits[hunk_begin];
        out += "@@ -" + range(start.before_index, before_count) + " +" +
               range(start.after_index, after_count) + " @@\n";
        for (size_t j = hunk_begin; j < hunk_end; ++j) {
            const Edit& e = edits[j];
            switch (e.op) {
                case Op::equal:
                    append_line(out, ' ', a[e.before_index]);
                    break;
                case Op::remove:
                    append_line(out, '-', a[e.before_index]);
                    break;
                case Op::insert:
                    append_line(out, '+', b[e.after_index]);
                    break;
            }
        }
        i = hunk_end;
    }
    return out;
}

}  // namespace agent_trace::cli
