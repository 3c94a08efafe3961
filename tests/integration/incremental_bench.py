"""Wall times of incremental and sharded scans (numbers for `make bench`; no
assertion on time). Usage: incremental_bench.py [FILES]

1. full vs incremental scan (one file changed) of a FILES-file generated
   repository (default 2,000: 1,500 C, 500 Python), profile default;
2. a --shards 2 scan with 1 worker vs with 2 workers (1 slot each);
3. a 5,000-file C repository scanned with flawfinder over {files}.
Prints one JSON object per measurement.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import incremental_test as it  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))


def timed_scan(fleet, repo, *extra):
    start = time.monotonic()
    out = fleet.cli("submit", "--repo", repo, "--ref", "main", "--wait", "--json", *extra)
    elapsed = time.monotonic() - start
    scan = json.loads(out.stdout)
    assert scan["state"] == "succeeded", scan
    return scan, elapsed


def main():
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    fleet = harness.Fleet(BUILD)
    try:
        # --profile replaces the registry's profiles: name both used here.
        fleet.start_controller("--profile", "default=flawfinder,bandit",
                               "--profile", "c-only=flawfinder")
        fleet.start_worker("w1", slots=1)
        fleet.wait_for_workers(1)
        repo = os.path.join(fleet.tmp, "bench-repo")
        it.generate_repo(repo, c_files=files * 3 // 4, py_files=files // 4)
        base, full_s = timed_scan(fleet, repo)
        with open(os.path.join(repo, "src/mod_0.c"), "a") as f:
            f.write("void more(char *d) {\n  strcpy(d, \"x\");\n}\n")
        harness.git(repo, "commit", "-q", "-am", "one file")
        _, full2_s = timed_scan(fleet, repo)
        inc, inc_s = timed_scan(fleet, repo, "--incremental", "--baseline", str(base["scan_id"]))
        print(json.dumps({"bench": "incremental", "files": files, "findings": inc["findings"],
                          "full_s": round(full2_s, 2), "incremental_s": round(inc_s, 2),
                          "first_full_s": round(full_s, 2)}))
        _, one_s = timed_scan(fleet, repo, "--shards", "2")
        fleet.start_worker("w2", slots=1)
        fleet.wait_for_workers(2)
        _, two_s = timed_scan(fleet, repo, "--shards", "2")
        print(json.dumps({"bench": "shards", "files": files, "shards": 2,
                          "one_worker_s": round(one_s, 2), "two_workers_s": round(two_s, 2)}))
        big = os.path.join(fleet.tmp, "big-repo")
        it.generate_repo(big, c_files=5000, py_files=0)
        scan, big_s = timed_scan(fleet, big, "--profile", "c-only")
        print(json.dumps({"bench": "5000-files", "findings": scan["findings"],
                          "seconds": round(big_s, 2)}))
    finally:
        fleet.stop()
        fleet.cleanup()


if __name__ == "__main__":
    main()
