// Wall time of a hook command as Claude Code sees it: spawn, exec, the payload
// written to its stdin pipe, the command's work and its exit. Variants are run round
// robin so machine noise hits them alike.
//
//   hook_handler_latency RUNS WARMUP --variant NAME STDIN_FILE CMD [ARGS...] [--variant ...]
//
// Prints one line per variant: NAME p50_ms p90_ms p99_ms mean_ms max_ms failures.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

struct Variant {
    std::string name;
    std::string input;
    std::vector<std::string> argv;
    std::vector<double> samples_ms;
    int failures = 0;
};

// One run: spawn with a pipe on stdin, write the payload into it (as Claude Code
// does; a small payload fits the pipe at once), wait for the exit.
double run_once(Variant& v, int devnull) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::exit(2);
    std::vector<char*> argv;
    argv.reserve(v.argv.size() + 1);
    for (auto& a : v.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, devnull, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, devnull, STDERR_FILENO);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    ::close(fds[0]);
    std::string_view rest = v.input;
    while (rc == 0 && !rest.empty()) {
        const ssize_t n = ::write(fds[1], rest.data(), rest.size());
        if (n <= 0) break;  // the command stopped reading
        rest.remove_prefix(static_cast<size_t>(n));
    }
    ::close(fds[1]);
    int status = 0;
    if (rc == 0) ::waitpid(pid, &status, 0);
    const auto end = std::chrono::steady_clock::now();

    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ++v.failures;
    return std::chrono::duration<double, std::milli>(end - start).count();
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto index = static_cast<size_t>(std::lround(p * static_cast<double>(sorted.size() - 1)));
    return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s RUNS WARMUP --variant NAME STDIN_FILE CMD [ARGS...] ...\n",
                     argv[0]);
        return 2;
    }
    const int runs = std::atoi(argv[1]);
    const int warmup = std::atoi(argv[2]);
    std::vector<Variant> variants;
    for (int i = 3; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--variant" && i + 3 < argc) {
            Variant v;
            v.name = argv[i + 1];
            std::ifstream in(argv[i + 2], std::ios::binary);
            v.input.assign(std::istreambuf_iterator<char>(in), {});
            variants.push_back(std::move(v));
            i += 2;
        } else if (!variants.empty()) {
            variants.back().argv.emplace_back(arg);
        }
    }
    ::signal(SIGPIPE, SIG_IGN);  // a command that exits without reading all of stdin
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (int round = 0; round < warmup + runs; ++round) {
        for (Variant& v : variants) {
            const double ms = run_once(v, devnull);
            if (round >= warmup) v.samples_ms.push_back(ms);
        }
    }
    for (Variant& v : variants) {
        std::sort(v.samples_ms.begin(), v.samples_ms.end());
        double sum = 0;
        for (const double s : v.samples_ms) sum += s;
        std::printf("%s %.3f %.3f %.3f %.3f %.3f %d\n", v.name.c_str(),
                    percentile(v.samples_ms, 0.50), percentile(v.samples_ms, 0.90),
                    percentile(v.samples_ms, 0.99), sum / static_cast<double>(v.samples_ms.size()),
                    v.samples_ms.back(), v.failures);
    }
    return 0;
}
