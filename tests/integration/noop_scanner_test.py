"""The builtin noop scanner on a real fleet (controller + worker, keys, loopback):
a `noop` scan succeeds with no repository fetched and no scanner installed; a
registry overlay with builtin_findings stores exactly that many distinct
findings; a worker that does not pull the `bench` pool never gets the job."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
REPO = "https://noop.invalid/never-fetched.git"


class NoopScannerTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)
        self.registry = os.path.join(self.fleet.tmp, "registry.json")
        with open(self.registry, "w") as f:
            json.dump({"scanners": {"noop-37": {"kind": "sast", "pool": "bench",
                                                "builtin": "noop", "builtin_findings": 37}},
                       "profiles": {"noop-37": ["noop-37"]}}, f)
        self.fleet.start_controller("--scanner-registry", self.registry,
                                    pools=("bench", "sast"))

    def submit(self, profile):
        out = self.fleet.cli("submit", "--repo", REPO, "--ref", "main", "--profile", profile,
                             "--json")
        return json.loads(out.stdout)["scan_id"]

    def wait_state(self, scan_id, states=("succeeded", "failed")):
        def state():
            status = self.fleet.cli_json("status", str(scan_id))
            return status if status["state"] in states else None
        return harness.wait_until(state, 30, f"scan {scan_id} to finish")

    def test_noop_scan_runs_without_checkout_and_stores_its_findings(self):
        # A sast-only worker does not serve the bench pool: it is offered no noop job.
        self.fleet.start_worker("sast-only", extra=("--pools", "sast"))
        self.fleet.start_worker("bench", extra=("--pools", "bench", "--scanner-registry",
                                                self.registry))
        self.fleet.wait_for_workers(2)
        plain = self.submit("noop")
        many = self.submit("noop-37")
        status = self.wait_state(plain)
        self.assertEqual(status["state"], "succeeded", status)
        self.assertEqual(self.fleet.cli_json("findings", str(plain)), [])
        status = self.wait_state(many)
        self.assertEqual(status["state"], "succeeded", status)
        findings = self.fleet.cli_json("findings", str(many))
        self.assertEqual(len(findings), 37)
        self.assertEqual(len({f["fingerprint"] for f in findings}), 37)
        self.assertTrue(all(f["tool"] == "noop-37" for f in findings))
        for scan in (plain, many):
            jobs = self.fleet.cli_json("status", str(scan))["jobs"]
            self.assertEqual([j["worker_id"] for j in jobs], ["bench"], jobs)

if __name__ == "__main__":
    unittest.main()
