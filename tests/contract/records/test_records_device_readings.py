"""Contract of RecordDeviceReadings (the FHIR facade's device readings):
every reading checked as CreateEntry checks it, all of a call written in
one transaction or none, a reading identifier recorded once (sent again:
the first entry, replayed), the readings of one call one patient's, the
devices in the access event."""

import json
import uuid

import grpc
import pytest

from harness.checks import expect_status, poll

SVC = "records"
pytestmark = pytest.mark.stack(services=("audit", "records"))


def reading(pb, pid, value=72.0, unit="/min", ident=None,
            device="Device/monitor-1"):
    return pb.DeviceReading(
        identifier_system="urn:test:readings",
        identifier_value=ident or uuid.uuid4().hex, device=device,
        entry=pb.CreateEntryRequest(
            patient_id=pid, kind=pb.ENTRY_KIND_VITAL_SIGNS,
            title="Heart rate", vital_signs=pb.VitalSigns(
                heart_rate=pb.Quantity(value=value, unit=unit))))


def record(st, pb, readings, role="nurse"):
    return st.call(SVC, "RecordDeviceReadings",
                   pb.RecordDeviceReadingsRequest(readings=readings),
                   role=role)


def entries(st, pb, pid):
    try:
        r = st.call(SVC, "ListEntries", pb.ListEntriesRequest(
            patient_id=pid), role="nurse")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND
        return []
    return list(r.entries)


def test_readings_are_written_and_a_repeat_is_the_first(st, pb):
    pid = str(uuid.uuid4())
    rs = [reading(pb, pid, 70), reading(pb, pid, 71)]
    got = record(st, pb, rs)
    assert [r.replayed for r in got.results] == [False, False]
    assert [r.entry.vital_signs.heart_rate.value for r in got.results] == \
        [70, 71]
    assert got.results[0].device == "Device/monitor-1"
    b = json.loads(got.results[0].bundle_json)
    assert any(e["resource"]["resourceType"] == "Observation"
               for e in b["entry"])
    again = record(st, pb, rs)
    assert [r.replayed for r in again.results] == [True, True]
    assert [r.entry.entry_id for r in again.results] == \
        [r.entry.entry_id for r in got.results]
    assert len(entries(st, pb, pid)) == 2


def test_one_refused_reading_writes_none(st, pb):
    pid = str(uuid.uuid4())
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb,
                      [reading(pb, pid), reading(pb, pid, 900)],
                      details_prefix="readings[1].entry.vital_signs."
                                     "heart_rate.value")
    assert "plausible" in e.details()
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb,
                  [reading(pb, pid), reading(pb, pid, 70, "kg")],
                  details_prefix="readings[1].entry.vital_signs."
                                 "heart_rate.unit")
    assert entries(st, pb, pid) == []


def test_identifier_device_and_patients_are_checked(st, pb):
    pid, other = str(uuid.uuid4()), str(uuid.uuid4())
    ident = uuid.uuid4().hex
    record(st, pb, [reading(pb, pid, ident=ident)])
    expect_status(grpc.StatusCode.ALREADY_EXISTS, record, st, pb,
                  [reading(pb, other, ident=ident)],
                  details_prefix="readings[0].identifier_value")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb,
                  [reading(pb, pid, device="monitor-1")],
                  details_prefix="readings[0].device")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb,
                  [reading(pb, pid, device="")],
                  details_prefix="readings[0].device")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb,
                  [reading(pb, pid), reading(pb, other)],
                  details_prefix="readings[1].entry.patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, st, pb, [],
                  details_prefix="readings")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, record, st, pb,
                  [reading(pb, pid)], role="auditor")
    assert entries(st, pb, other) == []


def test_the_devices_are_in_the_access_event(st, pb):
    from harness import protos
    apb = protos.module("audit")
    pid = str(uuid.uuid4())
    record(st, pb, [reading(pb, pid, device="Device/a"),
                    reading(pb, pid, device="Device/b"),
                    reading(pb, pid, device="Device/a")])

    def event():
        for r in st.call("audit", "Query", apb.QueryRequest(patient_id=pid),
                         role="auditor"):
            if r.event.action.endswith("RecordDeviceReadings"):
                return r.event
        return None
    ev = poll(event, what="RecordDeviceReadings' access event")
    devices = [d.value for d in ev.details if d.key == "device"]
    assert devices == ["Device/a", "Device/b"]
    assert ev.action_code == "C" and ev.actor == "nurse.test"


def _observations(bundle_json):
    return [e["resource"] for e in json.loads(bundle_json)["entry"]
            if e["resource"]["resourceType"] == "Observation"]


def test_identifier_and_device_are_in_every_fhir_of_the_reading(st, pb):
    """The reading's identifier and its device are written into its
    Observation wherever records writes it as FHIR: RecordDeviceReadings'
    answer (a replay's too, with the first device), ExportFhir and
    ReadFhir; an entry charted by hand has neither."""
    pid = str(uuid.uuid4())
    r = reading(pb, pid, 74, device="Device/monitor-9")
    got = record(st, pb, [r]).results[0]
    want_id = [{"system": "urn:test:readings",
                "value": r.identifier_value}]
    want_dev = {"identifier": {"system": "urn:smartmed:device",
                               "value": "monitor-9"},
                "display": "Device/monitor-9"}
    (obs,) = _observations(got.bundle_json)
    assert obs["identifier"] == want_id and obs["device"] == want_dev
    r2 = reading(pb, pid, 74, ident=r.identifier_value,
                 device="Device/other-1")
    (replay,) = _observations(record(st, pb, [r2]).results[0].bundle_json)
    assert replay == obs
    st.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_VITAL_SIGNS, title="By hand",
        vital_signs=pb.VitalSigns(heart_rate=pb.Quantity(
            value=80, unit="/min"))), role="nurse")
    exported = _observations(st.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid), role="nurse").bundle_json)
    by_id = {o["id"]: o for o in exported}
    assert by_id[obs["id"]] == obs
    hand = [o for o in exported if o["id"] != obs["id"]]
    assert len(hand) == 1 and "identifier" not in hand[0] and \
        "device" not in hand[0]
    read = st.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type="Observation", id=obs["id"]), role="nurse")
    assert json.loads(read.resource_json) == obs
