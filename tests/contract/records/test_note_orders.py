"""The order-changing allergy errors tools/notes/eval.py prints
(tools/notes/orders.py): an allergy missed only when nothing the reader
found covers it, an invented allergy counted as blocking only when the
note says the patient takes or tolerates a drug it would stop.  Pure
scoring: no service runs."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "tools", "notes"))
import orders  # noqa: E402

NONE = frozenset()
NEG = frozenset({"negated"})
FAM = frozenset({"family"})


def test_dosage_classes_are_read_from_its_table():
    classes = orders.substance_classes()
    assert "penicillins" in classes["amoxicillin"]
    assert "nsaids" in classes["ibuprofen"]
    assert "penicillins" not in classes["cefalexin"]


def test_a_class_covers_its_member_not_the_other_way():
    classes = orders.substance_classes()
    want = {("allergy", "amoxicillin", NONE)}
    held, missed, _, _ = orders.note_order_errors(
        want, {("allergy", "penicillins", NONE)}, classes)
    assert (held, missed) == (1, [])
    _, missed, _, _ = orders.note_order_errors(
        {("allergy", "penicillins", NONE)},
        {("allergy", "amoxicillin", NONE)}, classes)
    assert missed == ["penicillins"]


def test_negated_and_family_allergies_are_not_held():
    classes = orders.substance_classes()
    want = {("allergy", "penicillins", FAM), ("allergy", "codeine", NEG),
            ("allergy", "-", NEG)}
    held, missed, _, _ = orders.note_order_errors(want, set(), classes)
    assert (held, missed) == (0, [])


def test_an_invented_allergy_blocks_only_a_drug_the_note_says_is_taken():
    classes = orders.substance_classes()
    want = {("allergy", "penicillins", FAM),
            ("medicine", "amoxicillin", NONE)}
    found = {("allergy", "penicillins", NONE),
             ("allergy", "morphine", NONE)}
    _, _, invented, blocking = orders.note_order_errors(want, found, classes)
    assert invented == 2
    assert blocking == ["penicillins"]


def test_a_cleared_label_is_a_tolerated_drug():
    classes = orders.substance_classes()
    want = {("allergy", "penicillins", NEG)}
    found = {("allergy", "penicillins", NONE)}
    _, _, invented, blocking = orders.note_order_errors(want, found, classes)
    assert (invented, blocking) == (1, ["penicillins"])


def test_the_totals_name_each_note():
    classes = orders.substance_classes()
    notes = [{"id": "a", "expect": {("allergy", "codeine", NONE)}},
             {"id": "b", "expect": {("allergy", "penicillins", NEG)}}]
    found = {"a": set(), "b": {("allergy", "penicillins", NONE)}}
    total = orders.order_errors(notes, found, classes)
    assert total["missed"] == [("a", "codeine")]
    assert total["blocking"] == [("b", "penicillins")]
    assert "missed 1" in orders.summary(total)
