"""An order's words in the zh-CN screens (issue 77, item 3), run in node:
every route and frequency dosage accepts (services/dosage/catalogue's
route classes and dosage_dose_frequency_parse) reads in Chinese as
Chinese charts write it, and in en-GB as the prescriber wrote it; a code
neither table knows shows as it is; every dose unit dosage sends is a
Chinese word or an SI symbol Chinese wards keep (mg, mL)."""

import json
import os
import re
import shutil
import subprocess

import pytest

NODE = "/usr/bin/node"
CONSOLE = os.path.join(os.path.dirname(__file__), "..", "..", "services",
                       "console")

pytestmark = pytest.mark.skipif(not os.path.exists(NODE),
                                reason="node is not installed")

# What dosage accepts and sends (services/dosage/catalogue/classes.c
# routes[], units.c dosage_dose_frequency_parse, fhir.c ucum_unit), and
# the abbreviations wards write.
ROUTES = ["oral", "po", "PO", "enteral", "ng", "peg", "iv", "IV",
          "intravenous", "sc", "SC", "subcutaneous", "im", "IM",
          "intramuscular", "td", "transdermal", "patch", "pr", "PR", "sl",
          "SL", "inh", "INH", "top", "TOP", "neb"]
FREQUENCIES = ["daily", "qd", "bid", "BID", "tid", "qid", "once", "prn",
               "PRN", "weekly", "qweek", "q4h", "q6h", "q12h", "Q8H", "bd",
               "BD", "tds", "TDS", "qds", "QDS", "od", "OD", "stat", "nocte",
               "mane"]
UNITS = ["g", "mg", "ug", "mL", "L", "[iU]", "mmol", "meq", "{tbl}",
         "[iU]/h", "mL/h", "[iU]/kg"]
# SI and clinical symbols Chinese charts write as they are.
SYMBOLS = {"g", "mg", "μg", "mL", "L", "mmol", "mEq", "mL/h", "kg"}
HAN = re.compile("[\u4e00-\u9fff]")


def run_node(script):
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "console-terms-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    try:
        for name in ("messages.js", "strings-zh.js", "terms.js",
                     "note-terms-zh.js"):
            shutil.copy(os.path.join(CONSOLE, name), os.path.join(tmp, name))
        with open(os.path.join(tmp, "package.json"), "w") as f:
            f.write('{"type": "module"}')
        with open(os.path.join(tmp, "t.mjs"), "w") as f:
            f.write(script)
        r = subprocess.run([NODE, os.path.join(tmp, "t.mjs")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60, check=True)
        return json.loads(r.stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read(locale):
    return run_node(
        "import { setLocale, units } from './messages.js';\n"
        "import { frequencyText, routeText } from './terms.js';\n"
        "setLocale(%s);\n"
        "console.log(JSON.stringify({ routes: %s.map(routeText), "
        "freqs: %s.map(frequencyText), units: %s.map(units), "
        "odd: [routeText('intrathecal'), frequencyText('qod'), "
        "frequencyText('every other day'), routeText('')] }));\n" % (
            json.dumps(locale), json.dumps(ROUTES), json.dumps(FREQUENCIES),
            json.dumps(UNITS)))


def test_routes_frequencies_and_units_in_chinese():
    got = read("zh-CN")
    for code, text in zip(ROUTES + FREQUENCIES, got["routes"] +
                          got["freqs"]):
        assert HAN.search(text) and not re.search("[A-Za-z]", text), \
            (code, text)
    by = dict(zip(ROUTES, got["routes"]))
    assert by["po"] == by["oral"] == "口服" and by["iv"] == "静脉注射" and \
        by["SC"] == "皮下注射" and by["im"] == "肌内注射", by
    fr = dict(zip(FREQUENCIES, got["freqs"]))
    assert fr["bid"] == fr["BD"] == "每日两次" and fr["TDS"] == "每日三次" \
        and fr["qds"] == "每日四次" and fr["od"] == "每日一次" and \
        fr["prn"] == "必要时" and fr["stat"] == "立即" and \
        fr["q6h"] == "每6小时一次" and fr["Q8H"] == "每8小时一次", fr
    for code, text in zip(UNITS, got["units"]):
        assert text in SYMBOLS or (HAN.search(text) and not re.search(
            "[A-Za-z]{2,}", text.replace("mL", "").replace("kg", ""))), \
            (code, text)
    un = dict(zip(UNITS, got["units"]))
    assert un["[iU]"] == "单位" and un["{tbl}"] == "片" and \
        un["ug"] == "μg" and un["mg"] == "mg", un
    # A code nobody tabled shows as the prescriber wrote it.
    assert got["odd"] == ["intrathecal", "qod", "every other day", ""], got


def test_english_keeps_the_prescribers_words():
    got = read("en-GB")
    assert got["routes"] == ROUTES and got["freqs"] == FREQUENCIES, got
    assert got["units"][:4] == ["g", "mg", "ug", "mL"], got


def concept(system, code, display):
    return {"coding": [{"system": system, "code": code,
                        "display": display}], "text": display}


# Suggestions as the FHIR facade serves them (services/records/
# fhir_suggest.c): dosage's substance and class codes, ICD-10.
SUB = "urn:smartmed:dosage:substance"
CLS = "urn:smartmed:dosage:allergy-class"
ICD = "http://hl7.org/fhir/sid/icd-10"
NOTE_CONCEPTS = [concept(SUB, "codeine", "codeine"),
                 concept(SUB, "bisoprolol", "bisoprolol"),
                 concept(CLS, "penicillins", "penicillins"),
                 concept(CLS, "ace inhibitors", "ace inhibitors"),
                 concept(ICD, "I10", "Essential hypertension"),
                 concept(ICD, "R11", "Nausea and vomiting"),
                 concept(SUB, "unobtainium", "unobtainium")]
REACTIONS = ["rash", "Hives", "anaphylaxis", "皮疹", "funny turn"]


def read_notes(locale):
    return run_node(
        "import { setLocale } from './messages.js';\n"
        "import { noteTermText, reactionText } from './terms.js';\n"
        "setLocale(%s);\n"
        "console.log(JSON.stringify({ terms: %s.map(noteTermText), "
        "reactions: %s.map(reactionText) }));\n" % (
            json.dumps(locale), json.dumps(NOTE_CONCEPTS),
            json.dumps(REACTIONS)))


def test_note_reader_terms_in_chinese():
    """Issue 77, item 3: what the note reader found reads on a zh-CN
    screen by the knowledge tables' Chinese names (a substance or class
    by dosage's code, a problem by its ICD-10 code, a reaction by the
    word the reader kept); a code the tables do not name, and a reaction
    written in Chinese, show as they are; en-GB is unchanged."""
    got = read_notes("zh-CN")
    assert got["terms"] == ["可待因", "比索洛尔", "青霉素",
                            "血管紧张素转换酶抑制剂", "高血压", "恶心呕吐",
                            "unobtainium"], got
    assert got["reactions"] == ["皮疹", "荨麻疹", "过敏性休克", "皮疹",
                                "funny turn"], got
    en = read_notes("en-GB")
    assert en["terms"] == [c["text"] for c in NOTE_CONCEPTS], en
    assert en["reactions"] == REACTIONS, en
