"""A database whose note_suggestions is clustered on the suggestion's id
(records before migration 10, docs/note-reader.md): records starts,
clusters the table on a row number, and every suggestion keeps its id,
its fields and its decisions; a note written after it makes its
suggestions as before."""

import uuid

import pytest

pytestmark = pytest.mark.stack(services=("records",))

SVC = "records"

NOTE = ("Allergic to penicillin - rash as a child. On warfarin at home, "
        "stopped 3 days ago. History of hypertension.")


def _note(st, pb, body):
    return st.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
        title="Admission note", body=body), role="clinician")


def _list(st, pb, patient_id):
    return sorted(st.call(SVC, "ListSuggestions", pb.ListSuggestionsRequest(
        patient_id=patient_id), role="clinician").suggestions,
        key=lambda s: s.suggestion_id)


def _primary(st):
    rows = st.sql_rows("SELECT column_name FROM information_schema"
                       ".statistics WHERE table_schema = 'smartmed_records'"
                       " AND table_name = 'note_suggestions'"
                       " AND index_name = 'PRIMARY'")
    return [r[0] for r in rows]


def test_suggestions_of_an_older_table_keep_their_ids(st, pb):
    e = _note(st, pb, NOTE)
    before = _list(st, pb, e.patient_id)
    assert len(before) == 3
    st.stop_service(SVC)
    # the table as migration 7 made it, migration 10 not yet recorded
    st.sql("ALTER TABLE smartmed_records.note_suggestions"
           " DROP PRIMARY KEY, DROP COLUMN row_id,"
           " DROP KEY uq_note_suggestions_id,"
           " ADD PRIMARY KEY (suggestion_id);"
           "DELETE FROM smartmed_records.schema_version WHERE version = 10;")
    assert _primary(st) == ["suggestion_id"]
    st.start_service(SVC)
    assert _primary(st) == ["row_id"]
    assert _list(st, pb, e.patient_id) == before
    done = st.call(SVC, "ConfirmSuggestion", pb.ConfirmSuggestionRequest(
        suggestion_id=before[0].suggestion_id), role="pharmacist")
    assert done.status == pb.SUGGESTION_STATUS_CONFIRMED
    again = _note(st, pb, NOTE)
    assert len(_list(st, pb, again.patient_id)) == 3
