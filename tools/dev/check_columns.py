#!/usr/bin/env python3
"""check_columns.py - each column table agrees with its SQL column list.

A store that maps rows through a table of columns (services/dosage/
columns.h: dosage_col, each naming the column and the field it holds)
reads and binds by position: a table out of step with the column list its
statements name would read one column into another field, silently.  This
reads the sources and holds, for each table in TABLES:

1. the names of its entries, in order, are the column list macro's;
2. every INSERT in the file that binds the table names, in order, the
   first columns of that list (or the list's macro itself), with one "?"
   for each;
3. every position constant (PREFIX_COL_*) names the column POSITIONS says.

    tools/dev/check_columns.py     exit 1 naming each disagreement

Run by tools/dev/check.sh (make check), section "columns".
"""
import glob
import re
import sys

# (file of the table, the table, the macro of its column list)
TABLES = [
    ("services/dosage/catalogue/store.c", "drug_cols", "DRUG_COLUMNS"),
    ("services/dosage/subject/store_subject.c", "dosage_admin_cols",
     "DOSAGE_ADMIN_COLUMNS"),
]

# Position constants and the column each must stand at.
POSITIONS = {
    "DOSAGE_ADMIN_COL_DOSE_OVR": "dose_ovr_reason",
    "DOSAGE_ADMIN_COL_ID_OVR": "id_ovr_reason",
    "DOSAGE_ADMIN_COL_COS_OVR": "cos_ovr_reason",
    "DOSAGE_ADMIN_COL_SCAN_OVR": "scan_ovr_reason",
    "DOSAGE_ADMIN_COL_DEV": "dev_reason",
    "DOSAGE_ADMIN_COL_CHECKS": "checks",
}

ENTRY_RE = re.compile(r'^\s*[A-Z_]+\(\s*"(\w+)"', re.M)
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def strings(text):
    """The C string literals of text, joined."""
    return "".join(STRING_RE.findall(text))


def columns(sql_list):
    return [c.strip() for c in sql_list.split(",") if c.strip()]


def macro(name):
    """The column list #define name holds, from any dosage source."""
    pat = re.compile(r"#define %s\b((?:.*\\\n)*.*)" % name)
    for path in sorted(glob.glob("services/dosage/**/*.[ch]",
                                 recursive=True)):
        with open(path, encoding="utf-8") as f:
            m = pat.search(f.read())
        if m:
            return columns(strings(m.group(1)))
    return None


def table(text, name):
    m = re.search(r"\b%s\[[^]]*\]\s*=\s*\{(.*?)\n\};" % name, text, re.S)
    return ENTRY_RE.findall(m.group(1)) if m else None


def inserts(text):
    """(columns, placeholders) of each INSERT written as string literals."""
    out = []
    for m in re.finditer(r'"INSERT INTO \w+ \((?:[^;{}]*?)"\s*;', text,
                         re.S):
        sql = strings(m.group(0))
        cols = re.match(r"INSERT INTO \w+ \(([^)]*)\)", sql)
        values = re.search(r"VALUES \(([^)]*)\)", sql)
        if cols and values:
            out.append((columns(cols.group(1)), values.group(1).count("?")))
    return out


def macro_inserts(text, macro_name):
    """Placeholders of each INSERT whose column list is macro_name."""
    out = []
    pat = re.compile(r'"INSERT INTO \w+ \(" %s "\)"((?:[\s\\]*"[^"]*")*)'
                     % macro_name)
    for m in pat.finditer(text):
        values = re.search(r"VALUES \(([^)]*)\)", strings(m.group(1)))
        out.append(values.group(1).count("?") if values else -1)
    return out


def check_table(path, name, macro_name, problems):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    names, listed = table(text, name), macro(macro_name)
    if names is None or listed is None:
        problems.append("%s: %s or %s not found" % (path, name, macro_name))
        return []
    if names != listed:
        at = next((i for i, (a, b) in enumerate(zip(names, listed))
                   if a != b), min(len(names), len(listed)))
        problems.append("%s: %s and %s differ at column %d (%s vs %s)"
                        % (path, name, macro_name, at,
                           names[at] if at < len(names) else "-",
                           listed[at] if at < len(listed) else "-"))
    for cols, n in inserts(text):
        if cols and cols[0] == listed[0] and (
                cols != listed[:len(cols)] or n != len(cols)):
            problems.append("%s: an INSERT names %d columns and %d values,"
                            " not the first of %s in order"
                            % (path, len(cols), n, macro_name))
    for n in macro_inserts(text, macro_name):
        if n < 0:
            problems.append("%s: an INSERT of %s has no VALUES list this"
                            " check can read" % (path, macro_name))
        elif n != len(listed):
            problems.append("%s: an INSERT of %s binds %d values for %d"
                            " columns" % (path, macro_name, n, len(listed)))
    return listed


def main():
    problems, lists = [], {}
    for path, name, macro_name in TABLES:
        lists[macro_name] = check_table(path, name, macro_name, problems)
    admin = lists.get("DOSAGE_ADMIN_COLUMNS") or []
    header = open("services/dosage/subject/subject.h",
                  encoding="utf-8").read()
    for const, col in sorted(POSITIONS.items()):
        m = re.search(r"\b%s\s*=\s*(\d+)" % const, header)
        if m is None or int(m.group(1)) >= len(admin) or \
                admin[int(m.group(1))] != col:
            problems.append("%s is not the position of %s" % (const, col))
    for p in problems:
        print(p)
    print("%d column tables, %d position constants: %s"
          % (len(TABLES), len(POSITIONS),
             "they agree" if not problems else "FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
