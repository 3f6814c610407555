"""Issue 55: an allergy written in a note stops a matching order until a
clinician or pharmacist confirms or rejects the note reader's suggestion.
Through the running services and the sample catalogue: the admission
note's "allergic to penicillin" becomes a pending suggestion and
amoxicillin is refused ("a note mentions an allergy to penicillins");
confirmed, it is an allergy entry of the record and amoxicillin stays
refused (penicillin class, hard stop); rejected, the order goes through; a
negated or family mention suggests nothing and the drug is given."""

import pytest

from harness import protos

# The patient, order and catalogue helpers of issue 47's allergy flows.
from test_dose_allergy_text import (AMOXICILLIN, IBUPROFEN, SERVICES,  # noqa
                                    catalogue, give, order, override,
                                    patient, refused_order)

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"


def note(st, p, body):
    rpb = protos.module("records")
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_NOTE, title="Admission note",
        body=body), role="clinician")


def suggestions(st, p):
    rpb = protos.module("records")
    return list(st.call("records", "ListSuggestions",
                        rpb.ListSuggestionsRequest(patient_id=p),
                        role="pharmacist").suggestions)


def test_confirmed_note_allergy_stops_amoxicillin(st, pb, catalogue):
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "Allergic to penicillin \u2014 rash as a child. "
         "No known allergy to latex.")
    (s,) = suggestions(st, p)
    assert (s.kind, s.code) == (rpb.SUGGESTION_KIND_ALLERGY, "penicillins")
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")
    st.call("records", "ConfirmSuggestion", rpb.ConfirmSuggestionRequest(
        suggestion_id=s.suggestion_id, reason="confirmed with the patient"),
        role="clinician")
    refused_order(st, pb, p, AMOXICILLIN, 500, "penicillin")


def test_negated_note_allergy_suggests_nothing(st, pb, catalogue):
    p = patient(st, pb)
    note(st, p, "Denies any allergy to penicillin. Mother is allergic to "
         "amoxicillin.")
    assert suggestions(st, p) == []
    o = order(st, pb, p, AMOXICILLIN, 500)
    assert o.id


def test_rejected_note_allergy_lets_the_order_through(st, pb, catalogue):
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "Possible allergy to amoxicillin.")
    (s,) = suggestions(st, p)
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")
    st.call("records", "RejectSuggestion", rpb.RejectSuggestionRequest(
        suggestion_id=s.suggestion_id,
        reason="tolerated amoxicillin in 2024"), role="pharmacist")
    o = order(st, pb, p, AMOXICILLIN, 500)
    assert o.id


def test_overridden_order_shows_the_note_at_the_bedside(st, pb, catalogue):
    p = patient(st, pb)
    note(st, p, "Reaction to Augmentin in 2019 (hives).")
    o = order(st, pb, p, AMOXICILLIN, 500, ov=override(pb))
    given = give(st, pb, o, 500)
    al = [c for c in given.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]
    assert al.status == pb.CHECK_STATUS_WARN
    assert "a note mentions an allergy to co-amoxiclav" in al.reason


def test_allergy_listed_under_its_heading_stops_amoxicillin(st, pb,
                                                           catalogue):
    """Issue 75: the allergy list on the lines under "ALLERGIES", a
    misspelt name in it included, is the patient's; the medicines
    under the next heading are not allergies."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "ALLERGIES\n- Trimethoprim (itch)\n- amoxicilin\n\n"
         "Medications:\n- metformin 500 mg twice daily\n")
    got = {(s.kind, s.code) for s in suggestions(st, p)}
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    assert (rpb.SUGGESTION_KIND_MEDICINE, "amoxicillin") not in got, got
    assert (rpb.SUGGESTION_KIND_MEDICINE, "metformin") in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


def test_delabelled_allergy_and_an_indication_block_nothing(st, pb,
                                                           catalogue):
    """Issue 75: a de-labelled allergy, amoxicillin tolerated since, a
    reaction that is a drug's reason ("for wheeze") and an allergy
    written inside another drug's plan suggest no allergy to what the
    patient may have, and amoxicillin is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "Penicillin allergy label removed after oral challenge. "
         "Has tolerated amoxicillin since.\nSalbutamol nebulisers for "
         "wheeze.\nPlan: amoxicillin 500 mg (codeine allergic).")
    got = {(s.kind, s.code) for s in suggestions(st, p)}
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert (A, "codeine") in got, got
    for code in ("penicillins", "amoxicillin", "salbutamol"):
        assert (A, code) not in got, (code, got)
    o = order(st, pb, p, AMOXICILLIN, 500)
    assert o.id


