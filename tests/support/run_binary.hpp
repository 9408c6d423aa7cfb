#pragma once
// Runs a real binary for a test: argv and the whole environment given, stdin from
// /dev/null, stdout and stderr captured through files in `scratch`, optional cwd.
// Test files include this by a relative path.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agent_trace::testing_support {

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string read_file_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

inline RunResult run_binary(std::vector<std::string> argv, std::vector<std::string> env,
                            const std::filesystem::path& scratch,
                            const std::filesystem::path& cwd = {}) {
    const std::filesystem::path out_file = scratch / "run.stdout";
    const std::filesystem::path err_file = scratch / "run.stderr";
    std::vector<char*> argv_c;
    argv_c.reserve(argv.size() + 1);
    for (auto& a : argv) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    std::vector<char*> env_c;
    env_c.reserve(env.size() + 1);
    for (auto& e : env) env_c.push_back(e.data());
    env_c.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data());
    posix_spawn_file_actions_destroy(&actions);
    RunResult result;
    if (rc != 0) {
        ADD_FAILURE() << "cannot run " << argv.front() << ": " << std::strerror(rc);
        return result;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_file_text(out_file);
    result.err = read_file_text(err_file);
    return result;
}

}  // namespace agent_trace::testing_support
