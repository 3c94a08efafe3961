"""`scanfleet siem` against a real rsyslog: the bridge forwards a real scan's
findings as RFC 5424 + CEF over TCP (RFC 6587 octet counting) to rsyslogd
(imtcp + mmnormalize with liblognorm's `cef` parser), which writes the parsed
fields as JSON. They must equal the stored findings one for one, across a
receiver that starts late (the bridge waits, nothing is lost), a kill -9 of the
bridge mid-stream and a restart with the same cursor (nothing lost, no
duplicate beyond the documented at-least-once window of one batch)."""
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
RSYSLOGD = "/usr/sbin/rsyslogd"
CEF_SEVERITY = {"info": "1", "low": "3", "medium": "5", "high": "8", "critical": "10"}
MAX_BATCH = 1  # the at-least-once window per crash, in events


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rsyslog:
    """rsyslogd as this test's own process: private config, work dir and pid file."""

    def __init__(self, tmp, port):
        self.dir = os.path.join(tmp, "rsyslog")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.out = os.path.join(self.dir, "parsed.jsonl")
        self.proc = None
        rulebase = os.path.join(self.dir, "cef.rb")
        with open(rulebase, "w") as f:
            f.write("version=2\nrule=:%cef:cef%\n")
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{self.dir}")
module(load="imtcp")
module(load="mmnormalize")
template(name="parsed" type="string"
         string="{{\\"msgid\\":\\"%msgid:::json%\\",\\"sd\\":\\"%structured-data:::json%\\",\\"app\\":\\"%app-name:::json%\\",\\"fields\\":%$!%}}\\n")
