"""The console's message catalogue (services/console/messages.js, issue 51
item 2), run in node: each refusal the facade hands over, in the shape it
has (the element, the check, "dosage refused it:", dosage's field and
words, as services/fhir/write/write.c and dosage write them), finds its problem
by the field and the rule, never by the sentence around them; every
problem has what happened and what to do; an unknown one says so; units
read as people write them.  Localisation (item 6): every catalogue key the
screens use has its zh-CN words, the problems too, and t() falls back to
English for a key it does not know."""

import json
import os
import shutil
import subprocess

import pytest

NODE = "/usr/bin/node"
CONSOLE = os.path.join(os.path.dirname(__file__), "..", "..", "services",
                       "console")
MA = "MedicationAdministration"
DOSE = MA + ".dosage.dose: dose check: dosage refused it: "

pytestmark = pytest.mark.skipif(not os.path.exists(NODE),
                                reason="node is not installed")

CASES = [
    (DOSE + "dose: hard stop: allergy to penicillin (class "
     "beta-lactam); a clinician or pharmacist may override with "
     "dose_override", 422, "allergy"),
    (DOSE + "dose: hard stop: interaction WARF-NSAID (major, KB "
     "starter-2026.1): warfarin with ibuprofen; a clinician or pharmacist "
     "may override with dose_override", 422, "interaction"),
    (DOSE + "dose: 2 tablet is not the ordered dose (charted 2 tablet, "
     "ordered 1 tablet; the same within 1 %): give the ordered dose, or "
     "give dose_deviation with a coded reason", 422, "dose-not-ordered"),
    (MA + ".extension[cosign]: high-alert co-sign check: dosage refused "
     "it: cosign_id: HEP_1 is a high-alert drug: another user's "
     "CosignAdministration for this order, patient and dose comes first "
     "(or cosign_override, the audited exception)", 422, "cosign-needed"),
    (MA + ".extension[verification-token]: patient identity check: "
     "dosage refused it: verification_token: required (or "
     "identity_override with a reason)", 422, "identity-not-verified"),
    (DOSE + "dose: hard stop: allergies not assessed; a clinician or "
     "pharmacist may override with dose_override", 422,
     "allergies-not-assessed"),
    ("dose safety check: dosage refused it: weight_kg: no weight is "
     "recorded to check a dose by weight", 422, "weight-missing"),
    (MA + ".effectiveDateTime: time check: dosage refused it: "
     "effective_ms: the patient died at 2026-11-24 13:05; no dose is "
     "given after death", 422, "patient-died"),
    (MA + ".extension[product-scan]: product scan check: dosage refused "
     "it: product_scan: GTIN 0653 is IBU_1, not the ordered drug PARA_1",
     422, "wrong-product"),
    (MA + ".statusReason: not given check: dosage refused it: "
     "escalation_reason: required: LD_1 is a time-critical medicine "
     "(N04B, Parkinson's medicine: ...; give within 30 minutes of its "
     "time): say who was told (the prescriber) and what was decided",
     422, "escalation-needed"),
    ("dose safety check: dosage refused it: brand_new_field: a rule "
     "nobody catalogued", 422, "unknown"),
    ("The FHIR API cannot be reached: nothing was changed. Try again.", 0,
     "offline"),
    ("Your session has ended: sign in again.", 401, "session"),
]


def run_node(script):
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "console-messages-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    try:
        for name in ("messages.js", "strings-zh.js"):
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


def test_each_refusal_finds_its_problem():
    got = run_node(
        "import { problemOf, CATALOGUE } from './messages.js';\n"
        "const cases = %s;\n"
        "console.log(JSON.stringify({ keys: cases.map(([m, s]) => "
        "problemOf({ message: m, status: s }).key), "
        "catalogue: CATALOGUE }));\n" % json.dumps(
            [[m, s] for m, s, _ in CASES]))
    assert got["keys"] == [k for _, _, k in CASES], got["keys"]
    for key, (what, todo) in got["catalogue"].items():
        assert what and todo and "dosage" not in what + todo and \
            "_" not in what + todo, key
    for _, _, key in CASES:
        assert key in got["catalogue"], key


def refusal_codes():
    """The codes the facade gives the bedside's refusals in
    OperationOutcome.issue.details (services/fhir/write/write_refusal.c:
    each rule's last string)."""
    import re
    with open(os.path.join(CONSOLE, "..", "fhir", "write",
                           "write_refusal.c")) as f:
        return sorted(set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"\s*\}',
                                     f.read())))


# What identity says when its presentation-attack stage refuses a
# photograph, as the facade hands it over (issue 77: the console said
# "The system refused this. Show the details to IT.").
PAD = ("Parameters.parameter[photo]: face check: identity refused it: image: "
       "looks like a photograph of a photograph (liveness score 0.120, "
       "under 0.500): remove any screen, phone or printed picture from in "
       "front of the camera, have the patient face the camera in person, "
       "and take another photograph")


