#!/usr/bin/env python3
"""Checks that docs/ARCHITECTURE.md's "## Layout" block matches the tree.

Every folder one level below common/, controller/, worker/ and tests/ must be
listed (a line of the block starting with its path), and every path the block
lists must exist. Prints each mismatch and exits 1; exits 0 when they match.
--self-test checks the checker on fake trees. Python 3, stdlib only.
"""
import argparse
import os
import re
import sys
import tempfile

TOP_FOLDERS = ("common", "controller", "worker", "tests")
LISTED_PATH = re.compile(r"^([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)/?\s")


def listed_paths(doc_text):
    """The paths at the start of the lines of the "## Layout" code block."""
    section = doc_text.split("\n## Layout\n", 1)
    if len(section) != 2:
        return None
    block = section[1].split("```", 2)
    if len(block) < 3:
        return None
    paths = []
    for line in block[1].splitlines():
        match = LISTED_PATH.match(line + " ")
        if match:
            paths.append(match.group(1))
    return paths


def tree_folders(root):
    folders = []
    for top in TOP_FOLDERS:
        top_dir = os.path.join(root, top)
        if not os.path.isdir(top_dir):
            continue
        for name in sorted(os.listdir(top_dir)):
            if os.path.isdir(os.path.join(top_dir, name)):
                folders.append(f"{top}/{name}")
    return folders


def check(root, doc):
    """The mismatches between DOC's layout and the tree under ROOT."""
    with open(os.path.join(root, doc), encoding="utf-8") as f:
        paths = listed_paths(f.read())
    if paths is None:
        return [f"{doc}: no \"## Layout\" section with a code block"]
    problems = [f"{doc}: lists {path}, which does not exist"
                for path in paths if not os.path.exists(os.path.join(root, path))]
    problems += [f"{doc}: does not list {folder}"
                 for folder in tree_folders(root) if folder not in paths]
    return problems


def self_test():
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for folder in ("common/wire", "controller/api", "worker/job", "tests/unit"):
            os.makedirs(os.path.join(root, folder))
        doc = "ARCH.md"

        def expect(text, wanted):
            nonlocal ok
            with open(os.path.join(root, doc), "w", encoding="utf-8") as f:
                f.write(text)
            got = check(root, doc)
            if sorted(got) != sorted(wanted):
                ok = False
                print(f"self-test: expected {wanted}, got {got}")

        full = ("# x\n\n## Layout\n\n```\ncommon/wire      a\ncontroller/api   b\n"
                "worker/job       c\ntests/unit       d\n```\n")
        expect(full, [])
        expect(full.replace("worker/job       c\n", ""), [f"{doc}: does not list worker/job"])
        expect(full.replace("tests/unit       d\n", "tests/unit       d\ncommon/gone  e\n"),
               [f"{doc}: lists common/gone, which does not exist"])
        expect("# x\n", [f"{doc}: no \"## Layout\" section with a code block"])
    print("self-test passed" if ok else "self-test FAILED")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--doc", default="docs/ARCHITECTURE.md")
    parser.add_argument("--self-test", action="store_true", help="check the checker on fake trees")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(args.root, args.doc)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.doc}: the layout matches the tree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
