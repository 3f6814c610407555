"""Issue 36: HL7 v2 over MLLP.  ADT messages sent with simple-hl7 (an HL7
client nobody here wrote) end with identity in the state the equivalent
gRPC calls make; ORU results change the next dose check; a resent message
gets the same ACK and writes nothing; hand-made edge messages get AE/AR
naming the segment and field, are kept in the store, and apply nothing."""

import time
import uuid

import grpc
import pytest

from harness import hl7, protos
from harness.checks import now_ms
from harness.metrics import scrape, series, value


def ts(offset_s=0):
    return time.strftime("%Y%m%d%H%M%S",
                         time.gmtime(time.time() + offset_s))


def mrn(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:10].upper())


def msh(trigger, ctl, mtype="ADT", version="2.5.1"):
    """MSH-3..MSH-12 for send.js."""
    return ["PAS", "HOSP", "SMARTMED", "HOSP", ts(), "",
            "%s^%s" % (mtype, trigger), ctl, "P", version]


def pid(m, family="Tester", given="Hanna", birth="19700304", sex="F"):
    return "PID|1||%s^^^HOSP^MR||%s^%s||%s|%s" % (m, family, given, birth,
                                                 sex)


def pv1(klass="I", ward="W3", room="12", bed=None, attending="dr.who",
        t44=""):
    """PV1 with PV1-3 ward^room^bed; a bed of its own unless bed is given
    (identity keeps one patient per bed)."""
    if bed is None:
        bed = "B" + uuid.uuid4().hex[:6]
    return "PV1|1|%s|%s^%s^%s^HOSP||||%s^Who^John" % (
        klass, ward, room, bed, attending) + ("|" * 37 + t44 if t44 else "")


def raw(trigger, ctl, *segments, mtype="ADT", charset=""):
    head = "MSH|^~\\&|EDGE|HOSP|SMARTMED|HOSP|%s||%s^%s|%s|P|2.5.1" % (
        ts(), mtype, trigger, ctl)
    if charset:
        head += "||||||" + charset
    return "\r".join((head,) + segments) + "\r"


def ctl():
    return uuid.uuid4().hex[:20]


def ipb():
    return protos.module("identity")


def get_patient(st, m):
    return st.call("identity", "GetPatient", ipb().GetPatientRequest(mrn=m),
                   role="registrar")


def encounters(st, pid_):
    return st.call("identity", "ListEncounters",
                   ipb().ListEncountersRequest(patient_id=pid_),
                   role="registrar").encounters


def stored(st, control_id):
    return hl7.list_messages(st, control_id=control_id).messages


# --- ADT with a real client --------------------------------------------------


def state(st, survivor, merged):
    """identity's state of a survivor/merged pair, without ids and times."""
    s, m = get_patient(st, survivor), get_patient(st, merged)
    encs = encounters(st, s.patient_id)
    return {
        "survivor": (s.family_name, s.given_name, s.birth_date, s.sex,
                     s.linked_to, sorted(s.merged_ids) == [m.patient_id]),
        "merged": (m.family_name, m.linked_to == s.patient_id),
        "encounters": sorted((e.encounter_class, e.status, e.location.ward,
                              e.location.bed, e.attending,
                              e.end_ms > 0) for e in encs),
    }


