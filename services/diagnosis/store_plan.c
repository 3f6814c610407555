/*
 * store_plan.c - care plans: one row per plan, its conditions and its goals
 * and activities in child tables, replaced whole on each SetCarePlan.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <string.h>

#include "diagnosis.h"

typedef struct plan_read {
	med_arena *arena;
	diagnosis_care_plan *p;
	size_t cap_c, cap_g, cap_a;
} plan_read;

/* map_plan maps a care_plans row (a med_db_map_fn); the conditions and
 * items are read after it. */
static med_err
map_plan(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	diagnosis_care_plan *p = msg;

	(void)ctx;
	p->care_plan_id = med_db_row_strdup(a, row, 0);
	p->patient_id = med_db_row_strdup(a, row, 1);
	p->title = med_db_row_strdup(a, row, 2);
	p->status = (Smartmed__Diagnosis__V1__CarePlanStatus)med_db_row_int64(
		row, 3);
	p->version = (uint32_t)med_db_row_int64(row, 4);
	p->updated_by = med_db_row_strdup(a, row, 5);
	p->updated_ms = med_db_row_int64(row, 6);
	if (!p->care_plan_id || !p->patient_id || !p->title || !p->updated_by)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
on_condition_row(void *ctx, const med_db_row *row)
{
	plan_read *r = ctx;
	diagnosis_care_plan *p = r->p;
	char *id = med_db_row_strdup(r->arena, row, 0);

	if (id == NULL)
		return MED_ERR_NOMEM;
	if (p->n_condition_ids == r->cap_c) {
		size_t cap = r->cap_c ? r->cap_c * 2 : 8;
		char **v = med_arena_alloc(r->arena, cap * sizeof(*v));
		if (v == NULL)
			return MED_ERR_NOMEM;
		if (p->n_condition_ids > 0)
			memcpy(v, p->condition_ids,
			       p->n_condition_ids * sizeof(*v));
		p->condition_ids = v;
		r->cap_c = cap;
	}
	p->condition_ids[p->n_condition_ids++] = id;
	return MED_OK;
}

static med_err
on_item_row(void *ctx, const med_db_row *row)
{
	plan_read *r = ctx;
	const char *kind = med_db_row_text(row, 0, NULL);

	if (kind != NULL && kind[0] == 'G') {
		Smartmed__Diagnosis__V1__Goal *g = med_arena_push_msg(
			r->arena, (void ***)&r->p->goals, &r->p->n_goals,
			&r->cap_g, &smartmed__diagnosis__v1__goal__descriptor);
		if (g == NULL)
			return MED_ERR_NOMEM;
		g->description = med_db_row_strdup(r->arena, row, 1);
		g->status =
			(Smartmed__Diagnosis__V1__GoalStatus)med_db_row_int64(
				row, 2);
		g->target_date = med_db_row_strdup(r->arena, row, 3);
		return g->description && g->target_date ? MED_OK
							: MED_ERR_NOMEM;
	}
	Smartmed__Diagnosis__V1__Activity *a = med_arena_push_msg(
		r->arena, (void ***)&r->p->activities, &r->p->n_activities,
		&r->cap_a, &smartmed__diagnosis__v1__activity__descriptor);
	if (a == NULL)
		return MED_ERR_NOMEM;
	a->description = med_db_row_strdup(r->arena, row, 1);
	a->status = (Smartmed__Diagnosis__V1__ActivityStatus)med_db_row_int64(
		row, 2);
	a->scheduled_date = med_db_row_strdup(r->arena, row, 3);
	return a->description && a->scheduled_date ? MED_OK : MED_ERR_NOMEM;
}

med_err
diagnosis_store_plan_get(med_db_conn *c, med_arena *arena, const char *id,
			 bool for_update, diagnosis_care_plan **out)
{
	plan_read r = {.arena = arena};
	med_db_msgs plans = MED_DB_MSGS(
		arena, &smartmed__diagnosis__v1__care_plan__descriptor,
		map_plan, NULL);
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_one(
		c,
		for_update ? "SELECT care_plan_id, patient_id, title, status,"
			     " version, updated_by, updated_ms FROM care_plans"
			     " WHERE care_plan_id = ? FOR UPDATE"
			   : "SELECT care_plan_id, patient_id, title, status,"
			     " version, updated_by, updated_ms FROM care_plans"
			     " WHERE care_plan_id = ?",
		v, 1, &plans, (void **)&r.p);

	if (err != MED_OK)
		return err;
	if ((err = med_db_query(c,
				"SELECT condition_id FROM care_plan_conditions"
				" WHERE care_plan_id = ? ORDER BY idx",
				v, 1, on_condition_row, &r)) != MED_OK ||
	    (err = med_db_query(c,
				"SELECT kind, description, status, item_date"
				" FROM care_plan_items WHERE care_plan_id = ?"
				" ORDER BY kind DESC, idx",
				v, 1, on_item_row, &r)) != MED_OK)
		return err;
	*out = r.p;
	return MED_OK;
}

static med_err
put_item(med_db_conn *c, const char *id, const char *kind, size_t idx,
	 const char *desc, int status, const char *date)
{
	med_db_value v[] = {MED_DB_STR(id),	      MED_DB_STR(kind),
			    MED_DB_I64((int64_t)idx), MED_DB_STR(desc),
			    MED_DB_I64(status),	      MED_DB_STR(date)};

	return med_db_exec(c,
			   "INSERT INTO care_plan_items (care_plan_id, kind,"
			   " idx, description, status, item_date)"
			   " VALUES (?, ?, ?, ?, ?, ?)",
			   v, 6, NULL, NULL);
}

static med_err
put_children(med_db_conn *c, const diagnosis_care_plan *p)
{
	med_err err = MED_OK;

	for (size_t i = 0; err == MED_OK && i < p->n_condition_ids; i++) {
		med_db_value v[] = {MED_DB_STR(p->care_plan_id),
				    MED_DB_I64((int64_t)i),
				    MED_DB_STR(p->condition_ids[i])};
		err = med_db_exec(c,
				  "INSERT INTO care_plan_conditions"
				  " (care_plan_id, idx, condition_id)"
				  " VALUES (?, ?, ?)",
				  v, 3, NULL, NULL);
	}
	for (size_t i = 0; err == MED_OK && i < p->n_goals; i++)
		err = put_item(c, p->care_plan_id, "G", i,
			       p->goals[i]->description, p->goals[i]->status,
			       p->goals[i]->target_date);
	for (size_t i = 0; err == MED_OK && i < p->n_activities; i++)
		err = put_item(c, p->care_plan_id, "A", i,
			       p->activities[i]->description,
			       p->activities[i]->status,
			       p->activities[i]->scheduled_date);
	return err;
}

static med_err
delete_children(med_db_conn *c, const char *id)
{
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_exec(
		c, "DELETE FROM care_plan_conditions WHERE care_plan_id = ?", v,
		1, NULL, NULL);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "DELETE FROM care_plan_items WHERE care_plan_id = ?",
			   v, 1, NULL, NULL);
}

