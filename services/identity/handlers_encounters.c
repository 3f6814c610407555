/*
 * handlers_encounters.c - the patient administration RPCs: request checks
 * → rules (encounter_rules.c) → store (encounter_store.c) → reply.  Every
 * change is one transaction that locks what it changes and writes a version.
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <string.h>

#include "identity.h"

#define ROLE_OTHER                                                             \
	SMARTMED__IDENTITY__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_OTHER
#define CLASS_AMB                                                              \
	SMARTMED__IDENTITY__V1__ENCOUNTER_CLASS__ENCOUNTER_CLASS_AMBULATORY

/* opening - what Admit and RegisterOutpatientVisit have in common. */
typedef struct opening {
	med_call *call;
	const char *patient_id;
	int encounter_class;
	const char *ward_field; /* "ward" or "unit" */
	const char *ward, *bed, *attending, *reason, *event;
	Smartmed__Identity__V1__CareTeamMember **team;
	size_t n_team;
	int64_t start_ms;
	identity_encounter *out;
} opening;

static med_err
check_team(med_call *call, Smartmed__Identity__V1__CareTeamMember **t, size_t n)
{
	med_err err;

	if (n > IDENTITY_MAX_CARE_TEAM)
		return med_call_fail(call, MED_ERR_INVALID,
				     "care_team: at most %d members",
				     IDENTITY_MAX_CARE_TEAM);
	for (size_t i = 0; i < n; i++) {
		if ((err = med_check_text(call, "care_team.user", t[i]->user, 1,
					  128)) != MED_OK)
			return err;
		if (t[i]->role <= IDENTITY_ENC_ATTENDING ||
		    t[i]->role > ROLE_OTHER)
			return med_call_fail(call, MED_ERR_INVALID,
					     "care_team.role: must be "
					     "CONSULTANT, NURSE or OTHER (the "
					     "attending is its own field)");
	}
	return MED_OK;
}

static med_err
check_opening(const opening *o)
{
	med_call *call = o->call;
	med_err err;

	if ((err = med_check_id(call, "patient_id", o->patient_id)) != MED_OK ||
	    (err = med_check_text(call, o->ward_field, o->ward, 1, 64)) !=
		    MED_OK ||
	    (err = med_check_text(call, "bed", o->bed, 0, 32)) != MED_OK ||
	    (err = med_check_text(call, "attending", o->attending, 1, 128)) !=
		    MED_OK ||
	    (err = med_check_text(call, "reason", o->reason, 0, 500)) != MED_OK)
		return err;
	return check_team(call, o->team, o->n_team);
}

/* team_of makes the participants of a new encounter, attending first. */
static med_err
team_of(med_arena *a, const opening *o, identity_encounter *e)
{
	size_t cap = 0;
	identity_participant *p;

	for (size_t i = 0; i <= o->n_team; i++) {
		p = med_arena_push_msg(
			a, (void ***)&e->participants, &e->n_participants, &cap,
			&smartmed__identity__v1__encounter_participant__descriptor);
		if (p == NULL)
			return MED_ERR_NOMEM;
		p->user =
			(char *)(i == 0 ? o->attending : o->team[i - 1]->user);
		p->role =
			i == 0 ? IDENTITY_ENC_ATTENDING : o->team[i - 1]->role;
		p->start_ms = e->start_ms;
	}
	return MED_OK;
}

static med_err
fill_opening(med_arena *a, const opening *o, identity_encounter *e)
{
	char id[MED_UUID_LEN + 1];

	e->location = med_arena_zalloc(a, sizeof(*e->location));
	med_uuid_v4(id);
	e->encounter_id = med_arena_strdup(a, id);
	if (e->location == NULL || e->encounter_id == NULL)
		return MED_ERR_NOMEM;
	smartmed__identity__v1__encounter_location__init(e->location);
	e->patient_id = (char *)o->patient_id;
	e->encounter_class = o->encounter_class;
	e->status = IDENTITY_ENC_IN_PROGRESS;
	e->location->ward = (char *)o->ward;
	e->location->bed = (char *)o->bed;
	e->location->start_ms = e->start_ms;
	e->attending = (char *)o->attending;
	e->reason = (char *)o->reason;
	e->discharged_by = "";
	e->version = 1;
	return team_of(a, o, e);
}

/* patient_state_problem: a new encounter goes on an unmerged record, and
 * a stay only when the patient has no open one. */