def test_adt_sequence_matches_grpc(hst):
    a, b = mrn("HA"), mrn("HB")
    acks = hl7.node_send(hst, [
        {"msh": msh("A01", ctl()), "segments": [
            "EVN|A01|" + ts(-60), pid(a), pv1()]},
        {"msh": msh("A28", ctl()), "segments": [
            "EVN|A28|" + ts(-50), pid(b, family="Dup")]},
        {"msh": msh("A02", ctl()), "segments": [
            "EVN|A02|" + ts(-40), pid(a), pv1(ward="ICU", room="", bed="4",
                                                attending="dr.house")]},
        {"msh": msh("A40", ctl()), "segments": [
            "EVN|A40|" + ts(-30), pid(a), "MRG|%s^^^HOSP^MR" % b]},
        {"msh": msh("A03", ctl()), "segments": [
            "EVN|A03|" + ts(-20), pid(a), pv1(ward="ICU", room="", bed="4",
                                                attending="dr.house")]},
    ])
    assert [x["msa"][0] for x in acks] == ["AA"] * 5, acks
    # The same story through identity's own API.
    p = ipb()
    g1, g2 = mrn("GA"), mrn("GB")
    reg = dict(role="registrar")
    s1 = hst.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn=g1, family_name="Tester", given_name="Hanna",
        birth_date="1970-03-04", sex=p.ADMINISTRATIVE_SEX_FEMALE), **reg)
    s2 = hst.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn=g2, family_name="Dup", given_name="Hanna",
        birth_date="1970-03-04", sex=p.ADMINISTRATIVE_SEX_FEMALE), **reg)
    e = hst.call("identity", "Admit", p.AdmitRequest(
        patient_id=s1.patient_id, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward="W3", bed="12-B", attending="dr.who"), **reg)
    hst.call("identity", "Transfer", p.TransferRequest(
        encounter_id=e.encounter_id, ward="ICU", bed="4",
        attending="dr.house"), **reg)
    hst.call("identity", "LinkPatients", p.LinkPatientsRequest(
        survivor_id=s1.patient_id, merged_id=s2.patient_id,
        reason="duplicate"), **reg)
    hst.call("identity", "Discharge", p.DischargeRequest(
        encounter_id=e.encounter_id), **reg)
    assert state(hst, a, b) == state(hst, g1, g2)
    # Each message is in the store with its ACK and what it changed.
    rows = hl7.list_messages(hst, patient_mrn=a).messages
    assert {r.trigger_event for r in rows} >= {"A01", "A02", "A40", "A03"}
    admit = [r for r in rows if r.trigger_event == "A01"][0]
    assert admit.ack_code == "AA"
    assert any(c.startswith("identity CreatePatient") for c in admit.changes)
    assert any(c.startswith("identity Admit") for c in admit.changes)
    assert admit.patient_id == get_patient(hst, a).patient_id


def _doc_examples():
    """The messages of docs/hl7.md's "Example messages", as written."""
    import os
    from harness import paths
    with open(os.path.join(paths.REPO_ROOT, "docs", "hl7.md")) as f:
        text = f.read()
    part = text.split("## Example messages", 1)[1].split("\n## ", 1)[0]
    msgs = []
    for block in part.split("```")[1::2]:
        for chunk in block.strip().split("\n\n"):
            msgs.append([ln for ln in chunk.splitlines() if ln.strip()])
    return msgs


def test_doc_examples_apply_as_written(hst):
    """docs/hl7.md's examples (issue 50): the admit's name is O'Brien, not
    O^Brien, and PV1-3's room and bed are both kept (12-B).  Only the MRNs
    and control ids are made unique; the merge's MRG names a duplicate
    record of the same person registered first."""
    msgs = _doc_examples()
    assert [m[0].split("|")[8].split("^")[1] for m in msgs] == [
        "A01", "A02", "A40", "A03", "R01"], msgs
    a, b = mrn("DOC"), mrn("DOCM")
    with hl7.Mllp(hst) as conn:
        ok = hl7.ack_fields(conn.send(raw("A28", ctl(), pid(
            b, family="O'Brien", given="Mary"))))
        assert ok["MSA"][1] == "AA", ok
    for i, segs in enumerate(msgs):
        segs = [x.replace("MRN0042", a).replace("MRN0077", b)
                for x in segs]
        head = segs[0].split("|")
        head[9] = ctl()
        text = "\r".join(["|".join(head)] + segs[1:]) + "\r"
        # One connection per sender (PAS, LAB), as the service wants.
        with hl7.Mllp(hst) as conn:
            ack = hl7.ack_fields(conn.send(text))
        assert ack["MSA"][1] == "AA", (segs, ack)
        if i == 0:
            p = get_patient(hst, a)
            assert (p.family_name, p.given_name) == ("O'Brien", "Mary"), p
            e = encounters(hst, p.patient_id)
            assert [(x.location.ward, x.location.bed) for x in e] == [
                ("W3", "12-B")], e
    locs = [(x.location.ward, x.location.bed)
            for x in encounters(hst, get_patient(hst, a).patient_id)]
    assert locs == [("ICU", "4")], locs


