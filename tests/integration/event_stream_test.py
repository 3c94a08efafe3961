"""Event stream fault tests with real processes and many findings: every
subscriber ends with exactly the stored events, in seq order, with no gap and
no duplicate, whether it
  * joins late, after 10,000 findings are stored (`scanfleet tail --from-seq 0`),
  * is SIGSTOPped for 30 s while 50,000 findings are published (its SUB queue
    and the controller's PUB high-water mark overflow; the follower must refill
    from the store after SIGCONT),
  * is a `scanfleet siem` bridge killed with -9 mid-stream and restarted with
    the same cursor (ECS file sink, --max-batch 1).
Findings come from a fake SARIF scanner in a custom registry: five scanners in
one profile, 2,000 results each with distinct rules and lines, so one scan
stores 10,000 findings in five job results (well under the 16 MiB frame limit
and the 10,000-event replay limit per request). Figures measured (publish
rate, catch-up time) are printed on stderr."""
import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

SCANNERS = ["flood-a", "flood-b", "flood-c", "flood-d", "flood-e"]
RESULTS_PER_JOB = 2000
FINDINGS_PER_SCAN = len(SCANNERS) * RESULTS_PER_JOB  # 10,000
STALL_SCANS = 5  # 50,000 findings while the subscriber is stopped
STALL_S = 30

# argv: flood WORKSPACE TOOL COUNT. Prints SARIF with COUNT results, each with
# its own rule, file and line, so every fingerprint differs.
FLOOD = r'''#!/usr/bin/env python3
import json, sys
if sys.argv[1:] == ["--version"]:
    print("flood 1.0")
    sys.exit(0)
tool, count = sys.argv[2], int(sys.argv[3])
results = [{"ruleId": "FL%05d" % i, "level": ("error", "warning", "note")[i % 3],
            "message": {"text": "%s finding %d" % (tool, i)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "src/m%03d.py" % (i % 100)},
                "region": {"startLine": i + 1}}}]} for i in range(count)]
print(json.dumps({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": tool, "version": "1.0"}}, "results": results}]}))
'''

TERMINAL = ("succeeded", "failed", "cancelled")


