/*
 * research_store.c - the SQL of research projects (tables made by
 * migration 4 in store.c).  Every function runs inside the caller's
 * transaction.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>

#include <string.h>

#include "audit_svc.h"

#define PROJECT_COLUMNS                                                        \
	"project_id, title, researcher, min_group_size, include_narrative,"    \
	" approved_by, approved_ms, expires_ms, revoked_ms, revoked_by"

/*
 * cohort_json writes the cohort as a JSON array of strings into arena.  The
 * ids were checked to be UUIDs (hex digits and dashes), so none needs
 * escaping.
 */
static char *
cohort_json(med_arena *arena, const Smartmed__Audit__V1__ResearchProject *rp)
{
	size_t cap = 3, at = 0;
	char *out;

	for (size_t i = 0; i < rp->n_patient_ids; i++)
		cap += strlen(rp->patient_ids[i]) + 3;
	if ((out = med_arena_alloc(arena, cap)) == NULL)
		return NULL;
	out[at++] = '[';
	for (size_t i = 0; i < rp->n_patient_ids; i++) {
		size_t n = strlen(rp->patient_ids[i]);
		if (i > 0)
			out[at++] = ',';
		out[at++] = '"';
		memcpy(out + at, rp->patient_ids[i], n);
		at += n;
		out[at++] = '"';
	}
	out[at++] = ']';
	out[at] = '\0';
	return out;
}

/* insert_cohort stores the cohort in one statement: bound parameters are
 * capped per statement, so the ids go in as one JSON array. */
static med_err
insert_cohort(med_db_conn *c, med_arena *arena,
	      const Smartmed__Audit__V1__ResearchProject *rp)
{
	char *ids = cohort_json(arena, rp);
	med_db_value v[2];

	if (ids == NULL)
		return MED_ERR_NOMEM;
	v[0] = MED_DB_STR(rp->project_id);
	v[1] = MED_DB_STR(ids);
	return med_db_exec(c,
			   "INSERT INTO research_project_patients"
			   " (project_id, patient_id)"
			   " SELECT ?, j.id FROM JSON_TABLE(?, '$[*]' COLUMNS"
			   " (id VARCHAR(64) PATH '$')) AS j",
			   v, 2, NULL, NULL);
}