def test_doc_examples_sent_by_the_printed_sender_as_they_are(hst):
    """make run prints `node send.js HOST PORT < messages` and points at
    docs/hl7.md's examples: the sender reads them as written (plain HL7,
    one segment a line), one connection per sending system."""
    a, b = mrn("DOCS"), mrn("DOCSM")
    ok = hl7.node_send(hst, [{"msh": msh("A28", ctl()), "segments": [
        "EVN|A28|" + ts(), pid(b, family="O'Brien", given="Mary")]}])
    assert ok[0]["msa"][0] == "AA", ok
    text = ""
    for segs in _doc_examples():
        head = segs[0].split("|")
        head[9] = ctl()
        text += "\n".join(["|".join(head)] + [
            x.replace("MRN0042", a).replace("MRN0077", b)
            for x in segs[1:]]) + "\n\n"
    acks = hl7.node_send(hst, text)
    assert [x["msa"][0] for x in acks] == ["AA"] * 5, acks
    p = get_patient(hst, a)
    assert p.family_name == "O'Brien", p


def test_resent_message_gets_same_ack_and_writes_nothing(hst):
    a = mrn("HR")
    c = ctl()
    msg = {"msh": msh("A01", c), "segments": [
        "EVN|A01|" + ts(-60), pid(a), pv1()]}
    first = hl7.node_send(hst, [msg])[0]
    assert first["msa"] == ["AA", c]
    pt = get_patient(hst, a)
    before = encounters(hst, pt.patient_id)
    again = hl7.node_send(hst, [msg, msg])
    assert [x["raw"] for x in again] == [first["raw"]] * 2
    assert encounters(hst, pt.patient_id) == before
    assert get_patient(hst, a).version == pt.version
    # Stored once (the resends are answered from the store).
    assert len(stored(hst, c)) == 1


# --- ORU to the dose checks --------------------------------------------------


def oru(m, c, *obx):
    return {"msh": msh("R01", c, mtype="ORU"), "segments": [
        pid(m), "OBR|1|||24331-1^Panel^LN|||" + ts(-600)] + list(obx)}


def obx(i, code, name, value, unit, rng="", flags="", status="F",
        vtype="NM"):
    return "OBX|%d|%s|%s^%s^LN||%s|%s|%s|%s|||%s|||%s" % (
        i, vtype, code, name, value, unit, rng, flags, status, ts(-300))


def test_oru_weight_and_clearance_change_the_next_dose_check(hst):
    dpb = protos.module("dosage")
    code = "HL7-" + uuid.uuid4().hex[:6].upper()
    hst.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="HL7 " + code, unit="mg", max_single_dose=2000,
        max_daily_dose=8000, max_dose_per_kg=15, substance="",
        routes=["oral"], renal_bands=[dpb.RenalBand(
            crcl_below_ml_min=30, dose_factor=0)])), role="pharmacist")
    a = mrn("HL")
    assert hl7.node_send(hst, [{"msh": msh("A01", ctl()), "segments": [
        "EVN|A01|" + ts(-60), pid(a, birth="19600101"), pv1()]}])[0][
            "msa"][0] == "AA"
    patient_id = get_patient(hst, a).patient_id

    def check(dose):
        r = hst.call("dosage", "CheckDose", dpb.CheckDoseRequest(
            proposed=dpb.ProposedDose(patient_id=patient_id, drug_code=code,
                                      dose=dose, unit="mg")), role="nurse")
        return {c.kind: c for c in r.checks}

    before = check(1000)
    c = ctl()
    ack = hl7.node_send(hst, [oru(
        a, c, obx(1, "29463-7", "Body weight", "50", "kg"),
        obx(2, "2164-2", "Creatinine clearance", "22", "mL/min", "90-140",
            "L"),
        obx(3, "2345-7", "Glucose", "5.4", "mmol/L", "3.9-5.5"),
        obx(4, "1234-5", "Not read here", "1", "mg"))])[0]
    assert ack["msa"] == ["AA", c], ack
    after = check(1000)
    # 1000 mg is 20 mg/kg of the charted 50 kg: above 15 mg/kg.
    assert after[dpb.CHECK_KIND_PER_KG].status == dpb.CHECK_STATUS_HARD_STOP
    assert after[dpb.CHECK_KIND_PER_KG].value == 20
    # Before the ORU there was no weight: a weight-based drug stops for
    # that (issue 47), not for the dose.
    assert "weight unknown" in before[dpb.CHECK_KIND_PER_KG].reason
    assert before[dpb.CHECK_KIND_PER_KG].value == 0
    assert after[dpb.CHECK_KIND_RENAL].status == dpb.CHECK_STATUS_HARD_STOP
    f = hst.call("records", "GetMedicationFacts",
                 protos.module("records").GetMedicationFactsRequest(
                     patient_id=patient_id), role="pharmacist")
    assert f.weight.value == 50 and f.crcl.value == 22
    row = stored(hst, c)[0]
    assert sum(x.startswith("records CreateEntry") for x in row.changes) == 3
    assert any("1234-5^LN not read" in x for x in row.changes)


