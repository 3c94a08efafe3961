// ControllerProcess: a real scanfleet-controller started on ephemeral ports
// for an integration test, stopped with SIGTERM (and its directory removed)
// when the object goes away. A sanitizer report in its log (a race, a memory
// error, a leak: `make test-tsan`, `make test-asan`) fails the test then.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace scanfleet {

class ControllerProcess {
 public:
  ControllerProcess(const std::string& dir, std::vector<std::string> extra) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::string binary = std::string(SCANFLEET_BUILD_DIR) + "/controller/scanfleet-controller";
    std::vector<std::string> args = {binary,
                                     "--api-port=0",
                                     "--results-port=0",
                                     "--jobs-port=0",
                                     "--events-port=0",
                                     "--replay-port=0",
                                     "--pool=sast",
                                     "--database=" + dir + "/db",
                                     "--endpoints-file=" + dir + "/endpoints.json",
                                     "--log-level=info"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // Its log (stderr) goes to a file the test can read.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, (dir + "/controller.log").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ControllerProcess() {
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    std::string log = Log();
    for (const char* banner : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                               "ERROR: LeakSanitizer", "SUMMARY: UndefinedBehaviorSanitizer"}) {
      if (auto at = log.find(banner); at != std::string::npos) {
        ADD_FAILURE() << "the controller's log holds a sanitizer report:\n" << log.substr(at, 4000);
        break;
      }
    }
    std::filesystem::remove_all(dir_);
  }
  // Waits (bounded) for the endpoints file; returns its JSON.
  nlohmann::json Endpoints() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string path = dir_ + "/endpoints.json";
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  bool Alive() { return waitpid(pid_, nullptr, WNOHANG) == 0; }
  pid_t pid() const { return pid_; }
  // The controller's log so far.
  std::string Log() const {
    std::ifstream in(dir_ + "/controller.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace scanfleet
