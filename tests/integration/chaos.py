"""Chaos run: thousands of jobs while the controller and workers are killed
with -9 at many different points, then an audit of the database.

Used by fault_test.py (a short run in `make test`) and soak.py (`make soak`).
Kill points are progress thresholds (scans submitted, jobs finished), read from
the controller's SQLite file, so every kill lands at a known stage of the run
and no step waits on a fixed sleep.

The scanner is a stand-in `bandit` that prints a fixed report at once: the run
measures the scheduler, not the scanner. Each job therefore must end with
exactly FINDINGS_PER_JOB findings.
"""
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import time

import harness

# Three results, two of them the same rule on the same line: they must stay two.
CANNED_REPORT = {
    "errors": [],
    "results": [
        {"code": "3 x = pickle.loads(data)\n", "filename": "./app.py",
         "issue_confidence": "HIGH", "issue_severity": "MEDIUM",
         "issue_text": "Pickle can be unsafe.", "line_number": 3, "line_range": [3],
         "test_id": "B301", "test_name": "blacklist"},
        {"code": "3 x = pickle.loads(data)\n", "filename": "./app.py",
         "issue_confidence": "HIGH", "issue_severity": "MEDIUM",
         "issue_text": "Pickle can be unsafe.", "line_number": 3, "line_range": [3],
         "test_id": "B301", "test_name": "blacklist"},
        {"code": "5 subprocess.call(cmd, shell=True)\n", "filename": "./app.py",
         "issue_confidence": "HIGH", "issue_severity": "HIGH",
         "issue_text": "subprocess call with shell=True.", "line_number": 5,
         "line_range": [5], "test_id": "B602", "test_name": "subprocess_popen_with_shell"},
    ],
}
FINDINGS_PER_JOB = len(CANNED_REPORT["results"])

FAST_BANDIT = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "bandit 1.6.2 (chaos stand-in)"; exit 0; fi
cat "{report}"
exit 1
"""


def _query(db_path, sql, *args):
    """One read of the controller's database (WAL: readers never block it)."""
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None


def _scalar(db_path, sql, *args):
    rows = _query(db_path, sql, *args)
    return rows[0][0] if rows else None


def _prepare(fleet):
    repo = os.path.join(fleet.tmp, "repo-src")
    os.makedirs(repo)
    with open(os.path.join(repo, "app.py"), "w") as f:
        f.write("import pickle\n\nx = pickle.loads(data)\n\nsubprocess.call(cmd, shell=True)\n")
    git_repo = os.path.join(fleet.tmp, "repo")
    harness.make_git_repo(repo, git_repo)
    bin_dir = os.path.join(fleet.tmp, "chaos-bin")
    os.makedirs(bin_dir)
    report = os.path.join(fleet.tmp, "report.json")
    with open(report, "w") as f:
        json.dump(CANNED_REPORT, f)
    with open(os.path.join(bin_dir, "bandit"), "w") as f:
        f.write(FAST_BANDIT.format(report=report))
    os.chmod(os.path.join(bin_dir, "bandit"), stat.S_IRWXU)
    return git_repo, bin_dir


def _kill_plan(rng, jobs, controller_kills, worker_kills):
    """(metric, threshold, action): spread over submission and processing."""
    plan = []
    for i in range(controller_kills):
        metric = "submitted" if i % 3 == 0 else "done"
        fraction = (i + 1) / (controller_kills + 1)
        plan.append((metric, max(1, int(jobs * fraction * rng.uniform(0.8, 1.0))), "controller"))
    for i in range(worker_kills):
        fraction = (i + 1) / (worker_kills + 1)
        plan.append(("done", max(1, int(jobs * fraction * rng.uniform(0.85, 1.0))), "worker"))
    order = {"submitted": 0, "done": 1}
    return sorted(plan, key=lambda p: (order[p[0]], p[1]))


def run(build_dir, jobs, controller_kills, worker_kills, workers=2, slots=4, seed=None,
        timeout_s=600, log=lambda msg: None):
    """Runs the chaos scenario and returns the audit as a dict."""
    seed = seed if seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    fleet = harness.Fleet(build_dir)
    try:
        return _run(fleet, rng, seed, jobs, controller_kills, worker_kills, workers, slots,
                    timeout_s, log)
    except Exception:
        log(fleet.logs())
        raise
    finally:
        fleet.stop()
        fleet.cleanup()