def test_oru_with_one_bad_result_writes_nothing(hst):
    a = mrn("HX")
    hl7.node_send(hst, [{"msh": msh("A28", ctl()), "segments": [
        "EVN|A28|" + ts(), pid(a)]}])
    patient_id = get_patient(hst, a).patient_id
    c = ctl()
    ack = hl7.node_send(hst, [oru(
        a, c, obx(1, "29463-7", "Body weight", "61", "kg"),
        obx(2, "2823-3", "Potassium", "4.1", "mg"))])[0]
    assert ack["msa"][0] == "AE"
    assert ack["err"].startswith("OBX^2^6"), ack
    rpb = protos.module("records")
    f = hst.call("records", "GetMedicationFacts",
                 rpb.GetMedicationFactsRequest(patient_id=patient_id),
                 role="pharmacist")
    assert not f.weight.present
    assert stored(hst, c)[0].ack_code == "AE"


def test_oru_refused_by_records_part_way_takes_back_what_it_wrote(hst):
    a = mrn("HW")
    hl7.node_send(hst, [{"msh": msh("A28", ctl()), "segments": [
        "EVN|A28|" + ts(), pid(a)]}])
    patient_id = get_patient(hst, a).patient_id
    c = ctl()
    # 900 kg passes this profile (a number in kg) but no patient weighs
    # it: records refuses the second result after the first is written.
    ack = hl7.node_send(hst, [oru(
        a, c, obx(1, "8302-2", "Body height", "170", "cm"),
        obx(2, "29463-7", "Body weight", "900", "kg"))])[0]
    assert ack["msa"][0] == "AE", ack
    assert ack["err"].startswith("OBX^2^5"), ack
    rpb = protos.module("records")
    f = hst.call("records", "GetMedicationFacts",
                 rpb.GetMedicationFactsRequest(patient_id=patient_id),
                 role="pharmacist")
    assert not f.height.present and not f.weight.present
    changes = stored(hst, c)[0].changes
    assert any(x.startswith("records MarkEnteredInError") for x in changes)


# --- hand-made edge messages -------------------------------------------------