static med_err
patient_state_problem(med_db_conn *conn, const opening *o,
		      const identity_patient *pt, med_problem *p)
{
	int64_t n_open = 0;
	med_err err;

	if (pt->linked_to[0] != '\0')
		return med_problem_set(p, MED_ERR_PRECONDITION, "patient_id",
				       "the record is merged into another; "
				       "use the surviving record");
	if (!identity_is_stay(o->encounter_class))
		return MED_OK;
	err = identity_enc_store_open_stays(conn, o->patient_id, &n_open);
	if (err != MED_OK)
		return err;
	if (n_open > 0)
		return med_problem_set(p, MED_ERR_PRECONDITION, "patient_id",
				       "the patient already has an open "
				       "inpatient or emergency encounter; "
				       "transfer or discharge it first");
	return MED_OK;
}

/*
 * bed_problem: a bed holds one open stay unless its ward shares beds
 * (MED_IDENTITY_SHARED_BED_WARDS); an empty bed is no bed.  The refusal
 * names the occupant's encounter, never the patient: the caller may have
 * no care relationship with them.  except_id is the encounter that moves.
 */
static med_err
bed_problem(med_call *call, med_db_conn *conn, const identity_location *at,
	    const char *except_id, med_problem *p)
{
	const med_config *c = med_service_config(med_service_from_call(call));
	const char *shared = med_config_str(c, IDENTITY_SHARED_BEDS_KEY);
	char *occupant = NULL;
	med_err err;

	if (at->bed[0] == '\0' || identity_ward_shares_beds(shared, at->ward))
		return MED_OK;
	err = identity_enc_store_bed_occupant(conn, med_call_arena(call),
					      at->ward, at->bed, except_id,
					      &occupant);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	return med_problem_set(p, MED_ERR_PRECONDITION, "bed",
			       "bed %s on ward %s is taken by encounter %s; "
			       "discharge or transfer that encounter first, "
			       "or choose another bed",
			       at->bed, at->ward, occupant);
}

