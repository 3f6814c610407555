/*
 * write.c - the records write use cases: CreateEntry, AmendEntry,
 * SignEntry, AddAddendum and MarkEnteredInError, each one transaction
 * whose body below reads top to bottom: load (lock the entry and the
 * patient's chain head), check (the change's transition in domain.c),
 * insert (seal, attachment, version, heads), complete (the note reader's
 * suggestions).  The store functions it calls work on the transaction's
 * connection and an arena and never see the call; this file alone holds
 * the call, names the patient for the audit event and fails the call
 * with a refused change's problem.
 *
 * The patient is decided before the transaction (the care relationship
 * may ask identity), and nothing inside the transaction calls out.
 */
#include <med/audit.h>
#include <med/rpc.h>
#include <med/util.h>

#include "records.h"

#define ES(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x

/* write_tx - one change on its way through its transaction. */
typedef struct write_tx {
	med_call *call; /* NULL inside another use case's transaction */
	med_arena *arena;
	records_write *w;
	records_locked locked; /* the entry changed (not for a new one) */
	records_chain_head chain;
	records_version next;
	struct notes_reading *reading; /* the note reader's, or NULL */
	bool stale; /* the rules saw a stale expected version */
} write_tx;

/* lock_chain locks the patient's chain head and names the patient in the
 * call's audit event (inside another's transaction that one names it). */
static med_err
lock_chain(med_db_conn *c, write_tx *x, const char *patient_id)
{
	med_err err =
		records_store_lock_chain(c, x->arena, patient_id, &x->chain);

	if (err == MED_OK && x->call != NULL)
		med_call_set_patient(x->call, patient_id);
	return err;
}

/* begin_next sets what the store decides of the next version: its ids,
 * version numbers, author and time; the transition fills the rest. */
static void
begin_next(write_tx *x, const records_locked *l)
{
	const records_write *w = x->w;
	records_entry *e = x->next.e;

	smartmed__records__v1__entry__init(e);
	x->next.addendum = "";
	x->next.hash_alg = RECORDS_HASH_V2;
	x->next.content = NULL;
	x->next.content_len = 0;
	e->author = (char *)w->ch.user;
	e->created_ms = med_now_ms();
	if (l != NULL) {
		e->entry_id = l->latest.e->entry_id;
		e->patient_id = (char *)l->patient_id;
		e->kind = l->latest.e->kind;
		e->version = l->latest.e->version + 1;
		e->replaces = l->latest.e->version;
	} else {
		e->entry_id = (char *)w->entry_id;
		e->patient_id = (char *)w->patient_id;
		e->kind = w->kind;
		e->version = 1;
	}
}

/* load locks the entry a change names, then its patient's chain head. */
static med_err
load(med_db_conn *c, write_tx *x)
{
	records_write *w = x->w;
	med_err err = records_store_lock_entry(c, x->arena, w->entry_id,
					       &x->locked, &w->fault);

	if (err != MED_OK)
		return err;
	w->patient_found = x->locked.patient_id;
	if ((err = lock_chain(c, x, x->locked.patient_id)) != MED_OK)
		return err;
	begin_next(x, &x->locked);
	return MED_OK;
}

/* refuse fails the call with the transition's problem; a stale version is
 * the caller's to resolve, so it ends the transaction unretried. */
static med_err
refuse(write_tx *x, const med_problem *p)
{
	if (x->call != NULL)
		(void)med_call_fail_problem(x->call, p);
	if (p->err != MED_ERR_CONFLICT)
		return p->err;
	x->stale = true;
	return MED_ERR_PRECONDITION;
}

/*
 * read_note runs the note reader on a note's new text before the version
 * is inserted, so that a reading cut short by the reader's bound is
 * stored with the version (Entry.incomplete) and a clinician knows to
 * read the note.  The reader is pure and bounded (notes.h): it cannot
 * fail the write.
 */