EDGES = [
    # (name, message, MSA-1, ERR-2 prefix, ERR-3 code)
    ("unknown trigger", lambda m: raw("A99", ctl(), pid(m)), "AR", "MSH^1^9",
     "201"),
    ("unknown type", lambda m: raw("O01", ctl(), pid(m), mtype="ORM"), "AR",
     "MSH^1^9", "200"),
    ("pid without identifier", lambda m: raw(
        "A08", ctl(), "PID|1||||Nobody^Here||19800101|M"), "AE", "PID^1^3",
     "101"),
    ("merge of an unknown patient", lambda m: raw(
        "A40", ctl(), pid(m), "MRG|NOPE-%s" % m), "AE", "PID^1^3", "204"),
    ("invalid escape", lambda m: raw(
        "A08", ctl(), "PID|1||%s||Bad\\Q\\Name" % m), "AE", "PID^1^5",
     "102"),
    ("wrong character set", lambda m: raw(
        "A08", ctl(), pid(m), charset="ISO IR87"), "AR", "MSH^1^18", "103"),
    ("cancel admit", lambda m: raw("A11", ctl(), pid(m), pv1()), "AR",
     "MSH^1^9", "201"),
    ("room and bed longer than a bed", lambda m: raw(
        "A01", ctl(), pid(m), pv1(room="R" * 20, bed="B" * 12)), "AE",
     "PV1^1^3", "102"),
    ("admit without an attending", lambda m: raw(
        "A01", ctl(), pid(m), "PV1|1|I|W3^12^B^HOSP"), "AE", "PV1^1^7",
     "102"),
]


@pytest.mark.parametrize("name,make,code,where,err", EDGES,
                         ids=[e[0] for e in EDGES])
def test_edge_message_refused_naming_field(hst, name, make, code, where, err):
    m = mrn("HE")
    msg = make(m)
    with hl7.Mllp(hst) as conn:
        ack = hl7.ack_fields(conn.send(msg))
        assert ack["MSA"][1] == code, ack
        assert ack["ERR"][2].startswith(where), ack
        assert ack["ERR"][3].split("^")[0] == err, ack
        # The connection stays open for the next message.
        ok = hl7.ack_fields(conn.send(raw("A28", ctl(), pid(mrn("HO")))))
        assert ok["MSA"][1] == "AA", ok
    control = msg.split("\r")[0].split("|")[9]
    assert ack["MSA"][2] == control
    rows = stored(hst, control)
    assert rows and rows[0].ack_code == code and rows[0].error


def test_too_large_message_gets_ar_and_connection_stays(hst):
    big = raw("A08", ctl(), pid(mrn("HB")), "NTE|1||" + "x" * (2 << 20))
    with hl7.Mllp(hst) as conn:
        ack = hl7.ack_fields(conn.send(big))
        assert ack["MSA"][1] == "AR"
        assert "MED_HL7_MAX_MESSAGE_BYTES" in ack["MSA"][3]
        assert hl7.ack_fields(conn.send(raw("A28", ctl(), pid(
            mrn("HO")))))["MSA"][1] == "AA"


def test_broken_framing_closes_the_connection(hst):
    with hl7.Mllp(hst) as conn:
        conn.send_raw(b"MSH|^~\\&|no frame\r")
        with pytest.raises((ConnectionError, OSError)):
            conn.read_ack()


def test_a_senders_newer_connection_takes_over(hst):
    """One connection per sender, and an older idle one never locks the
    sender out (issue 49): the newer one is answered, the older closed."""
    with hl7.Mllp(hst) as one, hl7.Mllp(hst) as two:
        assert hl7.ack_fields(one.send(raw("A28", ctl(), pid(
            mrn("HS")))))["MSA"][1] == "AA"
        ack = hl7.ack_fields(two.send(raw("A28", ctl(), pid(mrn("HS")))))
        assert ack["MSA"][1] == "AA", ack
        with pytest.raises((ConnectionError, OSError)):
            one.send(raw("A28", ctl(), pid(mrn("HS"))))
        assert hl7.ack_fields(two.send(raw("A28", ctl(), pid(
            mrn("HS")))))["MSA"][1] == "AA"
        # A connection still carries one sender.
        other = raw("A28", ctl(), pid(mrn("HS"))).replace("|EDGE|", "|PAS|",
                                                           1)
        ack = hl7.ack_fields(two.send(other))
        assert ack["MSA"][1] == "AR" and "this connection carries" in \
            ack["MSA"][3]


