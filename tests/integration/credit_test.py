"""Credit-driven dispatch on a real fleet (protocol version 2): a long job holds
one-slot worker `busy`; short jobs submitted after it all run on the other
worker, each on its first attempt (none was parked behind the busy worker until
its acceptance deadline requeued it), and the controller's counters show the
batching (`scanfleet stats`: one authenticator check per worker frame, a
session MAC once the worker is registered, several messages per frame)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
REPO = "https://noop.invalid/never-fetched.git"
SHORT_JOBS = 24
REGISTRY = {
    "scanners": {
        # A DAST-kind scanner (no checkout) that only waits; the target is never contacted.
        "hold": {"kind": "dast", "pool": "bench", "parser": "nuclei-jsonl",
                 "argv": ["/bin/sh", "-c", "sleep 120", "{target_url}"],
                 "version_argv": ["/bin/true"], "report": "stdout",
                 "exit_codes": {"clean": [0]}, "timeout_ms": 180000},
        "quick": {"kind": "sast", "pool": "bench", "builtin": "noop"},
    },
    "profiles": {"hold": ["hold"], "quick": ["quick"]},
}


class CreditTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)
        self.registry = os.path.join(self.fleet.tmp, "registry.json")
        with open(self.registry, "w") as f:
            json.dump(REGISTRY, f)
        self.fleet.start_controller("--scanner-registry", self.registry,
                                    "--dast-allow", "127.0.0.1", pools=("bench",))

    def start_worker(self, name):
        self.fleet.start_worker(name, slots=1, extra=(
            "--pools", "bench", "--scanner-registry", self.registry,
            "--dast-allow", "127.0.0.1", "--prefetch", "1"))

    def submit(self, *args):
        out = self.fleet.cli("submit", *args, "--json")
        return json.loads(out.stdout)["scan_id"]

    def test_short_jobs_flow_to_the_free_worker_while_another_holds_a_long_one(self):
        self.start_worker("busy")
        self.fleet.wait_for_workers(1)
        hold = self.submit("--target", "http://127.0.0.1:9/", "--profile", "hold")

        def running():
            jobs = self.fleet.cli_json("status", str(hold))["jobs"]
            return jobs[0] if jobs and jobs[0]["state"] == "running" else None
        held = harness.wait_until(running, 30, "the long job to run")
        self.assertEqual(held["worker_id"], "busy")

        self.start_worker("free")
        self.fleet.wait_for_workers(2)
        before = self.fleet.cli_json("stats")
        scans = [self.submit("--repo", REPO, "--ref", "main", "--profile", "quick")
                 for _ in range(SHORT_JOBS)]

        def finished():
            states = [self.fleet.cli_json("status", str(s)) for s in scans]
            return states if all(s["state"] in ("succeeded", "failed") for s in states) else None
        statuses = harness.wait_until(finished, 60, f"{SHORT_JOBS} short scans")
        for status in statuses:
            self.assertEqual(status["state"], "succeeded", status)
            (job,) = status["jobs"]
            self.assertEqual(job["worker_id"], "free", job)
            self.assertEqual(job["attempt"], 1, f"job {job['job_id']} was requeued: {job}")
        self.assertEqual(running()["worker_id"], "busy", "the long job kept running")

        after = self.fleet.cli_json("stats")
        frames = after["worker_frames"] - before["worker_frames"]
        messages = after["worker_messages"] - before["worker_messages"]
        signed = after["signatures_verified"] - before["signatures_verified"]
        macs = after["macs_verified"] - before["macs_verified"]
        self.assertGreaterEqual(after["assignments"] - before["assignments"], SHORT_JOBS)
        self.assertGreaterEqual(after["results"] - before["results"], SHORT_JOBS)
        self.assertEqual(signed + macs, frames, "one authenticator check per worker frame")
        if self.fleet.secure:
            # Registered workers MAC their frames in a session (only the frames
            # before a worker's hello ack arrived are signed).
            self.assertGreater(macs, signed)
            self.assertEqual(after["sessions_open"], 2)
        self.assertGreaterEqual(messages, frames)
        self.assertEqual(after["frames_rejected"], 0)
        self.fleet.cli("cancel", str(hold))


if __name__ == "__main__":
    unittest.main()
