// JsonLinesSink: one JSON object (ECS or OCSF) per line, appended to a file or
// written to stdout.
//
// Delivered means: written with write(2) and, for a file, fsync'ed; the file
// is fsync'ed once per batch (the fsync policy), so a crash loses nothing that
// Deliver() reported. A crash between that fsync and the cursor's may repeat
// at most the last batch on restart (at-least-once). stdout is not fsync'ed
// (it may be a pipe); it is delivered once written. A failed write reopens
// the file on the next Deliver() and writes the batch again. Opening a file
// cuts off a last line without its newline (torn by a crash inside write(2),
// never reported delivered), so every line of the file is whole.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/siem/event_sink.h"

namespace scanfleet::siem {

class JsonLinesSink final : public EventSink {
 public:
  // path "-" or empty: stdout.
  JsonLinesSink(std::string path, EventFormat format, std::string product_version);
  ~JsonLinesSink() override;

  std::string Describe() const override;
  Status Deliver(const std::vector<v1::Event>& events) override;

 private:
  bool to_stdout() const { return path_.empty() || path_ == "-"; }

  std::string path_;
  EventFormat format_;
  std::string product_version_;
  int fd_ = -1;
  uint64_t delivered_seq_ = 0;
};

}  // namespace scanfleet::siem
