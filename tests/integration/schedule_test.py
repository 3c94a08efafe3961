"""Scheduled scans end to end: a real controller whose --repos file has two
every-2-seconds schedules (6-field cron) on a local git repository, and no
worker, so every scan stays queued.

`skip` fires once and then skips while that scan is unfinished; `queue` fires
at every slot; a controller stopped across several slots fires each schedule
once on restart (never a slot it already fired); `scanfleet schedules` shows
all of it."""
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIRED = re.compile(r"schedule '(\w+)': slot (\d+) -> scan (\d+)( \(already submitted\))?")


class ScheduleTest(harness.FleetTestCase):
    def schedules(self):
        return {s["name"]: s for s in self.fleet.cli_json("schedules")}

    def controller_log(self):
        with open(os.path.join(self.fleet.tmp, "controller.log")) as f:
            return f.read()

    def test_skip_queue_and_restart(self):
        fleet = self.fleet
        repo = os.path.join(fleet.tmp, "sample-repo")
        harness.make_git_repo(os.path.join(ROOT, "tests", "sample-repo"), repo)
        os.environ["SCANFLEET_IT_UNUSED_SECRET"] = "unused"
        repos = os.path.join(fleet.tmp, "repos.json")
        with open(repos, "w") as f:
            json.dump({"repos": [{"name": "sample", "forge": "gitea", "repository": "acme/sample",
                                  "clone_url": repo, "profile": "python",
                                  "secret_env": "SCANFLEET_IT_UNUSED_SECRET"}],
                       "schedules": [
                           {"name": "skipper", "repo": "sample", "branch": "main",
                            "cron": "*/2 * * * * *", "overlap": "skip"},
                           {"name": "queuer", "repo": "sample", "branch": "main",
                            "cron": "*/2 * * * * *", "overlap": "queue"}]}, f)
        fleet.start_controller("--repos", repos)

        # skip: one scan, then skipped slots while it stays queued.
        harness.wait_until(lambda: self.schedules()["skipper"]["skipped"] >= 2, 30,
                           "the skipper to skip two slots")
        # queue: a scan per slot although none of them ran.
        harness.wait_until(lambda: len(re.findall(r"schedule 'queuer': slot",
                                                  self.controller_log())) >= 3, 30,
                           "three queuer slots")
        listed = self.schedules()
        skipper = listed["skipper"]
        self.assertNotEqual(skipper["last_scan_id"], 0)
        self.assertEqual(skipper["last_scan_state"], "queued")
        self.assertEqual((skipper["cron"], skipper["overlap"]), ("*/2 * * * * *", "skip"))
        self.assertGreater(skipper["next_fire_ms"], skipper["last_slot_ms"])
        self.assertTrue(skipper["next_fire"].endswith("Z"))
        scan = fleet.cli_json("status", str(skipper["last_scan_id"]))
        self.assertEqual((scan["repo"], scan["ref"], scan["branch"]), (repo, "main", "main"))
        table = fleet.cli("schedules").stdout
        self.assertIn("skipper", table)
        self.assertIn("queued", table)

        fleet.controller.terminate()
        fleet.controller.wait(timeout=20)
        before = FIRED.findall(self.controller_log())
        stopped_at = time.time()
        # Stay down across at least two slots (a condition wait on the clock).
        harness.wait_until(lambda: time.time() > stopped_at + 4.5, 10, "two missed slots")
        fleet.start_controller("--repos", repos)
        harness.wait_until(lambda: len(FIRED.findall(self.controller_log())) >= 2, 30,
                           "the first queuer fire after the restart")
        after = FIRED.findall(self.controller_log())

        fires = [(name, int(slot), int(scan)) for name, slot, scan, dup in before + after]
        self.assertFalse([f for f in before + after if f[3]], "a slot was submitted twice")
        for name in ("queuer", "skipper"):
            slots = [slot for n, slot, _ in fires if n == name]
            self.assertEqual(slots, sorted(set(slots)), f"{name}: a slot fired twice")
        queuer = [(slot, scan) for n, slot, scan in fires if n == "queuer"]
        scans = [scan for _, scan in queuer]
        self.assertEqual(len(scans), len(set(scans)), "every queuer slot made its own scan")
        # The missed slots fire once: the first fire after the restart is one
        # slot, the next is two seconds after it.
        restart_fires = [int(slot) for n, slot, _, _ in after if n == "queuer"]
        last_before = max(int(slot) for n, slot, _, _ in before if n == "queuer")
        self.assertGreaterEqual(restart_fires[0] - last_before, 4000,
                                "slots passed while the controller was down")
        self.assertIn("slots missed while the controller was down; firing once",
                      self.controller_log())
        harness.wait_until(lambda: len([1 for n, *_ in FIRED.findall(self.controller_log())
                                        if n == "queuer"]) >= 2, 30, "a second queuer fire")
        second = [int(slot) for n, slot, _, _ in FIRED.findall(self.controller_log())
                  if n == "queuer"][:2]
        self.assertEqual(second[1] - second[0], 2000, "one fire for the missed slots, then "
                                                      "the regular cadence")
        # The skipper's first scan is still queued: after the restart it keeps skipping.
        self.assertEqual(self.schedules()["skipper"]["last_scan_id"], skipper["last_scan_id"])


if __name__ == "__main__":
    unittest.main()
