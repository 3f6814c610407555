/*
 * store_context.c - the dosage service's SQL for a patient's context
 * (weight, height, renal function, allergies) and the row that serialises
 * the patient's administrations.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <stdlib.h>
#include <string.h>

#include "dosage.h"
#include "subject.h"

/* --- patient context ----------------------------------------------------- */

#define CTX_COLUMNS                                                            \
	"patient_id, weight_kg, height_cm, crcl_ml_min, allergies,"            \
	" allergies_known, measured_ms, updated_by, is_set, weight_ms,"        \
	" height_ms, crcl_ms, allergies_ms, prev_weight_kg, prev_weight_ms,"   \
	" wconf_kg, wconf_ms, wconf_by, ppp, ppp_ms"

#define PPP_CASE                                                               \
	SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__PREGNANCY_PREVENTION_PREGNANCY_PREVENTION_CONFIRMED

typedef struct ctx_row {
	med_arena *arena;
	dosage_context *out;
	bool is_set;
} ctx_row;

static char *
join_lines(med_arena *a, char *const *items, size_t n)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	if ((out = med_arena_alloc(a, len)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);

		memcpy(p, items[i], l);
		p += l;
		*p++ = '\n';
	}
	*p = '\0';
	return out;
}

static med_err
split_lines(med_arena *a, const char *s, char ***out, size_t *n)
{
	char *copy = med_arena_strdup(a, s ? s : ""), *p, *nl;
	size_t k = 0, cap = 0;
	char **v;

	if (copy == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; *p; p++)
		cap += *p == '\n';
	if ((v = med_arena_alloc(a, (cap + 1) * sizeof(*v))) == NULL)
		return MED_ERR_NOMEM;
	for (p = copy; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		v[k++] = p;
	}
	*out = v;
	*n = k;
	return MED_OK;
}

static med_err
on_ctx_row(void *arg, const med_db_row *row)
{
	ctx_row *r = arg;
	dosage_context *c = r->out;

	smartmed__dosage__v1__patient_context__init(c);
	r->is_set = med_db_row_int64(row, 8) != 0;
	c->patient_id = med_db_row_strdup(r->arena, row, 0);
	if (!med_db_row_is_null(row, 1)) {
		c->weight_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
		c->weight_kg = med_db_row_double(row, 1);
	}
	if (!med_db_row_is_null(row, 2)) {
		c->height_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
		c->height_cm = med_db_row_double(row, 2);
	}
	if (!med_db_row_is_null(row, 3)) {
		c->crcl_case =
			SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN;
		c->crcl_ml_min = med_db_row_double(row, 3);
	}
	c->allergies_known = med_db_row_int64(row, 5) != 0;
	c->measured_ms = med_db_row_int64(row, 6);
	c->weight_measured_ms = med_db_row_int64(row, 9);
	c->height_measured_ms = med_db_row_int64(row, 10);
	c->crcl_measured_ms = med_db_row_int64(row, 11);
	c->allergies_assessed_ms = med_db_row_int64(row, 12);
	c->updated_by = med_db_row_strdup(r->arena, row, 7);
	if (!med_db_row_is_null(row, 13)) {
		c->previous_weight_kg = med_db_row_double(row, 13);
		c->previous_weight_measured_ms = med_db_row_int64(row, 14);
	}
	if (!med_db_row_is_null(row, 15)) {
		c->weight_confirmed_kg = med_db_row_double(row, 15);
		c->weight_confirmed_measured_ms = med_db_row_int64(row, 16);
	}
	c->weight_confirmed_by = med_db_row_strdup(r->arena, row, 17);
	if (!med_db_row_is_null(row, 18)) {
		c->pregnancy_prevention_case = PPP_CASE;
		c->pregnancy_prevention_confirmed =
			med_db_row_int64(row, 18) != 0;
	}
	c->pregnancy_prevention_ms = med_db_row_int64(row, 19);
	if (!c->patient_id || !c->updated_by || !c->weight_confirmed_by)
		return MED_ERR_NOMEM;
	return split_lines(r->arena, med_db_row_text(row, 4, NULL),
			   &c->allergies, &c->n_allergies);
}

