// sf-loadgen: submits many scans to a controller, for fault, soak and bench
// runs. Every submit carries an idempotency key derived from --key-prefix and
// its index, so a submit retried across a controller restart creates its scan
// once. Prints one JSON line: {"submitted": N, "first_scan": .., "last_scan": ..,
// "seconds": .., "per_second": .., "connections": .., "retries": ..}.
// --connections N submits over N concurrent API connections (make bench).
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "common/api/api_client.h"
#include "common/security/client_security.h"

int main(int argc, char** argv) {
  std::string controller = "tcp://127.0.0.1:7700";
  std::string repo, ref = "main", target, profile, key_prefix = "loadgen";
  uint64_t count = 100;
  uint64_t connections = 1;
  int timeout_ms = 2000;
  int patience_ms = 120000;
  CLI::App app{"sf-loadgen: submit --count scans, retrying through controller restarts"};
  app.add_option("--controller", controller)->capture_default_str();
  app.add_option("--repo", repo, "Repository to scan (SAST)");
  app.add_option("--ref", ref)->capture_default_str();
  app.add_option("--target", target, "DAST target");
  app.add_option("--profile", profile, "Scan profile");
  app.add_option("--count", count, "Scans to submit")->capture_default_str();
  app.add_option("--connections", connections,
                 "Concurrent API connections (threads) sharing the submits, 1-64")
      ->capture_default_str();
  app.add_option("--key-prefix", key_prefix, "Idempotency key prefix (unique per run)")
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "Wait per answer")->capture_default_str();
  app.add_option("--patience-ms", patience_ms,
                 "Give up after the controller is unreachable "
                 "this long")
      ->capture_default_str();
  std::string key_file, controller_key_file;
  bool insecure_dev = false;
  app.add_option("--key", key_file, "Client key pair (NAME.key)");
  app.add_option("--controller-key", controller_key_file, "controller.pub");
  app.add_flag("--insecure-dev", insecure_dev, "Plaintext controller");
  CLI11_PARSE(app, argc, argv);

  auto security = scanfleet::ClientSecurity::Load(insecure_dev, key_file, controller_key_file);
  if (!security.ok()) {
    std::cerr << "sf-loadgen: " << security.status().message() << "\n";
    return 2;
  }
  if (connections < 1 || connections > 64) {
    std::cerr << "sf-loadgen: --connections must be 1-64\n";
    return 2;
  }
  scanfleet::Context context;
  std::atomic<uint64_t> first{UINT64_MAX}, last{0}, retries{0};
  std::atomic<int> exit_code{0};
  auto start = std::chrono::steady_clock::now();
  // Connection c submits indexes c, c + connections, ...: each its own REQ
  // socket, so the controller sees `connections` concurrent clients.
  auto submit_share = [&](uint64_t connection) {
    scanfleet::ApiClient client(context, controller, "loadgen", security->Curve());
    scanfleet::v1::ApiRequest request;
    auto* submit = request.mutable_submit_scan();
    submit->mutable_target()->set_repo(repo);
    if (!repo.empty()) submit->mutable_target()->set_ref(ref);
    submit->mutable_target()->set_url(target);
    submit->set_profile(profile);
    for (uint64_t i = connection; i < count && exit_code.load() == 0; i += connections) {
      submit->set_idempotency_key(key_prefix + "-" + std::to_string(i));
      auto unreachable_since = std::chrono::steady_clock::now();
      while (true) {
        auto response = client.Call(request, timeout_ms);
        if (response.ok()) {
          uint64_t id = response->submit_scan().scan_id();
          for (uint64_t seen = first.load(); id < seen && !first.compare_exchange_weak(seen, id);) {
          }
          for (uint64_t seen = last.load(); id > seen && !last.compare_exchange_weak(seen, id);) {
          }
          break;
        }
        if (response.status().code() != scanfleet::StatusCode::kUnavailable) {
          std::cerr << "sf-loadgen: submit " << i << ": " << response.status().ToString() << "\n";
          exit_code = 2;
          return;
        }
        if (std::chrono::steady_clock::now() - unreachable_since >
            std::chrono::milliseconds(patience_ms)) {
          std::cerr << "sf-loadgen: controller unreachable for " << patience_ms << " ms\n";
          exit_code = 4;
          return;
        }
        ++retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // retry backoff, not polling
      }
    }
  };
  std::vector<std::thread> threads;
  for (uint64_t c = 1; c < connections; ++c) threads.emplace_back(submit_share, c);
  submit_share(0);
  for (auto& thread : threads) thread.join();
  if (exit_code.load() != 0) return exit_code.load();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << nlohmann::json{{"submitted", count},
                              {"first_scan", count == 0 ? 0 : first.load()},
                              {"last_scan", last.load()},
                              {"seconds", seconds},
                              {"per_second", seconds > 0 ? count / seconds : 0.0},
                              {"connections", connections},
                              {"retries", retries.load()}}
                   .dump()
            << std::endl;
  return 0;
}
