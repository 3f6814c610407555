/*
 * write_suggest.c - the note reader's write use cases (docs/note-reader.md):
 * ReadNotes (read every note of a patient, store the suggestions) and a
 * suggestion's decision (ConfirmSuggestion, RejectSuggestion), each one
 * transaction of the call whose body reads top to bottom over the store's
 * vocabulary (store_suggest.c, and write.c's new entry for a confirmed
 * allergy).
 */
#include <med/arena.h>
#include <med/rpc.h>
#include <med/util.h>

#include "records.h"

#define SG(x) SMARTMED__RECORDS__V1__SUGGESTION_STATUS__SUGGESTION_STATUS_##x
#define EK(x) SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_##x
#define ES(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x
#define AL(x) SMARTMED__RECORDS__V1__##x

/* --- ReadNotes ---------------------------------------------------------- */

typedef struct read_ctx {
	med_arena *arena;
	const char *patient_id;
	Smartmed__Records__V1__ReadNotesResponse *out;
} read_ctx;

/* read_one reads note e and counts what it added and why it stopped. */
static med_err
read_one(med_db_conn *c, read_ctx *x, const records_entry *e)
{
	Smartmed__Records__V1__ReadNotesResponse *out = x->out;
	const char *stopped;
	char *why;
	med_err err = records_store_suggest(c, x->arena, e,
					    &out->suggestions_added, &stopped);

	out->notes_read++;
	if (err != MED_OK || stopped == NULL)
		return err;
	why = med_arena_sprintf(x->arena, "entry %s: %s", e->entry_id, stopped);
	if (why == NULL)
		return MED_ERR_NOMEM;
	out->stopped[out->n_stopped++] = why;
	out->incomplete = true;
	return MED_OK;
}

static med_err
read_tx(med_db_conn *c, void *arg)
{
	read_ctx *x = arg;
	records_entry **notes;
	size_t n = 0;
	med_err err;

	x->out->notes_read = x->out->suggestions_added = 0;
	x->out->n_stopped = 0;
	x->out->incomplete = false;
	err = records_store_lock_notes(c, x->arena, x->patient_id, &notes, &n);
	if (err == MED_OK && n &&
	    (x->out->stopped = med_arena_alloc(
		     x->arena, n * sizeof(*x->out->stopped))) == NULL)
		err = MED_ERR_NOMEM;
	for (size_t i = 0; err == MED_OK && i < n; i++)
		err = read_one(c, x, notes[i]);
	return err;
}

med_err
records_write_read_notes(med_call *call, const char *patient_id,
			 Smartmed__Records__V1__ReadNotesResponse *out)
{
	read_ctx x = {.arena = med_call_arena(call),
		      .patient_id = patient_id,
		      .out = out};

	return med_call_tx(call, read_tx, &x);
}

/* --- ConfirmSuggestion, RejectSuggestion --------------------------------- */

typedef struct decide_ctx {
	med_call *call;
	med_arena *arena;
	records_decision *d;
	Smartmed__Records__V1__NoteSuggestion *out;
} decide_ctx;

/* allergy_of is the allergy a confirmed allergy suggestion becomes: the
 * substance or class code as its substance, confirmed and active. */
static Smartmed__Records__V1__Allergy *
allergy_of(med_arena *a, const Smartmed__Records__V1__NoteSuggestion *s)
{
	Smartmed__Records__V1__Allergy *al = med_arena_zalloc(a, sizeof(*al));

	if (al == NULL)
		return NULL;
	smartmed__records__v1__allergy__init(al);
	al->substance_system = "";
	al->substance_code = "";
	al->substance_display = s->code;
	al->clinical_status =
		AL(ALLERGY_CLINICAL_STATUS__ALLERGY_CLINICAL_STATUS_ACTIVE);
	al->verification_status = AL(
		ALLERGY_VERIFICATION_STATUS__ALLERGY_VERIFICATION_STATUS_CONFIRMED);
	al->category = AL(ALLERGY_CATEGORY__ALLERGY_CATEGORY_MEDICATION);
	return al;
}

/* allergy_entry writes the allergy entry a confirmed allergy suggestion
 * becomes, with the note and span it came from in its body. */
static med_err
allergy_entry(med_db_conn *c, med_arena *a, const records_decision *d,
	      Smartmed__Records__V1__NoteSuggestion *s)
{
	records_edit ed = {.kind = EK(ALLERGY), .status = ES(FINAL)};
	char id[MED_UUID_LEN + 1];
	records_write w = {.patient_id = s->patient_id,
			   .kind = EK(ALLERGY),
			   .ch = {.user = d->user, .edit = &ed}};
	records_entry out;
	med_err err;

	if ((ed.content.allergy = allergy_of(a, s)) == NULL)
		return MED_ERR_NOMEM;
	ed.title = med_arena_sprintf(a, "Allergy: %s", s->code);
	ed.body = med_arena_sprintf(
		a, "Confirmed from note %s version %u, bytes %u-%u: \"%s\"%s%s",
		s->entry_id, (unsigned)s->version, (unsigned)s->span_start,
		(unsigned)s->span_end, s->text,
		s->reaction[0] ? "; reaction: " : "", s->reaction);
	med_uuid_v4(id);
	w.entry_id = med_arena_strdup(a, id);
	if (ed.title == NULL || ed.body == NULL || w.entry_id == NULL)
		return MED_ERR_NOMEM;
	if ((err = records_write_create_conn(c, a, &w, &out)) != MED_OK)
		return err;
	s->allergy_entry_id = (char *)w.entry_id;
	return MED_OK;
}

static med_err
decide_tx(med_db_conn *c, void *arg)
{
	decide_ctx *x = arg;
	records_decision *d = x->d;
	Smartmed__Records__V1__NoteSuggestion *s;
	med_err err = records_store_lock_suggestion(
		c, x->arena, d->suggestion_id, d->patient_id, &s);

	if (err != MED_OK)
		return err;
	d->patient_id = s->patient_id;
	med_call_set_patient(x->call, s->patient_id);
	if (s->status != SG(PENDING)) {
		d->status_was = s->status;
		return MED_ERR_PRECONDITION;
	}
	s->status = d->confirm ? SG(CONFIRMED) : SG(REJECTED);
	s->decided_by = (char *)d->user;
	s->decided_ms = med_now_ms();
	s->reason = (char *)d->reason;
	if (d->confirm &&
	    s->kind ==
		    SMARTMED__RECORDS__V1__SUGGESTION_KIND__SUGGESTION_KIND_ALLERGY &&
	    (err = allergy_entry(c, x->arena, d, s)) != MED_OK)
		return err;
	if ((err = records_store_decision(c, s)) == MED_OK)
		*x->out = *s;
	return err;
}

med_err
records_write_decide(med_call *call, records_decision *d,
		     Smartmed__Records__V1__NoteSuggestion *out)
{
	decide_ctx x = {.call = call,
			.arena = med_call_arena(call),
			.d = d,
			.out = out};

	return med_call_tx(call, decide_tx, &x);
}