def test_store_query_by_type_and_time(hst):
    since = now_ms()
    c = ctl()
    with hl7.Mllp(hst) as conn:
        conn.send(raw("A28", c, pid(mrn("HQ"))))
    rows = hl7.list_messages(hst, message_type="ADT", trigger_event="A28",
                             since_ms=since).messages
    assert c in [r.control_id for r in rows]
    assert not hl7.list_messages(hst, control_id=c,
                                 until_ms=since).messages
    with pytest.raises(grpc.RpcError) as e:
        hl7.list_messages(hst, role="nurse", control_id=c)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_tls_listener_requires_client_certificate(hst):
    hl7.restart(hst, MED_HL7_TRUSTED_NETWORK="false")
    try:
        with hl7.Mllp(hst, tls_identity="operator") as conn:
            ack = hl7.ack_fields(conn.send(raw("A28", ctl(), pid(
                mrn("HT")))))
            assert ack["MSA"][1] == "AA"
        with pytest.raises((ConnectionError, OSError)):
            with hl7.Mllp(hst) as plain:
                plain.send(raw("A28", ctl(), pid(mrn("HT"))))
    finally:
        hl7.restart(hst, MED_HL7_TRUSTED_NETWORK="true")


def test_make_runs_bindings_refuse_an_unbound_sender(hst, tmp_path):
    """Issue 74: make run binds its senders (plain TCP from this machine:
    docs/hl7.md's PAS for ADT and laboratory for ORU, and the load
    driver's), so a message as a sender it does not bind, or of a type the
    sender's binding does not list, is refused AR naming the binding to
    add and registers nobody; the PAS's ADT goes through."""
    from harness import run
    senders = run.run_stack(str(tmp_path), {}).hl7["MED_HL7_SENDERS"]
    hl7.restart(hst, MED_HL7_SENDERS=senders)
    try:
        edge, pas = mrn("RUNE"), mrn("RUNP")
        with hl7.Mllp(hst) as conn:
            ack = hl7.ack_fields(conn.send(raw("A28", ctl(), pid(edge))))
        assert ack["MSA"][1] == "AR", ack
        assert "add the binding addr:127.0.0.1=EDGE@HOSP:ADT to " \
            "MED_HL7_SENDERS" in ack["MSA"][3], ack
        with pytest.raises(grpc.RpcError) as e:
            get_patient(hst, edge)
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        as_pas = raw("A28", ctl(), pid(pas)).replace("|EDGE|", "|PAS|", 1)
        with hl7.Mllp(hst) as conn:
            assert hl7.ack_fields(conn.send(as_pas))["MSA"][1] == "AA"
            ack = hl7.ack_fields(conn.send(raw(
                "R01", ctl(), pid(pas), mtype="ORU").replace(
                    "|EDGE|", "|PAS|", 1)))
        assert ack["MSA"][1] == "AR" and \
            "only ADT messages, not ORU" in ack["MSA"][3], ack
        assert get_patient(hst, pas).family_name == "Tester"
    finally:
        hl7.restart(hst, MED_HL7_SENDERS=hl7.SENDERS)


def test_metrics_per_type_outcome_and_sender(hst):
    before, _ = scrape(hst, "hl7")
    c = ctl()
    same = mrn("HM")
    with hl7.Mllp(hst) as conn:
        assert hl7.ack_fields(conn.send(raw("A28", c, pid(same))))[
            "MSA"][1] == "AA"
        assert hl7.ack_fields(conn.send(raw("A28", c, pid(same))))[
            "MSA"][1] == "AA"
        assert hl7.ack_fields(conn.send(raw("A99", ctl(), pid(mrn(
            "HM")))))["MSA"][1] == "AR"
        after, _ = scrape(hst, "hl7")
        assert value(after, "smartmed_hl7_connections") >= 1

    def n(samples, **labels):
        return sum(series(samples, "smartmed_hl7_messages_total",
                          sender="EDGE_HOSP", **labels).values())

    assert n(after, type="ADT", trigger="A28", outcome="AA") - \
        n(before, type="ADT", trigger="A28", outcome="AA") == 1
    assert n(after, type="ADT", trigger="A28", outcome="resent") - \
        n(before, type="ADT", trigger="A28", outcome="resent") == 1
    assert n(after, type="ADT", trigger="A99", outcome="AR") - \
        n(before, type="ADT", trigger="A99", outcome="AR") == 1
    assert value(after, "smartmed_hl7_sender_last_message_seconds",
                 sender="EDGE_HOSP") > now_ms() / 1000 - 60


