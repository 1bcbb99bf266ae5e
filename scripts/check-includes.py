#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks which folder includes which, against the table in docs/architecture.md.

The table ("Include rules" section) is the one statement of the rules: each row names a folder and the
folders its files may include. This script reads it, resolves every project #include of every tracked
C/C++ file to the file it names, and fails (exit 1) listing each include that crosses a boundary the
table does not allow. System and third-party headers are not ours and are ignored.

Usage: scripts/check-includes.py [--root DIR] [--print-matrix]
"""
import argparse
import collections
import os
import re
import subprocess
import sys

SOURCE = re.compile(r"\.(c|cc|cpp|h|hpp)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|")
# Headers generated at build time, named after the folder whose sources they come from.
GENERATED = {"vaccel_rpc.pb.h": "src/rpc/proto/vaccel_rpc.pb.h"}


def module_of(path):
    """The folder a file belongs to for the rules: plugins/<name>, tests/<area>, src/<part>, or the top folder."""
    parts = path.split("/")
    if parts[0] in ("plugins", "tests", "src") and len(parts) > 2:
        return parts[0] + "/" + parts[1]
    return parts[0]


def read_rules(doc):
    """{folder pattern: set of allowed folder patterns} from the table after the "## Include rules" heading."""
    rules = {}
    in_section = False
    with open(doc, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == "## Include rules"
                continue
            if not in_section:
                continue
            m = ROW.match(line)
            if m:
                rules[m.group(1)] = set(re.findall(r"`([^`]+)`", m.group(2)))
    if not rules:
        sys.exit(f"check-includes: no rule table under '## Include rules' in {doc}")
    return rules


def matches(pattern, module):
    """`plugins/*` matches every plugin folder; `*` matches everything; else the folder itself."""
    if pattern == "*":
        return True
    if pattern.endswith("/*"):
        return module.startswith(pattern[:-1])
    return pattern == module


def rule_for(rules, module):
    exact = [p for p in rules if p == module]
    wild = [p for p in rules if p != module and matches(p, module)]
    return rules[(exact or wild)[0]] if (exact or wild) else None


def allowed(rules, src, dst):
    if src == dst:
        return True  # a folder may always include its own files
    allow = rule_for(rules, src)
    if allow is None:
        return False
    return any(matches(p, dst) for p in allow)


def resolve(name, quoted, includer, tracked, by_suffix):
    """The tracked file an include names, or None for a system/third-party header."""
    if name in GENERATED:
        return GENERATED[name]
    if quoted:
        rel = os.path.normpath(os.path.join(os.path.dirname(includer), name))
        if rel in tracked:
            return rel
    candidates = by_suffix.get(re.sub(r"^(\.\.?/)+", "", name), [])
    if not quoted:
        # <...> reaches our files only through the public include/ directory.
        return next((c for c in candidates if c == "include/" + name), None)
    same = [c for c in candidates if module_of(c) == module_of(includer)]
    public = [c for c in candidates if c.startswith("include/")]
    pick = same or public or candidates
    return pick[0] if pick else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--print-matrix", action="store_true", help="print folder -> folder include counts")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    rules = read_rules(os.path.join(root, "docs", "architecture.md"))
    tracked = subprocess.check_output(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                                      cwd=root, text=True).split("\n")
    tracked = {f for f in tracked if f and os.path.isfile(os.path.join(root, f))}
    sources = sorted(f for f in tracked if SOURCE.search(f))
    by_suffix = collections.defaultdict(list)
    for f in sources:
        parts = f.split("/")
        for i in range(len(parts)):
            by_suffix["/".join(parts[i:])].append(f)

    matrix = collections.Counter()
    violations = []
    for f in sources:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(m.group(2), m.group(1) == '"', f, tracked, by_suffix)
                if target is None:
                    continue
                src, dst = module_of(f), module_of(target)
                matrix[(src, dst)] += 1
                if not allowed(rules, src, dst):
                    violations.append(f"{f}:{lineno}: {src} may not include {dst} ({m.group(2)})")
    if args.print_matrix:
        for (src, dst), n in sorted(matrix.items()):
            print(f"{src:16} -> {dst:16} {n}")
    for v in violations:
        print(v, file=sys.stderr)
    if violations:
        print(f"check-includes: {len(violations)} include(s) break the rules of docs/architecture.md "
              "(## Include rules)", file=sys.stderr)
        return 1
    print(f"check-includes: {len(sources)} files follow the include rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
