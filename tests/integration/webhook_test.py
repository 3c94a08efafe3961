"""Webhook receiver end to end: a real controller with --repos and
--webhook-listen, a real worker and a real local git repository. Deliveries use
the forges' real payload shapes (tests/fixtures/webhooks) rewritten to name the
local commit, signed as each forge signs them.

A signed push starts exactly one scan, which runs to completion on the pushed
commit (not the branch head); a duplicate delivery answers with the same scan;
every bad delivery gets its status and queues nothing: the accepted push is
scan 1 and no scan 2 exists at the end."""
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "webhooks")
GITHUB_SECRET = "it-github-secret"
GITLAB_TOKEN = "it-gitlab-token"
MAX_BODY = 65536


def fixture(name, **changes):
    with open(os.path.join(FIXTURES, name)) as f:
        doc = json.load(f)
    for key, value in changes.items():
        doc[key] = value
    return json.dumps(doc).encode()


class WebhookTest(harness.FleetTestCase):
    def post(self, body, headers, method="POST", path="/webhook"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        return response.status, (json.loads(text) if text.strip() else {})

    def github(self, body, event="push", delivery="d-1", secret=GITHUB_SECRET, signature=None):
        if signature is None:
            signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": delivery}
        if signature:
            headers["X-Hub-Signature-256"] = signature
        return headers

    def test_signed_push_scans_the_pushed_commit_once_and_bad_deliveries_queue_nothing(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        pushed = harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        # The branch moves on after the push: the scan must use the pushed commit.
        with open(os.path.join(repo, "app", "later.py"), "w") as f:
            f.write("import subprocess\nsubprocess.call('ls', shell=True)\n")
        harness.git(repo, "add", "-A")
        harness.git(repo, "commit", "-q", "-m", "later")
        secret_file = os.path.join(fleet.tmp, "gitlab.token")
        with open(secret_file, "w") as f:
            f.write(GITLAB_TOKEN + "\n")
        os.chmod(secret_file, 0o600)
        repos = os.path.join(fleet.tmp, "repos.json")
        with open(repos, "w") as f:
            json.dump({"repos": [
                {"name": "sample", "forge": "github", "repository": "acme/sample",
                 "clone_url": repo, "profile": "python", "branches": ["main", "release/*"],
                 "secret_env": "SCANFLEET_IT_GITHUB_SECRET"},
                {"name": "sample-gl", "forge": "gitlab", "repository": "platform/sample",
                 "clone_url": repo, "profile": "python", "secret_file": secret_file}]}, f)
        os.environ["SCANFLEET_IT_GITHUB_SECRET"] = GITHUB_SECRET
        fleet.start_controller("--repos", repos, "--webhook-listen", "127.0.0.1:0",
                               "--webhook-max-body", str(MAX_BODY))
        with open(os.path.join(fleet.tmp, "endpoints.json")) as f:
            self.port = json.load(f)["webhook_port"]

        push = fixture("github_push.json", after=pushed)
        # Every rejection before the first accepted push: that push must be scan 1.
        status, body = self.post(push, self.github(push, secret="wrong"))
        self.assertEqual((status, body["reason"]), (401, "bad_signature"))
        status, body = self.post(push, self.github(push, signature=""))
        self.assertEqual((status, body["reason"]), (401, "missing_signature"))
        truncated = self.github(push)
        truncated["X-Hub-Signature-256"] = truncated["X-Hub-Signature-256"][:-2]
        self.assertEqual(self.post(push, truncated)[0], 401)
        other = fixture("github_push.json", after=pushed,
                        repository={"full_name": "acme/unknown"})
        status, body = self.post(other, self.github(other))
        self.assertEqual((status, body["reason"]), (404, "unknown_repo"))
        broken = push[:len(push) // 2]
        status, body = self.post(broken, self.github(broken))
        self.assertEqual((status, body["reason"]), (400, "malformed"))
        form = self.github(push)
        form["Content-Type"] = "application/x-www-form-urlencoded"
        self.assertEqual(self.post(push, form)[0], 400)
        huge = fixture("github_push.json", after=pushed, padding="x" * (MAX_BODY + 1))
        self.assertEqual(self.post(huge, self.github(huge))[0], 413)
        feature = fixture("github_push.json", after=pushed, ref="refs/heads/feature/x")
        status, body = self.post(feature, self.github(feature))
        self.assertEqual((status, body["reason"]), (200, "ignored_branch"))
        deletion = fixture("github_push.json", after="0" * 40, deleted=True)
        status, body = self.post(deletion, self.github(deletion))
        self.assertEqual((status, body["reason"]), (200, "ignored_deletion"))
        tag = fixture("github_push.json", after=pushed, ref="refs/tags/v1")
        self.assertEqual(self.post(tag, self.github(tag))[1]["reason"], "ignored_tag")
        ping = fixture("github_ping.json")
        self.assertEqual(self.post(ping, self.github(ping, event="ping"))[0], 200)
        self.assertEqual(self.post(None, {}, method="GET")[0], 405)
        gitlab = fixture("gitlab_push.json", after=pushed)
        status, _ = self.post(gitlab, {"Content-Type": "application/json",
                                       "X-Gitlab-Event": "Push Hook",
                                       "X-Gitlab-Event-UUID": "gl-1",
                                       "X-Gitlab-Token": "not-the-token"})
        self.assertEqual(status, 401)

        status, body = self.post(push, self.github(push, delivery="delivery-1"))
        self.assertEqual(status, 202, body)
        self.assertEqual(body, {"scan_id": 1}, "nothing was queued by the rejected deliveries")
        status, body = self.post(push, self.github(push, delivery="delivery-1"))
        self.assertEqual((status, body), (202, {"scan_id": 1, "duplicate": True}))

        fleet.start_worker("w1")
        harness.wait_until(lambda: fleet.cli_json("status", "1")["state"] in
                           ("succeeded", "failed"), 120, "the pushed scan to finish")
        scan = fleet.cli_json("status", "1")
        self.assertEqual(scan["state"], "succeeded", scan)
        self.assertEqual((scan["repo"], scan["ref"], scan["branch"]), (repo, pushed, "main"))
        self.assertEqual([job["scanner"] for job in scan["jobs"]], ["bandit"])
        for job in scan["jobs"]:
            self.assertEqual(job["resolved_commit"], pushed)
        findings = fleet.cli_json("findings", "1")
        self.assertGreater(len(findings), 0)
        self.assertNotIn("app/later.py", {f["path"] for f in findings},
                         "the commit after the push was not scanned")
        missing = fleet.cli("status", "2", "--json", check=False)
        self.assertNotEqual(missing.returncode, 0, "a second scan was queued: " + missing.stdout)

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", "/healthz")
        counters = json.loads(conn.getresponse().read())["counters"]
        conn.close()
        self.assertEqual(counters.get("accepted"), 1)
        self.assertEqual(counters.get("duplicate"), 1)
        self.assertEqual(counters.get("bad_signature"), 3)  # wrong secret, truncated, GitLab
        self.assertEqual(counters.get("missing_signature"), 1)
        self.assertEqual(counters.get("too_large"), 1)
        self.assertEqual(counters.get("bad_method"), 1)
        self.assertEqual(counters.get("unknown_repo"), 1)


if __name__ == "__main__":
    unittest.main()
