/*
 * encounter_store.c - the SQL of patient administration: encounters, their
 * versions and their participants (migration 5 in store.c).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>

#include <string.h>

#include "identity.h"

#define ENCOUNTER_COLUMNS                                                      \
	"e.encounter_id, e.patient_id, e.class, e.status, e.ward, e.bed,"      \
	" e.attending, e.start_ms, e.end_ms, e.version, e.reason,"             \
	" e.discharged_by, e.location_ms"

static med_err
fill_location(med_arena *a, const med_db_row *row, identity_encounter *e)
{
	identity_location *l = med_arena_zalloc(a, sizeof(*l));

	if (l == NULL)
		return MED_ERR_NOMEM;
	smartmed__identity__v1__encounter_location__init(l);
	l->ward = med_db_row_strdup(a, row, 4);
	l->bed = med_db_row_strdup(a, row, 5);
	l->start_ms = med_db_row_int64(row, 12);
	l->end_ms = e->end_ms;
	e->location = l;
	return l->ward && l->bed ? MED_OK : MED_ERR_NOMEM;
}

/* map_encounter maps a row of ENCOUNTER_COLUMNS (a med_db_map_fn). */
static med_err
map_encounter(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	identity_encounter *e = msg;

	(void)ctx;
	e->encounter_id = med_db_row_strdup(a, row, 0);
	e->patient_id = med_db_row_strdup(a, row, 1);
	e->encounter_class = (int)med_db_row_int64(row, 2);
	e->status = (int)med_db_row_int64(row, 3);
	e->attending = med_db_row_strdup(a, row, 6);
	e->start_ms = med_db_row_int64(row, 7);
	e->end_ms = med_db_row_int64(row, 8);
	e->version = (uint32_t)med_db_row_int64(row, 9);
	e->reason = med_db_row_strdup(a, row, 10);
	e->discharged_by = med_db_row_strdup(a, row, 11);
	if (!e->encounter_id || !e->patient_id || !e->attending || !e->reason ||
	    !e->discharged_by)
		return MED_ERR_NOMEM;
	return fill_location(a, row, e);
}

#define ENCOUNTER_ROWS(a)                                                      \
	MED_DB_MSGS((a), &smartmed__identity__v1__encounter__descriptor,       \
		    map_encounter, NULL)

/* map_participant maps a row of (user, role, start_ms, end_ms). */
static med_err
map_participant(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	identity_participant *p = msg;

	(void)ctx;
	p->user = med_db_row_strdup(a, row, 0);
	p->role = (int)med_db_row_int64(row, 1);
	p->start_ms = med_db_row_int64(row, 2);
	p->end_ms = med_db_row_int64(row, 3);
	return p->user ? MED_OK : MED_ERR_NOMEM;
}

#define PARTICIPANT_ROWS(a)                                                    \
	MED_DB_MSGS(                                                           \
		(a),                                                           \
		&smartmed__identity__v1__encounter_participant__descriptor,    \
		map_participant, NULL)

/*
 * The team an encounter shows: those on it now when it is open, those on
 * it at the end when it is finished.
 */
#define TEAM_SQL                                                               \
	"SELECT user, role, start_ms, end_ms FROM encounter_participants"      \
	" WHERE encounter_id = ? AND end_ms = ? ORDER BY start_ms, seq"

static med_err
load_team(med_db_conn *c, med_arena *a, identity_encounter *e)
{
	med_db_msgs pr = PARTICIPANT_ROWS(a);
	med_db_value v[] = {MED_DB_STR(e->encounter_id), MED_DB_I64(e->end_ms)};
	med_err err = med_db_query(c, TEAM_SQL, v, 2, med_db_msg_row, &pr);

	if (err != MED_OK)
		return err;
	e->participants = (identity_participant **)pr.items;
	e->n_participants = pr.n;
	return MED_OK;
}

