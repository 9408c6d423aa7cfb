// `agent-trace dlq list|show|replay`: the events the writer could not store, with
// the reason, and a way to store them once the reason is gone.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "core/hex.hpp"
#include "core/json_writer.hpp"
#include "ingest/hooks/hook_decoder.hpp"
#include "pipeline/dlq/dead_letter_queue.hpp"
#include "pipeline/event_codec.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitSomeFailed = 1;  // an entry was not found or not replayed
constexpr int kExitCannotRead = 2;  // the DLQ or the store cannot be opened
constexpr size_t kReasonWidth = 72;

void out(const std::string& text) { std::fputs(text.c_str(), stdout); }
void err(const std::string& text) { std::fputs(text.c_str(), stderr); }

std::string dlq_dir(const GlobalOptions& globals) { return globals.data_dir + "/dlq"; }

// Opens the DLQ; nullptr after printing why. A missing directory is an empty
// queue for the read-only subcommands (nothing is created just to look).
std::unique_ptr<DeadLetterQueue> open_dlq(const GlobalOptions& globals, bool create) {
    const std::string dir = dlq_dir(globals);
    std::error_code ec;
    if (!create && !std::filesystem::exists(dir, ec)) return nullptr;
    auto dlq = open_dead_letter_queue(dir);
    if (!dlq) {
        err(fmt::format("agent-trace dlq: {}\n", dlq.error().message));
        return nullptr;
    }
    return std::move(*dlq);
}

// What the table shows of the event: decoded when possible.
struct EventSummary {
    std::string kind = "-";
    std::string session = "-";
};

EventSummary summarize(const DeadLetter& d) {
    EventSummary s;
    if (d.event_json.empty()) {
        if (!d.raw_hex.empty()) s.kind = "(raw)";
        return s;
    }
    auto event = event_from_json(d.event_json);
    if (!event) return s;
    s.kind = std::string(to_string(event->kind));
    if (!event->session_id.empty()) s.session = event->session_id;
    return s;
}

// "2026-03-02T10:00:00.123456Z" -> "2026-03-02 10:00:00Z"
std::string short_time(TimestampUs ts) {
    std::string iso = format_iso8601_utc(ts);
    const size_t dot = iso.find('.');
    if (dot != std::string::npos) iso = iso.substr(0, dot) + "Z";
    std::replace(iso.begin(), iso.end(), 'T', ' ');
    return iso;
}

std::string one_line(std::string text, size_t width) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > width) text = text.substr(0, width - 3) + "...";
    return text;
}

void write_entry(JsonWriter& w, const DeadLetter& d) {
    const EventSummary s = summarize(d);
    w.begin_object();
    w.key("id").value(d.id);
    w.key("failed_at").value(d.failed_at);
    w.key("failed_at_iso").value(format_iso8601_utc(d.failed_at));
    w.key("origin").value(d.origin);
    w.key("reason").value(d.reason);
    w.key("kind").value(s.kind == "-" ? "" : s.kind);
    w.key("session_id").value(s.session == "-" ? "" : s.session);
    w.key("event");
    if (d.event_json.empty()) {
        w.null();
    } else if (event_from_json(d.event_json)) {
        w.raw(d.event_json);
    } else {
        w.value(d.event_json);
    }
    w.key("raw_hex").value(d.raw_hex);
    w.end_object();
}

std::string list_text(const std::vector<DeadLetter>& entries, const std::string& dir) {
    if (entries.empty()) return fmt::format("No dead letters in {}.\n", dir);
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"ID", "FAILED AT (UTC)", "ORIGIN", "KIND", "SESSION", "REASON"});
    for (const DeadLetter& d : entries) {
        const EventSummary s = summarize(d);
        rows.push_back({d.id, short_time(d.failed_at), d.origin.empty() ? "-" : d.origin, s.kind,
                        s.session, one_line(d.reason, kReasonWidth)});
    }
    std::vector<size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string text;
    for (const auto& row : rows) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            if (i + 1 == row.size()) {
                line += row[i];
            } else {
                line += fmt::format("{:<{}}  ", row[i], widths[i]);
            }
        }
        text += line + "\n";
    }
    text += fmt::format(
        "\n{} dead letter{} in {}. `agent-trace dlq show ID` prints one; `agent-trace dlq "
        "replay --all` stores them once the reason is fixed.\n",
        entries.size(), entries.size() == 1 ? "" : "s", dir);
    return text;
}

