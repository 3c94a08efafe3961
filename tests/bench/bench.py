#!/usr/bin/env python3
"""make bench: scanfleet against Celery + Redis and against the machine's own limits.

Every figure is measured in this run next to its baseline and reported as a
ratio. Everything runs on 127.0.0.1 with ephemeral ports and private temp
directories, waits on conditions with deadlines (harness.wait_until) and stops
every process it started. --scale sets the job counts (1.0 = the documented run;
--quick = 0.1 for iterating). Results go to stdout as JSON and, with
--write-docs FILE, into a Markdown table (docs/BENCHMARKS.md).

Cases: 1 scheduling (builtin noop scanner) vs Celery no-op; 2 shell-out
(/bin/true per job) vs raw posix_spawn and Celery subprocess; 3 latency at
light load and re-dispatch after kill -9; 4 event fan-out to 4 subscribers vs
raw libzmq PUB/SUB; 5 a 1,000,000-job queue (RSS, dispatch rate) vs an empty
one; 6 flawfinder over a generated 5,000-file C corpus, 1 vs 2 workers.
"""
import argparse
import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import celery_baseline  # noqa: E402
from bench_large_cases import LargeCases  # noqa: E402
from bench_report import FAKE_REPO, cpu_seconds, machine, shutil_which, write_docs  # noqa


BENCH_REGISTRY = {
    "scanners": {
        # A process per job: /bin/true, a DAST-kind scanner so that no checkout runs.
        "true-spawn": {"kind": "dast", "pool": "bench", "parser": "nuclei-jsonl",
                       "argv": ["/bin/true", "{target_url}"], "version_argv": ["/bin/true"],
                       "report": "stdout", "exit_codes": {"clean": [0]}, "timeout_ms": 60000},
        # Holds a job long enough to kill its worker (case 3).
        "hold": {"kind": "dast", "pool": "bench", "parser": "nuclei-jsonl",
                 "argv": ["/bin/sh", "-c", "sleep 60", "{target_url}"],
                 "version_argv": ["/bin/true"], "report": "stdout",
                 "exit_codes": {"clean": [0]}, "timeout_ms": 120000},
        "noop-findings": {"kind": "sast", "pool": "bench", "builtin": "noop",
                          "builtin_findings": 5000},
    },
    "profiles": {"true-spawn": ["true-spawn"], "hold": ["hold"],
                 "noop-findings": ["noop-findings"], "ff": ["flawfinder"]},
}
DAST_TARGET = "http://127.0.0.1:9/"


def log(*args):
    print(f"[bench {time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def inclusive_profile(perf_script, limit):
    """Share of samples whose stack contains each scanfleet function, SQLite's
    step/commit, Ed25519 signing/verification or fdatasync (inclusive time)."""
    import collections
    import re
    wanted = re.compile(r"(scanfleet::[\w:]+|sqlite3_step|sqlite3VdbeHalt|crypto_sign_\w+|"
                        r"fdatasync|epoll_wait)")
    counts, total = collections.Counter(), 0
    for sample in perf_script.split("\n\n"):
        lines = sample.strip().split("\n")
        if len(lines) < 2:
            continue
        total += 1
        seen = set()
        for line in lines[1:]:
            match = wanted.search(line)
            if match and match.group(1) not in seen:
                seen.add(match.group(1))
                counts[match.group(1)] += 1
    return [f"{100.0 * n / total:5.1f}%  {name}" for name, n in counts.most_common(limit)] \
        if total else []


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(p / 100.0 * (len(ordered) - 1)))))
    return ordered[index]