class EventStreamFaultTest(unittest.TestCase):
    """One fleet for all three cases (each starts after the events of the
    previous ones); the names order them."""

    @classmethod
    def setUpClass(cls):
        fleet = cls.fleet = harness.Fleet(BUILD)
        bin_dir = os.path.join(fleet.tmp, "bin")
        os.makedirs(bin_dir)
        flood = os.path.join(bin_dir, "flood")
        with open(flood, "w") as f:
            f.write(FLOOD)
        os.chmod(flood, 0o700)
        registry = os.path.join(fleet.tmp, "registry.json")
        with open(registry, "w") as f:
            json.dump({"scanners": {name: {
                "kind": "sast", "pool": "sast", "parser": "sarif",
                "argv": ["flood", "{workspace}", name,
                         str(1 if name == "probe" else RESULTS_PER_JOB)],
                "version_argv": ["flood", "--version"],
                "exit_codes": {"clean": [0]}} for name in SCANNERS + ["probe"]},
                "profiles": {"flood": SCANNERS, "probe": ["probe"]}}, f)
        cls.repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), cls.repo)
        try:
            fleet.start_controller("--scanner-registry", registry)
            fleet.start_worker("w1", slots=3, path_prefix=bin_dir,
                               extra=["--scanner-registry", registry])
            fleet.wait_for_workers(1)
        except Exception:
            print(fleet.logs())
            fleet.stop()
            fleet.cleanup()
            raise
        cls.database = os.path.join(fleet.tmp, "scanfleet.db")

    @classmethod
    def tearDownClass(cls):
        cls.fleet.stop()
        cls.fleet.cleanup()

    def tearDown(self):
        if hasattr(self, "_outcome") and any(
                err for _, err in getattr(self._outcome, "errors", [])):
            print(self.fleet.logs())

    # --- helpers -------------------------------------------------------------

    def submit(self, profile="flood"):
        out = self.fleet.cli("submit", "--repo", self.repo, "--ref", "main", "--profile", profile,
                             "--json")
        return json.loads(out.stdout)["scan_id"]

    def wait_scans_done(self, scan_ids, timeout_s):
        def done():
            states = [self.fleet.cli_json("status", str(s))["state"] for s in scan_ids]
            return states if all(state in TERMINAL for state in states) else None
        states = harness.wait_until(done, timeout_s, f"scans {scan_ids} to finish")
        self.assertEqual(states, ["succeeded"] * len(scan_ids))

    def stored(self, after_seq=0, through_seq=None, prefixes=("finding.", "scan.")):
        """Stored (seq, topic, scan_id) with seq > after_seq, in seq order."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute("SELECT seq, topic, scan_id FROM events WHERE seq > ? ORDER BY seq",
                              (after_seq,)).fetchall()
        return [r for r in rows if r[1].startswith(prefixes)
                and (through_seq is None or r[0] <= through_seq)]

    def stored_findings(self, scan_ids):
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30) as db:
            marks = ",".join("?" * len(scan_ids))
            return db.execute(f"SELECT COUNT(*) FROM findings WHERE scan_id IN ({marks})",
                              scan_ids).fetchone()[0]

    def newest_seq(self):
        rows = self.stored(prefixes=("",))
        return rows[-1][0] if rows else 0

    def tail(self, name, *args):
        out_path = os.path.join(self.fleet.tmp, name + ".out")
        out = open(out_path, "w")
        self.addCleanup(out.close)
        proc = self.fleet.spawn("scanfleet", ["--controller", self.fleet.api, "tail",
                                              "--all-events", *args], name + ".log", stdout=out)
        return proc, out_path

    def lines(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def assert_exactly_stored(self, printed, expected, what):
        """printed: (seq, topic, scan_id) in output order; expected: stored rows."""
        seqs = [p[0] for p in printed]
        duplicates = [seq for seq, n in collections.Counter(seqs).items() if n > 1]
        self.assertEqual(duplicates, [], f"{what}: duplicate seqs")
        self.assertEqual(seqs, sorted(seqs), f"{what}: out of order")
        missing = sorted({e[0] for e in expected} - set(seqs))
        self.assertEqual(missing[:20], [], f"{what}: {len(missing)} stored events missing")
        self.assertEqual(printed, expected, f"{what}: not exactly the stored events")

    # --- the cases -----------------------------------------------------------

    def test_1_late_joiner_replays_10000_findings(self):
        start = time.monotonic()
        scan_id = self.submit()
        self.wait_scans_done([scan_id], 120)
        published_s = time.monotonic() - start
        self.assertEqual(self.stored_findings([scan_id]), FINDINGS_PER_SCAN)
        print(f"\n{FINDINGS_PER_SCAN} findings stored and published in {published_s:.1f}s "
              f"({FINDINGS_PER_SCAN / published_s:.0f}/s)", file=sys.stderr)

        start = time.monotonic()
        proc, out = self.tail("late", "--from-seq", "0", "--until-scan-done", str(scan_id))
        self.assertEqual(proc.wait(timeout=120), 0)
        print(f"late joiner: replayed from seq 0 in {time.monotonic() - start:.1f}s",
              file=sys.stderr)
        printed = [(e["seq"], e["topic"], e["scan_id"]) for e in self.lines(out)]
        expected = self.stored()
        expected = [e for e in expected if e[0] <= printed[-1][0]] if printed else expected
        self.assertEqual(printed[-1][1], "scan.succeeded")
        self.assert_exactly_stored(printed, expected, "late joiner")
        self.assertEqual(sum(1 for p in printed if p[1].startswith("finding.")), FINDINGS_PER_SCAN)
        self.assertEqual([p[0] for p in printed], list(range(1, len(printed) + 1)),
                         "every seq 1..N exactly once")

    def test_2_stalled_subscriber_catches_up_on_50000_findings(self):
        now = self.newest_seq()
        total = STALL_SCANS * FINDINGS_PER_SCAN
        proc, out = self.tail("stalled", "--from-seq", str(now), "--max-findings", str(total + 1))
        stopped_at = None
        try:
            # A one-finding probe scan shows the subscriber live before it stops.
            probe = self.submit("probe")
            harness.wait_until(lambda: any(e["topic"] == "scan.succeeded" and e["scan_id"] == probe
                                           for e in self.lines(out)), 60,
                               "the subscriber to print the probe scan's end")
            proc.send_signal(signal.SIGSTOP)
            stopped_at = time.monotonic()
            printed_before = len(self.lines(out))
            scan_ids = [self.submit() for _ in range(STALL_SCANS)]
            self.wait_scans_done(scan_ids, 200)
            published_s = time.monotonic() - stopped_at
            self.assertEqual(self.stored_findings(scan_ids), total)
            print(f"\n{total} findings stored and published in {published_s:.1f}s "
                  f"({total / published_s:.0f}/s) while the subscriber was stopped",
                  file=sys.stderr)
            harness.wait_until(lambda: time.monotonic() - stopped_at >= STALL_S, STALL_S + 5,
                               f"{STALL_S}s since SIGSTOP")
            stopped_s = time.monotonic() - stopped_at
        finally:
            if stopped_at is not None:
                proc.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        self.assertEqual(proc.wait(timeout=180), 0)
        print(f"stalled subscriber: stopped {stopped_s:.1f}s, caught up "
              f"{len(self.lines(out)) - printed_before} events in "
              f"{time.monotonic() - resumed:.1f}s after SIGCONT", file=sys.stderr)
        printed = [(e["seq"], e["topic"], e["scan_id"]) for e in self.lines(out)]
        self.assertTrue(printed[-1][1].startswith("finding."))
        self.assert_exactly_stored(printed, self.stored(now, printed[-1][0]), "stalled subscriber")
        self.assertEqual(sum(1 for p in printed if p[1].startswith("finding.")), total + 1)
        with open(os.path.join(self.fleet.tmp, "stalled.log")) as f:
            log = f.read()
        self.assertNotIn("deleted by the controller's retention", log)

    def test_3_siem_bridge_killed_mid_stream_resumes_from_cursor(self):
        fleet = self.fleet
        now = self.newest_seq()
        ecs = os.path.join(fleet.tmp, "findings.ecs.jsonl")
        cursor = os.path.join(fleet.tmp, "siem.cursor")

        def bridge(name):
            return fleet.spawn("scanfleet", [
                "--controller", fleet.api, "siem", "--sink", f"file:{ecs}?format=ecs",
                "--cursor", cursor, "--from-seq", str(now), "--topics", "finding.",
                "--max-batch", "1"], name + ".log")

        def written():
            if not os.path.exists(ecs):
                return 0
            with open(ecs, "rb") as f:
                return f.read().count(b"\n")

        first = bridge("bridge1")
        scan_id = self.submit()
        harness.wait_until(lambda: written() >= 1000, 120, "1,000 ECS lines before the kill")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        before_kill = written()
        with open(ecs, "rb") as f:
            whole = f.read()
        last_line_seq = json.loads(whole[:whole.rfind(b"\n")].rsplit(b"\n", 1)[-1])["scanfleet"]["seq"]
        with open(cursor) as f:
            cursor_at_kill = int(f.read())
        self.assertLess(before_kill, FINDINGS_PER_SCAN, "killed mid-stream, not after the end")
        start = time.monotonic()
        second = bridge("bridge2")
        self.wait_scans_done([scan_id], 120)
        stored = self.stored(now, prefixes=("finding.",))
        self.assertEqual(len(stored), FINDINGS_PER_SCAN)
        harness.wait_until(lambda: written() >= len(stored), 180, "every finding in the ECS file")
        # The cursor reaching the last finding's seq means the bridge is idle.
        def cursor_seq():
            with open(cursor) as f:
                return int(f.read())
        # Filtered-out scan events count as done, so the cursor may pass the last finding.
        harness.wait_until(lambda: cursor_seq() >= stored[-1][0], 30,
                           "the cursor to reach the last finding")
        resumed_s = time.monotonic() - start
        second.send_signal(signal.SIGTERM)
        self.assertEqual(second.wait(timeout=20), 0)

        with open(ecs) as f:
            lines = [json.loads(line) for line in f]  # every line whole: json.loads fails else
        # Log checkpoints pass every topic filter (they make the file verifiable).
        records = [r for r in lines if r["event"]["action"] != "log.checkpoint"]
        seqs = [r["scanfleet"]["seq"] for r in records]
        counts = collections.Counter(seqs)
        duplicates = sorted(seq for seq, n in counts.items() if n > 1)
        print(f"\nsiem bridge: {before_kill} lines before kill -9 (last seq {last_line_seq}, "
              f"cursor {cursor_at_kill}: {'inside' if last_line_seq > cursor_at_kill else 'outside'}"
              f" the fsync-to-cursor window), {len(records)} in the end "
              f"({resumed_s:.1f}s to finish after the restart), duplicates {duplicates}",
              file=sys.stderr)
        self.assertEqual(sorted(counts), [s[0] for s in stored], "no gap, nothing foreign")
        # A kill -9 between the file's fsync and the cursor's save hands the
        # sink that event again on restart; the file sink resumes after its
        # last line's seq (docs/SIEM.md), so the file holds each one once.
        self.assertEqual(duplicates, [], "no event written twice across the kill -9")
        self.assertEqual(seqs, sorted(seqs), "in seq order")
        for record in records:
            self.assertEqual(record["scanfleet"]["scan_id"], scan_id)
        # The file, written across a kill -9 with a topic filter, verifies
        # against the controller's key (the events it left out by digest).
        if fleet.secure:
            audit = fleet.cli("verify-log", "--json", "--file", ecs, check=False)
            self.assertEqual(audit.returncode, 0, audit.stdout + audit.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
