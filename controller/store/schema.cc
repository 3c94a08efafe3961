#include "controller/store/schema.h"

#include "common/job/job_state.h"

namespace scanfleet {

const std::vector<std::string>& ControllerMigrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: scans, jobs, attempts, findings, events, workers.
      R"sql(
CREATE TABLE scans(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,                 -- 'sast' or 'dast'
  repo TEXT NOT NULL DEFAULT '',
  ref TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  profile TEXT NOT NULL,
  state INTEGER NOT NULL,             -- v1::ScanState
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  jobs_total INTEGER NOT NULL,
  jobs_done INTEGER NOT NULL DEFAULT 0,
  jobs_failed INTEGER NOT NULL DEFAULT 0,
  findings INTEGER NOT NULL DEFAULT 0);
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  scan_id INTEGER NOT NULL REFERENCES scans(id),
  scanner TEXT NOT NULL,
  pool TEXT NOT NULL,
  state TEXT NOT NULL,                -- queued/dispatched/running/succeeded/failed (+dead/cancelled, v2)
  attempt INTEGER NOT NULL DEFAULT 0, -- current attempt (lease epoch)
  failures INTEGER NOT NULL DEFAULT 0,
  worker_id TEXT NOT NULL DEFAULT '',
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  timeout_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  findings INTEGER NOT NULL DEFAULT 0,
  resolved_commit TEXT NOT NULL DEFAULT '',
  skipped_records INTEGER NOT NULL DEFAULT 0, -- malformed scanner output records skipped
  created_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX jobs_unfinished ON jobs(state) WHERE state NOT IN ('succeeded', 'failed');
CREATE INDEX jobs_by_scan ON jobs(scan_id);
CREATE TABLE attempts(
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  attempt INTEGER NOT NULL,
  worker_id TEXT NOT NULL DEFAULT '',
  dispatched_ms INTEGER NOT NULL,
  accepted_ms INTEGER NOT NULL DEFAULT 0,
  finished_ms INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL DEFAULT 'pending', -- pending/succeeded/failed/retry/requeued/stale
  error TEXT NOT NULL DEFAULT '',
  exit_code INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  output_tail TEXT NOT NULL DEFAULT '',
  skipped_records INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(job_id, attempt)) WITHOUT ROWID;
CREATE TABLE findings(
  id INTEGER PRIMARY KEY,
  scan_id INTEGER NOT NULL REFERENCES scans(id),
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  ordinal INTEGER NOT NULL,           -- position in the tool's output
  tool TEXT NOT NULL, tool_version TEXT NOT NULL, rule_id TEXT NOT NULL, title TEXT NOT NULL,
  message TEXT NOT NULL, severity INTEGER NOT NULL, confidence TEXT NOT NULL,
  cwes TEXT NOT NULL,                 -- comma-separated ids
  path TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, end_line INTEGER NOT NULL,
  snippet TEXT NOT NULL, fingerprint TEXT NOT NULL,
  UNIQUE(job_id, ordinal));
CREATE INDEX findings_by_scan ON findings(scan_id, severity);
CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  scan_id INTEGER NOT NULL,
  job_id INTEGER NOT NULL,
  payload BLOB NOT NULL);             -- serialized v1::Event without seq
CREATE TABLE workers(
  id TEXT PRIMARY KEY,
  hello BLOB NOT NULL,                -- last serialized v1::WorkerHello
  first_seen_ms INTEGER NOT NULL,
  last_hello_ms INTEGER NOT NULL);
)sql",
      // 2: dead-letter and cancel states, per-job attempt budget, idempotent submit.
      R"sql(
DROP INDEX jobs_unfinished;
CREATE INDEX jobs_unfinished ON jobs(state) WHERE state IN ('queued','dispatched','running');
CREATE INDEX jobs_dead ON jobs(scan_id) WHERE state = 'dead';
ALTER TABLE jobs ADD COLUMN max_failures INTEGER NOT NULL DEFAULT 0; -- 0: controller default
ALTER TABLE scans ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX scans_by_idempotency_key ON scans(idempotency_key)
  WHERE idempotency_key != '';
)sql",
      // 3: DAST locations of findings.
      R"sql(
ALTER TABLE findings ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN http_method TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN parameter TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
)sql",
      // 4: raw scanner reports, kept (compressed) for re-parsing.
      R"sql(
CREATE TABLE raw_reports(
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
  attempt INTEGER NOT NULL,
  report BLOB NOT NULL,               -- zlib-compressed
  bytes INTEGER NOT NULL,             -- uncompressed size
  tool_version TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE INDEX raw_reports_by_age ON raw_reports(created_ms);
)sql",
      // 5: names (never values) of the secrets a scan's jobs need.
      R"sql(
ALTER TABLE scans ADD COLUMN secret_names TEXT NOT NULL DEFAULT ''; -- comma-separated names
ALTER TABLE scans ADD COLUMN repo_token_secret TEXT NOT NULL DEFAULT ''; -- name, SAST only
)sql",
      // 6: the branch a SAST scan's commit belongs to (history for baselines).
      R"sql(
ALTER TABLE scans ADD COLUMN branch TEXT NOT NULL DEFAULT '';
CREATE INDEX scans_by_branch ON scans(repo, branch, id);
)sql",
      // 7 (triggers): what each scheduled scan last did, so a restart never
      // fires a slot twice.
      R"sql(
