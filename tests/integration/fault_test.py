"""Fault injection with real processes: a worker or the controller killed with -9
in the middle of a scan loses nothing and runs nothing twice."""
import collections
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

# A real bandit behind a wrapper that hangs before scanning, so the test can
# kill its worker while the job is certainly running there.
HANGING_BANDIT = """#!/bin/sh
if [ "$1" = "--version" ]; then exec /usr/bin/bandit --version; fi
echo $$ > "{marker}"
exec sleep 300
"""


def read_pid(path):
    """The pid a wrapper wrote, or None before it has."""
    try:
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text else None
    except FileNotFoundError:
        return None


class WorkerKillTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)

    def test_kill_9_worker_mid_scan_job_is_redispatched_and_completes_once(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        wrapper_dir = os.path.join(fleet.tmp, "hanging-bin")
        os.makedirs(wrapper_dir)
        marker = os.path.join(fleet.tmp, "hanging-started")
        wrapper = os.path.join(wrapper_dir, "bandit")
        with open(wrapper, "w") as f:
            f.write(HANGING_BANDIT.format(marker=marker))
        os.chmod(wrapper, stat.S_IRWXU)

        # The default liveness settings: 1 s heartbeats, dead after 3 missed.
        fleet.start_controller("--heartbeat-interval-ms", "1000", "--dead-after-missed", "3")
        fleet.start_worker("doomed", path_prefix=wrapper_dir)
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--repo", repo, "--ref", "main",
                                       "--profile", "python", "--json").stdout)["scan_id"]
        harness.wait_until(lambda: read_pid(marker), 30, "bandit to start on 'doomed'")
        # The killed worker cannot reap its scanner (no PR_SET_PDEATHSIG yet): do it here.
        hanging_pid = read_pid(marker)
        self.addCleanup(lambda: os.kill(hanging_pid, signal.SIGKILL)
                        if os.path.exists(f"/proc/{hanging_pid}") else None)
        status = fleet.cli_json("status", str(scan_id))
        self.assertEqual(status["jobs"][0]["worker_id"], "doomed")
        self.assertEqual(status["jobs"][0]["state"], "running")

        fleet.start_worker("survivor")
        fleet.wait_for_workers(2)
        killed_at = time.monotonic()
        killed_at_ms = time.time() * 1000
        fleet.workers["doomed"].send_signal(signal.SIGKILL)

        db = os.path.join(fleet.tmp, "scanfleet.db")

        def redispatched_ms():
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT accepted_ms FROM attempts WHERE job_id=? AND "
                                   "attempt=2 AND accepted_ms>0",
                                   (status["jobs"][0]["job_id"],)).fetchone()
            return row[0] if row else None
        running_again_ms = harness.wait_until(redispatched_ms, 30, "the job to run elsewhere")
        redispatch_s = (running_again_ms - killed_at_ms) / 1000
        print(f"worker killed -> job running on the survivor after {redispatch_s:.2f} s")
        self.assertLess(redispatch_s, 4.0, "re-dispatched within 4 s at default liveness")

        def finished():
            scan = fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in ("succeeded", "failed") else None
        scan = harness.wait_until(finished, 60, "the scan to finish on the survivor")
        recovered_s = time.monotonic() - killed_at
        job = scan["jobs"][0]
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(job["worker_id"], "survivor")
        self.assertEqual(job["attempt"], 2, "one lost attempt, one that completed")
        self.assertLess(recovered_s, 30)

        stored = fleet.cli_json("findings", str(scan_id))
        with tempfile.TemporaryDirectory() as checkout:
            subprocess.run(["git", "clone", "-q", repo, checkout], check=True)
            out = subprocess.run(["bandit", "-r", "-f", "json", "-q", "."], cwd=checkout,
                                 capture_output=True, text=True)
        direct = [(r["filename"][2:], r["line_number"], r["test_id"])
                  for r in json.loads(out.stdout)["results"]]
        self.assertEqual(collections.Counter((f["path"], f["line"], f["rule_id"]) for f in stored),
                         collections.Counter(direct), "findings stored exactly once")
        print(f"worker killed -> scan finished elsewhere in {recovered_s:.2f} s")


# A real bandit that waits for a "go" file before scanning, so the controller
# can be killed while the job is certainly in flight.
GATED_BANDIT = """#!/bin/sh
if [ "$1" = "--version" ]; then exec /usr/bin/bandit --version; fi
echo $$ > "{marker}"
while [ ! -e "{go}" ]; do sleep 0.05; done
exec /usr/bin/bandit "$@"
"""


class ControllerKillTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)

    def test_kill_9_controller_mid_scan_restart_finishes_scan_once(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        wrapper_dir = os.path.join(fleet.tmp, "gated-bin")
        os.makedirs(wrapper_dir)
        marker = os.path.join(fleet.tmp, "gated-started")
        go = os.path.join(fleet.tmp, "go")
        wrapper = os.path.join(wrapper_dir, "bandit")
        with open(wrapper, "w") as f:
            f.write(GATED_BANDIT.format(marker=marker, go=go))
        os.chmod(wrapper, stat.S_IRWXU)

        fleet.start_controller()
        fleet.start_worker("w1", path_prefix=wrapper_dir)
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--repo", repo, "--ref", "main",
                                       "--profile", "python", "--json").stdout)["scan_id"]
        harness.wait_until(lambda: os.path.exists(marker), 30, "bandit to start")

        fleet.controller.send_signal(signal.SIGKILL)
        fleet.controller.wait()
        fleet.start_controller(ports=fleet.ports)
        with open(go, "w"):
            pass  # let the scanner finish while the new controller runs

        def finished():
            scan = fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in ("succeeded", "failed") else None
        scan = harness.wait_until(finished, 60, "the scan to finish after the restart")
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["jobs"][0]["attempt"], 1,
                         "the in-flight attempt was adopted, not re-run")
        stored = fleet.cli_json("findings", str(scan_id))
        with tempfile.TemporaryDirectory() as checkout:
            subprocess.run(["git", "clone", "-q", repo, checkout], check=True)
            out = subprocess.run(["bandit", "-r", "-f", "json", "-q", "."], cwd=checkout,
                                 capture_output=True, text=True)
        direct = [(r["filename"][2:], r["line_number"], r["test_id"])
                  for r in json.loads(out.stdout)["results"]]
        self.assertEqual(collections.Counter((f["path"], f["line"], f["rule_id"]) for f in stored),
                         collections.Counter(direct), "findings stored exactly once")


class HungWorkerTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)

    def test_sigstop_worker_loses_lease_and_its_late_attempt_is_stale(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        wrapper_dir = os.path.join(fleet.tmp, "gated-bin")
        os.makedirs(wrapper_dir)
        marker = os.path.join(fleet.tmp, "gated-started")
        go = os.path.join(fleet.tmp, "go")
        with open(os.path.join(wrapper_dir, "bandit"), "w") as f:
            f.write(GATED_BANDIT.format(marker=marker, go=go))
        os.chmod(os.path.join(wrapper_dir, "bandit"), stat.S_IRWXU)

        fleet.start_controller()
        fleet.start_worker("sleeper", path_prefix=wrapper_dir)
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--repo", repo, "--ref", "main",
                                       "--profile", "python", "--json").stdout)["scan_id"]
        harness.wait_until(lambda: read_pid(marker), 30, "bandit to start on 'sleeper'")
        scanner_pid = read_pid(marker)
        self.addCleanup(lambda: os.kill(scanner_pid, signal.SIGKILL)
                        if os.path.exists(f"/proc/{scanner_pid}") else None)
        sleeper = fleet.workers["sleeper"]
        sleeper.send_signal(signal.SIGSTOP)  # hung: TCP stays up, nothing is sent
        self.addCleanup(lambda: sleeper.poll() is None and sleeper.send_signal(signal.SIGCONT))
        fleet.start_worker("awake")

        def finished():
            scan = fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in ("succeeded", "failed") else None
        scan = harness.wait_until(finished, 60, "the scan to finish on 'awake'")
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["jobs"][0]["worker_id"], "awake")
        live_attempt = scan["jobs"][0]["attempt"]
        self.assertGreaterEqual(live_attempt, 2)
        findings_before = len(fleet.cli_json("findings", str(scan_id)))

        # The sleeper wakes up and its scanner finishes: its result is stale.
        sleeper.send_signal(signal.SIGCONT)
        with open(go, "w"):
            pass
        db = os.path.join(fleet.tmp, "scanfleet.db")

        def attempt_one_outcome():
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT outcome FROM attempts WHERE job_id=? AND attempt=1",
                                   (scan["jobs"][0]["job_id"],)).fetchone()
            return row[0] if row and row[0] == "stale" else None
        harness.wait_until(attempt_one_outcome, 30, "the sleeper's late result to be recorded")
        after = fleet.cli_json("status", str(scan_id))
        self.assertEqual(after["state"], "succeeded")
        self.assertEqual(after["jobs"][0]["attempt"], live_attempt)
        self.assertEqual(after["jobs"][0]["worker_id"], "awake")
        self.assertEqual(len(fleet.cli_json("findings", str(scan_id))), findings_before,
                         "the stale result added nothing")


if __name__ == "__main__":
    unittest.main(verbosity=2)
