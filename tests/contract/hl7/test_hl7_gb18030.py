"""Issue 77, item 2: a Chinese HIS sends HL7 v2 in GB 18030 or GBK
(MSH-18).  Through simple-hl7 (an HL7 client nobody here wrote, its socket
writing the sender's set: tools/hl7client/send.js, HL7_CHARSET), an
ADT^A01 for 王芳 with a Chinese address and an ORU^R01 reach identity and
records as UTF-8, and each ACK comes back in the sender's set, saying so
in its MSH-18.  Bytes that are not of the declared set are refused AE
naming the segment and field, and nothing is written."""

import base64
import socket
import time
import uuid

import grpc
import pytest

from harness import hl7, protos

ADDRESS = "北京市朝阳区建国路88号^^北京^^100022^CHN"


def ts(offset_s=0):
    return time.strftime("%Y%m%d%H%M%S",
                         time.gmtime(time.time() + offset_s))


def mrn(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:10].upper())


def ctl():
    return uuid.uuid4().hex[:20]


def msh(mtype, trigger, c, charset, app="PAS"):
    """MSH-3..MSH-18 for send.js."""
    return [app, "HOSP", "SMARTMED", "HOSP", ts(), "",
            "%s^%s" % (mtype, trigger), c, "P", "2.5.1",
            "", "", "", "", "", charset]


def send(st, messages, charset):
    """simple-hl7 over a socket in `charset` (an iconv-lite name); each
    ACK's bytes as they came, and as the sender's set decodes them
    (strictly: a byte that is not of the set raises)."""
    acks = hl7.node_send(st, messages, charset=charset)
    for a in acks:
        a["bytes"] = base64.b64decode(a["wire"])
        a["text"] = a["bytes"].decode(charset, errors="strict")
    return acks


def ack_msh18(ack_text):
    msh_ = ack_text.split("\x0b")[-1].split("\r")[0].split("|")
    return msh_[17] if len(msh_) > 17 else ""


def get_patient(st, m):
    return st.call("identity", "GetPatient",
                   protos.module("identity").GetPatientRequest(mrn=m),
                   role="registrar")


def test_a_chinese_adt_and_oru_in_gb18030_through_simple_hl7(hst):
    a, c1, c2 = mrn("ZH"), ctl(), ctl()
    acks = send(hst, [
        {"msh": msh("ADT", "A01", c1, "GB 18030-2000"), "segments": [
            "EVN|A01|" + ts(-60),
            "PID|1||%s^^^HOSP^MR||王^芳||19850412|F|||%s" % (a, ADDRESS),
            "PV1|1|I|W3^18^B^HOSP||||dr.li^李^明"]},
        {"msh": msh("ORU", "R01", c2, "GB 18030-2000", app="LAB"),
         "segments": [
            "PID|1||%s^^^HOSP^MR||王^芳" % a,
            "OBR|1|||24331-1^肾功能^LN|||" + ts(-600),
            "OBX|1|NM|29463-7^体重^LN||52|kg|||||F|||" + ts(-600)]},
    ], "gb18030")
    assert [x["msa"] for x in acks] == [["AA", c1], ["AA", c2]], acks
    # Each ACK is GB 18030 on the wire and says so.
    assert all(ack_msh18(x["text"]) == "GB 18030-2000" for x in acks), acks
    p = get_patient(hst, a)
    assert (p.family_name, p.given_name) == ("王", "芳")
    # Stored as UTF-8: the store's query shows the address as written.
    row = hl7.list_messages(hst, control_id=c1).messages[0]
    assert "北京市朝阳区建国路88号" in row.message
    assert "王^芳" in row.message
    f = hst.call("records", "GetMedicationFacts",
                 protos.module("records").GetMedicationFactsRequest(
                     patient_id=p.patient_id), role="pharmacist")
    assert f.weight.value == 52


def test_gbk_as_a_his_spells_it(hst):
    a, c = mrn("ZK"), ctl()
    ack = send(hst, [{"msh": msh("ADT", "A28", c, "GBK"), "segments": [
        "EVN|A28|" + ts(),
        "PID|1||%s^^^HOSP^MR||张^伟||19700304|M" % a]}], "gbk")[0]
    assert ack["msa"] == ["AA", c], ack
    assert ack_msh18(ack["text"]) == "GBK"
    p = get_patient(hst, a)
    assert (p.family_name, p.given_name) == ("张", "伟")


def _send_bytes(st, body):
    """One framed message as bytes on a raw socket; the ACK's bytes."""
    with socket.create_connection(("127.0.0.1", hl7.mllp_port(st)),
                                  timeout=20) as s:
        s.sendall(b"\x0b" + body + b"\x1c\r")
        buf = b""
        while b"\x1c\r" not in buf:
            chunk = s.recv(65536)
            assert chunk, "closed with %r" % buf
            buf += chunk
    return buf[buf.index(b"\x0b") + 1:buf.index(b"\x1c\r")]


def test_bytes_not_of_the_set_are_refused_naming_the_field(hst):
    a, c = mrn("ZB"), ctl()
    # B1 FF: a lead byte then a byte GB 18030 never has, in PID-11.
    body = ("MSH|^~\\&|PAS|HOSP|SMARTMED|HOSP|%s||ADT^A01|%s|P|2.5.1"
            "||||||GB 18030-2000\r"
            "EVN|A01|%s\r"
            "PID|1||%s^^^HOSP^MR||王^芳||19850412|F|||" % (ts(), c, ts(), a)
            ).encode("gb18030") + b"\xb1\xff\rPV1|1|I|W3^12^B^HOSP\r"
    ack = _send_bytes(hst, body)
    text = ack.decode("gb18030", errors="strict")
    f = hl7.ack_fields(text)
    assert f["MSA"][1:3] == ["AE", c], text
    assert f["ERR"][2] == "PID^1^11" and f["ERR"][3].startswith("102^")
    assert "PID-11: bytes B1 FF" in f["MSA"][3], text
    # Nothing written: no patient, and the message is kept with its AE.
    with pytest.raises(grpc.RpcError) as e:
        get_patient(hst, a)
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    rows = hl7.list_messages(hst, control_id=c).messages
    assert len(rows) == 1 and rows[0].ack_code == "AE"
    # A resend is answered from the store, byte for byte.
    assert _send_bytes(hst, body) == ack
    assert len(hl7.list_messages(hst, control_id=c).messages) == 1