def test_chinese_note_allergy_stops_amoxicillin(st, pb, catalogue):
    """Issue 75: an allergy written in Chinese ("青霉素过敏", with English
    inside a Chinese sentence too) is the patient's and stops amoxicillin
    (penicillin class); the mother's allergy and a planned drug are not
    suggested."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "过敏史：青霉素过敏（皮疹）。\n母亲有磺胺过敏。\n"
         "诊疗计划：拟予克拉霉素。\n对 codeine 过敏，荨麻疹。")
    got = {(s.kind, s.code): s for s in suggestions(st, p)}
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert got[(A, "penicillins")].reaction == "皮疹"
    assert got[(A, "codeine")].reaction == "荨麻疹"
    assert (A, "sulfonamides") not in got, got
    assert (rpb.SUGGESTION_KIND_MEDICINE, "clarithromycin") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")


def test_chinese_denied_allergies_and_short_forms(st, pb, catalogue):
    """Issue 75: "否认药物过敏史" suggests nothing and amoxicillin is
    ordered; on another patient the ward's "allergic to pen" stops it."""
    p = patient(st, pb)
    note(st, p, "否认药物过敏史，规律服用阿司匹林。")
    rpb = protos.module("records")
    assert {(s.kind, s.code) for s in suggestions(st, p)} == {
        (rpb.SUGGESTION_KIND_MEDICINE, "aspirin")}
    assert order(st, pb, p, AMOXICILLIN, 500).id
    q = patient(st, pb)
    note(st, q, "Allergic to pen - rash.")
    refused_order(st, pb, q, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")


def test_traditional_chinese_note_allergy_stops_amoxicillin(st, pb,
                                                            catalogue):
    """Issue 75: a note in traditional characters is read as simplified
    (OpenCC's table): "青黴素過敏" is the penicillins' allergy and stops
    amoxicillin, its hives kept as the word list's "荨麻疹"; the mother's
    allergy and a planned drug are not suggested, and the span quotes the
    note as written."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "過敏史：青黴素過敏（蕁麻疹）。\n母親有磺胺過敏。\n"
         "診療計劃：擬予克拉黴素。")
    got = {(s.kind, s.code): s for s in suggestions(st, p)}
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert got[(A, "penicillins")].reaction == "荨麻疹", got
    assert got[(A, "penicillins")].text == "青黴素", got
    assert (A, "sulfonamides") not in got, got
    assert (rpb.SUGGESTION_KIND_MEDICINE, "clarithromycin") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")


# Three products of the classes wards write short, beside the sample
# catalogue (RxNorm ingredient codes; sample limits, not clinical advice).
WARD_CLASS_PRODUCTS = (
    "code,code_system,name,substance,drug_class,forms,routes,unit,"
    "min_single_dose,max_single_dose,max_daily_dose\n"
    "35296,rxnorm,Ramipril capsule,ramipril,ace inhibitors,capsule,oral,mg,"
    "1.25,10,10\n"
    "52175,rxnorm,Losartan tablet,losartan,angiotensin receptor blockers,"
    "tablet,oral,mg,25,100,100\n"
    "36567,rxnorm,Simvastatin tablet,simvastatin,statins,tablet,oral,mg,"
    "10,80,80\n"
    "2551,rxnorm,Ciprofloxacin tablet,ciprofloxacin,fluoroquinolones,"
    "tablet,oral,mg,250,750,1500\n")
RAMIPRIL, LOSARTAN, SIMVASTATIN, CEFALEXIN = "35296", "52175", "36567", \
    "2231"
CIPROFLOXACIN = "2551"


def _import_products(st, pb, products):
    """Imports a CSV of products beside the sample catalogue, as a
    pharmacist; fails naming any row dosage refuses."""
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=products.encode()), role="pharmacist")
    assert list(r.errors) == [], list(r.errors)


@pytest.fixture(scope="module")
def ward_classes(st, pb, catalogue):
    _import_products(st, pb, WARD_CLASS_PRODUCTS)


@pytest.mark.parametrize("body,code,drug,dose", [
    ("Allergies: ACEi (angioedema).", "ace inhibitors", RAMIPRIL, 2.5),
    ("ARB allergy - rash.", "angiotensin receptor blockers", LOSARTAN, 25),
    ("Allergic to statins (myalgia).", "statins", SIMVASTATIN, 20),
    ("Allergic to abx as a child.", "antibacterials", AMOXICILLIN, 500),
    ("过敏史：普利类（血管性水肿）。", "ace inhibitors", RAMIPRIL, 2.5),
    ("沙坦类过敏，皮疹。", "angiotensin receptor blockers", LOSARTAN, 25),
    ("他汀类药物过敏。", "statins", SIMVASTATIN, 20),
    ("抗生素过敏。", "antibacterials", AMOXICILLIN, 500),
    ("对头孢类过敏。", "cephalosporins", CEFALEXIN, 500),
    ("过敏史：自述对“先锋霉素”过敏，出荨麻疹。", "cephalosporins",
     CEFALEXIN, 500),
    ("过敏：说对“沙星类”过敏（输液后全身痒）。", "fluoroquinolones",
     CIPROFLOXACIN, 500),
    ("磺胺类过敏，青霉素类过敏。", "penicillins", AMOXICILLIN, 500),
])
def test_short_form_class_allergy_stops_its_member(st, pb, ward_classes,
                                                   body, code, drug, dose):
    """Issue 75: the classes wards write short, in English and Chinese
    ("ACEi", "ARB", "statins", "abx", 普利类, 沙坦类, 他汀类, 抗生素,
    头孢类, 青霉素类, 沙星类, and 先锋霉素, the old name patients give
    cephalosporins: allergy75bf), are an allergy to the class, and a drug
    of the class is refused until the suggestion is decided."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = {(s.kind, s.code) for s in suggestions(st, p)}
    assert (rpb.SUGGESTION_KIND_ALLERGY, code) in got, got
    refused_order(st, pb, p, drug, dose,
                  "a note mentions an allergy to " + code)


def test_antibiotics_in_a_plan_block_nothing(st, pb, ward_classes):
    """Issue 75: "abx" in a plan is no allergy and no medicine: the
    antibiotic is ordered."""
    p = patient(st, pb)
    note(st, p, "CAP. Plan: start abx, amoxicillin 500 mg.")
    rpb = protos.module("records")
    assert (rpb.SUGGESTION_KIND_ALLERGY, "antibacterials") not in {
        (s.kind, s.code) for s in suggestions(st, p)}
    assert order(st, pb, p, AMOXICILLIN, 500).id


# Chlorphenamine beside the sample catalogue (RxNorm ingredient 2400;
# sample limits, not clinical advice): the remedy a ward gives for a rash.
CHLORPHENAMINE = "2400"
REMEDY_PRODUCTS = (
    "code,code_system,name,substance,drug_class,forms,routes,unit,"
    "min_single_dose,max_single_dose,max_daily_dose\n"
    "2400,rxnorm,Chlorphenamine tablet,chlorphenamine,,tablet,oral,mg,"
    "2,4,24\n")


@pytest.fixture(scope="module")
def remedies(st, pb, catalogue):
    _import_products(st, pb, REMEDY_PRODUCTS)


def _got(st, p):
    return {(s.kind, s.code): s for s in suggestions(st, p)}


def test_a_remedy_for_the_rash_is_no_allergy(st, pb, remedies):
    """Issue 75: a nurse's note names the drug that caused the rash and
    the one given for it ("treated with chlorphenamine"): co-amoxiclav is
    the allergy and stops amoxicillin, chlorphenamine is a medicine and
    is ordered; the same in Chinese (予 a drug after the hives)."""
    rpb = protos.module("records")
    A, M = rpb.SUGGESTION_KIND_ALLERGY, rpb.SUGGESTION_KIND_MEDICINE
    p = patient(st, pb)
    note(st, p, "Co-amoxiclav - itchy urticarial rash, infusion stopped.\n"
         "Rash treated with chlorphenamine 10mg IV, settled.")
    got = _got(st, p)
    assert (A, "co-amoxiclav") in got and (M, "chlorphenamine") in got, got
    assert (A, "chlorphenamine") not in got, got
    assert order(st, pb, p, CHLORPHENAMINE, 4).id
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to co-amoxiclav")
    q = patient(st, pb)
    note(st, q, "对阿莫西林过敏。全身荨麻疹，予氯苯那敏后消退。")
    got = _got(st, q)
    assert (A, "amoxicillin") in got and (A, "chlorphenamine") not in got, \
        got
    assert order(st, pb, q, CHLORPHENAMINE, 4).id


def test_a_drug_told_as_given_beside_an_allergy_is_ordered(st, pb,
                                                         remedies):
    """Issue 75 (allergy75t): a drug an allergy line tells as given ("--
    chlorphenamine was used for the itch") is a medicine: it is ordered
    and the allergy still stops amoxicillin; a drug given and followed by
    the reaction stays an allergy."""
    rpb = protos.module("records")
    A, M = rpb.SUGGESTION_KIND_ALLERGY, rpb.SUGGESTION_KIND_MEDICINE
    p = patient(st, pb)
    note(st, p, "Allergies: amoxicillin (hives) -- chlorphenamine was used "
         "for the itch.")
    got = _got(st, p)
    assert (A, "amoxicillin") in got and (M, "chlorphenamine") in got, got
    assert (A, "chlorphenamine") not in got, got
    assert order(st, pb, p, CHLORPHENAMINE, 4).id
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")
    q = patient(st, pb)
    note(st, q, "Allergies: amoxicillin - chlorphenamine was given and the "
         "hives came back.")
    assert (A, "chlorphenamine") in _got(st, q)


@pytest.mark.parametrize("body", [
    "Allergies: Amoxicillin - urticarial rash on day 2 after IV amoxicillin;"
    " settled with chlorphenamine 4 mg.",
    "Allergies:\n- Amoxicillin: itchy red rash in 2015. She was given an "
    "antihistamine (chlorphenamine) and the rash settled in 3 days.",
    "过敏史：\n- 阿莫西林：2016年服用后出现全身荨麻疹，经肾上腺素及氯苯那敏治疗"
    "后缓解。",
    "Allergies: Amoxicillin -- itchy hives (ED 2025 for a chest infection, "
    "given chlorphenamine and it settled).",
    "Allergies: amoxicillin - hives (she has eczema, uses chlorphenamine at "
    "night).",
    "Allergies: amoxicillin (hives) -- has hay fever, chlorphenamine prn.",
])
def test_the_remedy_that_eased_the_rash_is_ordered(st, pb, remedies, body):
    """Issue 75 (allergy75e, remedy75): on an allergy list the drug that
    eased the reaction (a clause opened "settled with" after a semicolon,
    "was given ... and the rash settled" or "... and it settled",
    "经…治疗后缓解") or that the patient uses for another condition ("uses
    chlorphenamine", "chlorphenamine prn") is no allergy: chlorphenamine
    is ordered, and amoxicillin, the cause, is refused."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    assert (rpb.SUGGESTION_KIND_ALLERGY, "chlorphenamine") not in got, got
    assert order(st, pb, p, CHLORPHENAMINE, 4).id
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


@pytest.mark.parametrize("body", [
    "She had carried a penicillin allergy label since childhood (vague "
    "rash). She tolerated an oral amoxicillin challenge, and her penicillin"
    " allergy has been removed from her record.",
    "自幼记录青霉素过敏（皮疹）。本次青霉素皮试阴性，已移除青霉素过敏标签。",
    "GP record says \"Penicillin allergy -- rash\" (2015). Patient says "
    "he had a rash after amoxicillin with glandular fever as a teenager. "
    "He received flucloxacillin for 30 days without any reaction. MDT "
    "view: penicillin allergy label not supported -- de-label.",
])
def test_a_delabelled_allergy_written_earlier_blocks_nothing(st, pb,
                                                             catalogue, body):
    """Issue 75: the label a note first quotes and then documents as
    removed is no allergy: nothing suggests penicillins and amoxicillin is
    ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "penicillins") not in _got(st, p)
    assert order(st, pb, p, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body", [
    "Allergy label updated to \"penicillin - tolerated flucloxacillin "
    "11/2026, low risk\"; not fully removed yet (needs amoxicillin test dose "
    "to de-label).",
    "病人記錄標示對 penicillin 過敏。煩請評估 penicillin 過敏標籤是否可以移除。",
])
def test_a_label_left_to_an_assessment_still_blocks(st, pb, catalogue,
                                                      body):
    """Issue 75 (allergy75j): a label the writer leaves to an assessment
    still to come ("not fully removed yet", 是否可以移除) is not removed by
    the tolerated member or by the question: penicillins is suggested and
    amoxicillin is refused until the suggestion is decided."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "penicillins") in _got(st, p)
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")


@pytest.mark.parametrize("body", [
    "GP letter: he cannot take amoxicillin - it upsets his stomach.",
    "Amoxicillin made her sick as a child.",
    "阿莫西林吃了会恶心呕吐。",
    "阿莫西林吃了胃不舒服，不能耐受。",
    "Also amoxicillin once - made her very sleepy, doesn't want it again.",
    'Rx: IV amoxicillin? -> NO, pt says amoxicillin "made my neck lock" in '
    '2022.',
])
def test_a_lay_intolerance_stops_the_drug(st, pb, catalogue, body):
    """Issue 75: an intolerance in a patient's words ("upsets his
    stomach", "made her sick", 吃了会恶心呕吐) is the allergy-or-
    intolerance a prescriber must see: amoxicillin is refused until the
    suggestion is decided, and the symptom is its reaction, no
    problem."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    assert (rpb.SUGGESTION_KIND_PROBLEM, "R11") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