def test_bound_senders_series_survive_a_restart(hst):
    """Issue 77: after hl7 restarts, every bound sender's series is on
    /metrics before it sends again: its counters at zero and its
    last-message time the one the message store holds, so that
    SmartmedHl7SenderSilent (time() minus that time, over an hour) fires
    for a feed that stopped across the restart.  A bound sender never
    heard from counts from the start."""
    lab = raw("A28", ctl(), pid(mrn("HR"))).replace("|EDGE|", "|LAB|", 1)
    with hl7.Mllp(hst) as conn:
        assert hl7.ack_fields(conn.send(lab))["MSA"][1] == "AA"
    before, _ = scrape(hst, "hl7")
    heard = value(before, "smartmed_hl7_sender_last_message_seconds",
                  sender="LAB_HOSP")
    time.sleep(2)
    started = time.time()
    hl7.restart(hst)
    after, _ = scrape(hst, "hl7")
    last = value(after, "smartmed_hl7_sender_last_message_seconds",
                 sender="LAB_HOSP")
    # the stored receipt time, not the restart's (the gauge was set a few
    # ms after the row's received_ms)
    assert heard - 1 <= last <= heard < started, (heard, last, started)
    for trigger in ("A01", "A03", "A28", "A40"):
        for outcome in ("AA", "AE", "AR", "resent"):
            assert value(after, "smartmed_hl7_messages_total",
                         sender="LAB_HOSP", type="ADT", trigger=trigger,
                         outcome=outcome) == 0, (trigger, outcome)
    assert value(after, "smartmed_hl7_messages_total", sender="LAB_HOSP",
                 type="ORU", trigger="R01", outcome="AA") == 0
    # LOADLIS is bound (tests/harness/hl7.py) and sends nothing here
    never = value(after, "smartmed_hl7_sender_last_message_seconds",
                  sender="LOADLIS_HOSP")
    assert started - 1 <= never <= time.time() + 1, (started, never)
    # a sender bound only for ADT has no ORU series (make run's PAS)
    hl7.restart(hst, MED_HL7_SENDERS="addr:127.0.0.1=PAS@HOSP:ADT")
    try:
        only, _ = scrape(hst, "hl7")
        assert value(only, "smartmed_hl7_messages_total", sender="PAS_HOSP",
                     type="ADT", trigger="A01", outcome="AA") == 0
        assert not series(only, "smartmed_hl7_messages_total",
                          sender="PAS_HOSP", type="ORU")
        assert not series(only, "smartmed_hl7_sender_last_message_seconds",
                          sender="LAB_HOSP")
    finally:
        hl7.restart(hst, MED_HL7_SENDERS=hl7.SENDERS)


def test_audited_as_the_sending_system(hst):
    from harness.checks import poll
    apb = protos.module("audit")
    a = mrn("HD")
    c = ctl()
    since = now_ms() - 1000
    assert hl7.node_send(hst, [{"msh": msh("A28", c), "segments": [
        "EVN|A28|" + ts(), pid(a)]}])[0]["msa"][0] == "AA"
    patient_id = get_patient(hst, a).patient_id

    def events():
        return [r.event for r in hst.call(
            "audit", "Query", apb.QueryRequest(actor="hl7:PAS@HOSP",
                                              since_ms=since),
            role="auditor", timeout=10) if r.event.request_id == c]

    got = poll(events, timeout=20, what="the message's audit event")
    ev = got[0]
    assert ev.action == "hl7/ADT^A28"
    assert ev.patient_id == patient_id and ev.outcome == 0
    # identity audits its own write, made by the interface's principal.
    writes = [r.event for r in hst.call(
        "audit", "Query", apb.QueryRequest(actor="service:hl7",
                                          patient_id=patient_id),
        role="auditor", timeout=10)]
    assert any(e.action.endswith("/CreatePatient") for e in writes), writes