class Bench(LargeCases):
    registry_doc = BENCH_REGISTRY

    def __init__(self, build_dir, scale):
        self.build_dir = build_dir
        self.scale = scale
        self.rows = []  # dicts: case, metric, value, unit, baseline, baseline_value, target, met
        self.notes = []
        self.profile_top = []

    def n(self, count, minimum=10):
        return max(minimum, int(count * self.scale))

    def row(self, case, metric, value, unit, baseline=None, baseline_value=None, ratio=None,
            target=None, met=None):
        if baseline_value is not None and baseline_value != baseline_value:  # NaN: not run
            baseline_value, met = None, None
        if ratio is None and baseline_value:
            ratio = value / baseline_value
        self.rows.append({"case": case, "metric": metric, "value": value, "unit": unit,
                          "baseline": baseline, "baseline_value": baseline_value,
                          "ratio": ratio, "target": target, "met": met})
        log(f"{case}: {metric} = {value:.4g} {unit}" +
            (f" (baseline {baseline} {baseline_value:.4g}, ratio {ratio:.3g})"
             if baseline_value else ""))

    def tool(self, name):
        return os.path.join(self.build_dir, "tests", "bench", name)

    # ---- fleets ------------------------------------------------------------
    def fleet(self, *extra):
        fleet = harness.Fleet(self.build_dir)
        registry = os.path.join(fleet.tmp, "bench-registry.json")
        with open(registry, "w") as f:
            json.dump(BENCH_REGISTRY, f)
        fleet.registry = registry
        fleet.start_controller("--scanner-registry", registry, "--dast-allow", "127.0.0.1",
                               *extra, pools=("bench", "sast"))
        fleet.db = os.path.join(fleet.tmp, "scanfleet.db")
        return fleet

    def start_workers(self, fleet, count, slots, pools="bench", prefix="w"):
        for i in range(count):
            fleet.start_worker(f"{prefix}{i}", slots=slots,
                               extra=("--pools", pools, "--scanner-registry", fleet.registry,
                                      "--dast-allow", "127.0.0.1"))
        fleet.wait_for_workers(count, timeout_s=60)

    def query(self, fleet, sql, *args):
        db = sqlite3.connect(f"file:{fleet.db}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def count_state(self, fleet, state):
        return self.query(fleet, "SELECT count(*) FROM jobs WHERE state = ?", state)[0][0]

    def wait_done(self, fleet, total, timeout_s):
        def done():
            finished = self.query(fleet, "SELECT count(*) FROM jobs WHERE state IN "
                                  "('succeeded','failed','dead')")[0][0]
            return finished >= total
        harness.wait_until(done, timeout_s, f"{total} finished jobs")
        failed = self.query(fleet, "SELECT count(*), max(last_error) FROM jobs "
                            "WHERE state != 'succeeded'")[0]
        if failed[0]:
            raise RuntimeError(f"{failed[0]} jobs did not succeed: {failed[1]}")

    def loadgen(self, fleet, count, profile, connections=4, repo=FAKE_REPO, target=None):
        args = [os.path.join(self.build_dir, "tests", "sf-loadgen"), "--controller", fleet.api,
                "--count", str(count), "--profile", profile, "--connections", str(connections),
                "--key-prefix", f"bench-{time.monotonic_ns()}",
                *fleet.security_args("sf-loadgen")]
        args += ["--target", target] if target else ["--repo", repo]
        out = subprocess.run(args, capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise RuntimeError(f"sf-loadgen failed: {out.stderr}")
        return json.loads(out.stdout)

    def stats(self, fleet):
        """The controller's loop counters (`scanfleet stats --json`)."""
        return fleet.cli_json("stats")

    def batching_rows(self, case, label, before, after, jobs):
        """Machine-independent counts of one measured window: jobs per durable
        commit, signature verifications per job, worker messages per frame,
        and the loop's longest iteration so far."""
        delta = {k: after[k] - before.get(k, 0) for k in after}
        self.row(case, f"{label}: jobs per durable commit", jobs / max(1, delta["commits"]),
                 "jobs/commit", target="≥ 20" if case.startswith("1") else None,
                 met=(jobs / max(1, delta["commits"]) >= 20) if case.startswith("1") else None)
        self.row(case, f"{label}: signature verifications per job",
                 delta["signatures_verified"] / max(1, jobs), "verifications/job")
        self.row(case, f"{label}: session MAC verifications per job",
                 delta.get("macs_verified", 0) / max(1, jobs), "verifications/job")
        self.row(case, f"{label}: worker messages per frame",
                 delta["worker_messages"] / max(1, delta["worker_frames"]), "messages/frame")
        self.row(case, f"{label}: the controller loop's longest iteration",
                 after["longest_iteration_ms"], "ms")

    def drain_rate(self, fleet, since_job=0):
        """Jobs per second from the first dispatch to the last stored result."""
        row = self.query(fleet, "SELECT count(*), min(a.dispatched_ms), max(j.finished_ms) "
                         "FROM jobs j JOIN attempts a ON a.job_id = j.id AND a.attempt = 1 "
                         "WHERE j.id > ?", since_job)[0]
        return row[0] / max(0.001, (row[2] - row[1]) / 1000.0)

    # ---- anchors -----------------------------------------------------------
    def raw_spawn_rate(self):
        out = subprocess.run([self.tool("sf-bench-spawn"), "--seconds", "3"], check=True,
                             capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout)["per_second"]

    def sqlite_commit_rate(self):
        """Single-row commits/s with WAL and synchronous=FULL, on the fleets' file system."""
        import tempfile
        directory = tempfile.mkdtemp(prefix="scanfleet-bench-sqlite-")
        try:
            db = sqlite3.connect(os.path.join(directory, "anchor.db"), isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            start, commits = time.monotonic(), 0
            while time.monotonic() - start < 2.0:
                db.execute("BEGIN")
                db.execute("INSERT INTO t(v) VALUES('x')")
                db.execute("COMMIT")
                commits += 1
            db.close()
            return commits / (time.monotonic() - start)
        finally:
            import shutil
            shutil.rmtree(directory, ignore_errors=True)

    # ---- case 1 ------------------------------------------------------------
    def case_scheduling(self, celery):
        jobs = self.n(5000, 200)
        fleet = self.fleet()
        try:
            submitted = self.loadgen(fleet, jobs, "noop", connections=4)
            submit_rate = submitted["per_second"]
            self.row("1 scheduling", "submit path alone (4 connections, no workers)",
                     submit_rate, "scans/s")
            stats_before = self.stats(fleet)
            self.start_workers(fleet, 2, slots=self.slots)
            controller_pid = fleet.controller.pid
            pids = {"controller": controller_pid,
                    **{name: proc.pid for name, proc in fleet.workers.items()}}
            cpu_before, wall_before = {k: cpu_seconds(p) for k, p in pids.items()}, time.monotonic()
            self.wait_done(fleet, jobs, 600)
            wall = time.monotonic() - wall_before
            stats_after = self.stats(fleet)
            cpu = {k: (cpu_seconds(p) - cpu_before[k]) / wall for k, p in pids.items()}
            drain = self.drain_rate(fleet)
            self.notes.append("case 1 drain: CPU use (user+system ÷ wall) controller "
                              f"{cpu['controller']:.0%}, workers " +
                              ", ".join(f"{v:.0%}" for k, v in cpu.items() if k != "controller") +
                              f" over {wall:.1f} s ({self.slots} slots per worker)")
            self.celery_noop = celery.noop_rate(self.n(1500, 100))
            self.row("1 scheduling", f"queued noop jobs dispatched, run, result stored (2 workers × {self.slots} "
                     "slots)",
                     drain, "jobs/s", "Celery+Redis no-op", self.celery_noop,
                     target="≥ 15× (moonshot ≥ 80×)", met=drain / self.celery_noop >= 15)
            self.batching_rows("1 scheduling", "drain", stats_before, stats_after, jobs)
            # Submitting while the workers run: end to end from the first submit.
            last_job = self.query(fleet, "SELECT max(id) FROM jobs")[0][0]
            more = self.n(2000, 100)
            start = time.time()
            self.loadgen(fleet, more, "noop", connections=4)
            self.wait_done(fleet, jobs + more, 600)
            end_ms = self.query(fleet, "SELECT max(finished_ms) FROM jobs WHERE id > ?",
                                last_job)[0][0]
            e2e = more / max(0.001, end_ms / 1000.0 - start)
            self.submitted_while_running_rate = e2e
            self.row("1 scheduling", "submitted while running, end to end (submit → stored)",
                     e2e, "jobs/s", "Celery+Redis no-op", self.celery_noop)
            # The profile gets a run of its own: perf's DWARF unwinding costs the
            # controller enough to lower any rate measured under it.
            perf = self.start_perf(controller_pid, fleet.tmp)
            if perf:
                self.loadgen(fleet, more, "noop", connections=4)
                self.wait_done(fleet, jobs + 2 * more, 600)
                self.stop_perf(perf)
            self.empty_queue_rate = drain
            commits = self.sqlite_commit_rate()
            self.row("1 scheduling", "drain rate against the machine's single-row durable "
                     "commit rate (> 1: commits are shared)", drain, "jobs/s",
                     "SQLite WAL synchronous=FULL single-row commits/s", commits)
        finally:
            fleet.stop()
            fleet.cleanup()

    def start_perf(self, pid, tmp):
        if not self.profile or not shutil_which("perf"):
            return None
        path = os.path.join(tmp, "perf.data")
        # DWARF call graphs: the binaries have no frame pointers, and what
        # matters is which of the loop's steps the time goes to (inclusive).
        proc = subprocess.Popen(["perf", "record", "-F", "299", "--call-graph", "dwarf,16384",
                                 "-p", str(pid), "-o", path],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, path

    def stop_perf(self, perf):
        if not perf:
            return
        proc, path = perf
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        out = subprocess.run(["perf", "script", "-i", path], capture_output=True, text=True,
                             timeout=600)
        self.profile_top = inclusive_profile(out.stdout, limit=18)

    # ---- case 2 ------------------------------------------------------------
    def case_shellout(self, celery):
        jobs = self.n(1000, 100)
        raw = self.raw_spawn_rate()
        # Every job targets the same loopback URL: lift the per-target politeness cap
        # (default 1 in flight per host), which would otherwise serialize them.
        fleet = self.fleet("--dast-target-max-running", "0")
        try:
            self.loadgen(fleet, jobs, "true-spawn", connections=2, target=DAST_TARGET)
            self.start_workers(fleet, 2, slots=2)
            self.wait_done(fleet, jobs, 900)
            rate = self.drain_rate(fleet)
        finally:
            fleet.stop()
            fleet.cleanup()
        self.row("2 shell-out", "jobs/s, each spawning /bin/true (2 workers × 2 slots)", rate,
                 "jobs/s", "raw posix_spawn+wait, 1 thread", raw, target="≥ 90 % of raw",
                 met=rate >= 0.9 * raw)
        celery_rate = celery.subprocess_rate(self.n(750, 50))
        self.row("2 shell-out", "same jobs vs Celery subprocess task", rate, "jobs/s",
                 "Celery+Redis subprocess /bin/true", celery_rate)

    # ---- case 3 ------------------------------------------------------------
    def case_latency(self):
        samples = self.n(300, 50)
        fleet = self.fleet("--heartbeat-interval-ms", "200", "--dead-after-missed", "10")
        try:
            self.start_workers(fleet, 2, slots=4)
            for _ in range(samples):  # one job at a time
                scan = self.loadgen(fleet, 1, "noop", connections=1)["last_scan"]
                harness.wait_until(lambda: self.query(
                    fleet, "SELECT state FROM jobs WHERE scan_id = ?", scan)[0][0] == "succeeded",
                    30, f"scan {scan}")
            rows = self.query(fleet, "SELECT a.accepted_ms - j.created_ms, "
                              "j.finished_ms - j.created_ms FROM jobs j JOIN attempts a "
                              "ON a.job_id = j.id AND a.attempt = 1")
            started = [r[0] for r in rows]
            stored = [r[1] for r in rows]
            self.row("3 latency", f"submit → job started p50 ({len(rows)} jobs, 1 at a time)",
                     percentile(started, 50), "ms")
            self.row("3 latency", "submit → job started p99", percentile(started, 99), "ms",
                     target="≤ 2 ms", met=percentile(started, 99) <= 2)
            self.row("3 latency", "submit → result stored p50", percentile(stored, 50), "ms")
            self.row("3 latency", "submit → result stored p99", percentile(stored, 99), "ms")
            # Worker killed (-9) while its job runs → the job running on the other worker.
            scan = self.loadgen(fleet, 1, "hold", connections=1, target=DAST_TARGET)["last_scan"]
            running = harness.wait_until(lambda: self.query(
                fleet, "SELECT id, worker_id FROM jobs WHERE scan_id = ? AND state = 'running'",
                scan), 30, "the held job running")
            job_id, worker = running[0]
            killed_ms = time.time() * 1000
            fleet.workers[worker].send_signal(signal.SIGKILL)
            again = harness.wait_until(lambda: self.query(
                fleet, "SELECT accepted_ms FROM attempts WHERE job_id = ? AND attempt > 1 "
                "AND accepted_ms > 0", job_id), 60, "the job running elsewhere")
            redispatch = (again[0][0] - killed_ms) / 1000.0
            self.row("3 latency", "worker kill -9 → job running on the other worker "
                     "(heartbeat 200 ms × 10 missed)", redispatch, "s", target="≤ 4 s",
                     met=redispatch <= 4)
        finally:
            fleet.stop()
            fleet.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.environ.get("SCANFLEET_BUILD_DIR", "build"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies every job count (1.0: the documented run)")
    parser.add_argument("--quick", action="store_true", help="--scale 0.1, for iterating")
    parser.add_argument("--cases", default="1,2,3,4,5,6", help="comma-separated case numbers")
    parser.add_argument("--slots", type=int, default=32,
                        help="slots per worker in the noop cases (1 and 5); a noop job holds "
                             "no resource, so a worker can run many at once")
    parser.add_argument("--no-profile", action="store_true", help="skip perf during case 1")
    parser.add_argument("--write-docs", metavar="FILE", help="write the Markdown table here")
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    bench = Bench(build_dir, 0.1 if args.quick else args.scale)
    bench.profile = not args.no_profile
    bench.slots = args.slots
    bench.submit_rate_hint = 1
    bench.empty_queue_rate = float("nan")
    bench.submitted_while_running_rate = float("nan")
    cases = {c.strip() for c in args.cases.split(",")}
    started = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M")
    t0 = time.monotonic()
    celery = celery_baseline.CeleryBaseline()
    try:
        if cases & {"1", "2"}:
            celery.start()
        if "1" in cases:
            bench.case_scheduling(celery)
            bench.submit_rate_hint = bench.rows[0]["value"]
        if "2" in cases:
            bench.case_shellout(celery)
    finally:
        celery.stop()
    if "3" in cases:
        bench.case_latency()
    if "4" in cases:
        bench.case_fanout()
    if "5" in cases:
        bench.case_scale()
        bench.case_many_workers()
        bench.case_idle_default_interval()
    if "6" in cases:
        bench.case_real_scans()
    seconds = time.monotonic() - t0
    print(json.dumps({"machine": machine(), "rows": bench.rows, "notes": bench.notes,
                      "profile": bench.profile_top, "seconds": seconds}, indent=1))
    if args.write_docs:
        command = os.environ.get("SCANFLEET_BENCH_COMMAND") or " ".join(
            ["python3", "tests/bench/bench.py", *sys.argv[1:]])
        write_docs(args.write_docs, bench, command, started, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
