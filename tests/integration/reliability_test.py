"""Reliability with real processes: poison jobs are dead-lettered without
slowing the queue, `scanfleet retry` and `scanfleet cancel` work on a live
fleet, SIGTERM drains a worker, spooled results survive a controller and a
worker dying together, and a run of thousands of jobs with repeated kill -9 of
the controller and of workers ends with every job done exactly once."""
import json
import os
import signal
import sqlite3
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import chaos  # noqa: E402
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

# Crashes (SIGSEGV) when it is given the poisoned commit's poison.py (bandit
# reads only the files it is given, and its jobs check out only those), unless
# the test created the "fixed" file; counts its runs; otherwise the real bandit.
CRASHING_BANDIT = """#!/bin/sh
if [ "$1" = "--version" ]; then exec /usr/bin/bandit --version; fi
case " $* " in *" ./poison.py "*) poisoned=1 ;; *) poisoned= ;; esac
if [ -n "$poisoned" ] && [ ! -f "{fixed}" ]; then
  echo "run at $(date +%s%3N)" >> "{runs}"
  echo "Fatal Python error: Segmentation fault (simulated)" >&2
  kill -SEGV $$
fi
exec /usr/bin/bandit "$@"
"""

# Writes its pid, then waits for a "go" file before running the real bandit;
# counts its runs.
GATED_BANDIT = """#!/bin/sh
if [ "$1" = "--version" ]; then exec /usr/bin/bandit --version; fi
echo run >> "{runs}"
echo $$ > "{marker}"
while [ ! -f "{go}" ]; do sleep 0.05; done
exec /usr/bin/bandit "$@"
"""


def write_script(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, stat.S_IRWXU)


def read_pid(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return int(text) if text else None
    except FileNotFoundError:
        return None


def count_lines(path):
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def query(fleet, sql, *args):
    with sqlite3.connect(os.path.join(fleet.tmp, "scanfleet.db")) as conn:
        return conn.execute(sql, args).fetchall()


class FleetTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)
        self.repo = os.path.join(self.fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), self.repo)

    def submit(self, repo=None):
        return json.loads(self.fleet.cli("submit", "--repo", repo or self.repo, "--ref", "main",
                                         "--profile", "python", "--json").stdout)["scan_id"]

    def wait_for_state(self, scan_id, states, timeout_s=60):
        def reached():
            scan = self.fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in states else None
        return harness.wait_until(reached, timeout_s, f"scan {scan_id} to reach {states}")

    def gated(self, name="gated"):
        paths = {k: os.path.join(self.fleet.tmp, f"{name}-{k}") for k in ("marker", "go", "runs")}
        bin_dir = os.path.join(self.fleet.tmp, f"{name}-bin")
        write_script(os.path.join(bin_dir, "bandit"), GATED_BANDIT.format(**paths))
        return bin_dir, paths