med_err
dosage_store_read_ctx(med_db_conn *c, med_arena *a, const char *patient_id,
		      bool lock, dosage_context *out, bool *is_set)
{
	ctx_row r = {.arena = a, .out = out};
	med_db_value k[] = {MED_DB_STR(patient_id)};
	med_err err = med_db_query_row(
		c,
		lock ? "SELECT " CTX_COLUMNS " FROM patient_context"
		       " WHERE patient_id = ? FOR UPDATE"
		     : "SELECT " CTX_COLUMNS " FROM patient_context"
		       " WHERE patient_id = ?",
		k, 1, on_ctx_row, &r);

	if (err != MED_OK)
		return err;
	*is_set = r.is_set;
	/* The lock must also be a write for a cluster to see it (v11). */
	return lock ? med_db_exec(c,
				  "UPDATE patient_context SET dose_serial ="
				  " dose_serial + 1 WHERE patient_id = ?",
				  k, 1, NULL, NULL)
		    : MED_OK;
}

med_err
dosage_store_ensure_patient(med_db_conn *c, const char *patient_id)
{
	med_db_value v[] = {MED_DB_STR(patient_id)};

	return med_db_exec(c,
			   "INSERT IGNORE INTO patient_context (patient_id,"
			   " is_set, allergies, allergies_known, measured_ms,"
			   " updated_by, updated_ms) VALUES (?, 0, '', 0, 0,"
			   " '', 0)",
			   v, 1, NULL, NULL);
}

typedef struct set_ctx {
	med_arena *arena;
	const dosage_context *in;
	const char *user;
	int64_t now_ms;
} set_ctx;

static med_db_value
opt_dbl(bool set, double v)
{
	return set ? MED_DB_DBL(v) : MED_DB_NULLV();
}

/* when_given is the time of a value the request sets, 0 when it does not
 * set it (the stored one is kept). */
static int64_t
when_given(bool given, int64_t at_ms)
{
	return given ? at_ms : 0;
}

/*
 * The context a request sets: each value and its time change only when the
 * request sets it (a time of 0 keeps the stored one), so that sending a
 * weight never erases a creatinine clearance.  Parameters: ctx_params.
 */
static const char set_ctx_sql[] =
	"INSERT INTO patient_context (patient_id, weight_kg,"
	" height_cm, crcl_ml_min, allergies, allergies_known,"
	" measured_ms, updated_by, updated_ms, is_set, weight_ms,"
	" height_ms, crcl_ms, allergies_ms, ppp, ppp_ms)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)"
	" ON DUPLICATE KEY UPDATE"
	/* First, while weight_kg is still the old one: it becomes the
	 * previous weight (the jump rule). */
	" prev_weight_kg = IF(VALUES(weight_ms) > 0 AND weight_kg IS"
	" NOT NULL, weight_kg, prev_weight_kg),"
	" prev_weight_ms = IF(VALUES(weight_ms) > 0 AND weight_kg IS"
	" NOT NULL, weight_ms, prev_weight_ms),"
	" weight_kg = IF(VALUES(weight_ms) > 0, VALUES(weight_kg),"
	" weight_kg),"
	" height_cm = IF(VALUES(height_ms) > 0, VALUES(height_cm),"
	" height_cm),"
	" crcl_ml_min = IF(VALUES(crcl_ms) > 0, VALUES(crcl_ml_min),"
	" crcl_ml_min),"
	" allergies = IF(VALUES(allergies_ms) > 0, VALUES(allergies),"
	" allergies),"
	" allergies_known = IF(VALUES(allergies_ms) > 0, 1,"
	" allergies_known),"
	" weight_ms = IF(VALUES(weight_ms) > 0, VALUES(weight_ms),"
	" weight_ms),"
	" height_ms = IF(VALUES(height_ms) > 0, VALUES(height_ms),"
	" height_ms),"
	" crcl_ms = IF(VALUES(crcl_ms) > 0, VALUES(crcl_ms), crcl_ms),"
	" allergies_ms = IF(VALUES(allergies_ms) > 0,"
	" VALUES(allergies_ms), allergies_ms),"
	" ppp = IF(VALUES(ppp_ms) > 0, VALUES(ppp), ppp),"
	" ppp_ms = IF(VALUES(ppp_ms) > 0, VALUES(ppp_ms), ppp_ms),"
	" measured_ms = GREATEST(weight_ms, height_ms, crcl_ms,"
	" allergies_ms),"
	" updated_by = VALUES(updated_by),"
	" updated_ms = VALUES(updated_ms), is_set = 1";