// Indents compact JSON (ours: no insignificant whitespace) two spaces per level.
std::string indent_json(std::string_view json) {
    std::string outp;
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    auto newline = [&] {
        outp += '\n';
        outp.append(static_cast<size_t>(std::max(depth, 0)) * 2, ' ');
    };
    for (size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            outp += c;
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                outp += c;
                break;
            case '{':
            case '[':
                outp += c;
                // Empty containers stay on one line.
                if (i + 1 < json.size() && (json[i + 1] == '}' || json[i + 1] == ']')) break;
                ++depth;
                newline();
                break;
            case '}':
            case ']':
                if (i > 0 && json[i - 1] != '{' && json[i - 1] != '[') {
                    --depth;
                    newline();
                }
                outp += c;
                break;
            case ',':
                outp += c;
                newline();
                break;
            case ':':
                outp += ": ";
                break;
            default:
                outp += c;
        }
    }
    return outp;
}

std::string show_text(const DeadLetter& d) {
    std::string text;
    text += fmt::format("id          {}\n", d.id);
    text += fmt::format("failed at   {}\n", format_iso8601_utc(d.failed_at));
    text += fmt::format("origin      {}\n", d.origin.empty() ? "-" : d.origin);
    text += fmt::format("reason      {}\n", d.reason);
    if (!d.event_json.empty()) {
        text += "\nevent\n";
        text += event_from_json(d.event_json) ? indent_json(d.event_json) : d.event_json;
        text += "\n";
    }
    if (!d.raw_hex.empty()) {
        text += fmt::format("\nraw bytes ({} bytes, hex)\n", d.raw_hex.size() / 2);
        for (size_t at = 0; at < d.raw_hex.size(); at += 64) {
            text += "  " + d.raw_hex.substr(at, 64) + "\n";
        }
    }
    return text;
}

int run_list(const GlobalOptions& globals, bool as_json) {
    const std::string dir = dlq_dir(globals);
    std::vector<DeadLetter> entries;
    if (auto dlq = open_dlq(globals, false)) {
        auto listed = dlq->list();
        if (!listed) {
            err(fmt::format("agent-trace dlq: {}\n", listed.error().message));
            return kExitCannotRead;
        }
        entries = std::move(*listed);
    } else if (std::filesystem::exists(dir)) {
        return kExitCannotRead;
    }
    if (!as_json) {
        out(list_text(entries, dir));
        return kExitOk;
    }
    JsonWriter w;
    w.begin_object();
    w.key("dir").value(dir);
    w.key("count").value(static_cast<uint64_t>(entries.size()));
    w.key("entries").begin_array();
    for (const DeadLetter& d : entries) write_entry(w, d);
    w.end_array();
    w.end_object();
    out(w.take() + "\n");
    return kExitOk;
}

int run_show(const GlobalOptions& globals, const std::string& id, bool as_json) {
    auto dlq = open_dlq(globals, false);
    std::optional<DeadLetter> entry;
    if (dlq) {
        auto got = dlq->get(id);
        if (!got) {
            err(fmt::format("agent-trace dlq: {}\n", got.error().message));
            return kExitSomeFailed;
        }
        entry = std::move(*got);
    }
    if (!entry) {
        err(fmt::format("agent-trace dlq: no dead letter {} in {}\n", id, dlq_dir(globals)));
        return kExitSomeFailed;
    }
    if (as_json) {
        JsonWriter w;
        write_entry(w, *entry);
        out(w.take() + "\n");
    } else {
        out(show_text(*entry));
    }
    return kExitOk;
}

struct ReplayFlags {
    std::vector<std::string> ids;
    std::vector<std::string> drop;
    bool all = false;
    bool as_json = false;
};

struct ReplayOutcome {
    std::string id;
    std::string action;  // "replayed", "kept", "dropped", "missing"
    std::string detail;
};

struct ReplayFailure {
    std::string reason;
    bool attempted = false;  // false: nothing to store, the entry is left as it is
};

