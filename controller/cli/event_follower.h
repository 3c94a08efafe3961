// EventFollower: follows the controller's event stream without gaps or
// duplicates; shared by `scanfleet tail` and `scanfleet siem`.
//
// It subscribes first, then asks the controller's replay socket for every
// page after its starting seq, and drops live events it already has. A live
// page that starts beyond the next expected seq means pages were dropped on
// the wire: the gap is filled by another replay, and so is a lost tail
// announced by the stream's heartbeat (an empty page carrying the newest
// stored seq). A quiet stream (1 s) is checked by replay too; events deleted
// by the controller's retention before they were read are reported on stderr.
// Every page, live or replayed, is verified against the controller's key
// (unless security is off) with one signature check, and must continue the
// hash chain of the events before it (its prev chain hash is the last one
// seen): a log that does not is an error, never delivered. With
// chains_per_event the follower also recomputes every event's chain hash. The
// handler gets verified events in seq order, each seq once, with their bytes
// (and chain hashes: what a SIEM file sink writes for `scanfleet verify-log`).
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/api/api_client.h"
#include "common/eventlog/logged_event.h"
#include "common/security/client_security.h"
#include "common/security/event_verifier.h"

namespace scanfleet::cli {

class EventFollower {
 public:
  // Returns true to stop following, or an error to abort.
  using Handler = std::function<StatusOr<bool>(const std::vector<LoggedEvent>&)>;
  // Called between batches and while idle; true ends Follow() with OK.
  using StopCheck = std::function<bool()>;

  // chains_per_event: recompute every delivered event's chain hash (and check
  // it ends at the page's stated one) and hand it over in LoggedEvent, as a
  // SIEM sink that writes them needs; without it (tail) each page is only
  // checked to continue the chain of the page before it.
  EventFollower(Context& context, ApiClient& client, const ClientSecurity& security,
                int timeout_ms, bool chains_per_event = false);

  // The seq of the newest stored event (where "from now" starts).
  StatusOr<uint64_t> NewestSeq();
  // Delivers every event after start_after_seq, then live ones, until the
  // handler or stop check says stop.
  Status Follow(uint64_t start_after_seq, const Handler& handler,
                const StopCheck& should_stop = nullptr);
  uint64_t last_seq() const { return last_seq_; }
  // Pages received and verified (live and replayed), for tests and logs.
  uint64_t pages() const { return pages_; }

 private:
  // Asks the API socket where the events and replay sockets are.
  Status LearnEndpoints();
  StatusOr<VerifiedPage> ReplayAfter(uint64_t after_seq);
  // Replays stored events after last_seq_ until caught up.
  Status CatchUp(const Handler& handler);
  // Delivers the page's events after last_seq_, checking the chain.
  Status Hand(VerifiedPage page, const Handler& handler);

  Context& context_;
  ApiClient& client_;
  const ClientSecurity& security_;
  int timeout_ms_;
  bool chains_per_event_;
  // Pages are signed by the controller; a window of 5 minutes tolerates clock
  // skew between the controller and this host.
  EventVerifier verifier_;
  std::optional<v1::GetEndpointsResponse> endpoints_;
  std::unique_ptr<ApiClient> replay_;
  uint64_t last_seq_ = 0;
  std::optional<std::string> last_chain_;  // chain(last_seq_), once a page showed it
  uint64_t pages_ = 0;
  bool done_ = false;
  bool warned_pruned_ = false;
};

}  // namespace scanfleet::cli
