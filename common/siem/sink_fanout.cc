#include "common/siem/sink_fanout.h"

#include <algorithm>

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
  if (options_.topic_prefixes.empty()) return true;
  return std::any_of(options_.topic_prefixes.begin(), options_.topic_prefixes.end(),
                     [&](const std::string& prefix) { return event.topic().starts_with(prefix); });
}

Status SinkFanout::Deliver(const std::vector<LoggedEvent>& events) {
  std::vector<const LoggedEvent*> fresh;
  for (const auto& logged : events) {
    if (logged.event.seq() > cursor_seq_) fresh.push_back(&logged);
  }
  std::vector<LoggedEvent> chunk;
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (Selected(fresh[i]->event)) chunk.push_back(*fresh[i]);
    if (chunk.size() >= options_.max_batch || i + 1 == fresh.size()) {
      RETURN_IF_ERROR(DeliverChunk(chunk, fresh[i]->event.seq()));
      chunk.clear();
    }
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
