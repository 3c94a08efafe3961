#include "common/siem/sink_fanout.h"

#include <algorithm>

#include "common/eventlog/chain.h"

namespace scanfleet::siem {

SinkFanout::SinkFanout(std::vector<std::unique_ptr<EventSink>> sinks, CursorFile* cursor,
                       FanoutOptions options, WaitFn wait, std::ostream& log)
    : sinks_(std::move(sinks)),
      sink_down_(sinks_.size(), false),
      cursor_(cursor),
      options_(std::move(options)),
      wait_(std::move(wait)),
      log_(log) {
  if (options_.max_batch == 0) options_.max_batch = 1;
}

bool SinkFanout::Selected(const v1::Event& event) const {
  // Checkpoints always pass: they are what makes a sink's output verifiable.
  if (options_.topic_prefixes.empty() || event.has_checkpoint()) return true;
  return std::any_of(options_.topic_prefixes.begin(), options_.topic_prefixes.end(),
                     [&](const std::string& prefix) { return event.topic().starts_with(prefix); });
}

uint64_t SinkFanout::CursorTarget() const {
  // Never past a filtered-out event not yet attached to a delivered one: after
  // a restart it is read again and attached then.
  return skipped_.empty() ? processed_seq_ : skipped_.front().seq - 1;
}

Status SinkFanout::Deliver(const std::vector<LoggedEvent>& events) {
  Status status = DeliverFresh(events);
  if (!status.ok()) {
    // What was not delivered is handed again from the cursor.
    processed_seq_ = cursor_seq_;
    skipped_.clear();
  }
  return status;
}

Status SinkFanout::DeliverFresh(const std::vector<LoggedEvent>& events) {
  std::vector<LoggedEvent> chunk;
  for (const auto& logged : events) {
    uint64_t seq = logged.event.seq();
    if (seq <= processed_seq_) continue;
    processed_seq_ = seq;
    if (!Selected(logged.event)) {
      if (skipped_.empty()) skipped_prev_chain_ = logged.prev_chain;
      skipped_.push_back(SkippedEvent{seq, EventDigest(logged.bytes)});
      continue;
    }
    chunk.push_back(logged);
    if (!skipped_.empty()) {
      chunk.back().skipped = std::move(skipped_);
      chunk.back().prev_chain = skipped_prev_chain_;
      skipped_.clear();
    }
    if (chunk.size() >= options_.max_batch) {
      RETURN_IF_ERROR(DeliverChunk(chunk, CursorTarget()));
      chunk.clear();
    }
  }
  if (!chunk.empty() || CursorTarget() > cursor_seq_) {
    RETURN_IF_ERROR(DeliverChunk(chunk, CursorTarget()));
  }
  return Status::Ok();
}

Status SinkFanout::DeliverChunk(const std::vector<LoggedEvent>& chunk, uint64_t last_seq) {
  if (!chunk.empty()) {
    for (size_t i = 0; i < sinks_.size(); ++i) RETURN_IF_ERROR(DeliverToSink(i, chunk));
  }
  if (cursor_ != nullptr) {
    if (auto status = cursor_->Save(last_seq); !status.ok()) {
      return status.WithContext("cursor not saved");
    }
  }
  cursor_seq_ = last_seq;
  return Status::Ok();
}

Status SinkFanout::DeliverToSink(size_t index, const std::vector<LoggedEvent>& chunk) {
  EventSink& sink = *sinks_[index];
  int64_t backoff_ms = options_.initial_backoff_ms;
  while (true) {
    Status status = sink.Deliver(chunk);
    if (status.ok()) {
      if (sink_down_[index]) log_ << "siem: sink " << sink.Describe() << " is back up\n";
      sink_down_[index] = false;
      return Status::Ok();
    }
    if (status.code() == StatusCode::kFailedPrecondition) {
      // The sink says retrying cannot help (e.g. a rejected HEC token): stop
      // with the cursor before this chunk instead of spinning.
      log_ << "siem: sink " << sink.Describe()
           << " refused the batch, stopping: " << status.message() << "\n";
      log_.flush();
      return status;
    }
    if (!sink_down_[index]) {
      log_ << "siem: sink " << sink.Describe() << " is down (" << status.message()
           << "); retrying with backoff, the bridge waits\n";
      log_.flush();
    }
    sink_down_[index] = true;
    if (!wait_(backoff_ms)) {
      return Status::Unavailable("stopped while " + sink.Describe() + " was down");
    }
    backoff_ms = std::min(backoff_ms * 2, options_.max_backoff_ms);
  }
}

}  // namespace scanfleet::siem
