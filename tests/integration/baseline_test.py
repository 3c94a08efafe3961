"""Baselines, diffs, suppressions, the CI gate and the git hook against a real
fleet: a real controller and worker, real flawfinder, on a generated C
repository with dozens of findings, committed with real git.

- a commit that adds exactly one weakness: diff says 1 new, 0 fixed, and
  `submit --wait --new-only --fail-on high` exits 1; one that removes one:
  1 fixed, 0 new, and the gate exits 0;
- suppressions by fingerprint, rule and path glob from the repository's
  .scanfleet/suppressions.json and by path glob from the controller's
  --suppressions file are reported as suppressed (reason, source) and do not
  trip the gate; an invalid repository file is a warning, nothing suppressed;
- a scan whose scanner fails closes nothing: 0 fixed, every baseline finding
  "not re-checked";
- a pre-push hook installed into a clone of a local bare repository blocks a
  push that adds a critical weakness, and SCANFLEET_HOOK_BYPASS lets it
  through with a line in .git/scanfleet-hook.log and a hook-bypass scan.
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

# 30 files, each with distinct flawfinder hits (strcpy: level 4, high).
def write_base_repo(path):
    os.makedirs(os.path.join(path, "src"))
    for i in range(30):
        with open(os.path.join(path, "src", f"m{i}.c"), "w") as f:
            f.write(f"#include <string.h>\n#include <stdio.h>\n"
                    f"void copy{i}(char *dst, const char *src) {{\n"
                    f"  strcpy(dst, src); /* m{i} */\n"
                    f"  char b{i}[16];\n  sprintf(b{i}, \"%s\", src);\n}}\n")


def head(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def commit(repo, message):
    harness.git(repo, "add", "-A")
    harness.git(repo, "commit", "-q", "-m", message)
    return head(repo)


def write(repo, rel, text):
    os.makedirs(os.path.dirname(os.path.join(repo, rel)), exist_ok=True)
    with open(os.path.join(repo, rel), "w") as f:
        f.write(text)


FAILING_FLAWFINDER = """#!/bin/sh
case "$1" in --version) echo 2.0.19; exit 0 ;; esac
echo "flawfinder: simulated crash" >&2
exit 2
"""


class BaselineTest(unittest.TestCase):
    def setUp(self):
        self.fleet = harness.Fleet(BUILD)
        fleet = self.fleet
        self.controller_suppressions = os.path.join(fleet.tmp, "suppressions.json")
        with open(self.controller_suppressions, "w") as f:
            json.dump({"suppressions": [{"path": "legacy/*", "reason": "legacy code, replaced in Q3"}]}, f)
        # Profile "c" is flawfinder alone here, so counts are flawfinder's.
        fleet.start_controller("--suppressions", self.controller_suppressions,
                               "--profile", "c=flawfinder",
                               "--max-failures", "1", "--backoff-base-ms", "10")
        fleet.start_worker("w1")
        fleet.wait_for_workers(1)
        self.repo = os.path.join(fleet.tmp, "repo")
        write_base_repo(self.repo)
        harness.git(self.repo, "init", "-q", "-b", "main")
        self.base = commit(self.repo, "base")

    def tearDown(self):
        self.fleet.stop()
        result = getattr(self._outcome, "result", None)
        failed = result is not None and any(test is self for test, _ in
                                            result.failures + result.errors)
        if failed:
            print(self.fleet.logs())
        self.fleet.cleanup()

    def submit(self, ref, *extra, check=True, repo=None):
        out = self.fleet.cli("submit", "--repo", repo or self.repo, "--ref", ref, "--branch",
                             "main", "--profile", "c", "--wait", "--json", *extra, check=check)
        return out, json.loads(out.stdout[out.stdout.index("{"):]) if "{" in out.stdout else None

    def diff(self, scan_id, *extra):
        return self.fleet.cli_json("diff", str(scan_id), *extra)

    def test_new_fixed_suppressed_and_failed_scanner(self):
        _, base_scan = self.submit(self.base)
        base_diff = self.diff(base_scan["scan_id"])
        base_count = len(base_diff["findings"])
        self.assertGreaterEqual(base_count, 50, "the generated repo has dozens of findings")
        self.assertEqual(base_diff["baseline_scan_id"], 0)
        self.assertEqual(base_diff["counts"]["new"], base_count)
        self.assertTrue(any("no baseline" in n for n in base_diff["notes"]), base_diff["notes"])

        # One new weakness: exactly one new finding, nothing fixed; the gate exits 1.
        write(self.repo, "src/added.c", "#include <stdio.h>\nvoid rd(char *l) { gets(l); }\n")
        added = commit(self.repo, "add gets")
        out, scan = self.submit(added, "--new-only", "--fail-on", "high", check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("new 1, fixed 0", out.stderr)
        self.assertEqual((scan["diff"]["new"], scan["diff"]["fixed"]), (1, 0))
        diff = self.diff(scan["scan_id"])
        self.assertEqual(diff["baseline_scan_id"], base_scan["scan_id"])
        self.assertEqual((diff["counts"]["new"], diff["counts"]["fixed"]), (1, 0), diff["counts"])
        self.assertEqual(diff["counts"]["unchanged"], base_count)
        [new] = [f for f in diff["findings"] if f["status"] == "new"]
        self.assertEqual(new["path"], "src/added.c")
        added_scan = scan["scan_id"]

        # One weakness removed: exactly one fixed, nothing new; the gate passes.
        write(self.repo, "src/m7.c", "#include <string.h>\n#include <stdio.h>\n"
              "void copy7(char *dst, const char *src) {\n  char b7[16];\n"
              "  sprintf(b7, \"%s\", src);\n}\n")
        removed = commit(self.repo, "remove strcpy from m7")
        out, scan = self.submit(removed, "--new-only", "--fail-on", "high", check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        diff = self.diff(scan["scan_id"])
        self.assertEqual(diff["baseline_scan_id"], added_scan)
        self.assertEqual((diff["counts"]["new"], diff["counts"]["fixed"]), (0, 1), diff["counts"])
        [fixed] = [f for f in diff["findings"] if f["status"] == "fixed"]
        self.assertEqual(fixed["path"], "src/m7.c")
        clean_scan = scan["scan_id"]
        clean_count = diff["counts"]["new"] + diff["counts"]["unchanged"]

        # New weaknesses, then suppressed by the repo file (fingerprint, rule, path glob)
        # and the controller file (path glob).
        write(self.repo, "vendor/v.c", "#include <string.h>\nvoid v(char*d,char*s){strcpy(d,s);}\n")
        write(self.repo, "legacy/l.c", "#include <string.h>\nvoid l(char*d,char*s){strcpy(d,s);}\n")
        write(self.repo, "src/fp.c", "#include <string.h>\nvoid f(char*d,char*s){strcat(d,s);}\n")
        write(self.repo, "src/rule.c", "#include <stdlib.h>\nvoid r(char*c){system(c);}\n")
        risky = commit(self.repo, "risky code")
        out, scan = self.submit(risky, "--new-only", "--fail-on", "high", check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        diff = self.diff(scan["scan_id"])
        new = [f for f in diff["findings"] if f["status"] == "new"]
        by_path = {}
        for f in new:
            by_path.setdefault(f["path"], []).append(f)
        self.assertEqual(set(by_path), {"vendor/v.c", "legacy/l.c", "src/fp.c", "src/rule.c"})
        [legacy] = by_path["legacy/l.c"]
        self.assertEqual(legacy["suppression"]["source"], "controller:" + self.controller_suppressions)
        rule = by_path["src/rule.c"][0]["rule_id"]
        write(self.repo, ".scanfleet/suppressions.json", json.dumps({"suppressions": [
            {"path": "vendor/*", "reason": "third-party code"},
            {"rule": f"flawfinder:{rule}", "reason": "commands are constants here",
             "expires": "2999-12-31"},
            *[{"fingerprint": f["fingerprint"], "reason": "reviewed: bounded"}
              for f in by_path["src/fp.c"]]]}))
        suppressed = commit(self.repo, "suppress reviewed findings")
        out, scan = self.submit(suppressed, "--baseline", str(clean_scan), "--new-only",
                                "--fail-on", "high", check=False)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        diff = self.diff(scan["scan_id"])
        new = [f for f in diff["findings"] if f["status"] == "new"]
        self.assertEqual(len(new), sum(len(v) for v in by_path.values()))
        for f in new:
            self.assertIn("suppression", f, f)  # reported, not hidden
            expected = {"vendor/v.c": "third-party code", "legacy/l.c": "legacy code, replaced in Q3",
                        "src/fp.c": "reviewed: bounded",
                        "src/rule.c": "commands are constants here"}[f["path"]]
            self.assertEqual(f["suppression"]["reason"], expected)
            if f["path"] != "legacy/l.c":
                self.assertEqual(f["suppression"]["source"], "repo:.scanfleet/suppressions.json")
        self.assertGreaterEqual(diff["counts"]["suppressed"], len(new))

        # An invalid repository file: a warning, nothing suppressed, nothing crashes.
        write(self.repo, ".scanfleet/suppressions.json", '{"suppressions": [{"path": "vendor/*"}]}')
        invalid = commit(self.repo, "break the suppressions file")
        out, scan = self.submit(invalid, "--baseline", str(clean_scan), "--new-only",
                                "--fail-on", "high", check=False)
        self.assertEqual(out.returncode, 1, out.stderr)
        diff = self.diff(scan["scan_id"])
        self.assertTrue(any("suppressions file is invalid" in n and "no reason" in n
                            for n in diff["notes"]), diff["notes"])
        self.assertFalse(any("suppression" in f for f in diff["findings"]
                             if f["path"] in ("vendor/v.c", "src/fp.c")))

        # The table view lists the new findings with their suppression.
        table = self.fleet.cli("diff", str(scan["scan_id"]), "--baseline", str(clean_scan)).stdout
        self.assertIn("critical  high  medium", table)
        self.assertIn("legacy/l.c", table)

        # A failing scanner closes nothing.
        self.fleet.workers["w1"].terminate()
        self.fleet.workers["w1"].wait(timeout=20)
        fake = os.path.join(self.fleet.tmp, "fake-bin")
        os.makedirs(fake)
        with open(os.path.join(fake, "flawfinder"), "w") as f:
            f.write(FAILING_FLAWFINDER)
        os.chmod(os.path.join(fake, "flawfinder"), 0o700)
        self.fleet.start_worker("broken", path_prefix=fake)
        harness.wait_until(lambda: any(w["alive"] and w["worker_id"] == "broken"
                                       for w in self.fleet.cli_json("workers")),
                           30, "the broken worker")
        out, scan = self.submit(self.base, "--baseline", str(clean_scan), check=False)
        self.assertEqual(out.returncode, 3, out.stderr)  # the scan failed
        diff = self.diff(scan["scan_id"])
        self.assertEqual(diff["counts"]["fixed"], 0, diff["counts"])
        self.assertEqual(diff["counts"]["new"], 0)
        self.assertEqual(diff["counts"]["not_rechecked"], clean_count)
        self.assertTrue(any("not re-checked" in n for n in diff["notes"]), diff["notes"])

    def test_pre_push_hook_blocks_and_bypass_is_logged(self):
        fleet = self.fleet
        bare = os.path.join(fleet.tmp, "origin.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", bare], check=True)
        harness.git(self.repo, "remote", "add", "origin", bare)
        harness.git(self.repo, "push", "-q", "origin", "main")
        clone = os.path.join(fleet.tmp, "clone")
        subprocess.run(["git", "clone", "-q", bare, clone], check=True)
        # The branch's baseline: a scan of the clone at main.
        self.submit(head(clone), repo=clone)
        install = ("hook", "install", "--repo", clone, "--fail-on", "high", "--profile", "c")
        out = fleet.cli(*install)
        self.assertIn("pre-push", out.stdout)
        fleet.cli(*install)  # idempotent: our own hook is replaced
        hook = os.path.join(clone, ".git", "hooks", "pre-push")
        self.assertTrue(os.access(hook, os.X_OK))

        write(clone, "src/added.c", "#include <stdio.h>\nvoid rd(char *l) { gets(l); }\n")
        sha = commit(clone, "add gets")
        push = subprocess.run(["git", "-C", clone, "push", "origin", "main"], capture_output=True,
                              text=True, timeout=300)
        self.assertNotEqual(push.returncode, 0, push.stderr)
        self.assertIn("push blocked", push.stderr)
        self.assertIn("src/added.c", push.stdout + push.stderr)  # the new finding is printed
        remote_head = subprocess.run(["git", "-C", bare, "rev-parse", "main"], check=True,
                                     capture_output=True, text=True).stdout.strip()
        self.assertNotEqual(remote_head, sha)

        env = dict(os.environ, SCANFLEET_HOOK_BYPASS="hotfix for INC-42")
        push = subprocess.run(["git", "-C", clone, "push", "origin", "main"], capture_output=True,
                              text=True, timeout=300, env=env)
        self.assertEqual(push.returncode, 0, push.stderr)
        remote_head = subprocess.run(["git", "-C", bare, "rev-parse", "main"], check=True,
                                     capture_output=True, text=True).stdout.strip()
        self.assertEqual(remote_head, sha)
        with open(os.path.join(clone, ".git", "scanfleet-hook.log")) as f:
            log = f.read()
        self.assertIn(f"commit={sha}", log)
        self.assertIn("reason=hotfix for INC-42", log)

        # A foreign hook is not clobbered without --force; uninstall removes ours.
        fleet.cli("hook", "uninstall", "--repo", clone)
        self.assertFalse(os.path.exists(hook))
        with open(hook, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        refused = fleet.cli("hook", "install", "--repo", clone, check=False)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("not written by scanfleet", refused.stderr)
        fleet.cli("hook", "install", "--repo", clone, "--force")
        self.assertTrue(os.path.exists(hook + ".pre-scanfleet"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
