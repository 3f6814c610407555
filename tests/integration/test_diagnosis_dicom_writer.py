"""GDCM only with the write-back (issue 52): diagnosis's DICOM writer
(services/diagnosis/stow_dicom.cc, GDCM) is its own shared object,
build/lib/diagnosis-dicom.so, loaded at start only when
MED_DIAGNOSIS_PACS_WRITEBACK is on.  A read-only deployment (the default)
maps neither it nor GDCM and starts without it; a write-back that is on
with a writer that cannot load stops the service at start, saying why.
"""

import os
import sys
import time

import pytest

from harness.stack import StackError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
PACS = "http://127.0.0.1:9/dicom-web"  # never reached: nothing analysed

pytestmark = pytest.mark.stack(services=("audit", SVC))


@pytest.fixture(scope="module", autouse=True)
def defaults_after(st):
    yield
    if st.proc(SVC) is None or st.proc(SVC).poll() is not None:
        st.stop_service(SVC)
    dximages.restart(st)


def _maps(st):
    with open("/proc/%d/maps" % st.proc(SVC).pid) as f:
        return f.read()


def _analyses(st, pb):
    f = st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id="00000000-0000-4000-8000-000000000001",
        image=dximages.png_grey(dximages.case_rows(
            dximages.ref_cases()["cases"][0]))), role="clinician",
        timeout=60)
    assert f.top_label


def test_read_only_maps_no_gdcm(st, pb):
    """Write-back off (the default): GDCM is not mapped, even with a
    writer path that does not exist, and analyses work."""
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false",
                     MED_DIAGNOSIS_PACS_URL=PACS,
                     MED_DIAGNOSIS_DICOM_WRITER="/nonexistent/dicom.so")
    maps = _maps(st)
    assert "libgdcm" not in maps
    assert "diagnosis-dicom" not in maps
    _analyses(st, pb)


def test_write_back_on_loads_the_writer(st):
    dximages.restart(st, MED_DIAGNOSIS_PACS_URL=PACS,
                     MED_DIAGNOSIS_PACS_WRITEBACK="on")
    maps = _maps(st)
    assert "diagnosis-dicom.so" in maps
    assert "libgdcmDSED" in maps
    assert "DICOM writer" in open(st.log_path(SVC)).read()


def test_write_back_on_without_the_writer_stops_at_start(st):
    with pytest.raises(StackError):
        dximages.restart(st, MED_DIAGNOSIS_PACS_URL=PACS,
                         MED_DIAGNOSIS_PACS_WRITEBACK="on",
                         MED_DIAGNOSIS_DICOM_WRITER="/nonexistent/dicom.so")
    deadline = time.monotonic() + 30
    while st.proc(SVC).poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert st.proc(SVC).poll() is not None
    log = open(st.log_path(SVC)).read()
    assert "the DICOM writer /nonexistent/dicom.so cannot be loaded" in log
