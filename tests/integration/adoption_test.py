"""Finished work is never thrown away (issue 17 item 6), on a real fleet: a job
finishes while the controller is down, the result waits in the worker's spool,
the controller restarts and requeues the job when its acceptance window passes
(the worker is stopped meanwhile), and when the worker comes back its spooled
result of the superseded attempt is adopted: the scan succeeds on attempt 1 and
the scanner ran exactly once (no second attempt executed it)."""
import json
import os
import signal
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
ACCEPT_TIMEOUT_MS = 1500

# A DAST-kind scanner (no checkout; the target is never contacted) that counts
# its runs, then waits for the test's "go" file and reports nothing.
GATE = "echo run >> RUNS; while [ ! -f GO ]; do sleep 0.05; done"


class AdoptionTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)
        self.runs = os.path.join(self.fleet.tmp, "runs")
        self.go = os.path.join(self.fleet.tmp, "go")
        registry = {
            "scanners": {
                "gate": {"kind": "dast", "pool": "bench", "parser": "nuclei-jsonl",
                         "argv": ["/bin/sh", "-c",
                                  GATE.replace("RUNS", self.runs).replace("GO", self.go),
                                  "{target_url}"],
                         "version_argv": ["/bin/true"], "report": "stdout",
                         "exit_codes": {"clean": [0]}, "timeout_ms": 60000},
            },
            "profiles": {"gate": ["gate"]},
        }
        self.registry = os.path.join(self.fleet.tmp, "registry.json")
        with open(self.registry, "w") as f:
            json.dump(registry, f)

    def start_controller(self, **kwargs):
        self.fleet.start_controller("--scanner-registry", self.registry, "--dast-allow",
                                    "127.0.0.1", "--accept-timeout-ms", str(ACCEPT_TIMEOUT_MS),
                                    pools=("bench",), **kwargs)

    def job_state(self, scan_id):
        db = sqlite3.connect(f"file:{os.path.join(self.fleet.tmp, 'scanfleet.db')}?mode=ro",
                             uri=True, timeout=10)
        try:
            return db.execute("SELECT state, attempt FROM jobs WHERE scan_id = ?",
                              (scan_id,)).fetchone()
        finally:
            db.close()

    def runs_so_far(self):
        if not os.path.exists(self.runs):
            return 0
        with open(self.runs) as f:
            return sum(1 for _ in f)

    def test_a_result_finished_while_the_controller_was_down_is_adopted_after_the_window(self):
        fleet = self.fleet
        self.start_controller()
        # The scanner writes into this test's private directory as the worker's user.
        fleet.start_worker("w1", slots=1, extra=(
            "--pools", "bench", "--scanner-registry", self.registry, "--dast-allow", "127.0.0.1",
            "--scanner-user", "self"))
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--target", "http://127.0.0.1:9/", "--profile",
                                       "gate", "--json").stdout)["scan_id"]
        harness.wait_until(lambda: self.runs_so_far() == 1, 30, "the scanner to start")

        fleet.controller.send_signal(signal.SIGKILL)
        fleet.controller.wait()
        with open(self.go, "w"):
            pass
        spool = os.path.join(fleet.tmp, "work-w1", "spool")
        harness.wait_until(lambda: any(n.endswith(".result") for n in os.listdir(spool)), 30,
                           "the finished result in the worker's spool")
        # The worker stays away until the restarted controller gave up waiting
        # for the attempt's acceptance and requeued the job.
        worker = fleet.workers["w1"]
        worker.send_signal(signal.SIGSTOP)
        try:
            self.start_controller(ports=fleet.ports)
            harness.wait_until(lambda: self.job_state(scan_id)[0] == "queued", 30,
                               "the job requeued past its acceptance window")
        finally:
            worker.send_signal(signal.SIGCONT)

        def finished():
            status = fleet.cli_json("status", str(scan_id))
            return status if status["state"] in ("succeeded", "failed") else None
        status = harness.wait_until(finished, 30, "the scan to finish")
        self.assertEqual(status["state"], "succeeded", fleet.logs())
        (job,) = status["jobs"]
        self.assertEqual(job["attempt"], 1, f"a later attempt ran: {job}")
        self.assertEqual(self.runs_so_far(), 1, "the scanner ran again")
        with open(os.path.join(fleet.tmp, "controller.log")) as f:
            self.assertIn("adopted the result of superseded attempt 1", f.read())
        harness.wait_until(lambda: not any(n.endswith(".result") for n in os.listdir(spool)),
                           30, "the acknowledged result to leave the spool")


if __name__ == "__main__":
    unittest.main()
