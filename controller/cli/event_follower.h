// EventFollower: follows the controller's event stream without gaps or
// duplicates; shared by `scanfleet tail` and `scanfleet siem`.
//
// It subscribes first, then asks the controller to replay everything after its
// starting seq, and drops live events it already has. A live event beyond the
// next expected seq means events were dropped on the wire: the gap is filled
// by another replay, and so is a lost tail announced by the stream's heartbeat
// (topic "heartbeat", carrying the newest stored seq). A quiet stream (1 s)
// is checked by replay too; events deleted by the controller's retention
// before they were read are reported on stderr. Every
// event, live or replayed, is verified against the controller's key (unless
// security is off). The handler gets verified events in seq order, each seq
// once; a batch is a replay answer or the live events waiting on the socket.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/api/api_client.h"
#include "common/security/client_security.h"
#include "common/security/event_verifier.h"

namespace scanfleet::cli {

class EventFollower {
 public:
  // Returns true to stop following, or an error to abort.
  using Handler = std::function<StatusOr<bool>(const std::vector<v1::Event>&)>;
  // Called between batches and while idle; true ends Follow() with OK.
  using StopCheck = std::function<bool()>;

  EventFollower(Context& context, ApiClient& client, const ClientSecurity& security,
                int timeout_ms);

  // The seq of the newest stored event (where "from now" starts).
  StatusOr<uint64_t> NewestSeq();
  // Delivers every event after start_after_seq, then live ones, until the
  // handler or stop check says stop.
  Status Follow(uint64_t start_after_seq, const Handler& handler,
                const StopCheck& should_stop = nullptr);
  uint64_t last_seq() const { return last_seq_; }

 private:
  // Replays stored events after last_seq_ until caught up.
  Status CatchUp(const Handler& handler);
  Status Hand(const std::vector<v1::Event>& batch, const Handler& handler);

  Context& context_;
  ApiClient& client_;
  const ClientSecurity& security_;
  int timeout_ms_;
  // Events are signed by the controller; a window of 5 minutes tolerates clock
  // skew between the controller and this host.
  EventVerifier verifier_;
  uint64_t last_seq_ = 0;
  bool done_ = false;
  bool warned_pruned_ = false;
};

}  // namespace scanfleet::cli