#define SET_CTX_PARAMS 15

/* ctx_params sets v to set_ctx_sql's parameters for s, its allergies
 * joined into allergies. */
static void
ctx_params(const set_ctx *s, const char *allergies,
	   med_db_value v[SET_CTX_PARAMS])
{
	const dosage_context *in = s->in;
	int64_t at = in->measured_ms ? in->measured_ms : s->now_ms;
	bool w = in->weight_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__WEIGHT_WEIGHT_KG;
	bool h = in->height_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__HEIGHT_HEIGHT_CM;
	bool k = in->crcl_case ==
		 SMARTMED__DOSAGE__V1__PATIENT_CONTEXT__CRCL_CRCL_ML_MIN;
	/* The programme's time is when it was said, not measured_ms. */
	bool ppp = in->pregnancy_prevention_case == PPP_CASE;
	const med_db_value p[] = {
		MED_DB_STR(in->patient_id),
		opt_dbl(w, in->weight_kg),
		opt_dbl(h, in->height_cm),
		opt_dbl(k, in->crcl_ml_min),
		MED_DB_STR(allergies),
		MED_DB_I64(in->allergies_known ? 1 : 0),
		MED_DB_I64(at),
		MED_DB_STR(s->user),
		MED_DB_I64(s->now_ms),
		MED_DB_I64(when_given(w, at)),
		MED_DB_I64(when_given(h, at)),
		MED_DB_I64(when_given(k, at)),
		MED_DB_I64(when_given(in->allergies_known, at)),
		ppp ? MED_DB_I64(in->pregnancy_prevention_confirmed ? 1 : 0)
		    : MED_DB_NULLV(),
		MED_DB_I64(when_given(ppp, s->now_ms)),
	};

	_Static_assert(sizeof(p) / sizeof(p[0]) == SET_CTX_PARAMS,
		       "one value per parameter of set_ctx_sql");
	memcpy(v, p, sizeof(p));
}

med_err
dosage_store_write_context(med_db_conn *c, med_arena *a,
			   const dosage_context *in, const char *user,
			   int64_t now_ms)
{
	set_ctx s = {a, in, user, now_ms};
	char *allergies = join_lines(a, in->allergies, in->n_allergies);
	med_db_value v[SET_CTX_PARAMS];

	if (allergies == NULL)
		return MED_ERR_NOMEM;
	ctx_params(&s, allergies, v);
	return med_db_exec(c, set_ctx_sql, v, SET_CTX_PARAMS, NULL, NULL);
}

med_err
dosage_store_write_weight_confirmation(med_db_conn *c, const char *patient_id,
				       double kg, int64_t measured_ms,
				       const char *user, const char *reason,
				       int64_t now_ms)
{
	med_db_value v[] = {
		MED_DB_DBL(kg),	    MED_DB_I64(measured_ms),
		MED_DB_STR(user),   MED_DB_I64(now_ms),
		MED_DB_STR(reason), MED_DB_STR(patient_id),
	};
	med_err err = dosage_store_ensure_patient(c, patient_id);

	if (err != MED_OK)
		return err;
	return med_db_exec(c,
			   "UPDATE patient_context SET wconf_kg = ?,"
			   " wconf_ms = ?, wconf_by = ?, wconf_at = ?,"
			   " wconf_reason = ?, is_set = 1"
			   " WHERE patient_id = ?",
			   v, 6, NULL, NULL);
}

med_err
dosage_store_get_context(med_db *db, med_arena *arena, const char *patient_id,
			 dosage_context *out)
{
	ctx_row r = {.arena = arena, .out = out};
	med_db_value k[] = {MED_DB_STR(patient_id)};

	return med_db_query_row_once(db,
				     "SELECT " CTX_COLUMNS
				     " FROM patient_context"
				     " WHERE patient_id = ? AND is_set = 1",
				     k, 1, on_ctx_row, &r);
}
