"""Incremental and sharded scans against a real fleet (real workers, real
flawfinder and bandit, real git repositories generated here from varied
templates, 160 files in nested directories, some with spaces and non-ASCII
names):

- incremental == full: after a full scan of a base commit, a commit that
  modifies files (adding, removing and moving findings), adds one, deletes
  one, renames one unmodified and renames-and-modifies another is scanned
  incrementally and fully; both scans have exactly the same findings (as a
  multiset of tool, rule, path, line, fingerprint), while the incremental
  jobs scanned only the changed files and carried the rest forward;
- an incremental scan on the branch baseline, and another built on that one
  (its carried findings resolved through the first one's, by reference),
  each equal a full scan;
- sharded == unsharded: a --shards 4 scan run by two workers has the same
  findings as an unsharded one, every shard ran, on both workers;
- an incremental scan whose base commit the repository no longer has falls
  back to a full scan (incremental=false, said in the job's note) with the
  same findings.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))

C_TEMPLATES = [
    "#include <string.h>\nvoid copy_{n}(char *dst, const char *src) {{\n  strcpy(dst, src);\n}}\n",
    "#include <stdio.h>\nvoid fmt_{n}(char *out, const char *name) {{\n"
    "  sprintf(out, \"%s-{n}\", name);\n  sprintf(out, \"%s-{n}\", name);\n}}\n",
    "#include <stdlib.h>\nint run_{n}(const char *cmd) {{\n  return system(cmd);\n}}\n",
    "#include <string.h>\nvoid cat_{n}(char *d, const char *s) {{\n  strcat(d, s);\n"
    "  char buf[{n}0];\n  memcpy(buf, s, {n});\n}}\n",
    "int clean_{n}(int a, int b) {{\n  return a * {n} + b;\n}}\n",
    "#include <stdlib.h>\nconst char *home_{n}(void) {{\n  return getenv(\"HOME_{n}\");\n}}\n",
]
PY_TEMPLATES = [
    "import subprocess\n\ndef run_{n}(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    "import pickle\n\ndef load_{n}(blob):\n    return pickle.loads(blob)\n",
    "import hashlib\n\ndef digest_{n}(data):\n    return hashlib.md5(data).hexdigest()\n",
    "def evaluate_{n}(text):\n    return eval(text)\n",
    "def add_{n}(a, b):\n    return a + b + {n}\n",
]
DIRS = ["src", "src/net", "src/util", "lib/dir with spaces", "lib/ünïcödé", "tools"]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generate_repo(repo, c_files=110, py_files=50):
    """A repository of varied files; returns {relative path: text}."""
    files = {}
    for n in range(c_files):
        files[f"{DIRS[n % len(DIRS)]}/mod_{n}.c"] = C_TEMPLATES[n % len(C_TEMPLATES)].format(n=n)
    for n in range(py_files):
        files[f"{DIRS[n % len(DIRS)]}/py_{n}.py"] = PY_TEMPLATES[n % len(PY_TEMPLATES)].format(n=n)
    files["README.md"] = "generated\n"
    for path, text in files.items():
        write(os.path.join(repo, path), text)
    os.makedirs(repo, exist_ok=True)
    harness.git(repo, "init", "-q", "-b", "main")
    harness.git(repo, "add", "-A")
    harness.git(repo, "commit", "-q", "-m", "base")
    return files


def head(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def finding_keys(findings):
    return collections.Counter((f["tool"], f["rule_id"], f["path"], f["line"], f["fingerprint"])
                               for f in findings)


class IncrementalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fleet = harness.Fleet(BUILD)
        cls.fleet.start_controller()
        cls.fleet.start_worker("w1", slots=2)
        cls.fleet.start_worker("w2", slots=2)
        cls.fleet.wait_for_workers(2)

    @classmethod
    def tearDownClass(cls):
        cls.fleet.stop()
        cls.fleet.cleanup()

    def run(self, result=None):
        outcome = super().run(result)
        if result and (result.errors or result.failures):
            print(self.fleet.logs())
        return outcome

    def scan(self, repo, *extra):
        out = self.fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json",
                             *extra, check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        scan = json.loads(out.stdout)
        self.assertEqual(scan["state"], "succeeded", json.dumps(scan, indent=1))
        findings = self.fleet.cli_json("findings", str(scan["scan_id"]))
        self.assertEqual(len(findings), scan["findings"])
        return scan, findings

    def test_incremental_scan_equals_full_scan(self):
        repo = os.path.join(self.fleet.tmp, "inc-repo")
        files = generate_repo(repo)
        base, base_findings = self.scan(repo)
        self.assertGreater(len(base_findings), 100)

        # The next commit.
        c = lambda n: f"{DIRS[n % len(DIRS)]}/mod_{n}.c"
        with open(os.path.join(repo, c(0)), "a") as f:  # one more finding
            f.write("void more_0(char *d) {\n  strcpy(d, \"x\");\n}\n")
        write(os.path.join(repo, c(2)), "int fixed_2(void) {\n  return 2;\n}\n")  # one fewer
        write(os.path.join(repo, c(7)), "\n\n\n" + files[c(7)])  # findings move down
        write(os.path.join(repo, "lib/ünïcödé/py_4.py"), "import os\n\n" + files["lib/ünïcödé/py_4.py"])
        write(os.path.join(repo, "src/net/added file.c"), C_TEMPLATES[2].format(n=999))
        harness.git(repo, "rm", "-q", c(9))
        harness.git(repo, "mv", c(1), "src/renamed_unmodified.c")
        harness.git(repo, "mv", c(13), "lib/dir with spaces/renamed_modified.c")
        with open(os.path.join(repo, "lib/dir with spaces/renamed_modified.c"), "a") as f:
            f.write("void extra_13(char *d) {\n  strcpy(d, \"y\");\n}\n")
        harness.git(repo, "add", "-A")
        harness.git(repo, "commit", "-q", "-m", "change")
        status = subprocess.run(["git", "-C", repo, "diff", "--name-status", "-M", "HEAD~1",
                                 "HEAD"], capture_output=True, text=True, check=True).stdout
        self.assertRegex(status, r"R100\t.*mod_1\.c\tsrc/renamed_unmodified\.c")
        self.assertRegex(status, r"R0[5-9][0-9]\t.*mod_13\.c\tlib/dir with spaces/renamed_mod")

        full, full_findings = self.scan(repo)
        inc, inc_findings = self.scan(repo, "--incremental", "--baseline", str(base["scan_id"]))
        self.assertEqual(finding_keys(inc_findings), finding_keys(full_findings),
                         "an incremental scan has exactly a full scan's findings")
        self.assertNotEqual(finding_keys(full_findings), finding_keys(base_findings))
        paths = {f["path"] for f in inc_findings}
        self.assertIn("src/renamed_unmodified.c", paths)
        self.assertIn("src/net/added file.c", paths)
        self.assertNotIn(c(9), paths)

        scanned = 0
        for job in inc["jobs"]:
            match = re.search(r"incremental since scan (\d+) .*: (\d+) files scanned, (\d+) "
                              r"findings carried forward", job["note"])
            self.assertIsNotNone(match, job)
            self.assertEqual(int(match.group(1)), base["scan_id"])
            self.assertEqual(int(match.group(3)), job["carried_findings"])
            scanned += int(match.group(2))
            self.assertGreater(job["carried_findings"], 20)
        # flawfinder: 0, 2, 7, added, renamed+modified; bandit: py_4.
        self.assertEqual(scanned, 6, "only the changed files were scanned")
        out = self.fleet.cli("status", str(inc["scan_id"])).stdout
        self.assertIn("files scanned", out)
        self.assertIn("findings carried forward", out)

    def test_incremental_scan_builds_on_the_branch_baseline(self):
        """Without --baseline, an incremental scan builds on the latest succeeded
        scan of its branch (the scan's resolved baseline)."""
        repo = os.path.join(self.fleet.tmp, "branch-repo")
        generate_repo(repo, c_files=30, py_files=10)
        base, _ = self.scan(repo, "--branch", "main")
        with open(os.path.join(repo, f"{DIRS[3 % len(DIRS)]}/mod_3.c"), "a") as f:
            f.write("void more_3(char *d) {\n  strcpy(d, \"x\");\n}\n")
        harness.git(repo, "commit", "-q", "-am", "one more weakness")
        inc, inc_findings = self.scan(repo, "--branch", "main", "--incremental")
        _, full_findings = self.scan(repo)
        self.assertEqual(finding_keys(inc_findings), finding_keys(full_findings))
        for job in inc["jobs"]:
            self.assertRegex(job["note"], rf"incremental since scan {base['scan_id']} ", job)
        self.assertEqual(sum(j["carried_findings"] > 0 for j in inc["jobs"]), len(inc["jobs"]))

        # The next incremental scan builds on that one, whose own carried
        # findings are a reference to its base: resolved through the chain.
        with open(os.path.join(repo, f"{DIRS[4 % len(DIRS)]}/py_4.py"), "a") as f:
            f.write("\ndef again_4(text):\n    return eval(text)\n")
        harness.git(repo, "commit", "-q", "-am", "one more in python")
        chained, chained_findings = self.scan(repo, "--branch", "main", "--incremental")
        _, full_findings = self.scan(repo)
        self.assertEqual(finding_keys(chained_findings), finding_keys(full_findings))
        for job in chained["jobs"]:
            self.assertRegex(job["note"], rf"incremental since scan {inc['scan_id']} ", job)

    def test_sharded_scan_equals_unsharded_scan(self):
        repo = os.path.join(self.fleet.tmp, "shard-repo")
        generate_repo(repo)
        _, whole = self.scan(repo)
        sharded, parts = self.scan(repo, "--shards", "4")
        self.assertEqual(finding_keys(parts), finding_keys(whole),
                         "a sharded scan has exactly an unsharded scan's findings")
        by_scanner = collections.defaultdict(list)
        for job in sharded["jobs"]:
            by_scanner[job["scanner"]].append(job)
        self.assertEqual(set(by_scanner), {"flawfinder", "bandit"})
        workers = set()
        for scanner, jobs in by_scanner.items():
            self.assertEqual(sorted(j["shard_index"] for j in jobs), [0, 1, 2, 3], scanner)
            self.assertTrue(all(j["shard_count"] == 4 and j["state"] == "succeeded" for j in jobs))
            self.assertTrue(all(j["findings"] > 0 for j in jobs), "every shard had files")
            workers.update(j["worker_id"] for j in jobs)
        self.assertEqual(workers, {"w1", "w2"}, "the shards ran on both workers")
        out = self.fleet.cli("status", str(sharded["scan_id"])).stdout
        self.assertIn("flawfinder [shard 2/4]", out)

    def test_unknown_base_commit_falls_back_to_full_scan(self):
        repo = os.path.join(self.fleet.tmp, "gone-repo")
        generate_repo(repo, c_files=30, py_files=10)
        # A base scanned on a branch that is then deleted and garbage-collected.
        harness.git(repo, "checkout", "-q", "-b", "doomed")
        write(os.path.join(repo, "doomed.c"), C_TEMPLATES[0].format(n=1234))
        harness.git(repo, "add", "-A")
        harness.git(repo, "commit", "-q", "-m", "doomed")
        doomed_commit = head(repo)
        out = self.fleet.cli("submit", "--repo", repo, "--ref", "doomed", "--wait", "--json")
        base = json.loads(out.stdout)
        self.assertEqual(base["state"], "succeeded")
        harness.git(repo, "checkout", "-q", "main")
        harness.git(repo, "branch", "-q", "-D", "doomed")
        harness.git(repo, "reflog", "expire", "--expire=now", "--all")
        harness.git(repo, "gc", "-q", "--prune=now")
        missing = subprocess.run(["git", "-C", repo, "cat-file", "-e", doomed_commit])
        self.assertNotEqual(missing.returncode, 0, "the base commit is gone")

        full, full_findings = self.scan(repo)
        inc, inc_findings = self.scan(repo, "--incremental", "--baseline", str(base["scan_id"]))
        self.assertEqual(finding_keys(inc_findings), finding_keys(full_findings))
        for job in inc["jobs"]:
            self.assertIn("full scan: cannot diff against base commit", job["note"])
            self.assertIn("not in the repository", job["note"])
            self.assertEqual(job["carried_findings"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
