"""The console's catalogue keys as its source says them (issue 51, item 6):
every t('…') (and each branch of t(cond ? '…' : '…')), every mark('…', …)
in services/console/*.js, and each data-t / data-t-label of index.html.
test_messages.py checks each has its zh-CN words; the e2e test reads the
English strings back from the same list."""

import glob
import os
import re

CONSOLE = os.path.join(os.path.dirname(__file__), "..", "..", "services",
                       "console")
LIT = r"'((?:[^'\\\n]|\\.)*)'"
DIRECT = re.compile(r"\bt\(\s*" + LIT)
TERNARY = re.compile(r"\bt\(\s*[^()?'{]*(?:'[^']*'[^()?'{]*)*\?\s*" + LIT +
                     r"\s*:\s*" + LIT)
MARK = re.compile(r"\bmark\(\s*((?:'(?:[^'\\\n]|\\.)*'\s*,?\s*)+)\)")
HTML = re.compile(r'data-t(?:-label)?="([^"]*)"')


def _unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def keys():
    """The catalogue keys used, as a set of en-GB strings."""
    out = set()
    for path in glob.glob(os.path.join(CONSOLE, "*.js")):
        if path.endswith("strings-zh.js"):
            continue
        src = open(path, encoding="utf-8").read()
        out.update(_unescape(m) for m in DIRECT.findall(src))
        for a, b in TERNARY.findall(src):
            out.update((_unescape(a), _unescape(b)))
        for args in MARK.findall(src):
            out.update(_unescape(m) for m in re.findall(LIT, args))
    html = open(os.path.join(CONSOLE, "index.html"), encoding="utf-8").read()
    out.update(HTML.findall(html))
    out.discard("...")  # mark(...keys), its own definition
    return out


if __name__ == "__main__":
    for k in sorted(keys()):
        print(k)
