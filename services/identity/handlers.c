/*
 * handlers.c - one thin function per identity RPC: request → rules → store
 * → reply.
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "identity.h"

const char *
identity_caller(med_call *call)
{
	return med_arena_strdup(med_call_arena(call),
				med_call_principal(call)->user);
}

/* find_duplicates runs the demographic check (blocking, then scoring). */
static med_err
find_duplicates(med_call *call, const identity_demo *probe,
		identity_candidate ***out, size_t *n)
{
	med_arena *a = med_call_arena(call);
	identity_patient **pool = NULL;
	size_t n_pool = 0;
	med_err err = identity_store_block(med_call_db(call), a, probe, &pool,
					   &n_pool);

	if (err != MED_OK)
		return err;
	return identity_rank(a, probe, pool, n_pool, out, n);
}

/*
 * refuse_if_duplicates fails the call when the check finds candidates.  The
 * message gives counts, the best band and score but no ids (no patient
 * data in error messages); CheckDuplicates returns the candidates.
 */
static med_err
refuse_if_duplicates(med_call *call,
		     const Smartmed__Identity__V1__CreatePatientRequest *req)
{
	identity_demo probe = {req->mrn, req->family_name, req->given_name,
			       req->birth_date, req->sex};
	identity_candidate **c = NULL;
	size_t n = 0;
	med_problem p;
	med_err err = find_duplicates(call, &probe, &c, &n);

	if (err != MED_OK)
		return err;
	if (identity_duplicates_problem(c, n, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return MED_OK;
}

typedef struct create_tx {
	const identity_patient *p;
	const char *by;
} create_tx;

static med_err
create_in_tx(med_db_conn *conn, void *ctx)
{
	create_tx *x = ctx;

	return identity_store_insert_tx(conn, x->p, x->by);
}

med_err
identity_rpc_create_patient(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__CreatePatientRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__Patient *p = (void *)out;
	char id[MED_UUID_LEN + 1];
	create_tx x = {.p = p, .by = identity_caller(call)};
	med_err err = identity_check_create(call, req);

	if (err != MED_OK)
		return err;
	if (x.by == NULL)
		return MED_ERR_NOMEM;
	if (req->refuse_duplicates &&
	    (err = refuse_if_duplicates(call, req)) != MED_OK)
		return err;
	med_uuid_v4(id);
	p->patient_id = med_arena_strdup(med_call_arena(call), id);
	if (p->patient_id == NULL)
		return MED_ERR_NOMEM;
	p->mrn = req->mrn;
	p->family_name = req->family_name;
	p->given_name = req->given_name;
	p->birth_date = req->birth_date;
	p->sex = req->sex;
	p->created_ms = p->updated_ms = med_now_ms();
	p->version = 1;
	if ((err = identity_patient_named(med_call_arena(call), p)) != MED_OK)
		return err;
	/* Named before the transaction opens, as every handler does
	 * (docs/internals/care-decisions.md); the OK event, written in the
	 * transaction, names it; a refused create names no patient. */
	med_call_set_patient(call, p->patient_id);
	err = med_call_tx(call, create_in_tx, &x);
	if (err != MED_OK)
		med_call_set_patient(call, NULL);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "mrn: a patient with this MRN exists");
	return err;
}

/*
 * read_through_links gives a survivor its merged records and their deaths:
 * the services read their clinical data through the link, and a death on
 * any of them is the survivor's (docs/dose-safety.md, "Merged records").
 * A merged record answers for itself.
 */
static med_err
read_through_links(med_call *call, identity_patient *p)
{
	identity_death d;
	med_err err;

	if (p->linked_to[0] != '\0')
		return MED_OK;
	identity_death_own(&d, p);
	err = identity_store_merged_ids(med_call_db(call), med_call_arena(call),
					p->patient_id, &p->merged_ids,
					&p->n_merged_ids, &d);
	if (err == MED_OK)
		identity_death_apply(p, &d);
	return err;
}

med_err
identity_rpc_get_patient(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__GetPatientRequest *req = (const void *)in;
	Smartmed__Identity__V1__Patient *p = (void *)out;
	const char *column = "patient_id", *key = req->patient_id;
	identity_scope scope;
	med_err err;

	switch (req->key_case) {
	case SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_PATIENT_ID:
		err = med_check_id(call, "patient_id", req->patient_id);
		break;
	case SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_MRN:
		column = "mrn";
		key = req->mrn;
		err = med_check_text(call, "mrn", req->mrn, 1, 64);
		break;
	default:
		return med_call_fail(call, MED_ERR_INVALID,
				     "key: set patient_id or mrn");
	}
	if (err == MED_OK)
		err = identity_scope_of(call, &scope);
	if (err != MED_OK)
		return err;
	err = identity_store_get(med_call_db(call), med_call_arena(call),
				 column, key, p);
	if (err == MED_ERR_NOT_FOUND)
		return identity_scope_not_found(call, &scope, column);
	if (err == MED_OK)
		err = identity_scope_check(call, &scope, p->patient_id);
	if (err == MED_ERR_NOT_FOUND)
		return identity_scope_refuse(call, &scope, p->patient_id,
					     column);
	if (err != MED_OK)
		return err;
	med_call_set_patient(call, p->patient_id);
	if ((err = read_through_links(call, p)) != MED_OK)
		return err;
	return identity_hold_get(med_call_db(call), med_call_arena(call),
				 p->patient_id, &p->bedside_unconfirmed);
}

med_err
identity_rpc_search_patients(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__SearchPatientsRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__SearchPatientsResponse *res = (void *)out;
	identity_scope scope;
	med_page page;
	med_err err;

	if ((err = identity_check_search(call, req)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK ||
	    (err = identity_scope_of(call, &scope)) != MED_OK)
		return err;
	err = identity_store_search(med_call_db(call), med_call_arena(call),
				    &scope, req, page.offset, page.size + 1,
				    &res->patients, &res->n_patients);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_patients);
	if (res->page == NULL)
		return MED_ERR_NOMEM;
	/* A survivor found shows the death it inherits, as GetPatient. */
	return identity_store_page_deaths(med_call_db(call),
					  med_call_arena(call), res->patients,
					  res->n_patients);
}

typedef struct update_tx {
	med_call *call;
	const Smartmed__Identity__V1__UpdatePatientRequest *req;
	identity_patient *out;
} update_tx;

/* note_field appends name to the list of changed fields in buf. */
static void
note_field(char *buf, size_t cap, size_t *used, const char *name)
{
	*used += (size_t)snprintf(buf + *used, cap - *used, "%s%s",
				  *used ? "," : "", name);
}

/* clear_death_time and mark_dead apply what a death field implies to p:
 * a withdrawn death has no time, a time of death is a death. */
static void
clear_death_time(identity_patient *p, char *buf, size_t cap, size_t *used)
{
	p->deceased_ms = 0;
	note_field(buf, cap, used, "deceased_ms");
}

static void
mark_dead(identity_patient *p, char *buf, size_t cap, size_t *used)
{
	p->deceased = true;
	note_field(buf, cap, used, "deceased");
}

/* apply_update copies the set fields into p and lists those that differ. */
static med_err
apply_update(med_arena *a,
	     const Smartmed__Identity__V1__UpdatePatientRequest *req,
	     identity_patient *p, char **changed)
{
	char buf[128] = "";
	size_t used = 0;
#define APPLY(flag, field, differs)                                            \
	do {                                                                   \
		if (req->flag && (differs)) {                                  \
			p->field = req->field;                                 \
			used += (size_t)snprintf(buf + used,                   \
						 sizeof(buf) - used, "%s%s",   \
						 used ? "," : "", #field);     \
		}                                                              \
	} while (0)
	APPLY(set_mrn_case, mrn, strcmp(p->mrn, req->mrn) != 0);
	APPLY(set_family_name_case, family_name,
	      strcmp(p->family_name, req->family_name) != 0);
	APPLY(set_given_name_case, given_name,
	      strcmp(p->given_name, req->given_name) != 0);
	APPLY(set_birth_date_case, birth_date,
	      strcmp(p->birth_date, req->birth_date) != 0);
	APPLY(set_sex_case, sex, p->sex != req->sex);
	/* Withdrawing a death takes its time with it; a time of death is a
	 * death. */
	if (req->set_deceased_case && !req->deceased && p->deceased_ms != 0)
		clear_death_time(p, buf, sizeof(buf), &used);
	APPLY(set_deceased_case, deceased, p->deceased != req->deceased);
	if (req->set_deceased_ms_case && !p->deceased)
		mark_dead(p, buf, sizeof(buf), &used);
	APPLY(set_deceased_ms_case, deceased_ms,
	      p->deceased_ms != req->deceased_ms);
#undef APPLY
	*changed = med_arena_strdup(a, buf);
	return *changed ? MED_OK : MED_ERR_NOMEM;
}

/* note_death names the death an update records or withdraws in its audit
 * event (docs/dose-safety.md, "Death"). */
static void
note_death(med_call *call, const identity_patient *p)
{
	char ms[24];

	snprintf(ms, sizeof(ms), "%lld", (long long)p->deceased_ms);
	(void)med_call_add_detail(call, "deceased",
				  p->deceased ? "recorded" : "withdrawn");
	(void)med_call_add_detail(call, "deceased_ms", ms);
}

/* death_stays_merged refuses to withdraw a death a merged record holds
 * (identity_withdraw_problem). */
static med_err
death_stays_merged(update_tx *x, med_db_conn *conn)
{
	identity_death merged = {false, 0, NULL};
	med_problem p;
	med_err err;

	if (!x->req->set_deceased_case || x->req->deceased)
		return MED_OK;
	if ((err = identity_store_merged_deaths(conn, med_call_arena(x->call),
						x->req->patient_id, &merged)) !=
	    MED_OK)
		return err;
	if (identity_withdraw_problem(x->req, &merged, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	return MED_OK;
}

static med_err
update_in_tx(med_db_conn *conn, void *ctx)
{
	update_tx *x = ctx;
	med_arena *a = med_call_arena(x->call);
	const char *by = identity_caller(x->call);
	char *changed = NULL;
	med_problem p;
	med_err err = identity_store_lock(conn, a, x->req->patient_id, x->out);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err,
				     "patient_id: no such patient");
	if (err != MED_OK)
		return err;
	if (identity_update_state_problem(x->out, x->req->expected_version,
					  &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	if ((err = death_stays_merged(x, conn)) != MED_OK)
		return err;
	if (by == NULL ||
	    (err = apply_update(a, x->req, x->out, &changed)) != MED_OK ||
	    (err = identity_patient_named(a, x->out)) != MED_OK)
		return MED_ERR_NOMEM;
	if (changed[0] == '\0')
		return MED_OK; /* nothing differs: no new version */
	if (identity_death_problem(x->out, med_now_ms(), &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	if (strstr(changed, "deceased") != NULL)
		note_death(x->call, x->out);
	x->out->version++;
	x->out->updated_ms = med_now_ms();
	return identity_store_update(conn, x->out, changed, by, x->req->reason);
}

med_err
identity_rpc_update_patient(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	update_tx x = {
		.call = call, .req = (const void *)in, .out = (void *)out};
	med_err err = identity_check_update(call, x.req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, x.req->patient_id);
	err = med_call_tx(call, update_in_tx, &x);
	if (err == MED_ERR_EXISTS)
		return med_call_fail(call, err,
				     "mrn: a patient with this MRN exists");
	return err;
}

med_err
identity_rpc_patient_history(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__PatientHistoryRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__PatientHistoryResponse *res = (void *)out;
	med_err err = identity_visible_patient(call, req->patient_id);

	if (err != MED_OK)
		return err;
	err = identity_store_history(med_call_db(call), med_call_arena(call),
				     req->patient_id, res);
	if (err != MED_OK)
		return err;
	if (res->n_versions == 0)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no such patient");
	return MED_OK;
}

/*
 * face_duplicates searches the face index with the photograph and keeps the
 * patients at or above the operating threshold.
 */
static med_err
face_duplicates(med_call *call, const ProtobufCBinaryData *photo,
		Smartmed__Identity__V1__CheckDuplicatesResponse *res)
{
	identity_face *f = identity_face_from_call(call);
	med_arena *a = med_call_arena(call);
	identity_hit hits[IDENTITY_MAX_CANDIDATES];
	size_t n = 0;
	uint64_t searched = 0;
	identity_face_probe pr;
	struct identity_index *ix;
	char cnt[24];
	med_err err;

	if ((err = identity_face_ready(call, f)) != MED_OK ||
	    (err = identity_face_analyze(call, f, "photo", photo->data,
					 photo->len, &pr)) != MED_OK)
		return err;
	ix = identity_face_index(f);
	if ((err = identity_face_index_ready(call, f)) != MED_OK)
		return err;
	if ((err = identity_index_search(ix, pr.emb, IDENTITY_MAX_CANDIDATES,
					 NULL, hits, &n, &searched)) != MED_OK)
		return err;
	res->face_threshold = identity_face_threshold(f);
	res->face_candidates =
		med_arena_zalloc(a, (n + 1) * sizeof(*res->face_candidates));
	if (res->face_candidates == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Identity__V1__FaceCandidate *c;

		if ((double)hits[i].score < res->face_threshold)
			continue;
		c = med_arena_zalloc(a, sizeof(*c));
		if (c == NULL)
			return MED_ERR_NOMEM;
		smartmed__identity__v1__face_candidate__init(c);
		c->patient_id = med_arena_strdup(a, hits[i].patient_id);
		if (c->patient_id == NULL)
			return MED_ERR_NOMEM;
		c->score = hits[i].score;
		c->above_threshold = true;
		res->face_candidates[res->n_face_candidates++] = c;
	}
	(void)snprintf(cnt, sizeof(cnt), "%zu", res->n_face_candidates);
	return med_call_add_detail(call, "face_candidates", cnt);
}

med_err
identity_rpc_check_duplicates(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__CheckDuplicatesRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__CheckDuplicatesResponse *res = (void *)out;
	identity_demo probe = {req->mrn, req->family_name, req->given_name,
			       req->birth_date, req->sex};
	identity_scope scope;
	med_err err = identity_check_duplicates(call, req);

	/* Registrars only: a whole-hospital lookup, audited as one. */
	if (err == MED_OK)
		err = identity_scope_of(call, &scope);
	if (err != MED_OK)
		return err;
	res->match_threshold = IDENTITY_MATCH_THRESHOLD;
	res->possible_threshold = IDENTITY_POSSIBLE_THRESHOLD;
	if (req->photo.len > 0 &&
	    (err = face_duplicates(call, &req->photo, res)) != MED_OK)
		return err;
	return find_duplicates(call, &probe, &res->candidates,
			       &res->n_candidates);
}

typedef struct link_tx {
	med_call *call;
	const Smartmed__Identity__V1__LinkPatientsRequest *req;
	identity_link *out;
} link_tx;

/*
 * link_in_tx locks both records in id order (no deadlock between two links
 * of the same pair) and keeps links one level deep: a survivor is never
 * itself merged and a merged record is never a survivor.
 */
/* both_in_a_stay refuses a merge of two records that each have an open
 * inpatient or emergency stay: the survivor would have two at once, and
 * a patient is in one bed. */
static med_err
both_in_a_stay(link_tx *x, med_db_conn *conn)
{
	int64_t open[2] = {0, 0};
	const char *ids[2] = {x->req->survivor_id, x->req->merged_id};
	med_err err;

	for (int i = 0; i < 2; i++)
		if ((err = identity_enc_store_open_stays(conn, ids[i],
							 &open[i])) != MED_OK)
			return err;
	if (open[0] > 0 && open[1] > 0)
		return med_call_fail(
			x->call, MED_ERR_PRECONDITION,
			"merged_id: both records have an open "
			"inpatient or emergency stay; discharge one "
			"of them before merging");
	return MED_OK;
}

/* survivor_has_room keeps a survivor's merged records within what
 * GetPatient lists (IDENTITY_MERGED_MAX): a record left off the list would
 * drop out of the survivor's dose checks. */
static med_err
survivor_has_room(link_tx *x, med_db_conn *conn)
{
	int64_t n = 0;
	med_err err =
		identity_store_active_links(conn, x->req->survivor_id, &n);

	if (err != MED_OK)
		return err;
	if (n >= IDENTITY_MERGED_MAX)
		return med_call_fail(x->call, MED_ERR_PRECONDITION,
				     "survivor_id: already %d records are "
				     "merged into it (the most a patient "
				     "may have)",
				     IDENTITY_MERGED_MAX);
	return MED_OK;
}

/*
 * note_inherited_death says, in the reply and the audit event, what the
 * merge does to the survivor's death: the merged record's death becomes
 * the survivor's (GetPatient joins them), and of two the earlier stands.
 */
static med_err
note_inherited_death(link_tx *x, med_db_conn *conn,
		     const identity_patient *survivor,
		     const identity_patient *merged)
{
	med_arena *a = med_call_arena(x->call);
	identity_death before, theirs;
	const char *note;
	med_err err;

	if (!merged->deceased)
		return MED_OK;
	identity_death_own(&before, survivor);
	if ((err = identity_store_merged_deaths(conn, a, survivor->patient_id,
						&before)) != MED_OK)
		return err;
	identity_death_own(&theirs, merged);
	if ((note = identity_link_death_note(a, &before, &theirs)) == NULL)
		return MED_ERR_NOMEM;
	x->out->death_note = (char *)note;
	(void)med_call_add_detail(x->call, "death", note);
	return MED_OK;
}

static med_err
link_in_tx(med_db_conn *conn, void *ctx)
{
	link_tx *x = ctx;
	med_arena *a = med_call_arena(x->call);
	const char *ids[2] = {x->req->survivor_id, x->req->merged_id};
	const char *fields[2] = {"survivor_id", "merged_id"};
	identity_patient rec[2];
	int64_t n_survived = 0;
	int first = strcmp(ids[0], ids[1]) < 0 ? 0 : 1;
	med_problem p;
	med_err err;

	for (int k = 0; k < 2; k++) {
		int i = k == 0 ? first : 1 - first;

		err = identity_store_lock(conn, a, ids[i], &rec[i]);
		if (err == MED_ERR_NOT_FOUND)
			return med_call_fail(x->call, err,
					     "%s: no such patient", fields[i]);
		if (err != MED_OK)
			return err;
	}
	if ((err = identity_store_active_links(conn, ids[1], &n_survived)) !=
	    MED_OK)
		return err;
	if (identity_link_state_problem(&rec[0], &rec[1], n_survived, &p) !=
	    MED_OK)
		return med_call_fail_problem(x->call, &p);
	if ((err = survivor_has_room(x, conn)) != MED_OK ||
	    (err = both_in_a_stay(x, conn)) != MED_OK ||
	    (err = note_inherited_death(x, conn, &rec[0], &rec[1])) != MED_OK)
		return err;
	return identity_store_link_insert(conn, x->out);
}

med_err
identity_rpc_link_patients(med_call *call, const ProtobufCMessage *in,
			   ProtobufCMessage *out)
{
	link_tx x = {.call = call, .req = (const void *)in, .out = (void *)out};
	char id[MED_UUID_LEN + 1];
	med_err err = identity_check_link(call, x.req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, x.req->merged_id);
	med_uuid_v4(id);
	x.out->link_id = med_arena_strdup(med_call_arena(call), id);
	x.out->linked_by = (char *)identity_caller(call);
	if (x.out->link_id == NULL || x.out->linked_by == NULL)
		return MED_ERR_NOMEM;
	x.out->survivor_id = x.req->survivor_id;
	x.out->merged_id = x.req->merged_id;
	x.out->reason = x.req->reason;
	x.out->linked_ms = med_now_ms();
	x.out->active = true;
	if ((err = med_call_add_detail(call, "survivor_id",
				       x.req->survivor_id)) != MED_OK)
		return err;
	return med_call_tx(call, link_in_tx, &x);
}

typedef struct unlink_tx {
	med_call *call;
	const Smartmed__Identity__V1__UnlinkPatientsRequest *req;
	identity_link *out;
} unlink_tx;

static med_err
unlink_in_tx(med_db_conn *conn, void *ctx)
{
	unlink_tx *x = ctx;
	med_problem p;
	med_err err = identity_store_link_lock(conn, med_call_arena(x->call),
					       x->req->link_id, x->out);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err, "link_id: no such link");
	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, x->out->merged_id);
	if (identity_unlink_state_problem(x->out, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	x->out->active = false;
	x->out->unlinked_by = (char *)identity_caller(x->call);
	x->out->unlinked_ms = med_now_ms();
	x->out->unlink_reason = x->req->reason;
	if (x->out->unlinked_by == NULL)
		return MED_ERR_NOMEM;
	return identity_store_link_undo(conn, x->out);
}

med_err
identity_rpc_unlink_patients(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	unlink_tx x = {
		.call = call, .req = (const void *)in, .out = (void *)out};
	med_err err = identity_check_unlink(call, x.req);

	/* The care decision before the link's row lock. */
	if (err == MED_OK)
		err = med_call_name_patient_of(
			call,
			"SELECT merged_id FROM patient_links WHERE link_id = ?",
			x.req->link_id);
	if (err != MED_OK)
		return err;
	return med_call_tx(call, unlink_in_tx, &x);
}