def test_a_drug_that_made_him_comfortable_is_ordered(st, pb, catalogue):
    """Issue 75 (allergy75p): "made him comfortable" is a good effect in
    lay words, no intolerance: amoxicillin is ordered."""
    p = patient(st, pb)
    note(st, p, "Amoxicillin made him comfortable overnight.")
    assert order(st, pb, p, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body, blocked", [
    ('Daughter (NOK) on phone: mum "can\'t take amoxicillin, it makes her '
     'confused".', True),
    ("Mum is allergic to amoxicillin.", False),
    ("Trimethoprim?? - dtr thinks a rash 2023 but not sure was it that or "
     "the amoxicillin.", True),
    ("Not sure whether she takes ramipril or the amoxicillin.", False),
])
def test_what_a_teller_says_of_the_patient(st, pb, catalogue, body,
                                           blocked):
    """Issue 75 (allergy75p): "Daughter (NOK) on phone: mum \"can't take
    amoxicillin, it makes her confused\"" is the patient's intolerance,
    told by her daughter, and "not sure was it that or the amoxicillin"
    after a rash names amoxicillin as the other possible culprit, a
    doubted allergy the order check still acts on: amoxicillin is
    refused.  "Mum is allergic to amoxicillin" alone is the mother's, and
    "not sure whether she takes ramipril or the amoxicillin" tells no
    reaction: amoxicillin is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ('Daughter (on phone) says he "can\'t take amoxicillin, gets very '
     'sick".', True),
    ('(Wife says "he can\'t take amoxicillin - tendon pain" - she had that, '
     'not him.)', False),
    ("Cannot take amoxicillin - interaction with methotrexate.", False),
])
def test_a_drug_the_patient_cannot_take(st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75s): a drug the patient "can't take", a comma or
    a dash and the reason in lay words after it ("gets very sick"), is an
    intolerance whatever the reason: amoxicillin is refused.  The teller
    who says "she had that, not him" gives the story to herself, and an
    interaction is the clinician's reason, no intolerance: amoxicillin is
    ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies: amoxicillin - he thinks a rash, his wife says it may have "
     "been chickenpox. Keep as a possible.", True),
    ("Allergies: NKDA. Amoxicillin 500 mg tds started; home as soon as "
     "possible.", False),
])
def test_a_label_kept_as_a_possible_one_still_blocks(st, pb, catalogue,
                                                      body, blocked):
    """Issue 75 (allergy75bh): a label the writer keeps "as a possible"
    one is a doubted allergy (en-dev19, en-dev32, en-dev44), and the
    order check still acts on it: amoxicillin is refused.  "As soon as
    possible" doubts nothing and names no allergy: amoxicillin is
    ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies: latex.  (Husband mentions he is allergic to amoxicillin - "
     "not her.)", False),
    ("Her son himself is allergic to amoxicillin, wanted it noted - not the "
     "patient.", False),
    ("Allergies: amoxicillin (rash); her husband reacts to codeine - not "
     "her.", True),
])
def test_an_allergy_given_back_at_the_sentence_end(st, pb, catalogue, body,
                                                   blocked):
    """Issue 75 (allergy75bh): a sentence that closes on "not her" or
    "not the patient" gives the allergy told in it to the one who told
    it (en-dev40, en-dev45): amoxicillin is ordered.  Where a later drug
    is the one given back, the patient's own amoxicillin allergy before
    it stays: amoxicillin is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Amoxicillin was tried in 2019 - weight gain and tremor, he refuses "
     "it.", True),
    ('She mentioned she "can\'t take" amoxicillin \u2014 vomiting x2 '
     'courses.', True),
    ("Chest infection, hyperlipidaemia not treated (refused statin); "
     "amoxicillin 500 mg tds started.", False),
])
def test_a_drug_refused_after_its_effect(st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75z): an effect after which the patient refuses
    the drug is an allergy whatever the effect, an expected one such as
    weight gain too (the README's "weight gain and tremor, he refuses
    it"), and a "can't take" whose reason follows an em dash is the same
    intolerance as one after a hyphen: amoxicillin is refused.  A refusal
    that names another drug ("refused statin") is that drug's:
    amoxicillin is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Amoxicillin added in Aug - stopped it herself after 3 weeks because "
     "of gout in her big toe, and she doesn't want it again.", True),
    ("Tried amoxicillin before - chest tightness, does not want it again.",
     True),
    ("Stop using her husband's oxycodone; amoxicillin not needed as she "
     "will not take it again.", False),
])
def test_a_drug_the_patient_will_not_have_again(st, pb, catalogue, body,
                                                 blocked):
    """Issue 75 (allergy75ar): a drug after whose effect the patient
    "doesn't want it again" is an allergy as the writers annotate it,
    whatever the effect (gout after a thiazide, the en-dev44 note):
    amoxicillin is refused.  A refusal that a negation between says is
    another drug's ("amoxicillin not needed as she will not take it
    again") names none: amoxicillin is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


