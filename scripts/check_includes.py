#!/usr/bin/env python3
"""Checks the include walls between scanfleet's folders (docs/ARCHITECTURE.md, "Walls").

Every .h/.cc under common/ controller/ worker/ tests/ is scanned for
`#include "..."` lines. A file belongs to its folder, two levels deep
(`controller/api`, `common/wire`, `tests/unit`); a file directly under a
top-level folder (controller/main.cc) belongs to that folder (`controller`),
and the generated `proto/scanfleet.pb.h` to `proto`. Includes that name no
top-level folder of ours (<...> headers, a fixture's "util.h") are ignored.

It fails (exit 1, naming the file and line of every offending include) on:
  (a) an include between controller/ and worker/, either way;
  (b) an include from common/ of controller/ or worker/;
  (c) an include of tests/ from outside tests/;
  (d) a cycle between folders: printed with one example include per edge.
There is no allowlist: a wall that has to bend is fixed by moving the shared
declaration down (to common/, controller/config, or a small interface header).

Usage: check_includes.py [--root DIR] [--stamp FILE]   (exit 0: clean)
       check_includes.py --self-test
--stamp FILE is touched on success so a build reruns the check only when a
source changed.
"""

import argparse
import os
import re
import sys
import tempfile

SCANNED_ROOTS = ("common", "controller", "worker", "tests")
KNOWN_ROOTS = SCANNED_ROOTS + ("proto",)
EXTENSIONS = (".h", ".cc")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def folder_of(path):
    """The wall unit of a repository-relative path, or None if it is not ours."""
    parts = path.split("/")
    if parts[0] not in KNOWN_ROOTS or len(parts) < 2:
        return None
    if len(parts) == 2:
        return parts[0]
    return parts[0] + "/" + parts[1]


def top_of(folder):
    return folder.split("/")[0]


def scan(root):
    """Yields (file, line number, included path) for every quoted include."""
    for top in SCANNED_ROOTS:
        base = os.path.join(root, top)
        for directory, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith(EXTENSIONS):
                    continue
                full = os.path.join(directory, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, encoding="utf-8", errors="replace") as source:
                    for number, line in enumerate(source, 1):
                        match = INCLUDE_RE.match(line)
                        if match:
                            yield rel, number, match.group(1)


def wall_breach(src, dst):
    """Why an include from folder src of folder dst breaks a wall, or None."""
    src_top, dst_top = top_of(src), top_of(dst)
    if {src_top, dst_top} == {"controller", "worker"}:
        return "controller/ and worker/ share knowledge only through common/"
    if src_top == "common" and dst_top in ("controller", "worker"):
        return "common/ is below controller/ and worker/"
    if dst_top == "tests" and src_top != "tests":
        return "only tests/ may include tests/"
    return None


def find_cycles(edges):
    """Cycles between folders: in each strongly connected component of more than one
    folder, the shortest cycle through each folder not yet on a printed one."""
    graph = {}
    for src, dst in edges:
        graph.setdefault(src, set()).add(dst)
        graph.setdefault(dst, set())
    # Tarjan's algorithm, iterative so a deep tree cannot hit the recursion limit.
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    # Every folder of a component is shown on at least one cycle, each the
    # shortest through it, so two cycles sharing a folder are both reported.
    cycles = []
    for component in sorted(components, key=sorted):
        covered = set()
        for start in sorted(component):
            if start in covered:
                continue
            cycle = shortest_cycle(graph, component, start)
            covered.update(cycle)
            cycles.append(cycle)
    return cycles


def shortest_cycle(graph, component, start):
    """start -> ... -> start within component, breadth-first."""
    previous, frontier = {start: None}, [start]
    while frontier:
        next_frontier = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return path[::-1] + [start]
                if child not in previous:
                    previous[child] = node
                    next_frontier.append(child)
        frontier = next_frontier
    raise AssertionError("no cycle through %s in its component" % start)


