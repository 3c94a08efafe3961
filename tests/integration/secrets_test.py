"""Secrets end to end with real processes: a job carries only secret names;
the worker resolves them from its environment or its secrets directory and
hands them to the scanner in its environment; a scanner that echoes them (in
its report, its stderr, a finding's snippet, base64 in a Basic header,
URL-encoded) leaves no trace of the value anywhere scanfleet keeps or shows
anything: findings, status, events, the database (raw reports included, after
decompression), re-parsed findings and every log. A secret the worker lacks,
or a secret file others can read, fails the job with a clear error."""
import base64
import json
import os
import secrets as token_source
import sqlite3
import stat
import subprocess
import sys
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

# A scanner that reports the credentials it was given, in every way a careless
# tool might: SARIF message, rule text, snippet, stderr, base64, URL-encoded.
SCANNER = r'''#!/usr/bin/env python3
import base64, json, os, sys, urllib.parse
if sys.argv[1:] == ["--version"]:
    print("secretecho 1.0")
    sys.exit(0)
login = os.environ.get("SCANFLEET_SECRET_DAST_LOGIN", "")
key = os.environ.get("ECHO_API_KEY", "")
if login and login in " ".join(sys.argv):
    sys.exit(3)  # a secret in argv would be visible in ps: fail loudly
basic = base64.b64encode(("user:" + login).encode()).decode()
quoted = urllib.parse.quote(login, safe="")
print("logging in with password " + login + " and key " + key, file=sys.stderr)
print("Authorization: Basic " + basic, file=sys.stderr)
report = {"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "secretecho", "version": "1.0", "rules": [
        {"id": "SE001", "shortDescription": {"text": "credential " + login + " in use"}}]}},
    "results": [{
        "ruleId": "SE001", "level": "error",
        "message": {"text": "logged in with " + login + " (Basic " + basic + ", ?pw=" + quoted +
                            ", key " + key + ")"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "app/db.py"},
            "region": {"startLine": 3, "snippet": {"text": "password = '" + login + "'"}}}}]}]}]}
print(json.dumps(report))
'''


def leaked_forms(value):
    """Every form of `value` that must not appear anywhere."""
    basic = base64.b64encode(("user:" + value).encode()).decode()
    return [value, urllib.parse.quote(value, safe=""), base64.b64encode(value.encode()).decode(),
            basic, basic[4:-4]]


class SecretsTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)
        fleet = self.fleet
        self.bin_dir = os.path.join(fleet.tmp, "bin")
        os.makedirs(self.bin_dir)
        scanner = os.path.join(self.bin_dir, "secretecho")
        with open(scanner, "w") as f:
            f.write(SCANNER)
        os.chmod(scanner, 0o755)
        self.registry = os.path.join(fleet.tmp, "registry.json")
        with open(self.registry, "w") as f:
            json.dump({"scanners": {"secretecho": {
                "kind": "sast", "pool": "sast", "parser": "sarif",
                "argv": ["secretecho", "{workspace}"],
                "version_argv": ["secretecho", "--version"],
                "exit_codes": {"clean": [0]},
                "secrets": {"ECHO_API_KEY": "echo-api-key"}}},
                "profiles": {"secretly": ["secretecho"]}}, f)
        self.secrets_dir = os.path.join(fleet.tmp, "secrets")
        os.makedirs(self.secrets_dir, mode=0o700)
        self.login = "Pa55-" + token_source.token_hex(8) + "@x/y z"
        self.api_key = "key-" + token_source.token_hex(12)
        self.write_secret("echo-api-key", self.api_key + "\n", 0o600)
        self.repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), self.repo)
        fleet.start_controller("--scanner-registry", self.registry)
        fleet.start_worker("w1", path_prefix=self.bin_dir,
                           extra=["--scanner-registry", self.registry,
                                  "--secrets-dir", self.secrets_dir],
                           env_extra={"SCANFLEET_SECRET_DAST_LOGIN": self.login})
        fleet.wait_for_workers(1)

    def write_secret(self, name, value, mode):
        path = os.path.join(self.secrets_dir, name)
        with open(path, "w") as f:
            f.write(value)
        os.chmod(path, mode)

    def submit(self, *secret_names):
        args = ["submit", "--repo", self.repo, "--ref", "main", "--profile", "secretly", "--json"]
        for name in secret_names:
            args += ["--secret", name]
        return json.loads(self.fleet.cli(*args).stdout)["scan_id"]

    def wait_done(self, scan_id, timeout_s=60):
        def done():
            scan = self.fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in ("succeeded", "failed", "cancelled") else None
        return harness.wait_until(done, timeout_s, f"scan {scan_id} to finish")

    def assert_no_secret(self, text, where):
        for value in (self.login, self.api_key):
            for form in leaked_forms(value):
                self.assertNotIn(form, text, f"a form of a secret value leaked into {where}")

    def assert_no_secret_bytes(self, data, where):
        for value in (self.login, self.api_key):
            for form in leaked_forms(value):
                self.assertNotIn(form.encode(), data, f"a form of a secret value is in {where}")

    def test_secrets_reach_the_scanner_and_are_redacted_everywhere(self):
        fleet = self.fleet
        scan_id = self.submit("dast-login")
        scan = self.wait_done(scan_id)
        self.assertEqual(scan["state"], "succeeded", scan)
        self.assertEqual(scan["secrets"], ["dast-login"])
        job = scan["jobs"][0]
        # The scanner printed both values to stderr: it received them, and the
        # output tail shows only markers.
        self.assertIn("password [REDACTED:dast-login]", job["output_tail"])
        self.assertIn("key [REDACTED:echo-api-key]", job["output_tail"])
        self.assertIn("Authorization: Basic ", job["output_tail"])

        findings = fleet.cli("findings", str(scan_id), "--json").stdout
        finding = json.loads(findings)[0]
        self.assertIn("logged in with [REDACTED:dast-login]", finding["message"])
        self.assertIn("key [REDACTED:echo-api-key]", finding["message"])
        self.assertIn("?pw=[REDACTED:dast-login]", finding["message"])
        self.assertIn("[REDACTED:dast-login]", finding["snippet"])
        self.assert_no_secret(findings, "scanfleet findings --json")
        self.assert_no_secret(json.dumps(scan), "scanfleet status --json")
        self.assert_no_secret(fleet.cli("status", str(scan_id)).stdout, "scanfleet status")

        events = subprocess.run(
            [fleet.bin("scanfleet"), "--controller", fleet.api, *fleet.security_args("scanfleet"),
             "tail", "--scan", str(scan_id),
             "--from-seq", "0", "--until-scan-done", str(scan_id), "--all-events"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(events.returncode, 0, events.stderr)
        self.assertIn("[REDACTED:dast-login]", events.stdout)
        self.assert_no_secret(events.stdout + events.stderr, "the scanfleet tail event stream")

        reparsed = fleet.cli("reparse", str(scan_id), "--json").stdout
        self.assertEqual(json.loads(reparsed)["jobs_reparsed"], 1, reparsed)
        after = fleet.cli("findings", str(scan_id), "--json").stdout
        self.assertIn("[REDACTED:dast-login]", json.loads(after)[0]["message"])
        self.assert_no_secret(reparsed + after, "findings re-parsed from the kept raw report")

        database = os.path.join(fleet.tmp, "scanfleet.db")
        with sqlite3.connect(database) as db:
            reports = db.execute("SELECT report FROM raw_reports").fetchall()
        self.assertEqual(len(reports), 1)
        raw = zlib.decompress(reports[0][0])
        self.assertIn(b"[REDACTED:dast-login]", raw)
        self.assert_no_secret_bytes(raw, "the kept raw report")
        fleet.stop()  # flush every log and the database
        for name in ("scanfleet.db", "scanfleet.db-wal"):
            path = os.path.join(fleet.tmp, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.assert_no_secret_bytes(f.read(), name)
        for name in os.listdir(fleet.tmp):
            if name.endswith(".log"):
                with open(os.path.join(fleet.tmp, name), "rb") as f:
                    self.assert_no_secret_bytes(f.read(), name)
        # The worker's spool holds results until acknowledged: none of it either.
        for directory, _, files in os.walk(os.path.join(fleet.tmp, "work-w1")):
            for name in files:
                with open(os.path.join(directory, name), "rb") as f:
                    self.assert_no_secret_bytes(f.read(), os.path.join(directory, name))

    def test_a_secret_the_worker_lacks_fails_the_job_clearly_without_retry(self):
        scan = self.wait_done(self.submit("dast-login", "not-on-this-worker"))
        self.assertEqual(scan["state"], "failed")
        job = scan["jobs"][0]
        self.assertIn("secret 'not-on-this-worker' is not known to this worker", job["error"])
        self.assertIn("SCANFLEET_SECRET_NOT_ON_THIS_WORKER", job["error"])
        self.assertEqual(job["attempt"], 1, "a missing secret is not retried")
        self.assert_no_secret(json.dumps(scan), "status of a failed job")

    def test_a_secret_file_others_can_read_is_refused(self):
        leaky_value = "leaky-" + token_source.token_hex(10)
        self.write_secret("leaky", leaky_value, 0o644)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.secrets_dir, "leaky")).st_mode),
                         0o644)
        scan = self.wait_done(self.submit("leaky"))
        self.assertEqual(scan["state"], "failed")
        error = scan["jobs"][0]["error"]
        self.assertIn("secret 'leaky'", error)
        self.assertIn("mode 0644", error)
        self.assertIn("readable by group or others", error)
        self.assertNotIn(leaky_value, json.dumps(scan))

    def test_the_cli_refuses_what_looks_like_a_value_before_sending_it(self):
        out = self.fleet.cli("submit", "--repo", self.repo, "--ref", "main", "--profile",
                             "secretly", "--secret", "hunter2 is my password", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("secret name may only contain", out.stderr)
        self.assertNotIn("hunter2", out.stderr + out.stdout)
        self.assertEqual(self.fleet.cli_json("workers")[0]["running"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
