"""Issue 75: how Chinese hospitals write an allergy, replayed as a ward
meets it through records and dosage.  A relative who reports the patient's
allergy ("女儿说"), an intolerance written after a comma ("服用后头晕，不能
耐受"), an intolerance of a drug the patient took before ("原服…，因腹泻不
能耐受") and Hong Kong's "藥物敏感" heading each make amoxicillin's order
refused until the suggestion is decided; a culture's susceptibility ("药敏
示对阿莫西林敏感") and a negative oral challenge ("口服激发试验阴性")
invent no allergy, and amoxicillin is ordered."""

import pytest

from harness import protos

from test_dose_allergy_text import (AMOXICILLIN, SERVICES, catalogue,  # noqa
                                    order, patient, refused_order)
from test_note_allergy import note, suggestions

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"


def _got(st, p):
    return {(s.kind, s.code): s for s in suggestions(st, p)}


@pytest.mark.parametrize("body", [
    "女儿说患者对阿莫西林过敏，出现皮疹。",
    "阿莫西林服用后头晕，不能耐受。",
    "原服阿莫西林，因腹泻、腹胀不能耐受，已停用。",
    "家属告知：患者以前用过阿莫西林，吐得很厉害，不想再用。",
    "藥物敏感：阿莫西林。",
])
def test_a_chinese_allergy_stops_amoxicillin(st, pb, catalogue, body):
    """The allergy is the patient's: a relative's report is no family
    history, the cue after the comma names the drug before it, and the
    symptoms between are its reaction, no problem of their own."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    assert (rpb.SUGGESTION_KIND_ALLERGY, "amoxicillin") in got, got
    assert (rpb.SUGGESTION_KIND_PROBLEM, "R42") not in got, got
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  "a note mentions an allergy to amoxicillin")


@pytest.mark.parametrize("body", [
    "痰培养：金黄色葡萄球菌，药敏示对阿莫西林敏感。",
    "青霉素皮试阴性，阿莫西林口服激发试验阴性，已移除青霉素过敏标签。",
])
def test_susceptibility_and_a_negative_challenge_block_nothing(
        st, pb, catalogue, body):
    """A culture sensitive to amoxicillin, or a challenge the patient
    passed, is no allergy: nothing blocks the order."""
    rpb = protos.module("records")
    p = patient(st, pb)
    note(st, p, body)
    got = _got(st, p)
    A = rpb.SUGGESTION_KIND_ALLERGY
    assert (A, "amoxicillin") not in got and (A, "penicillins") not in got, \
        got
    assert order(st, pb, p, AMOXICILLIN, 500).id