def test_each_bedside_refusal_says_what_to_do_next():
    """Every code the facade gives a bedside refusal has its message in
    English and Chinese, found by the code whatever the words; only what
    IT must mend (the face check down) sends the nurse to IT."""
    codes = refusal_codes()
    assert {"face-presentation-attack", "face-copy", "face-unusable",
            "wristband-other-patient", "wristband-unknown",
            "identity-expired", "identity-unconfirmed",
            "scan-unreadable"} <= set(codes), codes
    got = run_node(
        "import { problemOf, CATALOGUE, CATALOGUE_ZH } from "
        "'./messages.js';\n"
        "const codes = %s;\n"
        "console.log(JSON.stringify({ keys: codes.map((c) => problemOf("
        "{ message: %s, status: 422, code: c }).key), "
        "uncoded: problemOf({ message: %s, status: 422 }).key, "
        "en: CATALOGUE, zh: CATALOGUE_ZH }));\n" % (
            json.dumps(codes), json.dumps(PAD), json.dumps(PAD)))
    assert got["keys"] == codes, got["keys"]
    import re
    for c in codes:
        assert c in got["en"] and c in got["zh"], c
        what, todo = got["en"][c]
        assert what and todo and "Show the details" not in todo, c
        assert ("IT" in todo) == (c == "face-unavailable"), (c, todo)
        assert re.search("[\u4e00-\u9fff]", "".join(got["zh"][c])), c
        assert ("信息科" in got["zh"][c][1]) == (c == "face-unavailable"), c
    assert got["en"]["face-presentation-attack"][1].startswith(
        "Take another photograph"), got["en"]["face-presentation-attack"]
    # Without its code (a facade before the codes) it is unknown: the
    # code, not the words, finds it.
    assert got["uncoded"] == "unknown", got["uncoded"]


def test_units_as_people_write_them():
    got = run_node(
        "import { units } from './messages.js';\n"
        "console.log(JSON.stringify(['[iU]', 'Cel', 'mm[Hg]', '/min', '%',"
        " '[iU]/h', 'mg', 'mL/h'].map(units)));\n")
    assert got == ["units", "°C", "mmHg", "/min", "%", "units/h", "mg",
                   "mL/h"], got


def test_every_key_has_its_chinese():
    """Each t()/mark() key of the screens (catalogue.py reads them from
    the source) is in the zh-CN catalogue, and each problem has its zh-CN
    words; a key nobody translated reads in English."""
    import catalogue
    keys = sorted(catalogue.keys())
    assert len(keys) > 200, len(keys)
    got = run_node(
        "import { ZH } from './strings-zh.js';\n"
        "import { CATALOGUE, CATALOGUE_ZH, setLocale, t, units } from "
        "'./messages.js';\n"
        "setLocale('zh-CN');\n"
        "console.log(JSON.stringify({ zh: ZH, en: Object.keys(CATALOGUE), "
        "zhp: CATALOGUE_ZH, fallback: t('A key nobody wrote {x}', "
        "{ x: 7 }), given: t('Given {when}', { when: '13:58' }), "
        "unit: units('[iU]') }));\n")
    missing = [k for k in keys if not got["zh"].get(k)]
    assert not missing, missing
    # The words are Chinese, each placeholder kept.
    import re
    for k in keys:
        assert re.findall(r"\{\w+\}", k) == \
            re.findall(r"\{\w+\}", got["zh"][k]) or \
            sorted(re.findall(r"\{\w+\}", k)) == \
            sorted(re.findall(r"\{\w+\}", got["zh"][k])), k
    assert sorted(got["zhp"]) == sorted(got["en"]), got["zhp"].keys()
    for key, (what, todo) in got["zhp"].items():
        assert re.search("[\u4e00-\u9fff]", what + todo), key
    assert got["fallback"] == "A key nobody wrote 7", got
    assert got["given"] == "已给药 13:58" and got["unit"] == "单位", got


def test_language_from_the_browser():
    """The browser's language list picks the catalogue: Simplified Chinese
    for zh, zh-CN, zh-Hans(-…) and zh-SG, the first listed that the
    console has; English otherwise; a locale set by hand that the console
    does not have falls back to en-GB."""
    got = run_node(
        "import { getLocale, localeFor, setLocale } from './messages.js';\n"
        "setLocale('fr-FR');\n"
        "console.log(JSON.stringify({ picked: [['zh-CN', 'en'], ['zh'], "
        "['zh-Hans-CN'], ['zh-SG'], ['en-US', 'zh-CN'], ['fr-FR', "
        "'zh-CN'], ['fr-FR'], []].map(localeFor), unknown: getLocale() "
        "}));\n")
    assert got["picked"] == ["zh-CN", "zh-CN", "zh-CN", "zh-CN", "en-GB",
                             "zh-CN", "en-GB", "en-GB"], got
    assert got["unknown"] == "en-GB", got