med_err
audit_research_insert(med_db_conn *c, med_arena *arena,
		      const Smartmed__Audit__V1__ResearchProject *rp)
{
	med_db_value v[] = {
		MED_DB_STR(rp->project_id),
		MED_DB_STR(rp->title),
		MED_DB_STR(rp->researcher),
		MED_DB_I64(rp->min_group_size),
		MED_DB_I64(rp->include_narrative ? 1 : 0),
		MED_DB_STR(rp->approved_by),
		MED_DB_I64(rp->approved_ms),
		MED_DB_I64(rp->expires_ms),
	};
	med_err err = med_db_exec(
		c,
		"INSERT INTO research_projects (project_id, title, researcher,"
		" min_group_size, include_narrative, approved_by, approved_ms,"
		" expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);

	if (err != MED_OK)
		return err;
	return insert_cohort(c, arena, rp);
}

/* map_project maps a row of PROJECT_COLUMNS (a med_db_map_fn). */
static med_err
map_project(void *ctx, med_arena *arena, const med_db_row *row, void *msg)
{
	Smartmed__Audit__V1__ResearchProject *rp = msg;

	(void)ctx;
	rp->project_id = med_db_row_strdup(arena, row, 0);
	rp->title = med_db_row_strdup(arena, row, 1);
	rp->researcher = med_db_row_strdup(arena, row, 2);
	rp->min_group_size = (uint32_t)med_db_row_int64(row, 3);
	rp->include_narrative = med_db_row_int64(row, 4) != 0;
	rp->approved_by = med_db_row_strdup(arena, row, 5);
	rp->approved_ms = med_db_row_int64(row, 6);
	rp->expires_ms = med_db_row_int64(row, 7);
	rp->revoked_ms = med_db_row_int64(row, 8);
	rp->revoked_by = med_db_row_strdup(arena, row, 9);
	if (rp->project_id == NULL || rp->title == NULL ||
	    rp->researcher == NULL || rp->approved_by == NULL ||
	    rp->revoked_by == NULL)
		return MED_ERR_NOMEM;
	return MED_OK;
}

#define PROJECT_ROWS(a)                                                        \
	MED_DB_MSGS((a), &smartmed__audit__v1__research_project__descriptor,   \
		    map_project, NULL)

/* cohort - the patient ids of one project as read. */
typedef struct cohort {
	med_arena *arena;
	char **ids;
	size_t n;
} cohort;

static med_err
on_patient(void *ctx, const med_db_row *row)
{
	cohort *k = ctx;

	if (k->n == AUDIT_RESEARCH_COHORT_MAX)
		return MED_ERR_LIMIT;
	k->ids[k->n] = med_db_row_strdup(k->arena, row, 0);
	if (k->ids[k->n] == NULL)
		return MED_ERR_NOMEM;
	k->n++;
	return MED_OK;
}

static med_err
read_cohort(med_db_conn *c, med_arena *arena,
	    Smartmed__Audit__V1__ResearchProject *rp)
{
	med_db_value v[] = {MED_DB_STR(rp->project_id)};
	cohort k = {arena, NULL, 0};
	med_err err;

	k.ids = med_arena_alloc(arena,
				AUDIT_RESEARCH_COHORT_MAX * sizeof(*k.ids));
	if (k.ids == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query(c,
			   "SELECT patient_id FROM research_project_patients"
			   " WHERE project_id = ? ORDER BY patient_id",
			   v, 1, on_patient, &k);
	if (err != MED_OK)
		return err;
	rp->patient_ids = k.ids;
	rp->n_patient_ids = k.n;
	return MED_OK;
}

med_err
audit_research_get(med_db_conn *c, med_arena *arena, const char *id,
		   bool with_cohort, bool for_update,
		   Smartmed__Audit__V1__ResearchProject **out)
{
	Smartmed__Audit__V1__ResearchProject *rp;
	med_db_msgs rows = PROJECT_ROWS(arena);
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_one(
		c,
		for_update ? "SELECT " PROJECT_COLUMNS " FROM research_projects"
			     " WHERE project_id = ? FOR UPDATE"
			   : "SELECT " PROJECT_COLUMNS " FROM research_projects"
			     " WHERE project_id = ?",
		v, 1, &rows, (void **)&rp);

	if (err != MED_OK)
		return err;
	if (with_cohort && (err = read_cohort(c, arena, rp)) != MED_OK)
		return err;
	*out = rp;
	return MED_OK;
}

med_err
audit_research_list(med_db_conn *c, med_arena *arena, const char *researcher,
		    bool include_inactive, int64_t now_ms,
		    Smartmed__Audit__V1__ResearchProject ***out, size_t *n)
{
	med_db_msgs rows = PROJECT_ROWS(arena);
	med_db_value v[] = {
		MED_DB_I64(researcher == NULL),
		MED_DB_STR(researcher ? researcher : ""),
		MED_DB_I64(include_inactive),
		MED_DB_I64(now_ms),
		MED_DB_I64(AUDIT_RESEARCH_LIST_MAX),
	};
	med_err err = med_db_query(
		c,
		"SELECT " PROJECT_COLUMNS " FROM research_projects"
		" WHERE (? OR researcher = ?)"
		" AND (? OR (revoked_ms = 0 AND expires_ms > ?))"
		" ORDER BY approved_ms DESC, project_id LIMIT ?",
		v, sizeof(v) / sizeof(v[0]), med_db_msg_row, &rows);

	if (err != MED_OK)
		return err;
	*out = (Smartmed__Audit__V1__ResearchProject **)rows.items;
	*n = rows.n;
	return MED_OK;
}

med_err
audit_research_revoke(med_db_conn *c, const char *id, const char *by,
		      int64_t now_ms, const char *reason)
{
	med_db_value v[] = {
		MED_DB_I64(now_ms),
		MED_DB_STR(by),
		MED_DB_STR(reason),
		MED_DB_STR(id),
	};

	return med_db_exec(c,
			   "UPDATE research_projects SET revoked_ms = ?,"
			   " revoked_by = ?, revoke_reason = ?"
			   " WHERE project_id = ? AND revoked_ms = 0",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}
