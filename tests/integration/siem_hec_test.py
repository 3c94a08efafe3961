"""`scanfleet siem` against a local HTTP receiver that plays Splunk's HTTP Event
Collector: the bridge POSTs a real scan's findings as HEC event objects (ECS
inside) with `Authorization: Splunk <token>`, the token taken from an
environment variable. The receiver answers 503 "Server is busy" to the first
requests (an outage): the bridge logs the outage once, retries with backoff
and in the end the receiver holds exactly the stored findings, each once. A
wrong token stops the bridge with HEC's error text, nothing accepted and the
cursor not moved. Over HTTPS (splunk-hecs://), an unknown certificate keeps
the bridge waiting and `ca-file=` lets it deliver."""
import collections
import http.server
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
TOKEN = "11111111-2222-3333-4444-555555555555"
OUTAGE_REQUESTS = 4  # the first requests are answered 503
MAX_BATCH = 5


def parse_concatenated(body):
    """A HEC /event body: JSON objects back to back."""
    decoder, objects, at = json.JSONDecoder(), [], 0
    while at < len(body):
        while at < len(body) and body[at].isspace():
            at += 1
        if at == len(body):
            break
        obj, at = decoder.raw_decode(body, at)
        objects.append(obj)
    return objects


class FakeHec:
    """HEC on 127.0.0.1:0: 503 for the first OUTAGE_REQUESTS requests, then
    200 {"text":"Success","code":0}; 401 for a wrong token."""

    def __init__(self, outage_requests=OUTAGE_REQUESTS, cert=None):
        self.lock = threading.Lock()
        self.requests = []   # (path, authorization, status)
        self.accepted = []   # HEC event objects answered 200
        self.busy_left = outage_requests
        hec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Splunk

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                auth = self.headers.get("Authorization", "")
                with hec.lock:
                    if self.path != "/services/collector/event":
                        status, reply = 404, {"text": "The requested URL was not found",
                                              "code": 404}
                    elif auth != "Splunk " + TOKEN:
                        status, reply = 401, {"text": "Invalid authorization", "code": 3}
                    elif hec.busy_left > 0:
                        hec.busy_left -= 1
                        status, reply = 503, {"text": "Server is busy", "code": 9}
                    else:
                        status, reply = 200, {"text": "Success", "code": 0}
                        hec.accepted.extend(parse_concatenated(body.decode("utf-8")))
                    hec.requests.append((self.path, auth, status))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def snapshot(self):
        with self.lock:
            return list(self.requests), list(self.accepted)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SiemSplunkHecTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        self.addCleanup(self.fleet.cleanup)
        self.hec = FakeHec()

    def tearDown(self):
        self.fleet.stop()
        self.hec.stop()
        if hasattr(self, "_outcome") and any(
                err for _, err in getattr(self._outcome, "errors", [])):
            print(self.fleet.logs())

    def start_bridge(self, name, token, cursor, scheme="splunk-hec", extra=""):
        env = dict(os.environ)
        env["SF_TEST_HEC_TOKEN"] = token
        sink = (f"{scheme}://127.0.0.1:{self.hec.port}/services/collector/event"
                "?token-env=SF_TEST_HEC_TOKEN&index=security&sourcetype=scanfleet:finding"
                "&format=ecs" + extra)
        return self.fleet.spawn("scanfleet", [
            "--controller", self.fleet.api, "siem", "--sink", sink, "--cursor", cursor,
            "--topics", "finding.", "--max-batch", str(MAX_BATCH)], name + ".log", env=env)

    def bridge_log(self, name):
        with open(os.path.join(self.fleet.tmp, name + ".log"), errors="replace") as f:
            return f.read()

    def test_findings_reach_hec_once_each_across_an_outage_of_503s(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        fleet.start_worker("w1")
        fleet.wait_for_workers(1)
        cursor = os.path.join(fleet.tmp, "hec.cursor")
        bridge = self.start_bridge("bridge", TOKEN, cursor)

        out = fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json",
                        check=False)
        self.assertEqual(out.returncode, 0, out.stderr + fleet.logs())
        scan = json.loads(out.stdout)
        self.assertEqual(scan["state"], "succeeded")
        stored = fleet.cli_json("findings", str(scan["scan_id"]))
        self.assertGreater(len(stored), 10)
        expected = {f["fingerprint"] for f in stored}
        self.assertEqual(len(expected), len(stored))

        def delivered():
            _, accepted = self.hec.snapshot()
            return {e["event"]["scanfleet"]["finding"]["fingerprint"] for e in accepted} \
                >= expected
        harness.wait_until(delivered, 90, "every stored finding at the HEC receiver")
        bridge.send_signal(signal.SIGTERM)
        self.assertEqual(bridge.wait(timeout=20), 0, self.bridge_log("bridge"))

        requests, accepted = self.hec.snapshot()
        log = self.bridge_log("bridge")
        # The outage happened, was retried, and was logged once each way.
        self.assertEqual([s for _, _, s in requests[:OUTAGE_REQUESTS]], [503] * OUTAGE_REQUESTS)
        self.assertTrue(all(s == 200 for _, _, s in requests[OUTAGE_REQUESTS:]), requests)
        self.assertEqual(log.count("is down"), 1, log)
        self.assertIn("HTTP 503 (code 9): Server is busy", log)
        self.assertEqual(log.count("is back up"), 1, log)
        self.assertNotIn(TOKEN, log)
        self.assertTrue(all(auth == "Splunk " + TOKEN for _, auth, _ in requests))
        # Exactly the stored findings, each once, as HEC events with ECS inside.
        counts = collections.Counter(e["event"]["scanfleet"]["finding"]["fingerprint"]
                                     for e in accepted)
        self.assertEqual(set(counts), expected, "nothing lost, nothing foreign")
        self.assertEqual(max(counts.values()), 1, "no duplicates")
        by_fingerprint = {f["fingerprint"]: f for f in stored}
        for event in accepted:
            self.assertEqual(event["source"], "scanfleet")
            self.assertEqual(event["sourcetype"], "scanfleet:finding")
            self.assertEqual(event["index"], "security")
            self.assertIsInstance(event["time"], float)
            self.assertTrue(event["host"])
            finding = by_fingerprint[event["event"]["scanfleet"]["finding"]["fingerprint"]]
            self.assertEqual(event["event"]["scanfleet"]["finding"], finding)
            self.assertEqual(event["event"]["scanfleet"]["scan_id"], scan["scan_id"])
        with open(cursor) as f:
            saved = int(f.read().strip())
        self.assertGreater(saved, 0)

        # A wrong token: HEC's 401 stops the bridge with its text; nothing is
        # accepted and a fresh cursor is never written.
        bad_cursor = os.path.join(fleet.tmp, "bad.cursor")
        bad = self.start_bridge("bad-token", "wrong-token", bad_cursor)
        self.assertNotEqual(bad.wait(timeout=60), 0, self.bridge_log("bad-token"))
        bad_log = self.bridge_log("bad-token")
        self.assertIn("HTTP 401 (code 3): Invalid authorization", bad_log)
        self.assertNotIn("wrong-token", bad_log)
        requests_after, accepted_after = self.hec.snapshot()
        self.assertEqual(len(accepted_after), len(accepted))
        self.assertEqual([s for _, _, s in requests_after[len(requests):]], [401],
                         "one attempt, no spinning on a bad token")
        self.assertFalse(os.path.exists(bad_cursor) and open(bad_cursor).read().strip() != "0")
        print(f"\n{len(stored)} stored findings; {len(requests)} HEC requests "
              f"({OUTAGE_REQUESTS} answered 503); {len(accepted)} events accepted",
              file=sys.stderr)

    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command to make a certificate")
    def test_https_verifies_the_receiver_certificate(self):
        fleet = self.fleet
        key, cert = os.path.join(fleet.tmp, "hec.key"), os.path.join(fleet.tmp, "hec.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                        "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        self.hec.stop()
        self.hec = FakeHec(outage_requests=0, cert=(cert, key))
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        fleet.start_controller()
        fleet.start_worker("w1")
        fleet.wait_for_workers(1)
        cursor = os.path.join(fleet.tmp, "hec.cursor")
        # A certificate the system CAs do not know: the sink is down, nothing sent.
        untrusted = self.start_bridge("untrusted", TOKEN, cursor, scheme="splunk-hecs")
        out = fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json")
        scan_id = json.loads(out.stdout)["scan_id"]
        harness.wait_until(lambda: "is down" in self.bridge_log("untrusted"), 30,
                           "the bridge to report the untrusted HTTPS receiver down")
        untrusted.send_signal(signal.SIGTERM)
        self.assertEqual(untrusted.wait(timeout=20), 0, self.bridge_log("untrusted"))
        self.assertEqual(self.hec.snapshot(), ([], []))
        # With ca-file= every stored finding arrives over TLS, once.
        expected = {f["fingerprint"] for f in fleet.cli_json("findings", str(scan_id))}
        bridge = self.start_bridge("trusted", TOKEN, cursor, scheme="splunk-hecs",
                                   extra="&ca-file=" + cert)

        def fingerprints():
            return [e["event"]["scanfleet"]["finding"]["fingerprint"]
                    for e in self.hec.snapshot()[1]]
        harness.wait_until(lambda: set(fingerprints()) >= expected, 60,
                           "every stored finding at the HTTPS receiver")
        bridge.send_signal(signal.SIGTERM)
        self.assertEqual(bridge.wait(timeout=20), 0, self.bridge_log("trusted"))
        self.assertEqual(sorted(fingerprints()), sorted(expected))


if __name__ == "__main__":
    unittest.main(verbosity=2)