// A hook request kept as its bytes (the decoder refused it, e.g. an event name
// this version did not know): decoded again by this version, at tier 1.
std::optional<ReplayFailure> replay_raw_hook(Store& store, const DeadLetter& d) {
    auto bytes = from_hex(d.raw_hex);
    if (!bytes) return ReplayFailure{"raw bytes are not valid hex", false};
    hooks::HookDecodeOptions options;
    options.now = now_us();
    auto decoded = hooks::decode_hook_body(*bytes, options);
    if (!decoded) return ReplayFailure{decoded.error().message, true};
    std::vector<Event> events;
    for (auto& item : *decoded) {
        if (!item) return ReplayFailure{item.error().message, true};
        events.push_back(std::move(*item));
    }
    if (events.empty()) return ReplayFailure{"no events in the raw request", true};
    if (auto s = store.write_events(events); !s) return ReplayFailure{s.error().message, true};
    return std::nullopt;
}

// Stores one entry's event; why it could not, otherwise.
std::optional<ReplayFailure> replay_one(Store& store, const DeadLetter& d) {
    if (d.event_json.empty() && !d.raw_hex.empty() &&
        (d.origin == "spool" || d.origin == "hooks-receiver")) {
        return replay_raw_hook(store, d);
    }
    if (d.event_json.empty()) {
        return ReplayFailure{
            "no event to replay (only raw bytes; see `agent-trace dlq show " + d.id + "`)", false};
    }
    auto event = event_from_json(d.event_json);
    if (!event) return ReplayFailure{event.error().message, true};
    if (auto s = store.write_events(std::span<const Event>(&*event, 1)); !s) {
        return ReplayFailure{s.error().message, true};
    }
    return std::nullopt;
}

int run_replay(const GlobalOptions& globals, const ReplayFlags& flags) {
    if (flags.ids.empty() && !flags.all && flags.drop.empty()) {
        err("agent-trace dlq replay: name entries (ID...), --all, or --drop ID\n");
        return kExitSomeFailed;
    }
    auto dlq = open_dlq(globals, true);
    if (!dlq) return kExitCannotRead;
    std::vector<ReplayOutcome> outcomes;
    for (const std::string& id : flags.drop) {
        if (auto s = dlq->remove(id); s) {
            outcomes.push_back({id, "dropped", ""});
        } else {
            outcomes.push_back({id, "missing", s.error().message});
        }
    }
    std::vector<DeadLetter> targets;
    if (flags.all) {
        auto listed = dlq->list();
        if (!listed) {
            err(fmt::format("agent-trace dlq: {}\n", listed.error().message));
            return kExitCannotRead;
        }
        for (DeadLetter& d : *listed) {
            if (std::find(flags.drop.begin(), flags.drop.end(), d.id) == flags.drop.end()) {
                targets.push_back(std::move(d));
            }
        }
    } else {
        for (const std::string& id : flags.ids) {
            auto got = dlq->get(id);
            if (!got) {
                outcomes.push_back({id, "missing", got.error().message});
            } else if (!got->has_value()) {
                outcomes.push_back({id, "missing", "no dead letter " + id});
            } else {
                targets.push_back(std::move(**got));
            }
        }
    }
    std::unique_ptr<Store> store;
    if (!targets.empty()) {
        auto opened = open_sqlite_store(globals.database_path());
        if (!opened) {
            err(fmt::format("agent-trace dlq: {}\n", opened.error().message));
            return kExitCannotRead;
        }
        store = std::move(*opened);
    }
    for (DeadLetter& d : targets) {
        if (auto failure = replay_one(*store, d)) {
            if (failure->attempted) {
                // Kept with the reason of this attempt, so `list` says what is wrong now.
                d.reason = failure->reason;
                d.failed_at = now_us();
                if (auto s = dlq->put(d); !s) {
                    failure->reason +=
                        " (the entry could not be updated: " + s.error().message + ")";
                }
            }
            outcomes.push_back({d.id, "kept", failure->reason});
            continue;
        }
        if (auto s = dlq->remove(d.id); !s) {
            outcomes.push_back(
                {d.id, "replayed", "stored, but the entry stays: " + s.error().message});
            continue;
        }
        const EventSummary s = summarize(d);
        outcomes.push_back({d.id, "replayed", s.kind + " " + s.session});
    }

    size_t replayed = 0;
    size_t kept = 0;
    size_t dropped = 0;
    size_t missing = 0;
    for (const ReplayOutcome& o : outcomes) {
        replayed += o.action == "replayed" ? 1 : 0;
        kept += o.action == "kept" ? 1 : 0;
        dropped += o.action == "dropped" ? 1 : 0;
        missing += o.action == "missing" ? 1 : 0;
    }
    if (flags.as_json) {
        JsonWriter w;
        w.begin_object();
        w.key("replayed").value(static_cast<uint64_t>(replayed));
        w.key("kept").value(static_cast<uint64_t>(kept));
        w.key("dropped").value(static_cast<uint64_t>(dropped));
        w.key("missing").value(static_cast<uint64_t>(missing));
        w.key("entries").begin_array();
        for (const ReplayOutcome& o : outcomes) {
            w.begin_object();
            w.key("id").value(o.id);
            w.key("action").value(o.action);
            w.key("detail").value(o.detail);
            w.end_object();
        }
        w.end_array();
        w.end_object();
        out(w.take() + "\n");
    } else {
        for (const ReplayOutcome& o : outcomes) {
            out(fmt::format("{:<8}  {}{}{}\n", o.action, o.id, o.detail.empty() ? "" : ": ",
                            o.detail));
        }
        out(fmt::format("replayed {}, kept {}, dropped {}{}\n", replayed, kept, dropped,
                        missing > 0 ? fmt::format(", {} not found", missing) : ""));
    }
    return kept + missing == 0 ? kExitOk : kExitSomeFailed;
}

}  // namespace