static med_err
read_note(write_tx *x)
{
	records_entry *e = x->next.e;
	const char *stopped;
	med_err err;

	x->reading = NULL;
	if (!x->w->read_note)
		return MED_OK;
	if ((err = records_note_read(x->arena, e, &x->reading)) != MED_OK ||
	    x->reading == NULL)
		return err;
	stopped = records_reading_stopped(x->reading);
	e->incomplete = stopped != NULL;
	e->incomplete_reason = (char *)(stopped ? stopped : "");
	return MED_OK;
}

/*
 * store_note writes the reading's suggestions, or withdraws the note's
 * suggestions when it is entered in error, inside the write's
 * transaction: the suggestions and the version they point at commit
 * together.
 */
static med_err
store_note(med_db_conn *c, write_tx *x)
{
	const records_entry *e = x->next.e;
	uint32_t added = 0;

	if (!x->w->read_note && e->status != ES(ENTERED_IN_ERROR))
		return MED_OK;
	/* a first version is CreateEntry's: the entry is new */
	return records_store_reading(c, x->arena, e, x->reading,
				     e->version == 1, &added);
}

/* complete seals the next version, stores it with its attachment and
 * heads, and the note reader's suggestions. */
static med_err
complete(med_db_conn *c, write_tx *x)
{
	const records_edit *ed = x->w->ch.edit;
	med_err err;

	if ((err = records_store_seal(x->arena, &x->next, &x->chain)) !=
		    MED_OK ||
	    (err = read_note(x)) != MED_OK ||
	    (err = records_store_attach(c, ed ? ed->content.document : NULL)) !=
		    MED_OK ||
	    (err = records_store_insert(c, &x->next)) != MED_OK)
		return err;
	return store_note(c, x);
}

/* --- the transaction bodies, one per change ------------------------------ */

static med_err
create_tx(med_db_conn *c, void *arg)
{
	write_tx *x = arg;
	med_err err = lock_chain(c, x, x->w->patient_id);

	if (err != MED_OK)
		return err;
	begin_next(x, NULL);
	records_next_create(&x->w->ch, &x->next);
	return complete(c, x);
}

static med_err
amend_tx(med_db_conn *c, void *arg)
{
	write_tx *x = arg;
	med_problem p;
	med_err err = load(c, x);

	if (err != MED_OK)
		return err;
	if (records_next_amend(&x->w->ch, &x->locked.latest, &x->next, &p) !=
	    MED_OK)
		return refuse(x, &p);
	return complete(c, x);
}

static med_err
sign_tx(med_db_conn *c, void *arg)
{
	write_tx *x = arg;
	med_problem p;
	med_err err = load(c, x);

	if (err != MED_OK)
		return err;
	if (records_next_sign(&x->w->ch, &x->locked.latest, x->locked.owner,
			      &x->next, &p) != MED_OK)
		return refuse(x, &p);
	return complete(c, x);
}

static med_err
addendum_tx(med_db_conn *c, void *arg)
{
	write_tx *x = arg;
	med_problem p;
	med_err err = load(c, x);

	if (err != MED_OK)
		return err;
	if (records_next_addendum(&x->w->ch, &x->locked.latest, &x->next, &p) !=
	    MED_OK)
		return refuse(x, &p);
	return complete(c, x);
}

static med_err
entered_in_error_tx(med_db_conn *c, void *arg)
{
	write_tx *x = arg;
	med_problem p;
	med_err err = load(c, x);

	if (err != MED_OK)
		return err;
	if (records_next_entered_in_error(&x->w->ch, &x->locked.latest,
					  x->locked.owner, &x->next,
					  &p) != MED_OK)
		return refuse(x, &p);
	return complete(c, x);
}

/* --- running a change ---------------------------------------------------- */

/*
 * name_patient_first names the patient of a change before its transaction:
 * the care relationship is decided (maybe asking identity) before the
 * write locks the patient's chain head.  An unknown entry is left for the
 * transaction to report.
 */