static med_err
open_in_tx(med_db_conn *conn, void *ctx)
{
	opening *o = ctx;
	med_arena *a = med_call_arena(o->call);
	const char *by = identity_caller(o->call);
	int64_t now = med_now_ms();
	identity_patient pt;
	med_problem p = {0};
	med_err err = identity_store_lock(conn, a, o->patient_id, &pt);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(o->call, err,
				     "patient_id: no such patient");
	if (err != MED_OK)
		return err;
	if ((err = patient_state_problem(conn, o, &pt, &p)) != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(o->call, &p)
				       : err;
	if (identity_time_problem("start_ms", o->start_ms, now, 0,
				  &o->out->start_ms, &p) != MED_OK)
		return med_call_fail_problem(o->call, &p);
	if (by == NULL || fill_opening(a, o, o->out) != MED_OK)
		return MED_ERR_NOMEM;
	if ((err = bed_problem(o->call, conn, o->out->location, "", &p)) !=
	    MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(o->call, &p)
				       : err;
	if ((err = identity_enc_store_insert(conn, o->out, o->event, by,
					     now)) != MED_OK)
		return err;
	/* Inside the transaction: the call's event commits with it. */
	return med_call_add_detail(o->call, "encounter_id",
				   o->out->encounter_id);
}

static med_err
open_encounter(opening *o)
{
	med_err err = check_opening(o);

	if (err != MED_OK)
		return err;
	med_call_set_patient(o->call, o->patient_id);
	return med_call_tx(o->call, open_in_tx, o);
}

med_err
identity_rpc_admit(med_call *call, const ProtobufCMessage *in,
		   ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__AdmitRequest *req = (const void *)in;
	opening o = {
		.call = call,
		.patient_id = req->patient_id,
		.encounter_class = req->encounter_class,
		.ward_field = "ward",
		.ward = req->ward,
		.bed = req->bed,
		.attending = req->attending,
		.reason = req->reason,
		.event = "admit",
		.team = req->care_team,
		.n_team = req->n_care_team,
		.start_ms = req->start_ms,
		.out = (void *)out,
	};

	if (!identity_is_stay(req->encounter_class))
		return med_call_fail(call, MED_ERR_INVALID,
				     "encounter_class: must be INPATIENT or "
				     "EMERGENCY (RegisterOutpatientVisit "
				     "opens an ambulatory one)");
	return open_encounter(&o);
}

med_err
identity_rpc_register_outpatient_visit(med_call *call,
				       const ProtobufCMessage *in,
				       ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__RegisterOutpatientVisitRequest *req =
		(const void *)in;
	opening o = {
		.call = call,
		.patient_id = req->patient_id,
		.encounter_class = CLASS_AMB,
		.ward_field = "unit",
		.ward = req->unit,
		.bed = "",
		.attending = req->attending,
		.reason = req->reason,
		.event = "visit",
		.team = req->care_team,
		.n_team = req->n_care_team,
		.start_ms = req->start_ms,
		.out = (void *)out,
	};

	return open_encounter(&o);
}

/* change - what Transfer and Discharge have in common. */
typedef struct change {
	med_call *call;
	const char *encounter_id, *time_field, *event;
	int64_t time_ms;
	uint32_t expected_version;
	const char *reason;
	const Smartmed__Identity__V1__TransferRequest *transfer; /* or NULL */
	identity_encounter *out;
} change;

/* apply_change sets the new state; *new_attending when it changes, and
 * *moved when the location does. */
static void
apply_change(const change *x, int64_t t, const char *by,
	     const char **new_attending, bool *moved)
{
	identity_encounter *e = x->out;
	const Smartmed__Identity__V1__TransferRequest *r = x->transfer;

	e->version++;
	e->reason = (char *)x->reason;
	if (r == NULL) {
		e->status = IDENTITY_ENC_FINISHED;
		e->end_ms = e->location->end_ms = t;
		e->discharged_by = (char *)by;
		for (size_t i = 0; i < e->n_participants; i++)
			e->participants[i]->end_ms = t;
		return;
	}
	*moved = strcmp(r->ward, e->location->ward) != 0 ||
		 strcmp(r->bed, e->location->bed) != 0;
	if (*moved)
		e->location->start_ms = t;
	e->location->ward = r->ward;
	e->location->bed = r->bed;
	if (r->attending[0] != '\0' && strcmp(r->attending, e->attending) != 0)
		*new_attending = e->attending = r->attending;
}

/* last_change_ms is the time of the encounter's latest change. */
static int64_t
last_change_ms(const identity_encounter *e)
{
	int64_t t = e->location->start_ms;

	for (size_t i = 0; i < e->n_participants; i++)
		if (e->participants[i]->start_ms > t)
			t = e->participants[i]->start_ms;
	return t > e->start_ms ? t : e->start_ms;
}

static med_err
change_in_tx(med_db_conn *conn, void *ctx)
{
	change *x = ctx;
	const char *by = identity_caller(x->call), *new_attending = NULL;
	int64_t now = med_now_ms(), t = 0;
	bool moved = false;
	med_problem p = {0};
	med_err err = identity_enc_store_lock(conn, med_call_arena(x->call),
					      x->encounter_id, x->out);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err,
				     "encounter_id: no such encounter");
	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, x->out->patient_id);
	if (identity_open_problem(x->out, x->expected_version, &p) != MED_OK ||
	    identity_time_problem(x->time_field, x->time_ms, now,
				  last_change_ms(x->out), &t, &p) != MED_OK)
		return med_call_fail_problem(x->call, &p);
	if (by == NULL)
		return MED_ERR_NOMEM;
	apply_change(x, t, by, &new_attending, &moved);
	if (moved && (err = bed_problem(x->call, conn, x->out->location,
					x->encounter_id, &p)) != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(x->call, &p)
				       : err;
	err = identity_enc_store_update(conn, x->out, x->event, by, t,
					new_attending, now);
	if (err == MED_OK && new_attending != NULL)
		err = identity_enc_store_lock(conn, med_call_arena(x->call),
					      x->encounter_id, x->out);
	return err;
}

static med_err
change_encounter(change *x)
{
	med_err err = med_check_id(x->call, "encounter_id", x->encounter_id);

	if (err == MED_OK)
		err = med_check_text(x->call, "reason", x->reason, 0, 500);
	if (err != MED_OK)
		return err;
	if ((err = med_call_add_detail(x->call, "encounter_id",
				       x->encounter_id)) != MED_OK)
		return err;
	/* The care decision before the encounter's row lock; change_in_tx
	 * names the same patient again from the locked row. */
	if ((err = med_call_name_patient_of(
		     x->call,
		     "SELECT patient_id FROM encounters WHERE encounter_id = ?",
		     x->encounter_id)) != MED_OK)
		return err;
	return med_call_tx(x->call, change_in_tx, x);
}

med_err
identity_rpc_transfer(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__TransferRequest *req = (const void *)in;
	change x = {.call = call,
		    .encounter_id = req->encounter_id,
		    .time_field = "time_ms",
		    .event = "transfer",
		    .time_ms = req->time_ms,
		    .expected_version = req->expected_version,
		    .reason = req->reason,
		    .transfer = req,
		    .out = (void *)out};
	med_err err;

	if ((err = med_check_text(call, "ward", req->ward, 1, 64)) != MED_OK ||
	    (err = med_check_text(call, "bed", req->bed, 0, 32)) != MED_OK ||
	    (err = med_check_text(call, "attending", req->attending, 0, 128)) !=
		    MED_OK)
		return err;
	return change_encounter(&x);
}

med_err
identity_rpc_discharge(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__DischargeRequest *req = (const void *)in;
	change x = {.call = call,
		    .encounter_id = req->encounter_id,
		    .time_field = "time_ms",
		    .event = "discharge",
		    .time_ms = req->time_ms,
		    .expected_version = req->expected_version,
		    .reason = req->reason,
		    .out = (void *)out};

	return change_encounter(&x);
}

med_err
identity_known_patient(med_call *call, const char *patient_id)
{
	identity_patient p;
	med_err err = med_check_id(call, "patient_id", patient_id);

	if (err != MED_OK)
		return err;
	err = identity_store_get(med_call_db(call), med_call_arena(call),
				 "patient_id", patient_id, &p);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "patient_id: no such patient");
	if (err == MED_OK)
		med_call_set_patient(call, patient_id);
	return err;
}

