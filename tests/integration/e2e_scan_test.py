"""End to end: a real controller and two real workers scan the sample repo with
real flawfinder and bandit; the stored findings and a subscriber's stream must
equal, one for one, what the scanners report when run directly on the same
checkout."""
import collections
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def clean(path):
    while path.startswith("./"):
        path = path[2:]
    return path


def flawfinder_direct(checkout):
    out = subprocess.run(["flawfinder", "--csv", "."], cwd=checkout, capture_output=True,
                         text=True, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    return [(clean(r["File"]), int(r["Line"]), r["RuleId"]) for r in rows]


def bandit_direct(checkout):
    out = subprocess.run(["bandit", "-r", "-f", "json", "-q", "."], cwd=checkout,
                         capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    return [(clean(r["filename"]), r["line_number"], r["test_id"])
            for r in json.loads(out.stdout)["results"]]


class EndToEndScanTest(harness.FleetTestCase):
    def test_scan_equals_direct_scanner_output(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        commit = harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        work_dirs = [fleet.start_worker("w1"), fleet.start_worker("w2")]
        fleet.wait_for_workers(2)

        stream_path = os.path.join(fleet.tmp, "stream.jsonl")
        with open(stream_path, "w") as stream:
            subscriber = fleet.spawn("scanfleet", ["--controller", fleet.api, "tail",
                                                   "--from-seq", "0", "--until-scan-done", "1"],
                                     "subscriber.log", stdout=stream)
            submitted = fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json",
                                  check=False)
            self.assertEqual(submitted.returncode, 0, submitted.stderr + fleet.logs())
            scan = json.loads(submitted.stdout)
            subscriber.wait(timeout=60)
        self.assertEqual(scan["state"], "succeeded")
        self.assertEqual(scan["jobs_done"], 2)
        for job in scan["jobs"]:
            self.assertEqual(job["resolved_commit"], commit)
            self.assertEqual(job["state"], "succeeded")
            self.assertEqual(job["skipped_records"], 0, "the parsers understood every record")

        stored = fleet.cli_json("findings", str(scan["scan_id"]))
        with tempfile.TemporaryDirectory() as checkout:
            subprocess.run(["git", "clone", "-q", repo, checkout], check=True)
            expected = {"flawfinder": flawfinder_direct(checkout),
                        "bandit": bandit_direct(checkout)}
        self.assertGreater(len(expected["flawfinder"]), 10)
        self.assertGreater(len(expected["bandit"]), 5)

        for tool, direct in expected.items():
            ours = [(f["path"], f["line"], f["rule_id"]) for f in stored if f["tool"] == tool]
            self.assertEqual(collections.Counter(ours), collections.Counter(direct),
                             f"{tool}: stored findings differ from the tool's own output")
        self.assertEqual(len(stored), sum(len(v) for v in expected.values()))
        self.assertEqual(scan["findings"], len(stored))
        self.assertEqual(len({f["fingerprint"] for f in stored}), len(stored),
                         "every finding has its own fingerprint")

        with open(stream_path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        seqs = [line["seq"] for line in lines]
        self.assertEqual(len(seqs), len(set(seqs)), "no event delivered twice")
        self.assertEqual(seqs, sorted(seqs), "events arrive in order")
        received = collections.Counter(json.dumps(line["finding"], sort_keys=True)
                                       for line in lines)
        self.assertEqual(received, collections.Counter(json.dumps(f, sort_keys=True)
                                                       for f in stored),
                         "the subscriber received exactly the stored findings")

        # Workspaces are removed once their jobs are done.
        for work_dir in work_dirs:
            # The result spool lives there too; it is empty once results are acknowledged.
            leftovers = [n for n in (os.listdir(work_dir) if os.path.isdir(work_dir) else [])
                         if n != "spool"]
            spool = os.path.join(work_dir, "spool")
            if os.path.isdir(spool):
                harness.wait_until(
                    lambda: not [n for n in os.listdir(spool) if n.endswith(".result")], 10,
                    "acknowledged results to leave the spool")
            self.assertEqual(leftovers, [], f"workspace left behind in {work_dir}")

    def test_cli_reports_unreachable_controller_clearly(self):
        out = subprocess.run([self.fleet.bin("scanfleet"), "--controller", "tcp://127.0.0.1:9",
                              "--insecure-dev", "--timeout-ms", "300", "workers"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 4)
        self.assertIn("did not answer", out.stderr)

    def test_bad_submission_is_refused_and_nothing_is_queued(self):
        fleet = self.fleet
        fleet.start_controller()
        out = fleet.cli("submit", "--repo", "--upload-pack=touch /tmp/pwned", "--ref", "main",
                        check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("must not start with '-'", out.stderr)
        out = fleet.cli("status", "1", check=False)
        self.assertEqual(out.returncode, 2)
        self.assertIn("does not exist", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