static med_err
insert_participant(med_db_conn *c, const char *encounter_id,
		   const identity_participant *p)
{
	med_db_value v[] = {MED_DB_STR(encounter_id), MED_DB_STR(p->user),
			    MED_DB_I64(p->role), MED_DB_I64(p->start_ms)};

	return med_db_exec(c,
			   "INSERT INTO encounter_participants (encounter_id,"
			   " user, role, start_ms) VALUES (?, ?, ?, ?)",
			   v, 4, NULL, NULL);
}

static med_err
insert_version(med_db_conn *c, const identity_encounter *e, const char *event,
	       const char *by, int64_t effective_ms, int64_t recorded_ms,
	       const char *reason)
{
	med_db_value v[] = {
		MED_DB_STR(e->encounter_id),
		MED_DB_I64(e->version),
		MED_DB_STR(event),
		MED_DB_I64(e->status),
		MED_DB_STR(e->location->ward),
		MED_DB_STR(e->location->bed),
		MED_DB_STR(e->attending),
		MED_DB_STR(by),
		MED_DB_I64(effective_ms),
		MED_DB_I64(recorded_ms),
		MED_DB_STR(reason),
	};

	return med_db_exec(c,
			   "INSERT INTO encounter_versions (encounter_id,"
			   " version, event, status, ward, bed, attending,"
			   " changed_by, effective_ms, recorded_ms, reason)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

med_err
identity_enc_store_insert(med_db_conn *c, const identity_encounter *e,
			  const char *event, const char *by,
			  int64_t recorded_ms)
{
	med_db_value v[] = {
		MED_DB_STR(e->encounter_id),	MED_DB_STR(e->patient_id),
		MED_DB_I64(e->encounter_class), MED_DB_I64(e->status),
		MED_DB_STR(e->location->ward),	MED_DB_STR(e->location->bed),
		MED_DB_STR(e->attending),	MED_DB_I64(e->start_ms),
		MED_DB_I64(e->version),		MED_DB_STR(e->reason),
		MED_DB_I64(e->start_ms),
	};
	med_err err = med_db_exec(
		c,
		"INSERT INTO encounters (encounter_id, patient_id, class,"
		" status, ward, bed, attending, start_ms, version, reason,"
		" location_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	for (size_t i = 0; err == MED_OK && i < e->n_participants; i++)
		err = insert_participant(c, e->encounter_id,
					 e->participants[i]);
	if (err != MED_OK)
		return err;
	return insert_version(c, e, event, by, e->start_ms, recorded_ms,
			      e->reason);
}

med_err
identity_enc_store_open_stays(med_db_conn *c, const char *patient_id,
			      int64_t *n)
{
	med_db_value v[] = {MED_DB_STR(patient_id),
			    MED_DB_I64(IDENTITY_ENC_IN_PROGRESS)};

	*n = 0;
	return med_db_query(c,
			    "SELECT COUNT(*) FROM encounters e"
			    " WHERE e.patient_id IN " IDENTITY_FAMILY_OF_ID
			    " AND e.status = ? AND e.class IN (1, 3)",
			    v, 2, med_db_row_take_int64, n);
}

/* occupant_ctx collects the encounter id of a bed's occupant. */
typedef struct occupant_ctx {
	med_arena *arena;
	char *id;
} occupant_ctx;

static med_err
on_occupant(void *ctx, const med_db_row *row)
{
	occupant_ctx *o = ctx;

	o->id = med_db_row_strdup(o->arena, row, 0);
	return o->id != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
identity_enc_store_bed_occupant(med_db_conn *c, med_arena *a, const char *ward,
				const char *bed, const char *except_id,
				char **encounter_id)
{
	occupant_ctx o = {.arena = a};
	med_db_value v[] = {MED_DB_STR(ward),
			    MED_DB_I64(IDENTITY_ENC_IN_PROGRESS),
			    MED_DB_STR(bed), MED_DB_STR(except_id)};
	/* FOR UPDATE takes the (ward, status, bed) range of the index, so
	 * two admissions to one bed cannot both find it free. */
	med_err err = med_db_query_row(
		c,
		"SELECT e.encounter_id FROM encounters e"
		" WHERE e.ward = ? AND e.status = ? AND e.bed = ?"
		" AND e.encounter_id <> ?"
		" ORDER BY e.start_ms, e.encounter_id LIMIT 1 FOR UPDATE",
		v, 4, on_occupant, &o);

	if (err == MED_OK)
		*encounter_id = o.id;
	return err;
}

med_err
identity_enc_store_lock(med_db_conn *c, med_arena *a, const char *id,
			identity_encounter *out)
{
	med_db_msgs rows = ENCOUNTER_ROWS(a);
	identity_encounter *e;
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_one(c,
				       "SELECT " ENCOUNTER_COLUMNS
				       " FROM encounters e"
				       " WHERE e.encounter_id = ? FOR UPDATE",
				       v, 1, &rows, (void **)&e);

	if (err != MED_OK)
		return err;
	*out = *e;
	return load_team(c, a, out);
}

/* end_periods closes the open periods of an encounter (of one role when
 * role is not 0) at t. */
static med_err
end_periods(med_db_conn *c, const char *encounter_id, int role, int64_t t)
{
	med_db_value v[] = {MED_DB_I64(t), MED_DB_STR(encounter_id),
			    MED_DB_I64(role), MED_DB_I64(role)};

	return med_db_exec(c,
			   "UPDATE encounter_participants SET end_ms = ?"
			   " WHERE encounter_id = ? AND end_ms = 0"
			   " AND (? = 0 OR role = ?)",
			   v, 4, NULL, NULL);
}

static med_err
change_team(med_db_conn *c, const identity_encounter *e, int64_t t,
	    const char *new_attending)
{
	identity_participant p =
		SMARTMED__IDENTITY__V1__ENCOUNTER_PARTICIPANT__INIT;
	med_err err;

	if (e->status == IDENTITY_ENC_FINISHED)
		return end_periods(c, e->encounter_id, 0, t);
	if (new_attending == NULL)
		return MED_OK;
	if ((err = end_periods(c, e->encounter_id, IDENTITY_ENC_ATTENDING,
			       t)) != MED_OK)
		return err;
	p.user = (char *)new_attending;
	p.role = IDENTITY_ENC_ATTENDING;
	p.start_ms = t;
	return insert_participant(c, e->encounter_id, &p);
}

med_err
identity_enc_store_update(med_db_conn *c, const identity_encounter *e,
			  const char *event, const char *by, int64_t t,
			  const char *new_attending, int64_t recorded_ms)
{
	med_db_value v[] = {
		MED_DB_I64(e->status),	      MED_DB_STR(e->location->ward),
		MED_DB_STR(e->location->bed), MED_DB_STR(e->attending),
		MED_DB_I64(e->end_ms),	      MED_DB_I64(e->version),
		MED_DB_STR(e->discharged_by), MED_DB_I64(e->location->start_ms),
		MED_DB_STR(e->encounter_id),
	};
	med_err err = med_db_exec(
		c,
		"UPDATE encounters SET status = ?, ward = ?, bed = ?,"
		" attending = ?, end_ms = ?, version = ?, discharged_by = ?,"
		" location_ms = ? WHERE encounter_id = ?",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	if (err == MED_OK)
		err = change_team(c, e, t, new_attending);
	if (err != MED_OK)
		return err;
	return insert_version(c, e, event, by, t, recorded_ms, e->reason);
}

/* with_teams loads the team of each encounter of rows on one connection. */
typedef struct teams_ctx {
	med_arena *arena;
	med_db_msgs *rows;
} teams_ctx;

static med_err
teams_in_tx(med_db_conn *c, void *ctx)
{
	teams_ctx *t = ctx;
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < t->rows->n; i++)
		err = load_team(c, t->arena, t->rows->items[i]);
	return err;
}

static med_err
with_teams(med_db *db, med_arena *a, med_db_msgs *rows)
{
	teams_ctx t = {.arena = a, .rows = rows};

	return med_db_tx(db, teams_in_tx, &t);
}

med_err
identity_enc_store_list(med_db *db, med_arena *a, const char *patient_id,
			bool open_only, uint64_t offset, uint32_t limit,
			identity_encounter ***out, size_t *n)
{
	med_db_msgs rows = ENCOUNTER_ROWS(a);
	med_db_value v[] = {
		MED_DB_STR(patient_id),
		MED_DB_I64(open_only ? 1 : 0),
		MED_DB_I64(IDENTITY_ENC_IN_PROGRESS),
		MED_DB_I64((int64_t)limit),
		MED_DB_I64((int64_t)offset),
	};
	med_err err = med_db_query_once(
		db,
		"SELECT " ENCOUNTER_COLUMNS " FROM encounters e"
		" WHERE e.patient_id IN " IDENTITY_FAMILY_OF_ID
		" AND (? = 0 OR e.status = ?)"
		" ORDER BY e.start_ms DESC, e.encounter_id LIMIT ? OFFSET ?",
		v, sizeof(v) / sizeof(v[0]), med_db_msg_row, &rows);

	if (err == MED_OK)
		err = with_teams(db, a, &rows);
	if (err != MED_OK)
		return err;
	*out = (identity_encounter **)rows.items;
	*n = rows.n;
	return MED_OK;
}

/* map_version maps a row of encounter_versions (a med_db_map_fn). */
static med_err
map_version(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	identity_enc_version *v = msg;

	(void)ctx;
	v->version = (uint32_t)med_db_row_int64(row, 0);
	v->event = med_db_row_strdup(a, row, 1);
	v->status = (int)med_db_row_int64(row, 2);
	v->ward = med_db_row_strdup(a, row, 3);
	v->bed = med_db_row_strdup(a, row, 4);
	v->attending = med_db_row_strdup(a, row, 5);
	v->changed_by = med_db_row_strdup(a, row, 6);
	v->effective_ms = med_db_row_int64(row, 7);
	v->recorded_ms = med_db_row_int64(row, 8);
	v->reason = med_db_row_strdup(a, row, 9);
	if (!v->event || !v->ward || !v->bed || !v->attending ||
	    !v->changed_by || !v->reason)
		return MED_ERR_NOMEM;
	return MED_OK;
}

#define VERSION_ROWS(a)                                                        \
	MED_DB_MSGS((a),                                                       \
		    &smartmed__identity__v1__encounter_version__descriptor,    \
		    map_version, NULL)

/* load_history reads encounter id with every version, participant and
 * location into out.  Errors: MED_ERR_NOT_FOUND. */
static med_err
load_history(med_db_conn *c, med_arena *a, const char *id,
	     Smartmed__Identity__V1__GetEncounterHistoryResponse *out)
{
	med_db_msgs er = ENCOUNTER_ROWS(a);
	med_db_msgs vr = VERSION_ROWS(a);
	med_db_msgs pr = PARTICIPANT_ROWS(a);
	identity_encounter *e;
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err =
		med_db_query_one(c,
				 "SELECT " ENCOUNTER_COLUMNS
				 " FROM encounters e WHERE e.encounter_id = ?",
				 v, 1, &er, (void **)&e);

	if (err != MED_OK)
		return err;
	if ((err = load_team(c, a, e)) != MED_OK ||
	    (err = med_db_query(
		     c,
		     "SELECT version, event, status, ward, bed, attending,"
		     " changed_by, effective_ms, recorded_ms, reason"
		     " FROM encounter_versions WHERE encounter_id = ?"
		     " ORDER BY version",
		     v, 1, med_db_msg_row, &vr)) != MED_OK ||
	    (err = med_db_query(
		     c,
		     "SELECT user, role, start_ms, end_ms"
		     " FROM encounter_participants"
		     " WHERE encounter_id = ? ORDER BY start_ms, seq",
		     v, 1, med_db_msg_row, &pr)) != MED_OK)
		return err;
	out->encounter = e;
	out->versions = (identity_enc_version **)vr.items;
	out->n_versions = vr.n;
	out->participants = (identity_participant **)pr.items;
	out->n_participants = pr.n;
	return identity_locations(a, out->versions, vr.n, &out->locations,
				  &out->n_locations);
}

typedef struct history_ctx {
	med_arena *arena;
	const char *id;
	Smartmed__Identity__V1__GetEncounterHistoryResponse *out;
} history_ctx;

static med_err
history_in_tx(med_db_conn *c, void *ctx)
{
	history_ctx *h = ctx;

	return load_history(c, h->arena, h->id, h->out);
}

med_err
identity_enc_store_history(
	med_db *db, med_arena *a, const char *id,
	Smartmed__Identity__V1__GetEncounterHistoryResponse *out)
{
	history_ctx h = {.arena = a, .id = id, .out = out};

	return med_db_tx(db, history_in_tx, &h);
}

/* --- ExportFhir: a page of histories, read in one transaction ----------- */

typedef struct export_ctx {
	med_arena *arena;
	const char *patient_id;
	const char *ward; /* the census: a ward's open stays */
	const identity_census_key *census_after; /* the census's */
	const med_page_key *after; /* a patient's: after this encounter */
	uint32_t limit;
	identity_enc_history **items;
	size_t n, cap;
} export_ctx;

/* on_export_row adds an empty history naming only its encounter: the
 * rest is read once the page's query is done with the connection. */
static med_err
on_export_row(void *ctx, const med_db_row *row)
{
	export_ctx *x = ctx;
	identity_enc_history *h = med_arena_push_msg(
		x->arena, (void ***)&x->items, &x->n, &x->cap,
		&smartmed__identity__v1__get_encounter_history_response__descriptor);
	identity_encounter *e = med_arena_zalloc(x->arena, sizeof(*e));

	if (h == NULL || e == NULL)
		return MED_ERR_NOMEM;
	smartmed__identity__v1__encounter__init(e);
	e->encounter_id = med_db_row_strdup(x->arena, row, 0);
	h->encounter = e;
	return e->encounter_id != NULL ? MED_OK : MED_ERR_NOMEM;
}

/* load_histories fills in the page's histories once its query is done. */
static med_err
load_histories(med_db_conn *c, export_ctx *x)
{
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < x->n; i++)
		err = load_history(c, x->arena,
				   x->items[i]->encounter->encounter_id,
				   x->items[i]);
	return err;
}

static med_err
export_in_tx(med_db_conn *c, void *ctx)
{
	export_ctx *x = ctx;
	bool at = x->after->set;
	med_db_value v[] = {MED_DB_STR(x->patient_id),
			    MED_DB_I64(at ? x->after->t : INT64_MAX),
			    MED_DB_I64(at ? x->after->t : INT64_MAX),
			    MED_DB_STR(at ? x->after->id : ""),
			    MED_DB_I64((int64_t)x->limit)};
	med_err err = med_db_query(
		c,
		"SELECT e.encounter_id FROM encounters e"
		" WHERE e.patient_id IN " IDENTITY_FAMILY_OF_ID
		" AND (e.start_ms < ? OR (e.start_ms = ? AND"
		" e.encounter_id > ?))"
		" ORDER BY e.start_ms DESC, e.encounter_id LIMIT ?",
		v, 5, on_export_row, x);

	return err == MED_OK ? load_histories(c, x) : err;
}

/* ward_in_tx reads a page of a ward's open stays (x->ward), by bed, after
 * x->census_after (a keyset: an admission between pages shifts nothing). */
static med_err
ward_in_tx(med_db_conn *c, void *ctx)
{
	export_ctx *x = ctx;
	const identity_census_key *k = x->census_after;
	med_db_value v[] = {MED_DB_STR(x->ward),
			    MED_DB_I64(IDENTITY_ENC_IN_PROGRESS),
			    MED_DB_I64(k->set ? 1 : 0),
			    MED_DB_STR(k->bed),
			    MED_DB_STR(k->bed),
			    MED_DB_I64(k->start_ms),
			    MED_DB_I64(k->start_ms),
			    MED_DB_STR(k->id),
			    MED_DB_I64((int64_t)x->limit)};
	med_err err = med_db_query(
		c,
		"SELECT e.encounter_id FROM encounters e"
		" WHERE e.ward = ? AND e.status = ?"
		" AND (? = 0 OR e.bed > ? OR (e.bed = ? AND (e.start_ms > ?"
		" OR (e.start_ms = ? AND e.encounter_id > ?))))"
		" ORDER BY e.bed, e.start_ms, e.encounter_id LIMIT ?",
		v, 9, on_export_row, x);

	return err == MED_OK ? load_histories(c, x) : err;
}

/* export_run runs fn (export_in_tx or ward_in_tx) in one transaction. */
static med_err
export_run(med_db *db, med_db_tx_fn fn, export_ctx *x,
	   identity_enc_history ***out, size_t *n)
{
	med_err err = med_db_tx(db, fn, x);

	if (err != MED_OK)
		return err;
	*out = x->items;
	*n = x->n;
	return MED_OK;
}

med_err
identity_enc_store_ward(med_db *db, med_arena *a, const char *ward,
			const identity_census_key *after, uint32_t limit,
			identity_enc_history ***out, size_t *n)
{
	export_ctx x = {.arena = a,
			.ward = ward,
			.census_after = after,
			.limit = limit};

	return export_run(db, ward_in_tx, &x, out, n);
}

med_err
identity_enc_store_export(med_db *db, med_arena *a, const char *patient_id,
			  const med_page_key *after, uint32_t limit,
			  identity_enc_history ***out, size_t *n)
{
	export_ctx x = {.arena = a,
			.patient_id = patient_id,
			.after = after,
			.limit = limit};

	return export_run(db, export_in_tx, &x, out, n);
}

med_err
identity_enc_store_care_candidates(med_db *db, med_arena *a,
				   const char *patient_id, int64_t since_ms,
				   identity_encounter ***out, size_t *n)
{
	med_db_msgs rows = ENCOUNTER_ROWS(a);
	med_db_value v[] = {
		MED_DB_STR(patient_id), MED_DB_I64(IDENTITY_ENC_IN_PROGRESS),
		MED_DB_I64(IDENTITY_ENC_FINISHED), MED_DB_I64(since_ms)};
	med_err err = med_db_query_once(
		db,
		"SELECT " ENCOUNTER_COLUMNS " FROM encounters e"
		" WHERE e.patient_id IN " IDENTITY_FAMILY_OF_ID
		" AND (e.status = ? OR (e.status = ? AND e.end_ms >= ?))"
		" ORDER BY e.start_ms DESC, e.encounter_id",
		v, 4, med_db_msg_row, &rows);

	if (err == MED_OK)
		err = with_teams(db, a, &rows);
	if (err != MED_OK)
		return err;
	*out = (identity_encounter **)rows.items;
	*n = rows.n;
	return MED_OK;
}

med_err
identity_enc_store_last_move(med_db *db, med_arena *a, const char *id,
			     identity_ward_move *out)
{
	med_db_msgs vr = VERSION_ROWS(a);
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_once(
		db,
		"SELECT version, event, status, ward, bed, attending,"
		" changed_by, effective_ms, recorded_ms, '' FROM"
		" encounter_versions WHERE encounter_id = ? ORDER BY version",
		v, 1, med_db_msg_row, &vr);

	if (err != MED_OK)
		return err;
	identity_last_move((identity_enc_version **)vr.items, vr.n, out);
	return MED_OK;
}
