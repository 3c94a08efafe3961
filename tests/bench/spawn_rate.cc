// sf-bench-spawn: the machine's raw process-spawn limit, the anchor of
// make bench's shell-out case. posix_spawn + waitpid of a program (default
// /bin/true) from one thread, for --seconds; prints one JSON line
// {"spawns": N, "seconds": S, "per_second": R}.
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

int main(int argc, char** argv) {
  double seconds = 3.0;
  std::string program = "/bin/true";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--program") == 0) {
      program = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: sf-bench-spawn [--seconds S] [--program PATH]\n");
      return 2;
    }
  }
  if (argc % 2 == 0 || seconds <= 0) {
    std::fprintf(stderr, "usage: sf-bench-spawn [--seconds S>0] [--program PATH]\n");
    return 2;
  }
  char* child_argv[] = {program.data(), nullptr};
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  long spawns = 0;
  while (std::chrono::steady_clock::now() < until) {
    pid_t pid = 0;
    int error = posix_spawn(&pid, program.c_str(), nullptr, nullptr, child_argv, environ);
    if (error != 0) {
      std::fprintf(stderr, "sf-bench-spawn: posix_spawn %s: %s\n", program.c_str(),
                   std::strerror(error));
      return 1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "sf-bench-spawn: %s did not exit 0\n", program.c_str());
      return 1;
    }
    ++spawns;
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"spawns\": %ld, \"seconds\": %.3f, \"per_second\": %.1f}\n", spawns, elapsed,
              spawns / elapsed);
  return 0;
}