def test_a_brothers_allergy_and_an_inhaler_block_nothing(st, pb,
                                                         catalogue):
    """Issue 75: a brother's penicillin allergy (English and Chinese) is
    family, "salbutamol inh PRN" is an inhaler and no isoniazid, and
    "Allergies: none known" suggests nothing: amoxicillin is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "Allergies: none known. Brother is allergic to penicillin "
         "(anaphylaxis). 其哥哥对青霉素过敏。\nDH: salbutamol inh PRN.")
    got = _got(st, p)
    assert set(got) == {(rpb.SUGGESTION_KIND_MEDICINE, "salbutamol")}, got
    assert order(st, pb, p, AMOXICILLIN, 500).id


def test_reaction_timed_from_the_dose_stops_amoxicillin(st, pb, catalogue):
    """Issue 75: a nursing note that times a reaction from a dose ("hives
    30 minutes after oral amoxicillin", five words from the drug) is an
    allergy to amoxicillin, with its reaction, and the next amoxicillin
    order is refused; chlorphenamine, given for the hives after it, is a
    medicine and no allergy."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, "Nursing note 16:40. Generalised hives 30 minutes after "
         "oral amoxicillin 500mg, given chlorphenamine 10mg IV, settled.")
    got = {(s.kind, s.code): s for s in suggestions(st, p)}
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert got[(A, "amoxicillin")].reaction == "hives", got
    assert (A, "chlorphenamine") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


@pytest.mark.parametrize("body", [
    "Allergies: NKDA. (\"Penicillin upsets my stomach\" - GI upset only, "
    "takes amoxicillin without problems.)",
    "a) Penicillin (amoxicillin 2015, hives). Challenge tolerated. REMOVED.",
    "1990年代服用阿莫西林后全身皮疹。诊断：青霉素敏感标签已除去。",
    "病历记载\"青霉素过敏\"。建议病历更正：删除\"青霉素过敏\"。",
])
def test_a_tolerated_or_cleared_penicillin_blocks_nothing(st, pb, catalogue,
                                                          body):
    """Issue 75 (tolerate75): a class label the note explains by a member
    taken without problems, an allergy review's entry closed "REMOVED.",
    a class de-labelled after its member's old story, and a record's
    label deleted suggest no allergy to the penicillins or amoxicillin:
    amoxicillin is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    for code in ("penicillins", "amoxicillin"):
        assert (rpb.SUGGESTION_KIND_ALLERGY, code) not in got, (code, got)
    assert order(st, pb, p, AMOXICILLIN, 500).id


@pytest.mark.parametrize("body,cleared", [
    ("Allergies: Penicillin - anaphylaxis 1990. Amoxicillin - diarrhoea, "
     "not an allergy.", "amoxicillin"),
    ("Allergies: Penicillin allergy (anaphylaxis); co-amoxiclav - "
     "diarrhoea, not an allergy.", "co-amoxiclav"),
    ("Allergies: penicillin - anaphylaxis, co-amoxiclav - diarrhoea, not an "
     "allergy.", "co-amoxiclav"),
    ("过敏史：青霉素过敏性休克，阿莫西林克拉维酸钾致腹泻，不是过敏。",
     "co-amoxiclav"),
])
def test_a_members_side_effect_leaves_the_class_allergy(st, pb, catalogue,
                                                        body, cleared):
    """Issue 75 (tolerate75, tolerate75b): a member's side effect, "not an
    allergy", written apart from the penicillin anaphylaxis or in the
    same sentence after it, clears that member's entry only: the class
    allergy is suggested and amoxicillin, one of its members, is
    refused."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "penicillins") in got, got
    assert (rpb.SUGGESTION_KIND_ALLERGY, cleared) not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to penicillins")


@pytest.mark.parametrize("heading", [
    "Allergies / intolerances (verified with patient and wife):",
    "ALLERGIES / INTOLERANCES - VERIFIED WITH PT AND DAUGHTER",
    "Allergies / reactions",
])
def test_a_list_under_a_noted_heading_stops_amoxicillin(st, pb, catalogue,
                                                        heading):
    """Issue 75 (allergy75e): an allergy heading with a note on who
    checked it (in brackets, or after a dash with no colon) or
    "Allergies / reactions" heads the list under it: the lay reaction
    on its bullet ("makes me loopy and sick") is an allergy to
    amoxicillin and the order is refused."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, heading + '\n- Amoxicillin - "makes me loopy and sick".')
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


@pytest.mark.parametrize("body,nerd", [
    ("4. ASA - aspirin makes her asthma worse and she wheezed with "
     "ibuprofen too: consistent with NSAID-exacerbated respiratory "
     "disease (nasal polyps). Avoid all non-selective NSAIDs.", True),
    ("CKD stage 4, eGFR 22. Avoid all NSAIDs.", False),
])
def test_nsaids_kept_away_for_nerd_stop_ibuprofen(st, pb, catalogue, body,
                                                  nerd):
    """Issue 75 (allergy75f): in a note that names NSAID-exacerbated
    respiratory disease, the NSAIDs the writer keeps away are an allergy
    to the class, and ibuprofen is refused (for that class, or for the
    aspirin that makes her asthma worse, allergy75bp: dosage names the
    first); kept away for the kidneys, they are no allergy and ibuprofen
    is ordered."""
    _class_then(st, pb, body, "nsaids", nerd, IBUPROFEN, 400,
                "a note mentions an allergy to ")


@pytest.mark.parametrize("body", [
    # a verdict after the entry's wrapped, indented line
    "Allergies:\n- Amoxicillin - stomach upset; she would take it again if "
    "needed\n  (we gave it for her chest infection: see plan). Not an "
    "allergy.\n- Morphine - hallucinations.",
    # the next bullet's intolerance is that entry's
    "Allergies / intolerances:\n- Amoxicillin: diarrhoea with the IV course "
    "2016 - not an allergy, can be given\n- Colistin nebulised: chest "
    "tightness - intolerance, stopped",
    # the parenthesis after "not allergic" is the verdict's evidence
    "Allergies: latex (contact dermatitis). Amoxicillin - NOT allergic "
    "(had IV antibiotics in labour, fine).",
], ids=["wrapped-entry", "next-bullet", "evidence"])
def test_an_entrys_own_verdict_lets_amoxicillin_through(st, pb, catalogue,
                                                        body):
    """Issue 75 (allergy75g): an allergy list entry the writer closes with
    "not an allergy" or "NOT allergic" is no allergy, whether the verdict
    comes after the entry's wrapped line, before the next bullet's
    intolerance, or before the evidence in parentheses: nothing suggests
    amoxicillin and it is ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") not in _got(st, p)
    assert order(st, pb, p, AMOXICILLIN, 500).id


def _class_then(st, pb, body, cls, suggested, drug, dose, refusal):
    """A new patient's note of body: an allergy to class cls is
    suggested or not (suggested); drug (ordered at dose) is then refused
    with refusal, or ordered."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert ((rpb.SUGGESTION_KIND_ALLERGY, cls) in got) == suggested, got
    if suggested:
        refused_order(st, pb, p, drug, dose, refusal)
    else:
        assert order(st, pb, p, drug, dose).id


def _drug_after(st, pb, body, blocked, drug, code, dose):
    """A new patient's note of body: drug (code, ordered at dose) is
    refused for the allergy it suggests (blocked), or ordered, nothing
    suggesting it.  Returns the suggestions."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    if blocked:
        assert (rpb.SUGGESTION_KIND_ALLERGY, code) in got, got
        refused_order(st, pb, p, drug, dose,
                      "a note mentions an allergy to " + code)
        return got
    assert (rpb.SUGGESTION_KIND_ALLERGY, code) not in got, got
    assert order(st, pb, p, drug, dose).id
    return got