class PoisonJobTest(FleetTest):
    def test_crashing_scanner_is_tried_max_attempts_with_growing_delays_then_dead_lettered(self):
        fleet = self.fleet
        poison_repo = os.path.join(fleet.tmp, "poison-src")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), poison_repo)
        with open(os.path.join(poison_repo, "poison.py"), "w") as f:
            f.write("print('poison')\n")
        harness.git(poison_repo, "add", "poison.py")
        harness.git(poison_repo, "commit", "-q", "-m", "poison")
        fixed = os.path.join(fleet.tmp, "fixed")
        runs = os.path.join(fleet.tmp, "poison-runs")
        bin_dir = os.path.join(fleet.tmp, "crash-bin")
        write_script(os.path.join(bin_dir, "bandit"), CRASHING_BANDIT.format(fixed=fixed, runs=runs))

        fleet.start_controller("--max-failures", "3", "--backoff-base-ms", "800")
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir)
        fleet.wait_for_workers(1)
        poison = self.submit(poison_repo)
        healthy = [self.submit() for _ in range(4)]
        for scan_id in healthy:
            scan = self.wait_for_state(scan_id, ("succeeded", "failed"))
            self.assertEqual(scan["state"], "succeeded", fleet.logs())
        healthy_done_ms = max(fleet.cli_json("status", str(s))["finished_ms"] for s in healthy)

        scan = self.wait_for_state(poison, ("failed", "succeeded"))
        self.assertEqual(scan["state"], "failed")
        job = scan["jobs"][0]
        self.assertEqual(job["state"], "dead")
        self.assertEqual(job["attempt"], 3, "tried exactly max-attempts times")
        self.assertEqual(job["failures"], 3)
        self.assertIn("signal", job["error"])
        self.assertIn("Segmentation fault (simulated)", job["output_tail"])
        self.assertEqual(count_lines(runs), 3)
        self.assertLess(healthy_done_ms, scan["finished_ms"],
                        "the healthy scans did not wait for the poison job's retries")
        # Delays between attempts grow: backoff 800 ms then 1600 ms, jittered
        # within the upper half ([400, 800] then [800, 1600]).
        rows = query(fleet, "SELECT dispatched_ms, finished_ms FROM attempts WHERE job_id=? "
                     "ORDER BY attempt", job["job_id"])
        gaps = [rows[i + 1][0] - rows[i][1] for i in range(len(rows) - 1)]
        self.assertEqual(len(gaps), 2)
        self.assertGreaterEqual(gaps[0], 400)
        self.assertGreaterEqual(gaps[1], 800)
        events = query(fleet, "SELECT COUNT(*) FROM events WHERE topic='job.dead_lettered' AND "
                       "job_id=?", job["job_id"])
        self.assertEqual(events[0][0], 1)
        human = fleet.cli("status", str(poison)).stdout
        self.assertIn("dead", human)
        self.assertIn(f"scanfleet retry {poison}", human)

        # The operator fixes the cause and retries the dead job: it succeeds.
        with open(fixed, "w"):
            pass
        retried = fleet.cli_json("retry", str(poison))
        self.assertEqual(retried["requeued"], [job["job_id"]])
        scan = self.wait_for_state(poison, ("succeeded", "failed"))
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["jobs"][0]["attempt"], 4, "attempt numbers keep counting")
        again = fleet.cli("retry", str(poison), check=False)
        self.assertEqual(again.returncode, 2)
        self.assertIn("no dead job", again.stderr)


class CancelTest(FleetTest):
    def test_cancel_kills_the_running_scanner_and_ends_the_scan_cancelled(self):
        fleet = self.fleet
        bin_dir, paths = self.gated()
        fleet.start_controller()
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir)
        fleet.wait_for_workers(1)
        running = self.submit()
        queued = self.submit()  # waits behind it: one slot
        harness.wait_until(lambda: read_pid(paths["marker"]), 30, "the scanner to start")
        scanner_pid = read_pid(paths["marker"])
        out = fleet.cli_json("cancel", str(running))
        self.assertEqual(out["jobs_cancelled"], 1)
        self.assertEqual(out["attempts_stopped"], 1)
        harness.wait_until(lambda: not os.path.exists(f"/proc/{scanner_pid}"), 15,
                           "the cancelled scanner process to be killed")
        scan = fleet.cli_json("status", str(running))
        self.assertEqual(scan["state"], "cancelled")
        self.assertEqual(scan["jobs"][0]["state"], "cancelled")
        # The freed slot runs the next scan; cancelling a finished scan is refused.
        with open(paths["go"], "w"):
            pass
        self.assertEqual(self.wait_for_state(queued, ("succeeded", "failed"))["state"],
                         "succeeded", fleet.logs())
        again = fleet.cli("cancel", str(queued), check=False)
        self.assertEqual(again.returncode, 2)
        self.assertIn("already ended", again.stderr)
        self.assertEqual(fleet.cli_json("status", str(running))["state"], "cancelled")


