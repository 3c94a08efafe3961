// Clock: the one source of time for every timeout, lease and backoff.
//
// Production code takes a Clock& and never reads the system time directly, so
// tests drive time with FakeClock::Advance() instead of sleeping.
// Thread-safety: SystemClock is stateless; FakeClock is safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace scanfleet {

// Milliseconds since the Unix epoch; what is stored in SQLite and on the wire.
using TimeMs = int64_t;
using DurationMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start = 1'700'000'000'000) : now_(start) {}
  TimeMs NowMs() const override { return now_.load(); }
  void Advance(DurationMs delta) { now_ += delta; }
  void Set(TimeMs now) { now_ = now; }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace scanfleet