def _amoxicillin_after(st, pb, body, blocked, nothing_else=False):
    """A new patient's note of body: amoxicillin is refused for the
    allergy it suggests (blocked), or ordered, nothing suggesting it
    (and, with nothing_else, nothing suggested at all)."""
    got = _drug_after(st, pb, body, blocked, AMOXICILLIN, "amoxicillin", 500)
    assert blocked or got == {} or not nothing_else, got


@pytest.mark.parametrize("body, blocked", [
    ("Daughter reports the mother is \"allergic to amoxicillin\" - "
     "wheals after a dose.", True),
    ("Son mentioned his father \"came up in hives\" with amoxicillin.",
     True),
    ("She says her mother is allergic to amoxicillin.", False),
])
def test_a_child_telling_of_the_patient_is_the_patients_allergy(
        st, pb, catalogue, body, blocked):
    """Issue 75: a daughter or son who tells of "the mother" or "his
    father" speaks of the patient: the allergy is the patient's and
    amoxicillin is refused; the patient speaking of her own mother is
    family, and the order goes through."""
    _amoxicillin_after(st, pb, body, blocked, nothing_else=True)


@pytest.mark.parametrize("body, blocked", [
    ("Says he \"reacts to amoxicillin\" - thinks it caused the rash his "
     "older brother got (brother not him).", False),
    ("Aunty asks about the cousin who \"reacted to amoxicillin\" - that's "
     "the cousin, not her.", False),
    ("Says he reacts to amoxicillin - that was years ago.", True),
])
def test_an_allergy_the_writer_gives_back_to_a_relative_is_not_hers(
        st, pb, catalogue, body, blocked):
    """Issue 75: a writer who corrects the record right after the drug
    ("brother not him", "that's the cousin, not her") makes the allergy
    the relative's: nothing is suggested and amoxicillin goes through;
    without a relative after the drug the allergy stays the patient's and
    the order is refused."""
    _amoxicillin_after(st, pb, body, blocked, nothing_else=True)