static med_err
name_patient_first(med_call *call, const records_write *w)
{
	const char *patient_id = w->patient_id;
	med_err err;

	if (patient_id == NULL && w->entry_id != NULL) {
		err = records_store_patient_of(med_call_db(call),
					       med_call_arena(call),
					       w->entry_id, &patient_id);
		if (err != MED_OK)
			return err;
	}
	if (patient_id != NULL)
		med_call_set_patient(call, patient_id);
	return MED_OK;
}

/* reply_addendum gives the reply the addendum its version added. */
static med_err
reply_addendum(med_arena *a, const write_tx *x, records_entry *out)
{
	Smartmed__Records__V1__Addendum *ad;
	Smartmed__Records__V1__Addendum **list;

	if (x->next.addendum[0] == '\0')
		return MED_OK;
	ad = med_arena_zalloc(a, sizeof(*ad));
	list = med_arena_alloc(a, sizeof(*list));
	if (ad == NULL || list == NULL)
		return MED_ERR_NOMEM;
	smartmed__records__v1__addendum__init(ad);
	ad->text = (char *)x->next.addendum;
	ad->author = out->author;
	ad->created_ms = out->created_ms;
	ad->version = out->version;
	list[0] = ad;
	out->addenda = list;
	out->n_addenda = 1;
	return MED_OK;
}

/* in_tx runs body in the call's one transaction; *out the stored version. */
static med_err
in_tx(med_call *call, records_write *w, med_db_tx_fn body, records_entry *out)
{
	med_arena *a = med_call_arena(call);
	write_tx x = {.call = call, .arena = a, .w = w};
	med_err err;

	if ((x.next.e = med_arena_zalloc(a, sizeof(*x.next.e))) == NULL)
		return MED_ERR_NOMEM;
	if ((err = med_call_tx(call, body, &x)) != MED_OK)
		return x.stale ? MED_ERR_CONFLICT : err;
	*out = *x.next.e;
	return reply_addendum(a, &x, out);
}

/* run runs one change and names the patient, even when it failed. */
static med_err
run(med_call *call, records_write *w, med_db_tx_fn body, records_entry *out)
{
	med_err err;

	w->ch.user = med_call_principal(call)->user;
	w->patient_found = w->patient_id;
	if ((err = name_patient_first(call, w)) != MED_OK)
		return err;
	/* Refused by the care check: no transaction, no lock taken. */
	if ((err = med_call_care_err(call)) != MED_OK)
		return err;
	err = in_tx(call, w, body, out);
	/* Every write names its entry in its event: the loss report after a
	 * restore compares entries with the ids events name. */
	if (err == MED_OK)
		med_call_add_details(
			call,
			(const med_audit_detail[]){{"entry_id", out->entry_id}},
			1);
	if (w->patient_found != NULL)
		med_call_set_patient(call, w->patient_found);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "entry_id: no such entry");
	if (err == MED_ERR_DATA_LOSS && w->fault.check != NULL)
		return records_fail_fault(call, "entry_id", &w->fault);
	return err;
}

med_err
records_write_create(med_call *call, records_write *w, records_entry *out)
{
	return run(call, w, create_tx, out);
}

med_err
records_write_amend(med_call *call, records_write *w, records_entry *out)
{
	return run(call, w, amend_tx, out);
}

med_err
records_write_sign(med_call *call, records_write *w, records_entry *out)
{
	return run(call, w, sign_tx, out);
}

med_err
records_write_addendum(med_call *call, records_write *w, records_entry *out)
{
	return run(call, w, addendum_tx, out);
}

med_err
records_write_entered_in_error(med_call *call, records_write *w,
			       records_entry *out)
{
	return run(call, w, entered_in_error_tx, out);
}

med_err
records_write_create_conn(med_db_conn *c, med_arena *a, records_write *w,
			  records_entry *out)
{
	write_tx x = {.arena = a, .w = w};
	med_err err;

	if ((x.next.e = med_arena_zalloc(a, sizeof(*x.next.e))) == NULL)
		return MED_ERR_NOMEM;
	if ((err = create_tx(c, &x)) != MED_OK)
		return err;
	*out = *x.next.e;
	return MED_OK;
}
