"""Nothing a job carries becomes an option or a command: every hostile string
of the security issue, given as a repository, a ref and a DAST target to a real
controller and a real worker (git, nmap), ends in a clear error and has no
effect: no file is created, nothing outside the workspace is touched, and
nothing that was refused is queued."""
import os
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

# The sentinels the strings below would create if anything ran them.
SENTINELS = ["/tmp/pwned", "/etc/x"]
HOSTILE = [
    "--upload-pack=touch /tmp/pwned",
    "ext::sh -c touch% /tmp/pwned",
    "-oN/etc/x",
    "127.0.0.1,--script,http-fetch",
    "$(touch /tmp/pwned)",
    ";touch /tmp/pwned",
    "`touch /tmp/pwned`",
    "main\ntouch /tmp/pwned",
    "|touch /tmp/pwned",
    "../../../../etc",
    "file:///../../etc",
]


class InjectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for path in SENTINELS:
            if os.path.exists(path):
                os.remove(path)
        cls.fleet = harness.Fleet(BUILD)
        cls.repo_dir = tempfile.mkdtemp(prefix="sf-inject-repo-")
        cls.repo = os.path.join(cls.repo_dir, "repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), cls.repo)
        cls.fleet.start_controller("--dast-allow", "127.0.0.1")
        cls.fleet.start_worker("w1", extra=["--pools", "sast,dast", "--dast-allow", "127.0.0.1"])
        cls.fleet.wait_for_workers(1)

    @classmethod
    def tearDownClass(cls):
        cls.fleet.stop()
        cls.fleet.cleanup()
        harness.shutil.rmtree(cls.repo_dir, ignore_errors=True)

    def tearDown(self):
        for path in SENTINELS:
            self.assertFalse(os.path.exists(path), f"{path} was created: something ran")

    def scans(self):
        with sqlite3.connect(os.path.join(self.fleet.tmp, "scanfleet.db")) as conn:
            return conn.execute("SELECT COUNT(*) FROM scans").fetchone()[0]

    def submit(self, *args):
        """Submits and waits; returns (exit code, stderr, the scan's jobs or None)."""
        before = self.scans()
        out = self.fleet.cli("submit", *args, "--wait", "--json", check=False)
        if out.returncode == 2:
            self.assertEqual(self.scans(), before, f"refused {args!r} but queued a scan")
            return out.returncode, out.stderr, None
        scan = self.fleet.cli_json("status", str(self.scans()))
        return out.returncode, out.stderr, scan

    def assert_harmless(self, args, code, stderr, scan):
        if scan is None:
            self.assertTrue(stderr.strip(), f"{args!r}: refused without a message")
            return
        # Accepted by the controller: the worker must fail it with a clear error.
        self.assertEqual(code, 3, f"{args!r} was scanned successfully: {scan}")
        for job in scan["jobs"]:
            # A clone that failed may be retried (then dead-lettered): still no effect.
            self.assertIn(job["state"], ("failed", "dead"), f"{args!r}: {job}")
            self.assertTrue(job["error"], f"{args!r}: failed without an error")

    def test_hostile_repository_urls(self):
        for value in HOSTILE:
            with self.subTest(repo=value):
                code, err, scan = self.submit("--repo", value, "--ref", "main", "--profile", "c")
                self.assert_harmless(value, code, err, scan)
                if value.startswith("-"):
                    self.assertIn("must not start with '-'", err)

    def test_hostile_refs(self):
        for value in HOSTILE + ["x" * 100000]:
            with self.subTest(ref=value[:40]):
                code, err, scan = self.submit("--repo", self.repo, "--ref", value,
                                              "--profile", "c")
                self.assert_harmless(value[:40], code, err, scan)

    def test_hostile_dast_targets(self):
        for value in HOSTILE + ["http://127.0.0.1/$(id)", "http://127.0.0.1/;id"]:
            with self.subTest(target=value):
                code, err, scan = self.submit("--target", value, "--profile", "web-baseline")
                self.assertEqual(code, 2, f"{value!r} was accepted as a DAST target")
                self.assertIn("DAST target", err)

    def test_a_clean_scan_still_works_beside_them(self):
        code, err, scan = self.submit("--repo", self.repo, "--ref", "main", "--profile", "c")
        self.assertIn(code, (0, 1), err)
        self.assertEqual(scan["state"], "succeeded")


if __name__ == "__main__":
    unittest.main(verbosity=2)