@pytest.mark.parametrize("body, blocked", [
    ("Mum says his cousin is allergic to \"amoxicillin\" - not relevant "
     "to him.", False),
    ("Her partner is allergic to amoxicillin.", False),
    ("Partner says she is allergic to amoxicillin.", True),
])
def test_an_allergy_of_someone_no_family_word_names_is_not_hers(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75m): a cousin, partner, flatmate or carer whom no
    family trigger lists, the subject right before the drug ("his cousin
    is allergic to"), keeps the allergy: nothing is suggested and
    amoxicillin goes through; a reporting word and the patient between
    them ("partner says she is allergic") make it the patient's, and the
    order is refused."""
    _amoxicillin_after(st, pb, body, blocked, nothing_else=True)


@pytest.mark.parametrize("body, blocked", [
    ("Mom adds that SHE is allergic to amoxicillin.", False),
    ("Mum (here with her) says she herself is allergic to amoxicillin - "
     "fine, patient isn't.", False),
    ("Mom says she is allergic to amoxicillin.", True),
])
def test_a_relative_who_stresses_the_allergy_is_hers_keeps_it(
        st, pb, catalogue, body, blocked):
    """Issue 75: a relative who tells of an allergy and stresses that it is
    her own ("SHE is allergic", "she herself is allergic") keeps it: no
    suggestion and amoxicillin goes through; told without the stress, the
    allergy is read as the patient's and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked, nothing_else=True)


@pytest.mark.parametrize("body, blocked", [
    ("Mum says she is allergic to amoxicillin - tummy pains as a girl. "
     "Not a true allergy probably, but listed.", True),
    ("Mum says she had tummy pains with amoxicillin as a girl. Not a true "
     "allergy.", False),
], ids=["hedged-after", "plain"])
def test_a_denial_hedged_after_it_keeps_the_label(st, pb, catalogue, body,
                                                  blocked):
    """Issue 75 (allergy75i): a denial the writer hedges right after it
    ("Not a true allergy probably, but listed") leaves the label doubted:
    a doubted allergy still suggests and amoxicillin is refused; the
    plain denial removes it and the order goes through."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("- \"Penicillin allergy\" - old record. She had amoxicillin in 2024 "
     "with no problem;\n  she never reacted to penicillin. Removed from "
     "our record;\n  GP informed.", False),
    ("- \"Amoxicillin allergy\" - old record, rash in 1990.\n  Flagged "
     "on our record;\n  GP informed.", True),
])
def test_a_label_removed_later_in_its_entry_is_gone(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75k): a removal written after the sentence that
    denies the allergy, later in its entry, removes the label quoted at
    the head of the entry: nothing blocks amoxicillin.  An entry that
    records the label and removes nothing keeps it, and the order is
    refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n- Penicillin - listed by GP in 2010 as \"rash\". Had "
     "amoxicillin in 2024 for sinusitis without any reaction - REMOVED, "
     "de-labelled today.", False),
    ("Allergies:\n- Amoxicillin - rash as a child. Had cefalexin in 2024 "
     "without any reaction - de-labelled today.", True),
])
def test_a_class_member_taken_then_delabelled_clears_the_class(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75k): a drug of the label's class taken without
    harm and then de-labelled removes the class's label: nothing blocks
    amoxicillin.  A drug of another class de-labelled leaves the label,
    and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergy: she says it was the Cataflam that swelled her eyes, so the "
     "amoxicillin allergy on file is wrong.", False),
    ("Allergy: amoxicillin - rash. Swellings may recur after stopping - "
     "that does not mean the diagnosis is wrong.", True),
])
def test_a_label_the_writer_calls_wrong_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75l): "amoxicillin allergy on file is wrong" judges
    the label named right before it: nothing blocks amoxicillin.  A
    diagnosis called wrong is no verdict on the allergy, and the order is
    refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n- Amoxicillin - rash as a child.\n\nCefazolin at "
     "induction is suitable now that the amoxicillin label is removed.",
     False),
    ("Allergies:\n- Amoxicillin - rash as a child.\n\nCefazolin at "
     "induction is suitable; amoxicillin given today, label removed "
     "later.", True),
])
def test_a_label_removed_by_its_drugs_name_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75l): "the amoxicillin label is removed" names the
    label it removes, the drug right before "label": the allergy listed
    earlier is gone and amoxicillin is ordered.  A removal apart from the
    drug ("amoxicillin given today, label removed later") is no removal of
    that label, and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies / ADRs:\n- Amoxicillin: was labelled \"amoxicillin "
     "allergy\" from a childhood rash, DE-\n  LABELLED at the allergy "
     "clinic in 2023 after a negative challenge.\n", False),
    ("Allergies / ADRs:\n- Amoxicillin: was labelled \"amoxicillin "
     "allergy\" from a childhood rash, RE-\n  CORDED at the allergy "
     "clinic in 2023 after a positive challenge.\n", True),
])
def test_a_delabelling_broken_at_its_hyphen_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75l): "DE-" ending a wrapped line and "LABELLED"
    starting the next are one word, the de-labelling, so nothing blocks
    amoxicillin; a label recorded again keeps the order refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n- Clarithromycin: rash. Had oral amoxicillin challenge "
     "at the allergy clinic in 2026, no reaction.", False),
    ("Allergies:\n- Clarithromycin: rash. Had oral amoxicillin challenge "
     "at the allergy clinic in 2026, positive (hives).", True),
])
def test_a_challenge_drug_passed_is_no_new_allergy(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75l): the drug of a challenge the patient passed
    ("oral amoxicillin challenge ..., no reaction"), written on an
    allergy line, is the medicine given at the test, not a new allergy:
    amoxicillin is ordered.  A challenge that failed keeps the allergy
    and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies reviewed with the patient.\n- Amoxicillin: diarrhoea and "
     "cramps for a week after the dental course in 2019 -- genuine "
     "intolerance; keep on record.", True),
    ("Also taking: amoxicillin 500 mg tds (started by GP, loose stools - "
     "intolerance noted).", True),
    ("Plan: amoxicillin 500 mg tds -- intolerance checked with patient.",
     False),
])
def test_an_intolerance_written_last_in_an_entry_is_its_drugs(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75n): "intolerance" written after a dash at the
    end of an entry is the drug that heads it ("- Amoxicillin: ... --
    genuine intolerance"), or the drug whose bracket it closes, however
    long the reaction between: amoxicillin is refused.  A verdict that
    goes on ("intolerance checked with patient") names no drug, and the
    order goes through."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies reviewed with the patient.\nAmoxicillin allergy - NONE.",
     False),
    ("Allergies reviewed with the patient.\nAmoxicillin allergy: nil "
     "known.", False),
    ("Allergies reviewed with the patient.\nAmoxicillin allergy - none "
     "recorded before the rash of 2019.", True),
])
def test_an_allergy_answered_none_after_its_name_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75o): an entry that names a drug's allergy and
    answers it "none", "nil" or "no" after a dash or a colon ("Amoxicillin
    allergy - NONE.") denies that allergy: amoxicillin is ordered.  An
    answer that goes on to tell of a reaction keeps the allergy, and the
    order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies / ADRs:\n- Codeine - rash.\n- Amoxicillin - OK (had it "
     "for a chest infection in 2022).", False),
    ("Allergies / ADRs:\n- Codeine - rash.\n- Amoxicillin - no (hives in "
     "2022).", True),
])
def test_an_entry_answered_ok_before_a_bracket_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75o): an allergy list's entry answered "OK" and
    then a remark in brackets ("Amoxicillin - OK (had it ...)") is a drug
    taken without harm, as the answer before a dash is: amoxicillin is
    ordered.  A bracket that opens with a reaction goes on with the
    entry, and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("His childhood \"penicillin allergy\" was tested at the allergy "
     "clinic - skin tests negative and an oral challenge negative. He is "
     "NOT penicillin allergic.", False),
    ("His mother reports a \"penicillin reaction\" as a baby; he has since "
     "had cefalexin with no problem, so this is not a penicillin "
     "allergy.", False),
    ("ALLERGIES:\n- Penicillin: on chart as \"PCN - ?rash\". He has now "
     "had 5 days of piperacillin-tazobactam without rash. Label removed "
     "today.", False),
    ("Allergies: ATG - serum sickness. Penicillin - the chart label "
     "\"PCN\" is from a 2009 note - query; he had cefalexin in 2022 "
     "without problems. Removed PCN label.", False),
    ("Also told she was allergic to Augmentin but has since had cefalexin "
     "in 2024 without any problem; GP removed the label.", False),
    ("Allergies: amoxicillin (rash 1990s). He is not sulfa allergic.",
     True),
])
def test_a_label_the_writer_says_is_no_allergy_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75w): the writer's own word that the patient is
    not allergic ("He is NOT penicillin allergic", "so this is not a
    penicillin allergy") settles the label quoted earlier, as a
    de-labelling does, and a doubted label removed ("PCN - ?rash ...
    Label removed today"), removed by name ("Removed PCN label.") or
    removed after the drug taken ("allergic to Augmentin but has since
    had cefalexin ...; GP removed the label") is gone: amoxicillin is
    ordered.  A denial of another drug leaves the
    amoxicillin allergy, and the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("ALLERGIES: latex (anaphylaxis), NKDA otherwise? - no, also "
     "AMOXICILLIN (hallucinations, wife says never again).", True),
    ("Wife says he had \"a bad do\" with amoxicillin in 2024 when they "
     "first thought this was a chest infection - rash all over, stopped - "
     "on his allergy band now.", True),
    ("Allergies: fluconazole (QT prolongation - \"do not give\"); "
     "vancomycin (rash - Red man? ID note says red man syndrome only); "
     "amoxicillin - nausea/diarrhoea, pt refuses.", True),
    ("He has had amoxicillin many times and it is not on his allergy "
     "list.", False),
], ids=["answered-question", "allergy-band", "bracket-question",
        "not-on-list"])
def test_an_allergy_the_thirty_eighth_writer_showed_missed_is_refused(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75v): a "no" that answers the writer's own question
    ("NKDA otherwise? - no, also AMOXICILLIN") denies nothing after it; a
    story kept "on his allergy band" is an allergy; a question inside an
    entry's bracket leaves the line's next entry on the allergy line:
    amoxicillin is refused each time.  A drug "not on his allergy list"
    is no allergy, and the order goes through."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Previous H. pylori (eradicated 2022 with lansoprazole, "
     "clarithromycin and amoxicillin - \"made me feel awful\" but "
     "completed).", False),
    ("Allergies: codeine (vomiting). Was given amoxicillin after her D&C "
     "and tolerated it.", False),
    ("Allergies: codeine (vomiting). Says \"amoxicillin is fine\".", False),
    ("Amoxicillin 500 mg tds - pt stopped himself after 2 days (stomach "
     "upset).", False),
    ("Amoxicillin - stopped herself after a day (hives).", True),
    ("Amoxicillin - rash all over, finished the course.", True),
    ("Amoxicillin made her too drowsy to drive so she stopped it.", False),
    ("Allergies: amoxicillin made her too drowsy so she stopped it.", True),
    ("Allergy: codeine - rash 2020. Given amoxicillin "
     "600 mg (per allergy). No reaction.", False),
    ("Meds: amoxicillin 500 mg bd (stomach upset - reduced from 500 mg "
     "tds).", False),
    ("Meds: amoxicillin 500 mg bd (hives - dose reduced).", True),
    ("Allergies: codeine (vomiting). Amoxicillin caused loose stools "
     "only - she is happy to take it again.", False),
], ids=["completed-course", "tolerated-it", "is-fine", "stopped-himself",
        "stopped-hives", "rash-completed", "made-drowsy-so-stopped",
        "listed-made-drowsy", "given-per-allergy", "dose-reduced",
        "hives-dose-reduced", "happy-to-take-again"])
def test_a_drug_taken_through_or_stopped_by_the_patient_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ab): a course taken to its end despite a side
    effect ("\"made me feel awful\" but completed"), a drug "tolerated it"
    or "is fine", and a drug the patient stopped of their own accord for
    a side effect ("pt stopped himself (stomach upset)", allergy75au: "made
    her too drowsy to drive so she stopped it") are no allergies, nor a
    drug given "(per allergy)", chosen for another's allergy: amoxicillin
    is ordered; nor is a drug whose dose was lowered for its effect
    ("stomach upset - reduced from 500 mg tds") or one the patient is
    "happy to take again" (allergy75bc).  An allergic sign (hives, a
    rash) or an allergy list keeps the allergy, and the order is
    refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Family say NO amoxicillin - he \"broke out in lumps\" at 6.", True),
    ("Mum says he \"came out in spots\" on amoxicillin for an ear "
     "infection.", True),
    ("NO amoxicillin allergy: he has had it twice since without a "
     "problem.", False),
], ids=["shouted-no-lumps", "came-out-in-spots", "no-allergy"])
def test_an_eruption_in_lay_words_or_a_shouted_no_refuses_amoxicillin(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ac): the verbs of an eruption ("broke out in
    lumps", "came out in spots") tell the drug's reaction whatever the
    marks are called, and a "NO" in capitals before a drug whose reaction
    follows a dash keeps the drug away: amoxicillin is refused.  "NO
    amoxicillin allergy" denies the label, and the order goes through."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Her swellings were called \"allergic\" and she was given cetirizine "
     "and amoxicillin; none of these made any difference.", False),
    ("Her swellings were called \"allergic\"; amoxicillin gave her a "
     "rash and made no difference.", True),
], ids=["treatment-failed", "reaction-and-failed"])
def test_a_drug_that_made_no_difference_is_no_allergen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ad): a drug given for a swelling the sentence
    calls "allergic" that "made no difference" failed; it is no
    allergen, and amoxicillin is ordered.  A reaction written between
    the drug and the failure keeps the allergy: the order is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n- Penicillin \u2014 removed. Labelled as a child; had a "
     "negative skin test and oral amoxicillin challenge.\n", False),
    ("PENICILLIN ALLERGY REMOVED from the chart after a negative "
     "challenge.", False),
    ("Allergies (mother):\n   Penicillin - NO (has had amoxil many times, "
     "mother was thinking of his brother, who is allergic)\n", False),
    ("Allergies:\n- Latex - denies\n- Penicillin - rash as a child\n", True),
], ids=["entry-removed", "allergy-removed", "had-many-times",
        "denied-entry-beside-a-label"])
def test_a_label_removed_or_a_drug_had_many_times_blocks_nothing(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ae): an allergy list's entry answered
    "removed", "<drug> allergy removed" and a drug the patient "has had
    many times" are no allergy, and amoxicillin is ordered; a latex
    entry answered "denies" leaves the penicillin entry beside it, which
    refuses amoxicillin."""
    _drug_after(st, pb, body, blocked, AMOXICILLIN, "penicillins", 500)


@pytest.mark.parametrize("body, blocked", [
    ("Possible drug rash - co-trimoxazole vs clarithromycin vs "
     "amoxicillin?", True),
    ("Drug rash - doxycycline or clarithromycin or amoxicillin.", True),
    ("Possible drug rash - co-trimoxazole/clarithromycin. Amoxicillin "
     "planned next.", False),
], ids=["third-suspect-vs", "third-suspect-or", "planned-after"])
def test_every_suspect_weighed_against_the_others_is_refused(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ag): a reaction written before suspects weighed
    against each other ("co-trimoxazole vs clarithromycin vs
    amoxicillin") is each suspect's, the third's too however many words
    the run takes: amoxicillin is refused.  A drug of the next sentence
    is no suspect, and it is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n  - Amoxicillin - no reaction; had it for a chest "
     "infection last winter.\n  - Latex - NO.\n", False),
    ("Allergies:\n  - Amoxicillin - hives 2019\n  - Chlorhexidine - no "
     "reaction; prior skin prep fine.\n", True),
    ("Allergies: aspirin - \"wheeze\" 2015, but he's had amoxicillin "
     "since then fine (2022, dental).", False),
    ("Allergies - clarified: aspirin makes her wheeze; she says she took "
     "amoxicillin last month no problem.", False),
    ("Allergies: amoxicillin - \"rash\" 2015, but he's had cefalexin "
     "since then fine.", True),
    ("Allergic to iodine dressings (itching). Daughter says amoxicillin "
     "too - \"face swelled\" years ago.", True),
    ("Ankle sprain at work, then the whole L leg swelled up; amoxicillin "
     "for the graze.", False),
], ids=["entry-no-reaction", "label-beside-a-no-reaction-entry",
        "since-then-fine", "no-problem", "label-before-a-drug-since-fine",
        "face-swelled", "leg-swelled"])