med_err
identity_rpc_list_encounters(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ListEncountersRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__ListEncountersResponse *res = (void *)out;
	med_page page;
	med_err err;

	if ((err = identity_visible_patient(call, req->patient_id)) != MED_OK ||
	    (err = med_page_parse(call, req->page, &page)) != MED_OK)
		return err;
	err = identity_enc_store_list(med_call_db(call), med_call_arena(call),
				      req->patient_id, req->open_only,
				      page.offset, page.size + 1,
				      &res->encounters, &res->n_encounters);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_encounters);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

/* The current encounter: the open stay, else the latest open visit. */
#define CURRENT_SCAN 100

med_err
identity_rpc_get_current_encounter(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__GetCurrentEncounterRequest *req =
		(const void *)in;
	identity_encounter **e = NULL, *best = NULL;
	size_t n = 0;
	med_err err = identity_visible_patient(call, req->patient_id);

	if (err == MED_OK)
		err = identity_enc_store_list(
			med_call_db(call), med_call_arena(call),
			req->patient_id, true, 0, CURRENT_SCAN, &e, &n);
	if (err != MED_OK)
		return err;
	for (size_t i = 0; i < n && best == NULL; i++)
		if (identity_is_stay(e[i]->encounter_class))
			best = e[i];
	if (best == NULL && n > 0)
		best = e[0];
	if (best == NULL)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: the patient has no open "
				     "encounter");
	*(identity_encounter *)out = *best;
	return med_call_add_detail(call, "encounter_id", best->encounter_id);
}

med_err
identity_rpc_get_encounter_history(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__GetEncounterHistoryRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__GetEncounterHistoryResponse *res = (void *)out;
	identity_scope scope;
	med_err err = med_check_id(call, "encounter_id", req->encounter_id);

	if (err == MED_OK)
		err = identity_scope_of(call, &scope);
	if (err != MED_OK)
		return err;
	err = identity_enc_store_history(med_call_db(call),
					 med_call_arena(call),
					 req->encounter_id, res);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "encounter_id: no such encounter");
	if (err != MED_OK)
		return err;
	med_call_set_patient(call, res->encounter->patient_id);
	err = identity_scope_check(call, &scope, res->encounter->patient_id);
	/* Another's patient's encounter does not exist for the caller; the
	 * audit event still names the patient. */
	if (err == MED_ERR_NOT_FOUND) {
		(void)med_call_add_detail(call, "care_relationship", "none");
		return med_call_fail(call, err,
				     "encounter_id: no such encounter");
	}
	if (err != MED_OK)
		return err;
	return med_call_add_detail(call, "encounter_id", req->encounter_id);
}

static med_err
check_units(med_call *call, char *const *units, size_t n)
{
	med_err err;

	if (n > IDENTITY_MAX_UNITS)
		return med_call_fail(call, MED_ERR_INVALID, "units: at most %d",
				     IDENTITY_MAX_UNITS);
	for (size_t i = 0; i < n; i++)
		if ((err = med_check_text(call, "units", units[i], 1, 64)) !=
		    MED_OK)
			return err;
	return MED_OK;
}

med_err
identity_rpc_check_care_relationship(med_call *call, const ProtobufCMessage *in,
				     ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__CheckCareRelationshipRequest *req =
		(const void *)in;
	identity_care_answer *res = (void *)out;
	med_err err;

	if ((err = identity_known_patient(call, req->patient_id)) != MED_OK ||
	    (err = med_check_text(call, "user", req->user, 1, 128)) != MED_OK ||
	    (err = check_units(call, req->units, req->n_units)) != MED_OK ||
	    (err = identity_care_of(call, req->patient_id, req->user,
				    req->units, req->n_units, res)) != MED_OK)
		return err;
	if (res->via_break_glass)
		return med_call_add_detail(call, "grant_id", res->grant_id);
	return MED_OK;
}
