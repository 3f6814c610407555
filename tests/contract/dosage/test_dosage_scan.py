"""Contract of the product scan (issue 18, BCMA): catalogue entries carry
their GTINs; RecordAdministration reads the scanned GS1 string, refuses a
pack of another entry (naming both), an unknown GTIN, a wrong check digit
and an expired batch, and stores what was scanned with the dose."""

import random
import time
import uuid

import grpc
import pytest

from harness.checks import expect_status
from harness.fixtures import assess_allergies

SVC = "dosage"


def gtin(digits=13):
    """A random GTIN with its check digit (GS1 mod-10)."""
    body = [random.randint(0, 9) for _ in range(digits - 1)]
    total = sum(d * (3 if i % 2 == 0 else 1)
                for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def entry(st, pb, codes, **kw):
    args = dict(code="SCAN-" + uuid.uuid4().hex[:12], name="Testamol",
                unit="mg", max_single_dose=1000.0, max_daily_dose=4000.0,
                routes=["oral"], gtins=codes)
    args.update(kw)
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


def ordered(st, pb, drug):
    p = str(uuid.uuid4())
    assess_allergies(st, p, svc=SVC)
    o = st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code=drug, dose=500.0, unit="mg", route="oral",
        frequency="q6h")), role="clinician")
    return o, p


def give(st, pb, vkeys, o, p, scan):
    return st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=o.id, dose=500.0, unit="mg", product_scan=scan,
        verification_token=vkeys[0].token(p)), role="nurse")


def next_year():
    return time.gmtime().tm_year % 100 + 1


def test_the_ordered_pack_is_given_and_stored(vstack, vkeys, pb):
    g = gtin(14)
    d = entry(vstack, pb, [g])
    assert list(d.gtins) == [g]
    o, p = ordered(vstack, pb, d.code)
    expiry = "%02d0600" % next_year()
    scan = "]d201%s17%s10B-123\x1d21SN77" % (g, expiry)
    a = give(vstack, pb, vkeys, o, p, scan)
    assert a.status == "completed"
    assert (a.product_gtin, a.product_batch, a.product_expiry,
            a.product_serial) == (g, "B-123", expiry, "SN77")
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert h.administrations[0].product_gtin == g


def test_another_entrys_pack_is_refused(vstack, vkeys, pb):
    mine, theirs = gtin(), gtin()
    d = entry(vstack, pb, [mine])
    other = entry(vstack, pb, [theirs], name="Testamol 1 g")
    o, p = ordered(vstack, pb, d.code)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o, p, "(01)0" + theirs,
                      details_prefix="product_scan")
    assert d.code in e.details() and other.code in e.details()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o, p, gtin(8), details_prefix="product_scan")
    assert "not in the catalogue" in e.details()
    # A bare GTIN-13 of the ordered pack is fine.
    assert give(vstack, pb, vkeys, o, p, mine).product_gtin == "0" + mine


def test_bad_scans_are_refused(vstack, vkeys, pb):
    g = gtin(14)
    d = entry(vstack, pb, [g])
    o, p = ordered(vstack, pb, d.code)
    wrong = g[:-1] + str((int(g[-1]) + 1) % 10)
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, vstack, pb,
                      vkeys, o, p, "(01)" + wrong,
                      details_prefix="product_scan")
    assert "check digit" in e.details()
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, vstack, pb, vkeys,
                  o, p, "(10)B1", details_prefix="product_scan")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o, p, "(01)%s(17)200131(10)OLD1" % g,
                      details_prefix="product_scan")
    assert "OLD1 expired on 2020-01-31" in e.details()
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert not h.administrations


@pytest.mark.parametrize("codes,field", [
    (["123"], "drug.gtins"),
    (["4006381333932"], "drug.gtins"),
    (["4006381333931", "04006381333931"], "drug.gtins"),
])
def test_bad_gtins_in_the_catalogue(vstack, pb, codes, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, entry, vstack, pb, codes,
                  details_prefix=field)


def test_a_gtin_names_one_entry(vstack, pb):
    g = gtin()
    d = entry(vstack, pb, [g])
    assert list(d.gtins) == ["0" + g]
    expect_status(grpc.StatusCode.ALREADY_EXISTS, entry, vstack, pb, [g],
                  details_prefix="drug.gtins")
    # The entry itself may be written again, and its codes replaced.
    assert list(entry(vstack, pb, [], code=d.code).gtins) == []
    assert entry(vstack, pb, [g]).gtins == ["0" + g]


def test_import_carries_gtins(vstack, pb):
    a, b = gtin(), gtin()
    code = "SCAN-" + uuid.uuid4().hex[:12]
    csv = ("code,name,unit,max_single_dose,max_daily_dose,gtins\n"
           "%s,Testamol,mg,1000,4000,%s;%s\n" % (code, a, b))
    r = vstack.call(SVC, "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv.encode()), role="pharmacist")
    assert r.imported == 1, r
    d = vstack.call(SVC, "GetDrug", pb.GetDrugRequest(code=code),
                    role="nurse")
    assert sorted(d.gtins) == sorted(["0" + a, "0" + b])