def test_no_reaction_since_fine_and_a_swelled_face(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ah): an allergy list's entry answered "no
    reaction" is no allergy, and a drug the line tells as taken "since
    then fine" or "... no problem" is tolerated, a past medicine:
    amoxicillin is ordered.  A label beside such an entry, or opened
    before the reaction, keeps refusing it; so does a relative's lay
    angioedema ("face swelled") after it, while a leg that swelled is no
    drug's reaction."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Already on the record: \"Amoxil - eyes swelled 2019\" (mother).",
     True),
    ("Her husband says she \"swelled up around the eyes\" after "
     "amoxicillin in her twenties.", True),
    ("Hay fever each spring: eye swelling and sneezing; she takes "
     "amoxicillin for her chest.", False),
], ids=["eyes-swelled", "swelled-around-the-eyes", "hay-fever-eyes"])
def test_eyes_that_swelled_after_the_drug_refuse_it(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75aw): eyes that swelled after amoxicillin, the
    lay angioedema of the eyelids as an old record or a relative writes
    it, refuse amoxicillin; eye swelling with hay fever is no drug's
    reaction, and the amoxicillin she takes is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies:\n  - Aspirin - wheeze.\n  - Penicillins - NO allergy; "
     "she takes amoxicillin.\n", False),
    ("Allergy history: aspirin - wheeze; she took amoxicillin for 6 "
     "years.", False),
    ("Allergies: she takes amoxicillin and gets hives.", True),
], ids=["takes-now", "took-for-years", "takes-with-hives"])
def test_a_drug_she_takes_or_took_for_years_is_no_allergen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75aj): a drug the allergy list tells the patient
    takes ("she takes amoxicillin") or took for years is a medicine, no
    allergy: amoxicillin is ordered.  One she takes and reacts to keeps
    refusing it."""
    _amoxicillin_after(st, pb, body, blocked)



@pytest.mark.parametrize("body, blocked", [
    ("Allergies - says \"amoxicillin fine\", she had it last winter.",
     False),
    ("Allergies - amoxicillin (rash 2019).", True),
    ("Allergy - none. Mum (here with her) says she herself is allergic to "
     "penicillin - fine, patient isn't.", False),
], ids=["dash-heading-fine", "dash-heading-entry", "answered-none"])
def test_a_dash_heads_the_allergy_line_as_a_colon_does(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75am): "Allergies -" with a spaced dash heads its
    line's list as "Allergies:" does: a drug the patient says is fine
    there is tolerated and amoxicillin is ordered; an entry under it
    refuses it.  A heading answered "none" opens no list, and the
    mother's penicillin allergy after it refuses nothing."""
    _amoxicillin_after(st, pb, body, blocked)



