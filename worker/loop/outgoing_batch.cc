// OutgoingBatch: the worker's messages gathered into WorkerBatch frames; see
// outgoing_batch.h.
// Thread-safety: not thread-safe; owned by the worker loop thread.
#include "worker/loop/outgoing_batch.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>

namespace scanfleet {

namespace {

// Bytes a message takes as a field of the batch: tag, length and body.
size_t FieldBytes(const google::protobuf::MessageLite& message) {
  size_t body = message.ByteSizeLong();
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(body) + body;
}

bool SameAttempt(const v1::JobRef& a, const v1::JobRef& b) {
  return a.job_id() == b.job_id() && a.attempt() == b.attempt();
}

// Drops the acceptance of `job` from `batch`; the bytes it took, or 0.
size_t DropAccepted(v1::WorkerBatch& batch, const v1::JobRef& job) {
  auto* accepted = batch.mutable_accepted();
  for (int i = 0; i < accepted->size(); ++i) {
    if (!SameAttempt(accepted->Get(i).job(), job)) continue;
    size_t bytes = FieldBytes(accepted->Get(i));
    accepted->DeleteSubrange(i, 1);
    return bytes;
  }
  return 0;
}

}  // namespace

void OutgoingBatch::Close() {
  if (open_bytes_ == 0) return;
  closed_.push_back(std::move(open_));
  open_.Clear();
  open_bytes_ = 0;
}

void OutgoingBatch::MakeRoom(size_t bytes) {
  if (open_bytes_ > 0 && open_bytes_ + bytes > split_bytes_) Close();
}

void OutgoingBatch::SetHello(v1::WorkerHello hello) {
  if (open_.has_hello()) open_bytes_ -= FieldBytes(open_.hello());
  size_t bytes = FieldBytes(hello);
  MakeRoom(bytes);
  *open_.mutable_hello() = std::move(hello);
  open_bytes_ += bytes;
}

void OutgoingBatch::AddAccepted(const v1::JobRef& job) {
  v1::JobAccepted accepted;
  *accepted.mutable_job() = job;
  size_t bytes = FieldBytes(accepted);
  MakeRoom(bytes);
  *open_.add_accepted() = std::move(accepted);
  open_bytes_ += bytes;
}

void OutgoingBatch::AddDeclined(v1::JobDeclined declined) {
  size_t bytes = FieldBytes(declined);
  MakeRoom(bytes);
  *open_.add_declined() = std::move(declined);
  open_bytes_ += bytes;
}

void OutgoingBatch::AddResult(const v1::JobResult& result) {
  // A result implies acceptance: an acceptance still waiting here goes.
  open_bytes_ -= DropAccepted(open_, result.job());
  for (v1::WorkerBatch& batch : closed_) DropAccepted(batch, result.job());
  size_t bytes = FieldBytes(result);
  MakeRoom(bytes);
  *open_.add_results() = result;
  open_bytes_ += bytes;
  if (bytes > split_bytes_) Close();  // larger than a split: it travels alone
}

void OutgoingBatch::SetHeartbeat(v1::Heartbeat heartbeat) {
  if (open_.has_heartbeat()) open_bytes_ -= FieldBytes(open_.heartbeat());
  size_t bytes = FieldBytes(heartbeat);
  MakeRoom(bytes);
  *open_.mutable_heartbeat() = std::move(heartbeat);
  open_bytes_ += bytes;
}

std::vector<v1::WorkerBatch> OutgoingBatch::Take() {
  Close();
  std::vector<v1::WorkerBatch> batches;
  batches.swap(closed_);
  // An acceptance dropped for its result can leave a closed batch empty.
  std::erase_if(batches, [](const v1::WorkerBatch& batch) { return batch.ByteSizeLong() == 0; });
  return batches;
}

}  // namespace scanfleet
