"""Scanner registry end to end with real processes: kept raw reports rebuild a
scan's findings without re-running scanners; DAST targets outside the
allowlist are refused by the controller and by the worker; a scanner no worker
has is a clear error, not a silent empty result; a deployment registry adds a
scanner; DAST scanners run against a server the test starts on loopback."""
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
APP = os.path.join(ROOT, "tests", "fixtures", "dast", "vulnerable_app.py")


def registry_argv(fleet, scanner, **values):
    """The shipped argv of `scanner` with placeholders filled, as the worker does."""
    out = subprocess.run([fleet.bin("scanfleet-worker"), "--print-registry"],
                         capture_output=True, text=True, check=True).stdout
    argv = json.loads(out)["scanners"][scanner]["argv"]
    filled = []
    for word in argv:
        if word == "{files}":
            filled.extend(values["files"])
            continue
        for key, value in values.items():
            if key != "files":
                word = word.replace("{" + key + "}", str(value))
        filled.append(word)
    return filled


def start_app(fleet):
    """Starts the vulnerable app on an ephemeral loopback port; returns the port."""
    proc = subprocess.Popen([sys.executable, APP, "0"], stdout=subprocess.PIPE, text=True)
    fleet.procs.append(proc)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line
    return int(line.split()[1])


class FleetTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.addCleanup(self.fleet.stop)

    def wait_done(self, scan_id, timeout_s=120):
        def done():
            scan = self.fleet.cli_json("status", str(scan_id))
            return scan if scan["state"] in ("succeeded", "failed", "cancelled") else None
        return harness.wait_until(done, timeout_s, f"scan {scan_id} to finish")


class ReparseTest(FleetTest):
    def test_reparse_rebuilds_the_same_findings_from_kept_reports_without_scanners(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        fleet.start_worker("w1")
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--repo", repo, "--ref", "main",
                                       "--json").stdout)["scan_id"]
        scan = self.wait_done(scan_id)
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        before = sorted(f["fingerprint"] for f in fleet.cli_json("findings", str(scan_id)))
        self.assertGreater(len(before), 0)
        with sqlite3.connect(os.path.join(fleet.tmp, "scanfleet.db")) as conn:
            kept = conn.execute("SELECT COUNT(*), MIN(bytes) FROM raw_reports").fetchone()
        self.assertEqual(kept[0], scan["jobs_total"], "one kept report per job")
        self.assertGreater(kept[1], 0)

        fleet.workers["w1"].terminate()  # no scanner can run from here on
        fleet.workers["w1"].wait(timeout=30)
        out = fleet.cli_json("reparse", str(scan_id))
        self.assertEqual(out["jobs_reparsed"], scan["jobs_total"])
        self.assertEqual(out["jobs_without_report"], 0)
        self.assertEqual(out["findings_before"], out["findings_after"])
        after = sorted(f["fingerprint"] for f in fleet.cli_json("findings", str(scan_id)))
        self.assertEqual(after, before, "same parsers, same findings, stored once")
        running = fleet.cli("reparse", "999999", check=False)
        self.assertEqual(running.returncode, 2)