# --- a control id answers one message (issue 49, item 3) ---------------------


def _audit_events(st, actor, control_id, since):
    apb = protos.module("audit")
    return [r.event for r in st.call(
        "audit", "Query", apb.QueryRequest(actor=actor, since_ms=since),
        role="auditor", timeout=10) if r.event.request_id == control_id]


def test_a_resend_stamped_anew_is_a_resend_and_audited(hst):
    """An interface engine that resends stamps MSH-7 anew: still the same
    message, answered from the store, applied once, audited as a resend."""
    from harness.checks import poll
    c, a, since = ctl(), mrn("HS"), now_ms() - 1000
    with hl7.Mllp(hst) as conn:
        first = conn.send(raw("A28", c, pid(a)))
        time.sleep(1.1)  # a later second in MSH-7
        again = conn.send(raw("A28", c, pid(a)))
    assert hl7.ack_fields(first)["MSA"][1] == "AA"
    assert again == first
    assert len(stored(hst, c)) == 1
    got = poll(lambda: [e for e in _audit_events(hst, "hl7:EDGE@HOSP", c,
                                                since)
                        if e.action.endswith("/resend")],
               timeout=20, what="the resend's audit event")
    assert got[0].action == "hl7/ADT^A28/resend"
    assert {d.key: d.value for d in got[0].details}["stored_message_id"] == \
        str(stored(hst, c)[0].message_id)


def test_a_reused_control_id_is_refused_kept_and_audited(hst):
    """An impostor who sends the PAS's next control id first must not make
    the real admission vanish as an AA'd 'resend'."""
    from harness.checks import poll
    c, since = ctl(), now_ms() - 1000
    first, real = mrn("HI"), mrn("HJ")
    with hl7.Mllp(hst) as conn:
        assert hl7.ack_fields(conn.send(raw("A28", c, pid(first))))[
            "MSA"][1] == "AA"
        ack = hl7.ack_fields(conn.send(raw("A28", c, pid(real))))
    assert ack["MSA"][1] == "AR", ack
    assert "MSH-10" in ack["MSA"][3] and "kept for review" in ack["MSA"][3]
    # Nothing of the second message was applied.
    with pytest.raises(grpc.RpcError) as e:
        get_patient(hst, real)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    rows = sorted(stored(hst, c), key=lambda r: r.message_id)
    assert [r.ack_code for r in rows] == ["AA", "AR"]
    assert real in rows[1].message
    got = poll(lambda: [e for e in _audit_events(hst, "hl7:EDGE@HOSP", c,
                                                since) if e.outcome != 0],
               timeout=20, what="the refusal's audit event")
    assert got[0].action == "hl7/ADT^A28"


# --- merges a person would question (issue 49, item 4) ----------------------


def test_a_merge_of_records_that_disagree_is_held(hst):
    a, b = mrn("HX"), mrn("HY")
    c = ctl()
    acks = hl7.node_send(hst, [
        {"msh": msh("A28", ctl()), "segments": [
            "EVN|A28|" + ts(-60), pid(a, family="Tester", sex="F",
                                      birth="19700304")]},
        {"msh": msh("A28", ctl()), "segments": [
            "EVN|A28|" + ts(-50), pid(b, family="Oldman", given="Otto",
                                      sex="M", birth="19460101")]},
        {"msh": msh("A40", c), "segments": [
            "EVN|A40|" + ts(-30), pid(a), "MRG|%s^^^HOSP^MR" % b]},
    ])
    assert [x["msa"][0] for x in acks] == ["AA", "AA", "AE"], acks
    # Nothing merged; the message waits in the store with why.
    assert get_patient(hst, b).linked_to == ""
    held = stored(hst, c)
    assert len(held) == 1 and held[0].ack_code == "AE"
    assert "held for review" in held[0].error
    assert "sex female vs male" in held[0].error
    assert "birth date 1970-03-04 vs 1946-01-01" in held[0].error
