#!/usr/bin/env python3
"""check_fnlen.py - no C function longer than the tree allows (make check).

The style (docs/style.md) asks for small functions, most under about 40
lines; issue 53 cut the longest ones (116 lines at most before, 73 after).
This check keeps them from growing back: a function whose definition,
from its name's line to its closing brace, is longer than LIMIT lines
fails, named with its file and line.  It also prints how many functions
the tree has, their median, and how many are 50 lines or more.

    tools/dev/check_fnlen.py             check common/, services/, plugins/
                                         and tools/ (tracked and new .c files)
    tools/dev/check_fnlen.py --top N     also list the N longest

A definition is found as clang-format writes one in this tree (Linux
braces): the name at the start of a line followed by "(", the body's "{"
and "}" alone at the start of lines.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

LIMIT = 80
DIRS = ["common", "services", "plugins", "tools"]
# A function's name line: an identifier at column 0 then "(" (the return
# type is on the line above), or a one-line "type name(" at column 0.
NAME = re.compile(r"^(?:[A-Za-z_][\w \t*]*?[ \t*])?([A-Za-z_]\w*)\s*\(")
NOT_A_NAME = ("if", "for", "while", "switch", "return", "sizeof")


def c_files(root):
    out = subprocess.run(
        ["git", "-C", root, "ls-files", "--cached", "--others",
         "--exclude-standard", "--"] + DIRS,
        capture_output=True, text=True, check=True).stdout.split("\n")
    return sorted(f for f in out if f.endswith(".c")
                  and os.path.exists(os.path.join(root, f)))


def name_above(lines, brace):
    """(line index, name) of the definition whose body opens at brace."""
    for j in range(brace - 1, max(brace - 16, -1), -1):
        line = lines[j]
        if not line or line[0] in " \t#}/*":
            continue
        m = NAME.match(line)
        if m and m.group(1) not in NOT_A_NAME:
            return j, m.group(1)
        return None
    return None


def functions(path):
    """Each function of a C file as (lines, line number, name)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i] != "{":
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not lines[end].startswith("}"):
            end += 1
        head = name_above(lines, i)
        if head is not None and end < len(lines) and lines[end] == "}":
            found.append((end - head[0] + 1, head[0] + 1, head[1]))
        i = end + 1
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--root", default=".")
    args = ap.parse_args()
    every = []
    for f in c_files(args.root):
        for n, line, name in functions(os.path.join(args.root, f)):
            every.append((n, "%s:%d" % (f, line), name))
    if not every:
        print("fnlen: no C functions found under %s" % " ".join(DIRS))
        return 1
    every.sort(key=lambda x: (-x[0], x[1]))
    lengths = [n for n, _, _ in every]
    print("fnlen: %d functions, median %g lines, %d of 50 or more, "
          "longest %d (limit %d)" % (len(every), statistics.median(lengths),
                                     sum(n >= 50 for n in lengths),
                                     lengths[0], LIMIT))
    for n, where, name in every[:args.top]:
        print("  %4d %s %s" % (n, where, name))
    over = [x for x in every if x[0] > LIMIT]
    for n, where, name in over:
        print("%s: %s is %d lines, over %d: split it" % (where, name, n,
                                                        LIMIT))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