def _run(fleet, rng, seed, jobs, controller_kills, worker_kills, workers, slots, timeout_s,
         log):
    repo, bin_dir = _prepare(fleet)
    db = os.path.join(fleet.tmp, "scanfleet.db")
    fleet.start_controller("--max-failures", "10")
    worker_ids = [f"w{i + 1}" for i in range(workers)]
    for worker_id in worker_ids:
        fleet.start_worker(worker_id, slots=slots, path_prefix=bin_dir)
    fleet.wait_for_workers(workers)
    started = time.monotonic()
    loadgen = subprocess.Popen(
        [os.path.join(fleet.build_dir, "tests", "sf-loadgen"), "--controller", fleet.api,
         "--repo", repo, "--ref", "main", "--profile", "python", "--count", str(jobs),
         "--key-prefix", f"chaos-{seed}", "--timeout-ms", "1000",
         *fleet.security_args("scanfleet")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fleet.procs.append(loadgen)

    def progress():
        submitted = _scalar(db, "SELECT COUNT(*) FROM scans") or 0
        done = _scalar(db, "SELECT COUNT(*) FROM jobs WHERE state='succeeded'") or 0
        return {"submitted": submitted, "done": done}

    recoveries = []
    kills = {"controller": 0, "worker": 0}
    for metric, threshold, target in _kill_plan(rng, jobs, controller_kills, worker_kills):
        harness.wait_until(lambda: progress()[metric] >= threshold, timeout_s,
                           f"{threshold} jobs {metric} before killing the {target}")
        before = progress()["done"]
        if target == "controller":
            fleet.controller.send_signal(signal.SIGKILL)
            fleet.controller.wait()
            killed_at = time.monotonic()
            fleet.start_controller("--max-failures", "10", ports=fleet.ports)
        else:
            victim = rng.choice(worker_ids)
            proc = fleet.workers[victim]
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = time.monotonic()
            # Same id and work dir: the new process finds its spooled results.
            fleet.start_worker(victim, slots=slots, path_prefix=bin_dir)
        kills[target] += 1
        log(f"killed the {target} at {metric}={threshold} ({before} jobs done)")
        if before < jobs:
            harness.wait_until(lambda: progress()["done"] > before, timeout_s,
                               f"progress after killing the {target}")
            recoveries.append((target, time.monotonic() - killed_at))

    out, err = loadgen.communicate(timeout=timeout_s)
    if loadgen.returncode != 0:
        raise AssertionError(f"sf-loadgen exited {loadgen.returncode}: {err}")
    harness.wait_until(lambda: progress()["done"] >= jobs or _unfinished(db) == 0, timeout_s,
                       "every job to end")
    wall_s = time.monotonic() - started
    fleet.stop()
    audit = _audit(db, jobs)
    audit.update(seed=seed, wall_s=round(wall_s, 2), controller_kills=kills["controller"],
                 worker_kills=kills["worker"], loadgen=json.loads(out),
                 recovery_s=[(t, round(s, 2)) for t, s in recoveries])
    return audit


def _unfinished(db):
    return _scalar(db, "SELECT COUNT(*) FROM jobs WHERE state IN ('queued','dispatched',"
                       "'running')")


def _audit(db, jobs):
    """Counts what a user would call lost or duplicated work."""
    q = lambda sql: _query(db, sql)
    scans = q("SELECT COUNT(*), COUNT(DISTINCT idempotency_key) FROM scans")[0]
    states = dict(q("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
    succeeded_attempts = dict(q("SELECT job_id, COUNT(*) FROM attempts WHERE outcome='succeeded' "
                                "GROUP BY job_id"))
    findings = dict(q("SELECT job_id, COUNT(*) FROM findings GROUP BY job_id"))
    job_ids = [row[0] for row in q("SELECT id FROM jobs")]
    scan_done_events = dict(q("SELECT scan_id, COUNT(*) FROM events WHERE topic='scan.succeeded' "
                              "GROUP BY scan_id"))
    finding_events = q("SELECT COUNT(*) FROM events WHERE topic LIKE 'finding.%'")[0][0]
    outcomes = dict(q("SELECT outcome, COUNT(*) FROM attempts GROUP BY outcome"))
    lost = sum(1 for j in job_ids if succeeded_attempts.get(j, 0) == 0) + max(0, jobs - scans[0])
    duplicated = (sum(1 for j in job_ids if succeeded_attempts.get(j, 0) > 1)
                  + sum(1 for j in job_ids if findings.get(j, 0) > FINDINGS_PER_JOB)
                  + (scans[0] - scans[1]) + max(0, scans[0] - jobs)
                  + sum(1 for n in scan_done_events.values() if n > 1))
    return {
        "jobs": jobs,
        "scans_stored": scans[0],
        "job_states": states,
        "jobs_lost": lost,
        "jobs_duplicated": duplicated,
        "findings_stored": sum(findings.values()),
        "findings_expected": jobs * FINDINGS_PER_JOB,
        "finding_events": finding_events,
        "jobs_with_wrong_findings": sum(1 for j in job_ids
                                        if findings.get(j, 0) != FINDINGS_PER_JOB),
        "attempt_outcomes": outcomes,
    }