class SastAllTest(FleetTest):
    def test_every_sast_scanner_runs_and_reports_against_the_sample(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        fleet.start_worker("w1", slots=4)
        fleet.wait_for_workers(1)
        submitted = fleet.cli_json("submit", "--repo", repo, "--ref", "main",
                                   "--profile", "sast-all")
        scan = self.wait_done(submitted["scan_id"])
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        by_tool = {}
        for f in fleet.cli_json("findings", str(scan["scan_id"])):
            by_tool.setdefault(f["tool"], []).append(f)
        self.assertEqual(sorted(by_tool), ["bandit", "cppcheck", "flawfinder", "shellcheck"])
        self.assertEqual(len(by_tool["cppcheck"]), 3)
        self.assertEqual(len(by_tool["shellcheck"]), 8)
        gets = [f for f in by_tool["cppcheck"] if f["rule_id"] == "getsCalled"][0]
        self.assertEqual((gets["path"], gets["line"]), ("src/server.c", 57))
        self.assertIn("gets(", gets["snippet"], "snippet read from the checkout")
        for f in by_tool["shellcheck"]:
            self.assertEqual(f["path"], "scripts/deploy.sh")
            self.assertTrue(f["snippet"], f)
        # The same tools run by hand, with the registry's own argv, on a clone
        # of the same commit: exactly the same hits, one for one.
        checkout = os.path.join(fleet.tmp, "by-hand")
        subprocess.run(["git", "clone", "-q", repo, checkout], check=True)
        out_file = os.path.join(fleet.tmp, "cppcheck-by-hand.xml")
        subprocess.run(registry_argv(fleet, "cppcheck", workspace=".", output_file=out_file),
                       cwd=checkout, check=True, capture_output=True)
        import xml.etree.ElementTree as ET
        by_hand = sorted((e.get("id"), e.find("location").get("file"),
                          int(e.find("location").get("line")))
                         for e in ET.parse(out_file).getroot().iter("error")
                         if e.find("location") is not None)
        self.assertEqual(sorted((f["rule_id"], f["path"], f["line"])
                                for f in by_tool["cppcheck"]), by_hand)
        shell = subprocess.run(registry_argv(fleet, "shellcheck", files=["./scripts/deploy.sh"]),
                               cwd=checkout, capture_output=True, text=True)
        by_hand = sorted(("SC%d" % c["code"], c["file"][2:], c["line"])
                         for c in json.loads(shell.stdout)["comments"])
        self.assertEqual(sorted((f["rule_id"], f["path"], f["line"])
                                for f in by_tool["shellcheck"]), by_hand)


class DastAllowlistTest(FleetTest):
    def test_targets_outside_the_allowlist_or_malformed_are_refused_and_nothing_queued(self):
        fleet = self.fleet
        fleet.start_controller("--dast-allow", "127.0.0.1")
        for target in ["-oN/etc/x", "127.0.0.1,--script,http-fetch", "http://10.0.0.1/",
                       "http://127.0.0.1/$(id)", "http://127.0.0.1/`id`", "http://127.0.0.1/;id",
                       "http://127.0.0.1/a\nb", "http://example.com/"]:
            out = fleet.cli("submit", "--target", target, "--profile", "web-baseline",
                            check=False)
            self.assertEqual(out.returncode, 2, f"{target!r}: {out.stdout} {out.stderr}")
            self.assertIn("DAST target", out.stderr, target)
        with sqlite3.connect(os.path.join(fleet.tmp, "scanfleet.db")) as conn:
            self.assertEqual(conn.execute("SELECT COUNT(*) FROM scans").fetchone()[0], 0)

    def test_worker_refuses_a_target_its_own_allowlist_lacks(self):
        fleet = self.fleet
        port = start_app(fleet)
        fleet.start_controller("--dast-allow", "127.0.0.0/8")
        fleet.start_worker("d1", extra=["--pools", "dast", "--dast-allow", "127.0.0.2"])
        fleet.wait_for_workers(1)
        scan_id = json.loads(fleet.cli("submit", "--target", f"http://127.0.0.1:{port}/",
                                       "--profile", "web-baseline", "--json").stdout)["scan_id"]
        scan = self.wait_done(scan_id)
        self.assertEqual(scan["state"], "failed")
        for job in scan["jobs"]:
            self.assertEqual(job["state"], "failed", "bad input is not retried")
            self.assertIn("not in this worker's --dast-allow", job["error"])


class DastScanTest(FleetTest):
    def test_nmap_and_wapiti_find_what_the_loopback_app_exposes(self):
        fleet = self.fleet
        port = start_app(fleet)
        fleet.start_controller("--dast-allow", "127.0.0.1")
        fleet.start_worker("d1", extra=["--pools", "dast", "--dast-allow", "127.0.0.1"])
        fleet.wait_for_workers(1)
        submitted = fleet.cli_json("submit", "--target", f"http://127.0.0.1:{port}",
                                   "--profile", "web-baseline")
        scan = self.wait_done(submitted["scan_id"], 300)
        self.assertEqual(scan["state"], "succeeded", fleet.logs())
        self.assertEqual(scan["url"], f"http://127.0.0.1:{port}/", "normalized")
        findings = fleet.cli_json("findings", str(scan["scan_id"]))
        ports = [f for f in findings if f["tool"] == "nmap" and f["rule_id"] == "open-port"]
        self.assertEqual(len(ports), 1, findings)
        self.assertEqual(ports[0]["url"], f"tcp://127.0.0.1:{port}")
        self.assertIn("BaseHTTPServer", ports[0]["evidence"])
        wapiti = {(f["rule_id"], f["url"].split(str(port), 1)[1], f["parameter"])
                  for f in findings if f["tool"] == "wapiti"}
        self.assertIn(("sql-injection", "/item", "id"), wapiti)
        self.assertIn(("cross-site-scripting", "/search", "q"), wapiti)
        # wapiti run by hand with the registry's argv against the same app
        # reports the same vulnerabilities (category, path, parameter).
        report = os.path.join(fleet.tmp, "wapiti-by-hand.json")
        env = dict(os.environ, HOME=fleet.tmp)
        subprocess.run(registry_argv(fleet, "wapiti", target_url=f"http://127.0.0.1:{port}/",
                                     output_file=report),
                       check=True, capture_output=True, env=env, timeout=600)
        with open(report) as f:
            doc = json.load(f)
        slug = lambda name: "-".join("".join(c.lower() if c.isalnum() else " "
                                             for c in name).split())
        by_hand = {(slug(category), v["path"], v["parameter"])
                   for category, entries in doc["vulnerabilities"].items() for v in entries}
        self.assertEqual({w for w in wapiti if not w[0].startswith("anomaly:")}, by_hand)


class SqlmapScanTest(FleetTest):
    def test_sqlmap_confirms_the_injections_and_never_the_clean_parameter(self):
        fleet = self.fleet
        port = start_app(fleet)
        fleet.start_controller("--dast-allow", "127.0.0.1")
        fleet.start_worker("d1", extra=["--pools", "dast", "--dast-allow", "127.0.0.1"])
        fleet.wait_for_workers(1)
        vulnerable = fleet.cli_json("submit", "--target", f"http://127.0.0.1:{port}/item?id=1",
                                    "--profile", "web-sqli")["scan_id"]
        clean = fleet.cli_json("submit", "--target", f"http://127.0.0.1:{port}/search?q=x",
                               "--profile", "web-sqli")["scan_id"]
        self.assertEqual(self.wait_done(vulnerable, 300)["state"], "succeeded", fleet.logs())
        self.assertEqual(self.wait_done(clean, 300)["state"], "succeeded", fleet.logs())
        findings = fleet.cli_json("findings", str(vulnerable))
        points = {(f["rule_id"], f["url"].split(str(port), 1)[1].split("?")[0], f["parameter"],
                   f["http_method"]) for f in findings}
        self.assertIn(("sql-injection", "/item", "id", "GET"), points)
        self.assertTrue(all(f["severity"] == "high" and f["cwes"] == [89] for f in findings))
        # sqlmap crawls the whole app from either start: it confirms the real
        # injection points and never the reflected-but-not-injectable q.
        for scan_id in (vulnerable, clean):
            found = fleet.cli_json("findings", str(scan_id))
            self.assertNotIn("q", [f["parameter"] for f in found])
            self.assertIn("id", [f["parameter"] for f in found])


class MissingScannerTest(FleetTest):
    def test_a_scanner_no_worker_has_is_a_clear_error(self):
        fleet = self.fleet
        registry = os.path.join(fleet.tmp, "registry.json")
        with open(registry, "w") as f:
            json.dump({"scanners": {"ghost": {
                "kind": "sast", "pool": "sast", "parser": "bandit-json",
                "argv": ["ghost-scanner-not-installed", "{workspace}"],
                "version_argv": ["ghost-scanner-not-installed", "--version"],
                "exit_codes": {"clean": [0]}}},
                "profiles": {"ghostly": ["ghost"]}}, f)
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller("--scanner-registry", registry,
                               "--unschedulable-timeout-ms", "2000")
        fleet.start_worker("w1", extra=["--scanner-registry", registry])
        fleet.wait_for_workers(1)
        workers = fleet.cli_json("workers")
        names = [s["name"] if isinstance(s, dict) else s for s in workers[0]["scanners"]]
        self.assertNotIn("ghost", names)
        self.assertIn("bandit", names)
        scan_id = json.loads(fleet.cli("submit", "--repo", repo, "--ref", "main", "--profile",
                                       "ghostly", "--json").stdout)["scan_id"]
        status = fleet.cli("status", str(scan_id)).stdout
        self.assertIn("no live worker of pool 'sast' has scanner 'ghost'", status)
        scan = self.wait_done(scan_id, 30)
        self.assertEqual(scan["state"], "failed")
        self.assertIn("has scanner 'ghost'", scan["jobs"][0]["error"])
        self.assertEqual(scan["findings"], 0)

    def test_a_broken_registry_stops_the_process_with_the_key_named(self):
        registry = os.path.join(self.fleet.tmp, "bad.json")
        with open(registry, "w") as f:
            json.dump({"scanners": {"x": {"kind": "sast", "pool": "sast", "parser": "nope",
                                          "argv": ["x"], "version_argv": ["x"],
                                          "exit_codes": {"clean": [0]}}}}, f)
        for binary in ("scanfleet-controller", "scanfleet-worker"):
            out = subprocess.run([self.fleet.bin(binary), "--scanner-registry", registry],
                                 capture_output=True, text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0, binary)
            self.assertIn("scanners.x.parser: unknown parser 'nope'", out.stderr + out.stdout,
                          binary)


if __name__ == "__main__":
    unittest.main(verbosity=2)
