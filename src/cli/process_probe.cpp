#include "cli/process_probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace agent_trace::cli {
namespace {

constexpr size_t kMaxStderr = 4096;

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) (void)::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

class SpawnActions {
public:
    SpawnActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
    ~SpawnActions() {
        if (ok_) (void)::posix_spawn_file_actions_destroy(&actions_);
    }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    posix_spawn_file_actions_t* get() { return &actions_; }

private:
    posix_spawn_file_actions_t actions_{};
    bool ok_ = false;
};

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Result<ProbeResult> run_probe(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) {
    if (argv.empty()) return make_error("no command to run");
    std::array<int, 2> pipe_fds{-1, -1};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        return make_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    Fd read_end(pipe_fds[0]);
    Fd write_end(pipe_fds[1]);
    SpawnActions actions;
    if (!actions.ok() ||
        ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0) !=
            0 ||
        ::posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, "/dev/null", O_WRONLY,
                                           0) != 0 ||
        ::posix_spawn_file_actions_adddup2(actions.get(), write_end.get(), STDERR_FILENO) != 0) {
        return make_error("cannot prepare to run " + argv.front());
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int spawned =
        ::posix_spawn(&pid, argv.front().c_str(), actions.get(), nullptr, args.data(), environ);
    if (spawned != 0) {
        return make_error("cannot run " + argv.front() + ": " + std::strerror(spawned));
    }
    write_end.reset();

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ProbeResult result;
    std::array<char, 1024> buffer{};
    bool timed_out = false;
    while (true) {
        pollfd p{read_end.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        const ssize_t n = ::read(read_end.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: the child closed stderr, usually by exiting
        if (result.stderr_text.size() < kMaxStderr) {
            result.stderr_text.append(buffer.data(), static_cast<size_t>(n));
        }
    }
    // Wait for the exit, bounded by the same deadline, then kill what we started.
    int status = 0;
    while (!timed_out) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            result.exit_code = decode_status(status);
            return result;
        }
        if (done < 0 && errno != EINTR) {
            return make_error(std::string("waitpid failed: ") + std::strerror(errno));
        }
        if (remaining_ms(deadline) == 0) {
            timed_out = true;
            break;
        }
        ::usleep(2000);
    }
    (void)::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return make_error(argv.front() + " did not finish within " + std::to_string(timeout.count()) +
                      " ms");
}

}  // namespace agent_trace::cli