CREATE TABLE schedule_runs(
  name TEXT PRIMARY KEY,              -- schedule name from the --repos file
  last_slot_ms INTEGER NOT NULL,      -- last cron slot fired or skipped
  last_scan_id INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
)sql",
      // 8 (baseline): the baseline chosen at submit time, who submitted, and
      // what a diff needs from the jobs: the repository's committed
      // suppressions file and the renames an incremental scan saw.
      R"sql(
ALTER TABLE scans ADD COLUMN baseline_scan_id INTEGER NOT NULL DEFAULT 0; -- 0: none
ALTER TABLE scans ADD COLUMN baseline_note TEXT NOT NULL DEFAULT '';     -- why none / how chosen
ALTER TABLE scans ADD COLUMN submit_trigger TEXT NOT NULL DEFAULT '';    -- SubmitScanRequest.trigger
ALTER TABLE jobs ADD COLUMN repo_suppressions TEXT NOT NULL DEFAULT '';  -- file as read, <= 64 KiB
CREATE TABLE scan_renames(
  scan_id INTEGER NOT NULL REFERENCES scans(id),
  from_path TEXT NOT NULL,
  to_path TEXT NOT NULL,
  PRIMARY KEY(scan_id, from_path)) WITHOUT ROWID;
)sql",
      // 9 (shards): sharded and incremental jobs; findings carried forward from a base scan.
      R"sql(
ALTER TABLE jobs ADD COLUMN shard_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN shard_count INTEGER NOT NULL DEFAULT 0; -- 0: not sharded
ALTER TABLE jobs ADD COLUMN base_scan_id INTEGER NOT NULL DEFAULT 0; -- incremental: its base
ALTER TABLE jobs ADD COLUMN base_commit TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN incremental_note TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN files_scanned INTEGER NOT NULL DEFAULT -1; -- -1: not reported
ALTER TABLE jobs ADD COLUMN carried_findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN carried_from_scan INTEGER NOT NULL DEFAULT 0; -- 0: scanned
)sql",
      // 10 (performance): the unfinished-jobs predicate without a constant IN
      // list (see kUnfinishedJob in schema.h); same rows, cheaper job writes.
      // A branch's latest succeeded scan of a profile (the default baseline,
      // looked up on every submit) found by the index, not by walking every
      // scan of the branch.
      R"sql(
DROP INDEX jobs_unfinished;
CREATE INDEX jobs_unfinished ON jobs(state)
  WHERE (state='queued' OR state='dispatched' OR state='running');
CREATE INDEX scans_latest_by_branch ON scans(repo, branch, profile, state, id);
)sql",
      // 11 (carry by reference): what an incremental job carried forward from
      // its base, recorded once per job instead of a copy of every finding
      // (controller/store/carried_sets.h). Rows copied before this migration
      // (findings.carried_from_scan != 0) stay and read as they did.
      R"sql(
CREATE TABLE carried_sets(
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id), -- the incremental job
  scan_id INTEGER NOT NULL REFERENCES scans(id),  -- its scan
  base_scan_id INTEGER NOT NULL REFERENCES scans(id),
  base_job_ids TEXT NOT NULL,         -- the base's jobs of its scanner, ascending, comma-separated
  depth INTEGER NOT NULL,             -- records a read follows to reach rows, this one included
  findings_info INTEGER NOT NULL,     -- how many findings it carries, per severity
  findings_low INTEGER NOT NULL,
  findings_medium INTEGER NOT NULL,
  findings_high INTEGER NOT NULL,
  findings_critical INTEGER NOT NULL);
CREATE INDEX carried_sets_by_scan ON carried_sets(scan_id);
CREATE INDEX carried_sets_by_base ON carried_sets(base_scan_id);
CREATE TABLE carried_changes(
  job_id INTEGER NOT NULL REFERENCES carried_sets(job_id),
  ordinal INTEGER NOT NULL,           -- the worker's order: changed, then deleted, then renamed
  kind TEXT NOT NULL,                 -- 'changed', 'deleted' or 'renamed'
  path TEXT NOT NULL,                 -- renamed: the path at the base commit
  to_path TEXT NOT NULL DEFAULT '',   -- renamed: the path now
  PRIMARY KEY(job_id, ordinal)) WITHOUT ROWID;
)sql",
      // 12 (event chain): each event's chain hash (docs/SECURITY.md,
      // "Tamper-evident log"); payload becomes the event's canonical bytes
      // with its seq set. Rows stored before are chained and rewritten by
      // EventLog::ChainOlderEvents when the controller starts. The anchor
      // is the signed checkpoint of the last event retention deleted.
      R"sql(
ALTER TABLE events ADD COLUMN chain BLOB; -- NULL only until ChainOlderEvents
CREATE TABLE event_anchor(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,                   -- the last event deleted by retention
  checkpoint BLOB NOT NULL);              -- serialized v1::LogCheckpoint of chain(seq)
)sql",
  };
  return kMigrations;
}

StatusOr<v1::JobState> StoredJobState(const std::string& text) {
  StatusOr<v1::JobState> state = ParseJobState(text);
  if (!state.ok()) return Status::DataLoss("jobs.state: " + state.status().message());
  return state;
}

}  // namespace scanfleet
