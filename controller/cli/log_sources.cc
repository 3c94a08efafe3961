#include "controller/cli/log_sources.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/eventlog/chain.h"
#include "common/security/event_verifier.h"
#include "common/siem/event_sink.h"
#include "common/time/clock.h"
#include "controller/store/event_log_reader.h"

namespace scanfleet::cli {

namespace {

using nlohmann::json;

// The first key path where two JSON values differ ("" when equal).
std::string FirstDifference(const json& want, const json& got, const std::string& path) {
  if (want == got) return "";
  if (want.is_object() && got.is_object()) {
    for (const auto& [key, value] : want.items()) {
      if (!got.contains(key)) return path + key + " (missing)";
      std::string inner = FirstDifference(value, got[key], path + key + ".");
      if (!inner.empty()) return inner;
    }
    for (const auto& [key, value] : got.items()) {
      if (!want.contains(key)) return path + key + " (added)";
    }
  }
  return path.empty() ? "the line" : path.substr(0, path.size() - 1);
}

}  // namespace

std::vector<LogRecord> RecordsOfSinkLine(const std::string& text, uint64_t number) {
  LogRecord record;
  record.where = "line " + std::to_string(number);
  json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!line.is_object() || !line.contains("scanfleet") || !line["scanfleet"].is_object()) {
    record.mismatch = line.is_object() && line.contains("unmapped")
                          ? "is OCSF: OCSF output leaves out the events it has no class for, "
                            "so its chain cannot be followed (verify an ECS file, format=ecs)"
                          : "is not a scanfleet ECS event";
    return {record};
  }
  const json& scanfleet = line["scanfleet"];
  if (scanfleet.contains("seq") && scanfleet["seq"].is_number_unsigned()) {
    record.seq = scanfleet["seq"].get<uint64_t>();
  }
  const json* log = scanfleet.contains("log") ? &scanfleet["log"] : nullptr;
  auto text_at = [&](const char* key) -> std::string {
    return log && log->is_object() && log->contains(key) && (*log)[key].is_string()
               ? (*log)[key].get<std::string>()
               : "";
  };
  std::optional<std::string> bytes = BytesOfBase64(text_at("event"));
  std::string prev = BytesOfHex(text_at("prev"), kChainHashBytes);
  std::string chain = BytesOfHex(text_at("chain"), kChainHashBytes);
  if (!bytes || prev.empty() || chain.empty()) {
    record.mismatch = "carries no valid scanfleet.log (event bytes and chain hashes)";
    return {record};
  }
  // The events a topic filter left out right before this one: [seq, digest].
  std::vector<LogRecord> records;
  if (log->contains("skipped")) {
    const json& skipped = (*log)["skipped"];
    for (size_t i = 0; skipped.is_array() && i < skipped.size(); ++i) {
      const json& entry = skipped[i];
      LogRecord left_out;
      left_out.where = record.where + " (left-out event " + std::to_string(i + 1) + ")";
      if (!entry.is_array() || entry.size() != 2 || !entry[0].is_number_unsigned() ||
          !entry[1].is_string()) {
        left_out.mismatch = "states a malformed left-out event";
        return {left_out};
      }
      left_out.seq = entry[0].get<uint64_t>();
      left_out.event_digest = BytesOfHex(entry[1].get<std::string>(), kChainHashBytes);
      if (records.empty()) left_out.prev_chain = prev;
      records.push_back(std::move(left_out));
    }
  }
  record.event_bytes = *bytes;
  if (records.empty()) record.prev_chain = prev;
  record.chain = chain;
  // The visible fields must be what the signed bytes render to.
  LoggedEvent logged;
  if (!logged.event.ParseFromString(*bytes)) {  // the auditor says so
    records.push_back(std::move(record));
    return records;
  }
  logged.bytes = std::move(*bytes);
  logged.prev_chain = std::move(prev);
  logged.chain = std::move(chain);
  for (size_t i = 0; i < records.size(); ++i) {
    logged.skipped.push_back(SkippedEvent{records[i].seq, *records[i].event_digest});
  }
  std::string version = line.contains("observer") && line["observer"].is_object() &&
                                line["observer"].contains("version") &&
                                line["observer"]["version"].is_string()
                            ? line["observer"]["version"].get<std::string>()
                            : "";
  auto rendered = siem::RenderEvent(siem::EventFormat::kEcs, logged, version);
  json want = rendered ? json::parse(*rendered, nullptr, false) : json();
  std::string differs = FirstDifference(want, line, "");
  if (!differs.empty()) {
    record.mismatch = "its field " + differs + " is not what the event's signed bytes say";
  }
  records.push_back(std::move(record));
  return records;
}

