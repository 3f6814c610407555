#!/usr/bin/env python3
"""kb-coverage.py - how much of each published source list the starter
knowledge base covers (issue 72; docs/dose-safety.md, "Coverage of the
published lists").

The source lists are data (tests/data/kb/*.csv, each with its citation):
pairs of substances with what the checks must do (stop or warn), drugs
whose level must be monitored, teratogens with their pregnancy rule.  The
answer is worked out from the files the dosage service loads, never typed:
the interaction knowledge base (services/dosage/knowledge/interactions.csv),
the substance knowledge base (substance_rules.csv: moieties, components,
lab and pregnancy rules), the substance and ATC tables and the
duplicate-therapy groups (services/dosage/catalogue/substances.c,
classes.c).  A pair is covered when the rules stop or warn on it at least
as strictly as the list says; tests/integration/test_kb_coverage.py replays
every pair through the running service and checks that it does what this
script predicts.

    kb-coverage.py            the coverage table (markdown), as the docs show it
    kb-coverage.py --pairs    one line per pair: list, pair, outcome, rules
    --interactions FILE, --substances FILE
                              measure another knowledge base (a licensed
                              one, before a pharmacist imports it) instead
                              of the shipped files
"""
import csv
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
KNOW = os.path.join(ROOT, "services", "dosage", "knowledge")
CAT = os.path.join(ROOT, "services", "dosage", "catalogue")
DATA = os.path.join(ROOT, "tests", "data", "kb")

PAIR_LISTS = [
    ("onc_high_priority.csv",
     "ONC high-priority DDIs for EHRs (Phansalkar et al., JAMIA 2012)"),
    ("issue72_classes.csv", "Interaction classes named in issue 72"),
    ("label_interactions.csv",
     "Label interactions of common inpatient drugs (US labels, SmPCs, BNF)"),
]
LEVELS = ("drug_levels.csv", "Drug-level monitoring (BNF, issue 72's list)")
TERATOGENS = ("teratogens.csv", "Teratogens (BNF, SmPC 4.3/4.6, MHRA)")

RANK = {"ok": 0, "warn": 1, "stop": 2}
SEVERITY = {"moderate": "warn", "major": "stop", "contraindicated": "stop"}
PREGNANCY = {"avoid": 1, "contraindicated": 2}
ATC_CLASS = re.compile(r"^[A-Z](\d\d([A-Z]([A-Z](\d\d)?)?)?)?$")


def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


def c_body(path, start):
    text = open(path, encoding="utf-8").read()
    i = text.index(start)
    return re.sub(r"/\*.*?\*/", "", text[i:text.index("};", i)], flags=re.S)


def data_rows(path):
    """The records of a CSV file that may carry '#' comment lines."""
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    return list(csv.reader(lines))


class Tables:
    """The substance, ATC and duplicate-therapy tables of the catalogue."""

    def __init__(self):
        self.names = {}
        row = re.compile(r'\{\s*"([^"]*)",\s*"((?:[^"]|"\s*")*)",\s*"')
        body = c_body(os.path.join(CAT, "substances.c"),
                      "static const dosage_substance table")
        for m in row.finditer(body):
            code = m.group(1)
            for n in [code] + re.sub(r'"\s*"', "", m.group(2)).split("|"):
                if n:
                    self.names.setdefault(norm(n), code)
        classes = os.path.join(CAT, "classes.c")
        self.atc = dict(re.findall(r'\{"([^"]+)", "([A-Z0-9]+)"\}',
                                   c_body(classes, "atc_table[]")))
        self.dups = re.findall(
            r'\{"([^"]+)", "([^"]*)", "([^"]*)",\s*DOSAGE_DOSE_(\w+)',
            c_body(classes, "dosage_class_group groups[]"))

    def code(self, name, where):
        c = self.names.get(norm(name))
        if c is None:
            sys.exit("kb-coverage: %s: '%s' is no substance of the table"
                     % (where, name))
        return c

    def in_class(self, substance, prefix):
        return self.atc.get(substance, "").startswith(prefix)

    def duplicate(self, a, b):
        """What the duplicate-therapy check does with two regular orders."""
        for name, members, warn_pairs, action in self.dups:
            ma = [p for p in members.split("|") if self.in_class(a, p)]
            mb = [p for p in members.split("|") if self.in_class(b, p)]
            if not ma or not mb:
                continue
            for wp in filter(None, warn_pairs.split("|")):
                x, y = wp.split("+")
                if (x in ma and y in mb) or (y in ma and x in mb):
                    return "warn", "duplicate %s (bridge)" % name
            return ("stop" if action == "HARD_STOP" else "warn",
                    "duplicate %s" % name)
        return "ok", ""


