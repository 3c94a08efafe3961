// JsonLinesSink: one JSON object (ECS or OCSF) per line, appended to a file or
// written to stdout.
//
// Delivered means: written with write(2) and, for a file, fsync'ed; the file
// is fsync'ed once per batch (the fsync policy), so a crash loses nothing that
// Deliver() reported. stdout is not fsync'ed (it may be a pipe); it is
// delivered once written. A failed write reopens the file on the next
// Deliver(). Opening a file cuts off a last line without its newline (torn by
// a crash inside write(2), never reported delivered), so every line of the
// file is whole, fsyncs it, and reads the seq of its last line: events up to
// that seq are in the file already and are skipped. So a crash between the
// file's fsync and the cursor's save, which hands the sink the last batch
// again on restart, repeats nothing in a file (stdout: at-least-once). The
// file must therefore hold one stream, appended by this sink only: to export
// again from an older seq, write a new file.
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
  Status Deliver(const std::vector<LoggedEvent>& events) override;

 private:
  bool to_stdout() const { return path_.empty() || path_ == "-"; }

  std::string path_;
  EventFormat format_;
  std::string product_version_;
  int fd_ = -1;
  uint64_t delivered_seq_ = 0;
};

}  // namespace scanfleet::siem