namespace {

Status CheckAnchor(const std::optional<v1::LogCheckpoint>& anchor, LogAuditor& auditor,
                   const std::string& source) {
  if (!anchor) return Status::Ok();
  auditor.AddCheckpoint(*anchor, source + " (seq " + std::to_string(anchor->seq()) + ")");
  auditor.StartAfter(anchor->seq(), anchor->chain_hash());
  return Status::Ok();
}

}  // namespace

Status AuditDatabase(const std::string& path, LogAuditor& auditor, std::string* described) {
  ASSIGN_OR_RETURN(auto reader, EventLogReader::Open(path));
  ASSIGN_OR_RETURN(std::optional<v1::LogCheckpoint> anchor, reader->pages().Anchor());
  RETURN_IF_ERROR(CheckAnchor(anchor, auditor, "the retention anchor"));
  // Without an anchor the log starts at seq 1: a missing prefix is a deletion.
  if (!anchor) auditor.StartAfter(0, GenesisChainHash());
  uint64_t rows = 0;
  std::string previous_chain = anchor ? anchor->chain_hash() : "";
  RETURN_IF_ERROR(
      reader->pages().ForEachRow(0, [&](uint64_t seq, std::string payload, std::string chain) {
        LogRecord record;
        record.seq = seq;
        record.event_bytes = std::move(payload);
        record.where = "row " + std::to_string(seq);
        record.chain = chain;
        // The first row states what it follows only through the anchor or
        // genesis; later rows through the row before them.
        if (!previous_chain.empty()) record.prev_chain = previous_chain;
        previous_chain = std::move(chain);
        auditor.Add(record);
        ++rows;
        return Status::Ok();
      }));
  *described = "database " + path + " (" + std::to_string(rows) + " stored events)";
  return Status::Ok();
}

Status AuditSinkFile(const std::string& path, LogAuditor& auditor, std::string* described) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string text;
  uint64_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    for (const LogRecord& record : RecordsOfSinkLine(text, number)) auditor.Add(record);
  }
  *described = "SIEM file " + path + " (" + std::to_string(number) + " lines)";
  return Status::Ok();
}

Status AuditReplay(Context& context, ApiClient& api, const ClientSecurity& security,
                   const ReplayAudit& options, LogAuditor& auditor, std::string* described) {
  v1::ApiRequest endpoints_request;
  endpoints_request.mutable_get_endpoints();
  ASSIGN_OR_RETURN(v1::ApiResponse endpoints, api.Call(endpoints_request, options.timeout_ms));
  uint64_t covered_by_fresh = 0;
  if (options.checkpoint_now) {
    v1::ApiRequest request;
    request.mutable_checkpoint();
    ASSIGN_OR_RETURN(v1::ApiResponse signed_now, api.Call(request, options.timeout_ms));
    const v1::LogCheckpoint& checkpoint = signed_now.checkpoint().checkpoint();
    covered_by_fresh = checkpoint.seq();
    auditor.AddCheckpoint(checkpoint, "the checkpoint the controller signed now (seq " +
                                          std::to_string(checkpoint.seq()) + ")");
  }
  ApiClient replay(context,
                   TcpEndpoint(TcpHost(api.endpoint()), endpoints.endpoints().replay_port()),
                   "verify-log", security.Curve());
  EventVerifier verifier(security.controller, 5 * 60 * 1000);
  uint64_t after = options.after_seq;
  uint64_t head = 0;
  uint64_t events = 0;
  bool first = true;
  while (true) {
    v1::ApiRequest request;
    request.mutable_replay_events()->set_after_seq(after);
    ASSIGN_OR_RETURN(v1::ApiResponse response, replay.Call(request, options.timeout_ms));
    ASSIGN_OR_RETURN(VerifiedPage page,
                     verifier.FromReplay(response.events(), SystemClock().NowMs()));
    if (first) {
      // Stop at the head as it was when the audit began (or the fresh checkpoint's).
      head = std::max(page.head_seq, covered_by_fresh);
      if (page.anchor && page.first_seq == page.anchor->seq() + 1) {
        RETURN_IF_ERROR(CheckAnchor(page.anchor, auditor, "the retention anchor"));
      } else if (options.after_seq == 0) {
        auditor.StartAfter(0, GenesisChainHash());
      }
      first = false;
    }
    if (page.events.empty()) break;
    for (size_t i = 0; i < page.events.size(); ++i) {
      LogRecord record;
      record.seq = page.first_seq + i;
      record.event_bytes = page.bytes[i];
      record.where = "replayed event " + std::to_string(record.seq);
      if (i == 0) record.prev_chain = page.prev_chain;
      auditor.Add(record);
    }
    events += page.events.size();
    after = page.first_seq + page.events.size() - 1;
    if (after >= head) break;
  }
  *described = "the controller's log replayed after seq " + std::to_string(options.after_seq) +
               " (" + std::to_string(events) + " events)";
  return Status::Ok();
}

}  // namespace scanfleet::cli