void add_dlq_command(CLI::App& root, const GlobalOptions& globals, int& exit_code) {
    CLI::App* dlq = root.add_subcommand(
        "dlq", "Dead letters: events the store refused, kept with the reason until replayed");
    dlq->require_subcommand(1);
    dlq->footer(R"(Entries live in <data-dir>/dlq, one JSON file each; every command works while
`agent-trace serve` runs. Exit status: 0 ok, 1 an entry was missing or is still
refused, 2 the dead letter directory or the store cannot be opened.

Examples:
  agent-trace dlq list
  agent-trace dlq show 0193a1b2c3d4e5f60718293a4b5c6d7e
  agent-trace dlq replay --all)");

    CLI::App* list = dlq->add_subcommand("list", "List dead letters, oldest first");
    auto list_json = std::make_shared<bool>(false);
    list->add_flag("--json", *list_json, "Print the entries (events included) as JSON");
    list->footer(R"(Columns: ID, when the write failed (UTC), where it failed (writer, spool,
hooks-receiver...), the event's kind and session, and the reason.

Examples:
  agent-trace dlq list
  agent-trace dlq list --json | jq -r '.entries[] | [.id, .reason] | @tsv')");
    list->callback(
        [&globals, &exit_code, list_json] { exit_code = run_list(globals, *list_json); });

    CLI::App* show = dlq->add_subcommand("show", "Print one dead letter: reason and event");
    auto show_id = std::make_shared<std::string>();
    auto show_json = std::make_shared<bool>(false);
    show->add_option("ID", *show_id, "Entry id, as `dlq list` prints it")->required();
    show->add_flag("--json", *show_json, "Print the entry as JSON");
    show->footer(R"(Examples:
  agent-trace dlq show 0193a1b2c3d4e5f60718293a4b5c6d7e
  agent-trace dlq show 0193a1b2c3d4e5f60718293a4b5c6d7e --json | jq .event)");
    show->callback([&globals, &exit_code, show_id, show_json] {
        exit_code = run_show(globals, *show_id, *show_json);
    });

    CLI::App* replay = dlq->add_subcommand(
        "replay", "Store dead letters again; what is stored leaves the DLQ, the rest stays");
    auto flags = std::make_shared<ReplayFlags>();
    replay->add_option("ID", flags->ids, "Entries to replay");
    replay->add_flag("--all", flags->all, "Replay every entry");
    replay
        ->add_option("--drop", flags->drop,
                     "Delete this entry without replaying it (repeat for several)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    replay->add_flag("--json", flags->as_json, "Print what was done as JSON");
    replay->footer(
        R"(Replaying writes the event straight into the store (<data-dir>/agent-trace.db).
It is safe to repeat and safe while `serve` runs: the store keeps one copy per event_id.
An entry that is refused again stays, with the new reason.

Examples:
  agent-trace dlq replay --all
  agent-trace dlq replay 0193a1b2c3d4e5f60718293a4b5c6d7e
  agent-trace dlq replay --drop 0193a1b2c3d4e5f60718293a4b5c6d7e)");
    replay->callback([&globals, &exit_code, flags] { exit_code = run_replay(globals, *flags); });
}

}  // namespace agent_trace::cli