def check(root):
    """The list of problems found under root (empty: the walls hold)."""
    problems = []
    examples = {}  # (src folder, dst folder) -> first include seen
    for rel, number, included in scan(root):
        src, dst = folder_of(rel), folder_of(included)
        if src is None or dst is None or src == dst:
            continue
        where = '%s:%d includes "%s"' % (rel, number, included)
        reason = wall_breach(src, dst)
        if reason:
            problems.append("wall: %s (%s)" % (where, reason))
        examples.setdefault((src, dst), where)
    for cycle in find_cycles(examples.keys()):
        lines = ["cycle between folders: " + " -> ".join(cycle)]
        for src, dst in zip(cycle, cycle[1:]):
            lines.append("  %s -> %s: %s" % (src, dst, examples[(src, dst)]))
        problems.append("\n".join(lines))
    return problems


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)


def self_test():
    """Runs check() on tiny fake trees: a clean one passes, each breach is named."""
    clean = {
        "common/wire/envelope.h": '#include "proto/scanfleet.pb.h"\n#include <string>\n',
        "controller/config/config.h": '#include "common/wire/envelope.h"\n',
        "controller/api/api.h": '#include "controller/config/config.h"\n',
        "controller/loop/loop.h": '#include "controller/api/api.h"\n#include "util.h"\n',
        "controller/main.cc": '#include "controller/loop/loop.h"\n',
        "worker/loop/loop.h": '#include "common/wire/envelope.h"\n',
        "tests/unit/fixture.h": '#include "worker/loop/loop.h"\n',
        "tests/unit/deep/a_test.cc": '#include "tests/unit/fixture.h"\n'
                                     '#include "controller/loop/loop.h"\n',
        "tests/fixtures/sample.c": '#include "worker/loop/loop.h"\n',  # not .h/.cc
    }
    broken = dict(clean)
    broken.update({
        # api -> loop closes loop -> api; triggers <-> loop is a second cycle
        # through loop, reported on its own.
        "controller/api/api.cc": '#include "controller/api/api.h"\n'
                                 '  #  include "controller/loop/loop.h"\n',
        "controller/loop/loop.cc": '#include "controller/triggers/hub.h"\n',
        "controller/triggers/hub.h": '#include "controller/loop/loop.h"\n',
        # Wall breaches in folders nothing includes back: no further cycle.
        "controller/report/bad.h": '#include "worker/loop/loop.h"\n',
        "worker/spool/bad.h": '#include "controller/config/config.h"\n',
        "common/bad/bad.h": '#include "controller/config/config.h"\n',
        "worker/exec/bad.cc": '#include "tests/unit/fixture.h"\n',
    })
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(os.path.join(tmp, "clean"), clean)
        write_tree(os.path.join(tmp, "broken"), broken)
        problems = check(os.path.join(tmp, "clean"))
        if problems:
            failures.append("clean tree reported:\n" + "\n".join(problems))
        problems = check(os.path.join(tmp, "broken"))
        report = "\n".join(problems)
        expected = [
            'wall: controller/report/bad.h:1 includes "worker/loop/loop.h"',
            'wall: worker/spool/bad.h:1 includes "controller/config/config.h"',
            'wall: common/bad/bad.h:1 includes "controller/config/config.h"',
            'wall: worker/exec/bad.cc:1 includes "tests/unit/fixture.h"',
            "cycle between folders: controller/api -> controller/loop -> controller/api",
            'controller/api -> controller/loop: controller/api/api.cc:2 includes '
            '"controller/loop/loop.h"',
            'controller/loop -> controller/api: controller/loop/loop.h:1 includes '
            '"controller/api/api.h"',
            "cycle between folders: controller/triggers -> controller/loop -> "
            "controller/triggers",
            'controller/loop -> controller/triggers: controller/loop/loop.cc:1 includes '
            '"controller/triggers/hub.h"',
        ]
        for text in expected:
            if text not in report:
                failures.append("broken tree report lacks %r; it was:\n%s" % (text, report))
        if len(problems) != 6:  # four walls, two cycles
            failures.append("broken tree: %d problems, expected 6:\n%s" %
                            (len(problems), report))
    if failures:
        print("check_includes self-test FAILED:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("check_includes self-test passed")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."),
                        help="repository root (default: the script's parent folder)")
    parser.add_argument("--stamp", help="file touched when the walls hold")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on fake trees in a temp dir")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(os.path.abspath(args.root))
    if problems:
        print("include walls broken (scripts/check_includes.py, docs/ARCHITECTURE.md):",
              file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    if args.stamp:
        with open(args.stamp, "w", encoding="utf-8") as stamp:
            stamp.write("include walls hold\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
