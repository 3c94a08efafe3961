// sf-bench-zmq-fanout: the machine's raw libzmq PUB -> SUB limit, the anchor
// of make bench's event fan-out case. One PUB over loopback TCP, --subscribers
// SUB sockets each on its own thread, --messages messages of --bytes bytes
// (each carrying its sequence number; a subscriber checks it saw every one in
// order). The publisher waits until every subscriber has joined (a probe
// message) before the timed run, and SNDHWM/RCVHWM 0 so nothing is dropped.
// Prints {"messages": N, "subscribers": S, "seconds": T, "per_second": N/T,
// "deliveries_per_second": N*S/T, "gaps": G}.
#include <zmq.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

void SetInt(void* socket, int option, int value) {
  zmq_setsockopt(socket, option, &value, sizeof(value));
}

}  // namespace

int main(int argc, char** argv) {
  long messages = 1000000;
  int subscribers = 4;
  size_t bytes = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--messages") == 0) {
      messages = std::atol(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--subscribers") == 0) {
      subscribers = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--bytes") == 0) {
      bytes = static_cast<size_t>(std::atol(argv[i + 1]));
    }
  }
  if (messages <= 0 || subscribers <= 0 || subscribers > 64 || bytes < 16 || bytes > 65536) {
    std::fprintf(stderr,
                 "usage: sf-bench-zmq-fanout [--messages N>0] [--subscribers 1-64] "
                 "[--bytes 16-65536]\n");
    return 2;
  }
  void* context = zmq_ctx_new();
  void* pub = zmq_socket(context, ZMQ_PUB);
  SetInt(pub, ZMQ_SNDHWM, 0);
  SetInt(pub, ZMQ_XPUB_NODROP, 1);
  if (zmq_bind(pub, "tcp://127.0.0.1:*") != 0) {
    std::fprintf(stderr, "sf-bench-zmq-fanout: bind: %s\n", zmq_strerror(zmq_errno()));
    return 1;
  }
  char endpoint[256];
  size_t endpoint_size = sizeof(endpoint);
  zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, endpoint, &endpoint_size);
  std::atomic<int> joined{0};
  std::atomic<long> gaps{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < subscribers; ++s) {
    threads.emplace_back([&] {
      void* sub = zmq_socket(context, ZMQ_SUB);
      SetInt(sub, ZMQ_RCVHWM, 0);
      zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
      zmq_connect(sub, endpoint);
      std::vector<char> buffer(bytes + 16);
      bool counted = false;
      long expected = 0;
      while (true) {
        int n = zmq_recv(sub, buffer.data(), buffer.size(), 0);
        if (n < 0) continue;
        long seq = 0;
        std::memcpy(&seq, buffer.data(), sizeof(seq));
        if (seq < 0) {  // probe: this subscriber is connected
          if (!counted) joined.fetch_add(1);
          counted = true;
          continue;
        }
        if (seq != expected) gaps.fetch_add(1);
        expected = seq + 1;
        if (seq == messages - 1) break;
      }
      zmq_close(sub);
    });
  }
  std::vector<char> payload(bytes, 'x');
  long probe = -1;
  while (joined.load() < subscribers) {
    std::memcpy(payload.data(), &probe, sizeof(probe));
    zmq_send(pub, payload.data(), payload.size(), 0);
    std::this_thread::yield();  // probes until every SUB has joined, then the timed run
  }
  auto start = std::chrono::steady_clock::now();
  for (long seq = 0; seq < messages; ++seq) {
    std::memcpy(payload.data(), &seq, sizeof(seq));
    zmq_send(pub, payload.data(), payload.size(), 0);
  }
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"messages\": %ld, \"subscribers\": %d, \"bytes\": %zu, \"seconds\": %.3f, "
      "\"per_second\": %.1f, \"deliveries_per_second\": %.1f, \"gaps\": %ld}\n",
      messages, subscribers, bytes, seconds, messages / seconds, messages * subscribers / seconds,
      gaps.load());
  zmq_close(pub);
  zmq_ctx_term(context);
  return gaps.load() == 0 ? 0 : 1;
}