@pytest.mark.parametrize("body, blocked", [
    ("She says the amoxicillin \"made me sweat\", but she would take it "
     "again if she had to.", False),
    ("She says the amoxicillin \"made me sweat\", she will not take it "
     "again.", True),
], ids=["would-take-it-again", "will-not-take-it-again"])
def test_an_effect_she_would_take_again_is_no_allergy(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75am): an effect after which the patient says she
    would take the drug again is one she accepts: the drug is a medicine,
    no allergy, and amoxicillin is ordered.  One she will not take again
    is refused."""
    _amoxicillin_after(st, pb, body, blocked)



@pytest.mark.parametrize("body, blocked", [
    ("Allergies - says \"penicillins fine, I took amoxicillin last "
     "week\".", False),
    ("Allergies: she took amoxicillin last week and got hives.", True),
], ids=["took-last-week", "took-and-got-hives"])
def test_a_drug_she_took_lately_is_no_allergen(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75am): a drug the allergy line tells the patient
    took last week is a medicine, no allergy: amoxicillin is ordered.
    One she took and got hives from is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergy: atorvastatin - \"muscles seized up\" (rhabdomyolysis) - "
     "listed; no statins.", True),
    ("Allergy: codeine - vomiting; no statins.", False),
], ids=["no-class-after-its-member", "no-class-after-another-drug"])
def test_a_no_after_an_allergy_keeps_its_class_away(
        st, pb, ward_classes, body, blocked):
    """Issue 75 (allergy75an): "no statins" after an allergy to a statin
    orders the allergen's class kept away; it denies no allergy: the
    class is suggested, and simvastatin is refused.  After an allergy to
    an unrelated drug the "no" denies as before: no statin allergy, and
    simvastatin is ordered."""
    _class_then(st, pb, body, "statins", blocked, SIMVASTATIN, 20,
                "a note mentions an allergy to")


@pytest.mark.parametrize("body, blocked", [
    ("ALLERGIES AND ADVERSE REACTIONS:\n- Penicillin - hives in the "
     "1960s. Kept as allergy: no testing at her age.\n"
     "- Statins (GP record).\n", True),
    ("ALLERGIES AND ADVERSE REACTIONS:\n- Penicillin - hives in the "
     "1960s. Allergy team consulted (Dr Ng): no testing at her age.\n"
     "- Statins (GP record).\n", False),
], ids=["kept-as-allergy-aside", "allergy-team-label"])
def test_an_entrys_allergy_aside_keeps_the_list_open(
        st, pb, ward_classes, body, blocked):
    """Issue 75 (allergy75an): "Kept as allergy:" later on a bulleted
    entry is the entry's aside, no heading: the list goes on, the class
    on the next entry is an allergy, and simvastatin is refused.  A label
    that only opens with the cue ("Allergy team consulted (Dr Ng):")
    ends the list as before: the class there is no allergy, and
    simvastatin is ordered."""
    _drug_after(st, pb, body, blocked, SIMVASTATIN, "statins", 20)


DYSTONIA_PRODUCTS = (
    "code,code_system,name,substance,drug_class,forms,routes,unit,"
    "min_single_dose,max_single_dose,max_daily_dose\n"
    "2410,rxnorm,Metoclopramide tablet,metoclopramide,,tablet,oral,mg,"
    "5,10,30\n"
    "2411,rxnorm,Haloperidol tablet,haloperidol,,tablet,oral,mg,"
    "0.5,10,20\n"
    "2412,rxnorm,Lithium carbonate tablet,lithium,,tablet,oral,mg,"
    "200,800,1600\n")


@pytest.fixture(scope="module")
def dystonia_drugs(st, pb, catalogue):
    _import_products(st, pb, DYSTONIA_PRODUCTS)


@pytest.mark.parametrize("body, drug, code, dose, blocked", [
    ('Previously on metoclopramide - stopped by GP after she got "neck '
     'twisting/ jaw locking" (dystonia) - not to have again.', "2410",
     "metoclopramide", 10, True),
    ("Plan: olanzapine 10 mg nocte. Avoid haloperidol given the dystonia.",
     "2411", "haloperidol", 5, True),
    ("Allergies: nil known. Mother mentions \"the haloperidol injection "
     "years ago made her neck twist\" - dystonia noted, on alert.", "2411",
     "haloperidol", 5, True),
    ("Ondansetron 4 mg prn; metoclopramide preferred? - no, avoid (EPS "
     "risk with lithium and her dystonia history).", "2412", "lithium",
     400, False),
], ids=["metoclopramide-not-again", "avoid-haloperidol", "neck-twist",
        "risk-with-lithium"])
def test_an_acute_dystonia_stops_its_drug(st, pb, dystonia_drugs, body,
                                          drug, code, dose, blocked):
    """Issue 75 (allergy75ak): an acute dystonia, in clinical words or as
    the patient or family tells it ("neck twisting", "made her neck
    twist"), filed against metoclopramide or haloperidol is an allergy of
    that drug (the README's haloperidol and metoclopramide dystonia
    ADRs): the drug is refused.  A drug that only raises the risk the
    writer weighs ("EPS risk with lithium") is no culprit: lithium is
    ordered."""
    _drug_after(st, pb, body, blocked, drug, code, dose)


@pytest.mark.parametrize("body, blocked", [
    ("Admitted, IV amoxicillin for chest sepsis, recovered. Carbimazole "
     "now recorded as an ALLERGY (agranulocytosis) - never to be "
     "re-prescribed.", False),
    ("Admitted, IV amoxicillin for chest sepsis - widespread rash. Now "
     "recorded as an ALLERGY.", True),
], ids=["another-drug-recorded", "the-drug-before-recorded"])
def test_a_record_cue_after_an_unknown_drug_is_that_drugs(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ap): "Carbimazole now recorded as an ALLERGY"
    records carbimazole, a drug outside the catalogue, not the
    amoxicillin of the sentence before: amoxicillin is ordered.  A
    record cue with no drug of its own still records the drug before,
    and amoxicillin is refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies: ibuprofen and naproxen were restarted and tolerated.",
     False),
    ("Allergies: ibuprofen and naproxen are NOT allergies.", False),
    ("Allergies: ibuprofen and naproxen - wheeze.", True),
], ids=["restarted-and-tolerated", "not-allergies", "reacted"])
def test_drugs_restarted_and_tolerated_let_ibuprofen_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75at): drugs on the allergy line restarted and
    tolerated after a reaction blamed on them, or that the writer says
    are "NOT allergies", are no allergy, and ibuprofen is ordered.  A
    reaction told of them keeps it refused."""
    _drug_after(st, pb, body, blocked, IBUPROFEN, "ibuprofen", 400)


@pytest.mark.parametrize("body, blocked", [
    ("Allergies: sulfa (rash). She had amoxicillin for a chest infection "
     "fine.", False),
    ("Allergies: sulfa (rash). She had amoxicillin for a chest infection - "
     "hives.", True),
], ids=["had-it-fine", "had-it-hives"])
def test_a_drug_had_fine_lets_amoxicillin_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75ay): a drug the patient "had" and the note
    answers "fine" was taken without harm, a past medicine and no
    allergy though the allergy line holds it, and amoxicillin is ordered.
    A reaction told instead keeps it refused."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Seen with her husband, who recalls hives years ago. We have added "
     "amoxicillin to her allergy list.", True),
    ("She took amoxicillin last month without problems; it was not added "
     "to her allergy list.", False),
], ids=["added-to-her-list", "not-added"])
def test_a_drug_added_to_her_allergy_list_is_refused(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75az): a drug the writer adds to the patient's
    allergy list ("We have added codeine to her allergy list") is her
    allergy, and amoxicillin so added is refused.  One taken without
    problems and not added to the list is ordered."""
    _amoxicillin_after(st, pb, body, blocked)


@pytest.mark.parametrize("body, blocked", [
    ("Her GP record says \"PENICILLIN ALLERGY\". She has never had a "
     "reaction to penicillin.", False),
    ("Her GP record says \"PENICILLIN ALLERGY\" - anaphylaxis in 2019.",
     True),
], ids=["record-label-negated", "record-label-kept"])
def test_a_quoted_record_label_the_note_negates_lets_amoxicillin_through(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75bb): a penicillin label the writer quotes from
    a record and the note negates elsewhere is the label that answer
    removes, and amoxicillin is ordered.  The same label that nothing
    negates keeps it refused."""
    _drug_after(st, pb, body, blocked, AMOXICILLIN, "penicillins", 500)


@pytest.mark.parametrize("body, blocked", [
    ("Addendum 19:10: her son found an old clinic letter: \"allergic to "
     "penicillin - hives\". Added to the allergy list.", True),
    ("Her brother was found on screening to be allergic to penicillin.",
     False),
    ("Her mother, who came with her and answered most questions, says "
     "she is allergic to penicillin.", True),
    ("Her father, who lives in Leeds, is allergic to penicillin.", False),
], ids=["son-found-her-letter", "brother-found-allergic",
        "mother-with-aside-says", "father-with-aside-is"])
def test_a_relative_who_found_her_record_keeps_amoxicillin_refused(
        st, pb, catalogue, body, blocked):
    """Issue 75 (allergy75bi): a relative who found, phoned in or
    corrected the patient tells the patient's allergy, not their own, and
    amoxicillin is refused, as does one described in a "who" aside before
    "says".  A relative whom screening found allergic, or one the aside
    describes and who "is allergic", is the relative's, and the order goes
    through."""
    _drug_after(st, pb, body, blocked, AMOXICILLIN, "penicillins", 500)