class Knowledge:
    """The interaction and substance knowledge bases as the service reads
    them: a substance meets a term through itself, its moiety or its
    components."""

    def __init__(self, tables, ddi_file, substance_file):
        self.t = tables
        self.substance_file = substance_file
        self.groups, self.rules = {}, []
        self.moiety, self.parts = {}, {}
        self.labs, self.pregnancy = set(), {}
        for r in data_rows(ddi_file):
            if r[0] == "group":
                self.groups[r[1]] = r[2].split(";")
            elif r[0] == "interaction":
                self.rules.append((r[1], [x.strip() for x in
                                          r[2].split("+")], 1, r[3]))
            elif r[0] == "cumulative":
                g, n = [x.strip() for x in r[2].split(">=")]
                self.rules.append((r[1], [g], int(n), r[3]))
        self.substance_rules()

    def substance_rules(self):
        code = self.t.code
        for r in data_rows(self.substance_file):
            if r[0] == "moiety":
                self.moiety[code(r[1], r[0])] = code(r[2], r[0])
            elif r[0] == "component":
                self.parts.setdefault(code(r[1], r[0]), []).append(
                    code(r[2], r[0]))
            elif r[0] == "lab":
                self.labs.add((code(r[1], r[0]), r[2]))
            elif r[0] == "pregnancy":
                self.pregnancy[code(r[1], r[0])] = r[2]

    def stands_for(self, s):
        return [s] + ([self.moiety[s]] if s in self.moiety else
                      self.parts.get(s, []))

    def meets(self, s, term):
        if term in self.groups:
            return any(self.meets(s, m) for m in self.groups[term])
        if ATC_CLASS.match(term) and not self.t.names.get(norm(term)):
            return any(self.t.in_class(x, term) for x in self.stands_for(s))
        return self.t.code(term, "term") in self.stands_for(s)

    def fires(self, rule, a, b):
        _, terms, n, _ = rule
        if n == 2:
            return self.meets(a, terms[0]) and self.meets(b, terms[0])
        if len(terms) != 2 or n != 1:
            return False
        x, y = terms
        return ((self.meets(a, x) and self.meets(b, y)) or
                (self.meets(a, y) and self.meets(b, x)))

    def outcome(self, a, b):
        """What the checks do with orders of a and b: (outcome, rules)."""
        if set(self.stands_for(a)) & set(self.stands_for(b)):
            return "ok", ""
        worst, why = self.t.duplicate(a, b)
        hits = [r for r in self.rules if self.fires(r, a, b)]
        for r in hits:
            if RANK[SEVERITY[r[3]]] > RANK[worst]:
                worst = SEVERITY[r[3]]
        names = ["%s (%s)" % (r[0], r[3]) for r in hits] + \
            ([why] if why else [])
        return worst, "; ".join(names)


def pairs(kb, t, fname):
    out = []
    for row in data_rows(os.path.join(DATA, fname))[1:]:
        pair, a, b, expect = row
        a, b = t.code(a, fname), t.code(b, fname)
        got, rules = kb.outcome(a, b)
        out.append((pair, a, b, expect, got, rules,
                    RANK[got] >= RANK[expect]))
    return out


def pair_line(title, rows):
    items = list(dict.fromkeys(r[0] for r in rows))
    ok = [p for p in items if all(r[6] for r in rows if r[0] == p)]
    missing = [p for p in items if p not in ok]
    return "| %s | pairs | %d | %d | %s |" % (
        title, len(items), len(ok), "; ".join(missing) or "-")


def drug_lines(kb, t):
    rows = data_rows(os.path.join(DATA, LEVELS[0]))[1:]
    miss = []
    for s, loinc, level in rows:
        m = kb.moiety.get(t.code(s, LEVELS[0]), t.code(s, LEVELS[0]))
        if not any(x == m and (not loinc or c == loinc)
                   for x, c in kb.labs):
            miss.append(level)
    lines = ["| %s | drugs | %d | %d | %s |" % (
        LEVELS[1], len(rows), len(rows) - len(miss),
        "; ".join(miss) or "-")]
    rows = data_rows(os.path.join(DATA, TERATOGENS[0]))[1:]
    miss = []
    for s, expect in rows:
        c = t.code(s, TERATOGENS[0])
        got = kb.pregnancy.get(kb.moiety.get(c, c), "")
        if PREGNANCY.get(got, 0) < PREGNANCY[expect]:
            miss.append(s)
    lines.append("| %s | drugs | %d | %d | %s |" % (
        TERATOGENS[1], len(rows), len(rows) - len(miss),
        "; ".join(miss) or "-"))
    return lines


def option(argv, name, default):
    if name in argv:
        return argv[argv.index(name) + 1]
    return default


def main(argv):
    t = Tables()
    kb = Knowledge(t, option(argv, "--interactions",
                             os.path.join(KNOW, "interactions.csv")),
                   option(argv, "--substances",
                          os.path.join(KNOW, "substance_rules.csv")))
    if "--pairs" in argv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["list", "pair", "object", "precipitant", "expect",
                    "outcome", "rules"])
        for fname, _ in PAIR_LISTS:
            for p, a, b, expect, got, rules, _ in pairs(kb, t, fname):
                w.writerow([fname, p, a, b, expect, got, rules])
        return 0
    print("| source list | counted | in the list | covered | not covered |")
    print("|---|---|---|---|---|")
    for fname, title in PAIR_LISTS:
        print(pair_line(title, pairs(kb, t, fname)))
    for line in drug_lines(kb, t):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