class DrainTest(FleetTest):
    def test_sigterm_lets_the_running_job_finish_then_the_worker_exits(self):
        fleet = self.fleet
        bin_dir, paths = self.gated()
        fleet.start_controller()
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir)
        fleet.wait_for_workers(1)
        scan_id = self.submit()
        harness.wait_until(lambda: read_pid(paths["marker"]), 30, "the scanner to start")
        worker = fleet.workers["w1"]
        worker.send_signal(signal.SIGTERM)
        second = self.submit()  # must not be taken by the draining worker
        harness.wait_until(lambda: any(w["worker_id"] == "w1" and w.get("draining")
                                       for w in fleet.cli_json("workers")),
                           15, "the controller to see w1 draining")
        with open(paths["go"], "w"):
            pass
        self.assertEqual(worker.wait(timeout=60), 0, fleet.logs())
        scan = self.wait_for_state(scan_id, ("succeeded", "failed"))
        self.assertEqual(scan["state"], "succeeded")
        self.assertEqual(scan["jobs"][0]["attempt"], 1, "finished, not handed back")
        self.assertEqual(fleet.cli_json("status", str(second))["state"], "queued")
        fleet.start_worker("w2", slots=1)
        self.assertEqual(self.wait_for_state(second, ("succeeded", "failed"))["state"],
                         "succeeded")

    def test_past_the_grace_period_a_running_job_is_handed_back_and_runs_elsewhere(self):
        fleet = self.fleet
        bin_dir, paths = self.gated()
        fleet.start_controller()
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir,
                           extra=["--drain-grace-ms", "500"])
        fleet.wait_for_workers(1)
        scan_id = self.submit()
        harness.wait_until(lambda: read_pid(paths["marker"]), 30, "the scanner to start")
        scanner_pid = read_pid(paths["marker"])
        worker = fleet.workers["w1"]
        worker.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait(timeout=30), 0, fleet.logs())
        self.assertFalse(os.path.exists(f"/proc/{scanner_pid}"), "the scanner was stopped")
        rows = query(fleet, "SELECT outcome, error FROM attempts WHERE attempt=1")
        self.assertEqual(rows[0][0], "requeued", rows)
        self.assertEqual(fleet.cli_json("status", str(scan_id))["jobs"][0]["failures"], 0,
                         "a hand-back is not the job's failure")
        fleet.start_worker("w2", slots=1)
        scan = self.wait_for_state(scan_id, ("succeeded", "failed"))
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["jobs"][0]["worker_id"], "w2")


class SpoolTest(FleetTest):
    def test_result_spooled_on_disk_survives_controller_and_worker_killed_together(self):
        fleet = self.fleet
        bin_dir, paths = self.gated()
        fleet.start_controller()
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir)
        fleet.wait_for_workers(1)
        scan_id = self.submit()
        harness.wait_until(lambda: read_pid(paths["marker"]), 30, "the scanner to start")
        # The controller dies: the result the worker is about to send has no
        # one to receive it, and ZeroMQ keeps nothing across processes.
        fleet.controller.send_signal(signal.SIGKILL)
        fleet.controller.wait()
        spool = os.path.join(fleet.tmp, "work-w1", "spool")
        with open(paths["go"], "w"):
            pass
        harness.wait_until(lambda: os.path.isdir(spool) and any(
            n.endswith(".result") for n in os.listdir(spool)), 60, "the result to be spooled")
        worker = fleet.workers["w1"]
        worker.send_signal(signal.SIGKILL)  # its memory is gone too
        worker.wait()
        fleet.start_controller(ports=fleet.ports)
        fleet.start_worker("w1", slots=1, path_prefix=bin_dir)
        scan = self.wait_for_state(scan_id, ("succeeded", "failed"))
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["jobs"][0]["attempt"], 1, "the spooled result was used")
        self.assertEqual(count_lines(paths["runs"]), 1, "the scanner ran once")
        self.assertGreater(scan["findings"], 0)
        harness.wait_until(lambda: not any(n.endswith(".result") for n in os.listdir(spool)),
                           30, "the acknowledged result to leave the spool")


class ChaosTest(unittest.TestCase):
    def test_thousands_of_jobs_with_repeated_kill_9_end_exactly_once(self):
        jobs = int(os.environ.get("SCANFLEET_CHAOS_JOBS", "2000"))
        audit = chaos.run(BUILD, jobs=jobs, controller_kills=5, worker_kills=2, seed=20261123,
                          log=lambda m: print(m, file=sys.stderr, flush=True))
        print(json.dumps(audit), file=sys.stderr)
        self.assertEqual(audit["controller_kills"], 5)
        self.assertEqual(audit["worker_kills"], 2)
        self.assertEqual(audit["jobs_lost"], 0, audit)
        self.assertEqual(audit["jobs_duplicated"], 0, audit)
        self.assertEqual(audit["job_states"], {"succeeded": jobs}, audit)
        self.assertEqual(audit["findings_stored"], audit["findings_expected"], audit)
        self.assertEqual(audit["finding_events"], audit["findings_expected"], audit)
        self.assertEqual(audit["jobs_with_wrong_findings"], 0, audit)


if __name__ == "__main__":
    unittest.main(verbosity=2)