ruleset(name="siem") {{
  action(type="mmnormalize" rulebase="{rulebase}")
  action(type="omfile" file="{self.out}" template="parsed")
}}
input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="siem")
""")

    def start(self):
        self.log = open(os.path.join(self.dir, "rsyslogd.log"), "w")
        self.proc = subprocess.Popen([RSYSLOGD, "-n", "-f", self.conf, "-i",
                                      os.path.join(self.dir, "rsyslogd.pid")],
                                     stdout=self.log, stderr=self.log)

        def listening():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        harness.wait_until(listening, 20, "rsyslogd to listen")

    def records(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # by PID: only the rsyslogd this test started
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()


@unittest.skipUnless(os.path.exists(RSYSLOGD), "rsyslog is not installed (make deps)")
class SiemBridgeTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.rsyslog = None

    def tearDown(self):
        if self.rsyslog:
            self.rsyslog.stop()
        self.fleet.stop()
        if hasattr(self, "_outcome") and any(
                err for _, err in getattr(self._outcome, "errors", [])):
            print(self.fleet.logs())
            if self.rsyslog:
                with open(os.path.join(self.rsyslog.dir, "rsyslogd.log")) as f:
                    print("--- rsyslogd.log\n" + f.read()[-4000:])

    def start_bridge(self, name, port, cursor, ocsf):
        return self.fleet.spawn("scanfleet", [
            "--controller", self.fleet.api, "siem",
            "--sink", f"syslog-tcp://127.0.0.1:{port}?format=cef&cef-extension-space=1",
            "--sink", f"file:{ocsf}?format=ocsf",
            "--sink", f"file:{ocsf.replace('ocsf', 'ecs')}?format=ecs",
            "--cursor", cursor, "--topics", "finding.", "--max-batch", str(MAX_BATCH)],
            name + ".log")

    def bridge_log(self, name):
        with open(os.path.join(self.fleet.tmp, name + ".log"), errors="replace") as f:
            return f.read()

    def submit_scan(self, repo):
        out = self.fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json",
                             check=False)
        self.assertEqual(out.returncode, 0, out.stderr + self.fleet.logs())
        scan = json.loads(out.stdout)
        self.assertEqual(scan["state"], "succeeded")
        return scan["scan_id"]

    def test_cef_over_syslog_tcp_matches_stored_findings_across_crash(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        fleet.start_worker("w1")
        fleet.start_worker("w2")
        fleet.wait_for_workers(2)
        port = free_port()
        cursor = os.path.join(fleet.tmp, "siem.cursor")
        ocsf = os.path.join(fleet.tmp, "findings.ocsf.jsonl")
        self.rsyslog = Rsyslog(fleet.tmp, port)

        # 1. The receiver is down: the bridge waits and says so once.
        bridge = self.start_bridge("bridge1", port, cursor, ocsf)
        first_scan = self.submit_scan(repo)
        harness.wait_until(lambda: "is down" in self.bridge_log("bridge1"), 30,
                           "the bridge to report the syslog sink down")

        # 2. The receiver comes up: delivery resumes; kill -9 the bridge mid-stream.
        self.rsyslog.start()
        harness.wait_until(lambda: len(self.rsyslog.records()) >= 1, 30,
                           "the first CEF record at rsyslog")
        bridge.send_signal(signal.SIGKILL)
        bridge.wait(timeout=10)
        self.assertEqual(self.bridge_log("bridge1").count("is down"), 1,
                         "a down sink is logged once per state change, not per retry")
        delivered_before_crash = len(self.rsyslog.records())

        # 3. A second scan while the bridge is dead, then a restart with the same cursor.
        second_scan = self.submit_scan(repo)
        stored = []
        for scan_id in (first_scan, second_scan):
            for finding in fleet.cli_json("findings", str(scan_id)):
                stored.append((scan_id, finding))
        self.assertGreater(len(stored), 20)
        expected_keys = {(str(scan_id), f["fingerprint"]) for scan_id, f in stored}
        self.assertEqual(len(expected_keys), len(stored))

        def key(record):
            ext = record["fields"]["cef"]["Extensions"]
            return (ext.get("cn3"), ext.get("externalId"))

        bridge = self.start_bridge("bridge2", port, cursor, ocsf)
        harness.wait_until(
            lambda: {key(r) for r in self.rsyslog.records()} >= expected_keys, 60,
            "every stored finding at rsyslog")
        bridge.send_signal(signal.SIGTERM)
        self.assertEqual(bridge.wait(timeout=20), 0, self.bridge_log("bridge2"))

        # 4. One for one: same count (within the at-least-once window), same fields.
        records = self.rsyslog.records()
        counts = collections.Counter(key(r) for r in records)
        self.assertEqual(set(counts), expected_keys, "nothing lost, nothing foreign")
        duplicates = sum(n - 1 for n in counts.values())
        self.assertLessEqual(duplicates, MAX_BATCH,
                             f"at most one batch repeated after the crash "
                             f"({delivered_before_crash} delivered before it)")
        print(f"\n{len(stored)} stored findings; {delivered_before_crash} at rsyslog before the "
              f"kill -9; {len(records)} records in the end, {duplicates} duplicate(s)",
              file=sys.stderr)
        by_key = {key(r): r for r in records}
        for scan_id, finding in stored:
            record = by_key[(str(scan_id), finding["fingerprint"])]
            cef = record["fields"]["cef"]
            ext = cef["Extensions"]
            where = f"{finding['tool']} {finding['rule_id']} {finding['path']}:{finding['line']}"
            self.assertEqual(cef["DeviceVendor"], "scanfleet", where)
            self.assertEqual(cef["SignatureID"], f"{finding['tool']}:{finding['rule_id']}", where)
            self.assertEqual(cef["Name"], finding["title"] or finding["rule_id"], where)
            self.assertEqual(cef["Severity"], CEF_SEVERITY[finding["severity"]], where)
            self.assertEqual(ext["cs1Label"], "rule", where)
            self.assertEqual(ext["cs1"], finding["rule_id"], where)
            self.assertEqual(ext["cs2"], finding["tool"], where)
            self.assertEqual(ext["cs3"], finding["severity"], where)
            self.assertEqual(ext["filePath"], finding["path"], where)
            self.assertEqual(ext["fname"], finding["path"].rsplit("/", 1)[-1], where)
            if finding["line"] > 0:
                self.assertEqual(ext["cn1"], str(finding["line"]), where)
            self.assertEqual(ext.get("msg", ""), finding["message"], where)
            self.assertEqual(ext.get("cs4", ""), ",".join(f"CWE-{c}" for c in finding["cwes"]),
                             where)
            self.assertEqual(record["msgid"], f"finding.{finding['severity']}.{finding['tool']}")
            self.assertEqual(record["app"], "scanfleet")
            self.assertIn(f'seq="{ext["eventId"]}"', record["sd"])

        # The OCSF file sink got the same findings as Vulnerability Findings.
        with open(ocsf) as f:
            ocsf_records = [json.loads(line) for line in f if line.strip()]
        self.assertTrue(all(r["class_uid"] == 2002 for r in ocsf_records))
        ocsf_counts = collections.Counter(
            (r["metadata"]["correlation_uid"], r["finding_info"]["uid"]) for r in ocsf_records)
        self.assertEqual(set(ocsf_counts), expected_keys)
        self.assertLessEqual(sum(n - 1 for n in ocsf_counts.values()), MAX_BATCH)
        # And the ECS file sink the canonical findings under ECS names.
        with open(ocsf.replace("ocsf", "ecs")) as f:
            ecs_records = [json.loads(line) for line in f if line.strip()]
        canonical = {(str(scan_id), f["fingerprint"]): f for scan_id, f in stored}
        for record in ecs_records:
            finding = canonical[(str(record["scanfleet"]["scan_id"]),
                                 record["scanfleet"]["finding"]["fingerprint"])]
            self.assertEqual(record["scanfleet"]["finding"], finding)
            self.assertEqual(record["vulnerability"]["id"], finding["rule_id"])
            self.assertEqual(record["file"]["path"], finding["path"])
            self.assertEqual(record["event"]["kind"], "alert")
        self.assertEqual({(str(r["scanfleet"]["scan_id"]), r["scanfleet"]["finding"]["fingerprint"])
                          for r in ecs_records}, expected_keys)


if __name__ == "__main__":
    unittest.main(verbosity=2)