med_err
diagnosis_store_plan_put(med_db_conn *c, const diagnosis_care_plan *p,
			 bool create)
{
	med_db_value v[] = {
		MED_DB_STR(p->patient_id),  MED_DB_STR(p->title),
		MED_DB_I64(p->status),	    MED_DB_I64(p->version),
		MED_DB_STR(p->updated_by),  MED_DB_I64(p->updated_ms),
		MED_DB_STR(p->care_plan_id)};
	med_err err;

	if (create)
		err = med_db_exec(c,
				  "INSERT INTO care_plans (patient_id, title,"
				  " status, version, updated_by, updated_ms,"
				  " care_plan_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
				  v, 7, NULL, NULL);
	else
		err = med_db_exec(c,
				  "UPDATE care_plans SET patient_id = ?,"
				  " title = ?, status = ?, version = ?,"
				  " updated_by = ?, updated_ms = ?"
				  " WHERE care_plan_id = ?",
				  v, 7, NULL, NULL);
	if (err == MED_OK && !create)
		err = delete_children(c, p->care_plan_id);
	if (err != MED_OK)
		return err;
	return put_children(c, p);
}

typedef struct owner_row {
	char patient[40];
} owner_row;

static med_err
on_owner_row(void *ctx, const med_db_row *row)
{
	owner_row *o = ctx;
	const char *p = med_db_row_text(row, 0, NULL);

	if (p != NULL && strlen(p) < sizeof(o->patient))
		memcpy(o->patient, p, strlen(p) + 1);
	return MED_OK;
}

med_err
diagnosis_store_condition_owner(med_db_conn *c, const char *id,
				const char *patient_id)
{
	owner_row o = {.patient = ""};
	med_db_value v[] = {MED_DB_STR(id)};
	med_err err = med_db_query_row(
		c, "SELECT patient_id FROM conditions WHERE condition_id = ?",
		v, 1, on_owner_row, &o);

	/* Another patient's condition is as absent as none. */
	if (err == MED_OK && strcmp(o.patient, patient_id) != 0)
		return MED_ERR_NOT_FOUND;
	return err;
}
