// OutgoingBatch: everything the worker has to tell the controller until the
// loop's next flush, gathered into WorkerBatch messages (protocol v2: one
// frame, one signature per batch).
//
// The loop adds messages as they arise and, once per turn, Take()s the
// batches and sends each as one frame. Order is kept: a batch closed earlier
// is sent earlier, and the controller processes a batch in field order
// (hello, accepted, declined, results, heartbeat), so a message added after
// another is never processed before it, except that within one batch a hello
// comes first and a heartbeat last, which is what the protocol wants.
// Splitting: a batch is closed when the next message would take its encoded
// size past `split_bytes` (a quarter of the frame cap), and a result larger
// than that alone travels in a batch of its own. A result implies acceptance:
// adding a result drops the not-yet-sent acceptance of the same attempt. A
// second hello or heartbeat in the open batch replaces the first (the latest
// state is what counts). Sizes count the batch's fields, not the envelope
// around it (a few dozen bytes).
// Thread-safety: not thread-safe; owned by the worker loop thread.
#pragma once

#include <cstddef>
#include <vector>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

class OutgoingBatch {
 public:
  explicit OutgoingBatch(size_t split_bytes) : split_bytes_(split_bytes) {}

  void SetHello(v1::WorkerHello hello);
  void AddAccepted(const v1::JobRef& job);
  void AddDeclined(v1::JobDeclined declined);
  void AddResult(const v1::JobResult& result);
  void SetHeartbeat(v1::Heartbeat heartbeat);

  bool empty() const { return closed_.empty() && open_bytes_ == 0; }
  // The heartbeat of the batch still open, if it has one.
  const v1::Heartbeat* open_heartbeat() const {
    return open_.has_heartbeat() ? &open_.heartbeat() : nullptr;
  }
  // Encoded size of the batch still open (the one the next message joins).
  size_t open_bytes() const { return open_bytes_; }
  // The batches to send, oldest first; afterwards this is empty.
  std::vector<v1::WorkerBatch> Take();

 private:
  // Closes the open batch if a field of `bytes` would take it past the split.
  void MakeRoom(size_t bytes);
  void Close();

  size_t split_bytes_;
  std::vector<v1::WorkerBatch> closed_;
  v1::WorkerBatch open_;
  size_t open_bytes_ = 0;
};

}  // namespace scanfleet
