"""`make soak`: a long chaos run (default 5,000 jobs, 10 controller and 6 worker
kill -9s at different points), then its audit as a table. With --write-docs the
table replaces the figures section of docs/RELIABILITY.md.

Usage: python3 tests/integration/soak.py [--jobs N] [--controller-kills K]
       [--worker-kills W] [--seed S] [--write-docs]
"""
import argparse
import datetime
import json
import os
import platform
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import chaos  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SCANFLEET_BUILD_DIR", os.path.join(ROOT, "build"))
DOC = os.path.join(ROOT, "docs", "RELIABILITY.md")
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"


def table(audit, args):
    recoveries = {}
    for target, seconds in audit["recovery_s"]:
        recoveries.setdefault(target, []).append(seconds)

    def describe(target):
        values = sorted(recoveries.get(target, []))
        if not values:
            return "n/a"
        return f"median {values[len(values) // 2]:.2f} s, max {values[-1]:.2f} s"

    rows = [
        ("jobs submitted", audit["jobs"]),
        ("controller kill -9 / worker kill -9", f"{audit['controller_kills']} / "
                                                f"{audit['worker_kills']}"),
        ("**jobs lost**", f"**{audit['jobs_lost']}**"),
        ("**jobs duplicated**", f"**{audit['jobs_duplicated']}**"),
        ("jobs ended succeeded", audit["job_states"].get("succeeded", 0)),
        ("findings stored / expected", f"{audit['findings_stored']} / "
                                       f"{audit['findings_expected']}"),
        ("finding events", audit["finding_events"]),
        ("attempts by outcome", ", ".join(f"{k} {v}" for k, v in
                                          sorted(audit["attempt_outcomes"].items()))),
        ("submit retries across restarts (idempotent)", audit["loadgen"]["retries"]),
        ("jobs finishing again after a controller kill -9 (restart included)", describe("controller")),
        ("jobs finishing again after a worker kill -9 (the other worker never stops)", describe("worker")),
        ("wall time", f"{audit['wall_s']:.1f} s"),
    ]
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    command = (f"make soak SOAK_ARGS=\"--jobs {args.jobs} --controller-kills "
               f"{args.controller_kills} --worker-kills {args.worker_kills} --seed "
               f"{audit['seed']}\"")
    machine = (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, "
               f"{datetime.date.today().isoformat()}")
    return "\n".join([f"Measured with `{command}` on {machine}:", "", *lines])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--controller-kills", type=int, default=10)
    parser.add_argument("--worker-kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    audit = chaos.run(BUILD, args.jobs, args.controller_kills, args.worker_kills,
                      seed=args.seed, timeout_s=1800,
                      log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(audit, indent=1), file=sys.stderr)
    text = table(audit, args)
    print(text)
    if args.write_docs:
        with open(DOC) as f:
            doc = f.read()
        doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END),
                     lambda _: f"{BEGIN}\n{text}\n{END}", doc, flags=re.S)
        with open(DOC, "w") as f:
            f.write(doc)
        print(f"wrote {DOC}", file=sys.stderr)
    ok = audit["jobs_lost"] == 0 and audit["jobs_duplicated"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
