/*
 * store_export.c - what one ExportFhir page reads: the current order
 * versions (paged by offset: a patient's orders in force are few), then
 * the administrations and the running infusions, each paged by a seek
 * after the key of the page's last item (issue 49: a page's cost does not
 * grow with the doses before it); the infusion segments among the
 * administrations; the drugs they name.
 *
 * The reads are separate statements rather than one transaction: the
 * export is a snapshot for another system, and a dose charted between two
 * of them only shifts what a later page holds (ExportFhirRequest says so).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/check.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "catalogue.h"
#include "orders.h"
#include "subject.h"
#include "mar.h"
#include "infusions.h"
#include "fhir_export.h"

/* Every order state but superseded: the current version of each order. */
#define CURRENT_STATUSES "1,2,3,4,5"

static med_err
on_count(void *arg, const med_db_row *row)
{
	*(uint64_t *)arg = (uint64_t)med_db_row_int64(row, 0);
	return MED_OK;
}

static med_err
count_orders(med_db *db, const char *patient_id, uint64_t *n)
{
	med_db_value v[] = {MED_DB_STR(patient_id)};

	*n = 0;
	return med_db_query_once(db,
				 "SELECT COUNT(*) FROM orders WHERE patient_id"
				 " = ? AND status != 6",
				 v, 1, on_count, n);
}

/* The administrations after a key, of some statuses or all (%s: the
 * statuses' test): a seek on (patient_id, effective_ms), or on
 * (patient_id, status, effective_ms) one range per status. */
#define ADMINS_SQL                                                             \
	"SELECT " DOSAGE_ADMIN_COLUMNS " FROM administrations"                 \
	" WHERE patient_id = ?%s AND (effective_ms > ? OR"                     \
	" (effective_ms = ? AND id > ?)) ORDER BY effective_ms, id"            \
	" LIMIT ?"

/* read_admins reads limit administrations of the scope after the key
 * (t, id). */
static med_err
read_admins(med_db *db, med_arena *arena, const char *patient_id,
	    const dosage_export_scope *scope, const med_page_key *after,
	    uint32_t limit, dosage_export_page *p)
{
	dosage_admin_rows r = {.arena = arena};
	bool at = after->kind == 'A';
	size_t n_st = scope != NULL ? scope->n_statuses : 0, n = 0, len = 0;
	med_db_value v[DOSAGE_EXPORT_STATUSES_MAX + 5];
	char test[3 * DOSAGE_EXPORT_STATUSES_MAX + 24] = "";
	char sql[sizeof(ADMINS_SQL) + sizeof(test)];
	med_err err;

	if (n_st > DOSAGE_EXPORT_STATUSES_MAX)
		return MED_ERR_INVALID;
	v[n++] = MED_DB_STR(patient_id);
	for (size_t i = 0; i < n_st; i++) {
		len += (size_t)snprintf(test + len, sizeof(test) - len, "%s",
					i ? ", ?" : " AND status IN (?");
		v[n++] = MED_DB_STR(scope->statuses[i]);
	}
	if (n_st > 0)
		snprintf(test + len, sizeof(test) - len, ")");
	v[n++] = MED_DB_I64(at ? after->t : INT64_MIN);
	v[n++] = MED_DB_I64(at ? after->t : INT64_MIN);
	v[n++] = MED_DB_STR(at ? after->id : "");
	v[n++] = MED_DB_I64(limit);
	snprintf(sql, sizeof(sql), ADMINS_SQL, test);
	err = med_db_query_once(db, sql, v, n, dosage_store_admin_row, &r);

	if (err != MED_OK)
		return err;
	p->admins = r.items;
	p->n_admins = r.n;
	return MED_OK;
}

/* --- infusion segments ---------------------------------------------------- */

typedef struct segment_rows {
	med_arena *arena;
	dosage_export_page *p;
	size_t cap;
} segment_rows;

static med_err
on_segment(void *arg, const med_db_row *row)
{
	segment_rows *r = arg;
	dosage_segment *s;

	if (r->p->n_segments == r->cap)
		return MED_ERR_INTERNAL; /* one row per administration asked */
	s = &r->p->segments[r->p->n_segments++];
	s->admin_id = med_db_row_strdup(r->arena, row, 0);
	s->start_ms = med_db_row_int64(row, 1);
	s->rate = med_db_row_double(row, 2);
	s->rate_unit = med_db_row_strdup(r->arena, row, 3);
	return s->admin_id && s->rate_unit ? MED_OK : MED_ERR_NOMEM;
}

/* admin_id_list joins the page's administration ids with commas. */
static char *
admin_id_list(med_arena *arena, const dosage_export_page *p)
{
	char *list =
		med_arena_zalloc(arena, p->n_admins * (MED_UUID_LEN + 1) + 1);
	size_t at = 0;

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_admins; i++) {
		size_t len = strnlen(p->admins[i]->id, MED_UUID_LEN);

		if (i > 0)
			list[at++] = ',';
		memcpy(list + at, p->admins[i]->id, len);
		at += len;
	}
	return list;
}

/*
 * An infusion charts what ran at a rate when the rate ends (a change or
 * the stop): the event that ends it names the administration, and the
 * event before it says when the rate began and what it was.
 */
static med_err
read_segments(med_db *db, med_arena *arena, dosage_export_page *p)
{
	segment_rows r = {.arena = arena, .p = p, .cap = p->n_admins};
	med_db_value v[1];
	char *ids;

	if (p->n_admins == 0)
		return MED_OK;
	ids = admin_id_list(arena, p);
	p->segments =
		med_arena_zalloc(arena, p->n_admins * sizeof(*p->segments));
	if (ids == NULL || p->segments == NULL)
		return MED_ERR_NOMEM;
	v[0] = MED_DB_STR(ids);
	return med_db_query_once(
		db,
		"SELECT e.admin_id, b.effective_ms, b.rate, b.rate_unit"
		" FROM infusion_events e JOIN infusion_events b"
		" ON b.infusion_id = e.infusion_id AND b.id = (SELECT MAX(q.id)"
		" FROM infusion_events q WHERE q.infusion_id = e.infusion_id"
		" AND q.id < e.id)"
		" WHERE e.admin_id != '' AND FIND_IN_SET(e.admin_id, ?) > 0",
		v, 1, on_segment, &r);
}

/* --- drugs ---------------------------------------------------------------- */

static bool
has_drug(const dosage_export_page *p, const char *code)
{
	for (size_t i = 0; i < p->n_drugs; i++)
		if (strcmp(p->drugs[i]->code, code) == 0)
			return true;
	return false;
}

static med_err
add_drug(med_db *db, med_arena *arena, const char *code, dosage_export_page *p)
{
	dosage_drug *d;
	med_err err;

	if (has_drug(p, code))
		return MED_OK;
	if ((d = med_arena_zalloc(arena, sizeof(*d))) == NULL)
		return MED_ERR_NOMEM;
	err = dosage_store_get(db, arena, code, d);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return err;
	p->drugs[p->n_drugs++] = d;
	return MED_OK;
}

static med_err
read_drugs(med_db *db, med_arena *arena, dosage_export_page *p)
{
	size_t cap = dosage_export_items(p);
	med_err err = MED_OK;

	if (cap == 0)
		return MED_OK;
	if ((p->drugs = med_arena_zalloc(arena, cap * sizeof(*p->drugs))) ==
	    NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < p->n_orders && err == MED_OK; i++)
		err = add_drug(db, arena, p->orders[i]->drug_code, p);
	for (size_t i = 0; i < p->n_admins && err == MED_OK; i++)
		err = add_drug(db, arena, p->admins[i]->drug_code, p);
	for (size_t i = 0; i < p->n_running && err == MED_OK; i++)
		err = add_drug(db, arena, p->running[i]->drug_code, p);
	return err;
}

/* --- the page ------------------------------------------------------------- */

size_t
dosage_export_items(const dosage_export_page *p)
{
	return p->n_orders + p->n_admins + p->n_running;
}

/* trim keeps size items of the size + 1 read: orders, administrations,
 * running infusions, in that order. */
static void
trim(dosage_export_page *p, uint32_t size)
{
	size_t left = size;

	p->more = dosage_export_items(p) > size;
	if (!p->more)
		return;
	p->n_orders = p->n_orders < left ? p->n_orders : left;
	left -= p->n_orders;
	p->n_admins = p->n_admins < left ? p->n_admins : left;
	left -= p->n_admins;
	p->n_running = p->n_running < left ? p->n_running : left;
}

/* --- running infusions ---------------------------------------------------- */

typedef struct id_rows {
	med_arena *arena;
	char **ids;
	size_t n, cap;
} id_rows;

static med_err
on_id(void *arg, const med_db_row *row)
{
	id_rows *r = arg;

	if (r->n == r->cap)
		return MED_ERR_INTERNAL; /* LIMIT bounds the rows */
	r->ids[r->n] = med_db_row_strdup(r->arena, row, 0);
	return r->ids[r->n++] ? MED_OK : MED_ERR_NOMEM;
}

/* read_running reads limit of the patient's running infusions after the
 * key (started, id), each with its events. */
static med_err
read_running(med_db *db, med_arena *arena, const char *patient_id,
	     const med_page_key *after, uint32_t limit, dosage_export_page *p)
{
	id_rows r = {.arena = arena, .cap = limit};
	bool at = after->kind == 'R';
	med_db_value v[] = {MED_DB_STR(patient_id),
			    MED_DB_I64(at ? after->t : INT64_MIN),
			    MED_DB_I64(at ? after->t : INT64_MIN),
			    MED_DB_STR(at ? after->id : ""), MED_DB_I64(limit)};
	med_err err;

	r.ids = med_arena_zalloc(arena, (limit ? limit : 1) * sizeof(char *));
	p->running = med_arena_zalloc(arena, (limit ? limit : 1) *
						     sizeof(*p->running));
	if (r.ids == NULL || p->running == NULL)
		return MED_ERR_NOMEM;
	err = med_db_query_once(db,
				"SELECT id FROM infusions WHERE patient_id = ?"
				" AND stopped_ms = 0 AND (started_ms > ? OR"
				" (started_ms = ? AND id > ?))"
				" ORDER BY started_ms, id LIMIT ?",
				v, 5, on_id, &r);
	for (size_t i = 0; i < r.n && err == MED_OK; i++) {
		Smartmed__Dosage__V1__Infusion *f =
			med_arena_zalloc(arena, sizeof(*f));

		if (f == NULL)
			return MED_ERR_NOMEM;
		smartmed__dosage__v1__infusion__init(f);
		err = dosage_store_get_infusion(db, arena, r.ids[i], f);
		if (err == MED_OK)
			p->running[p->n_running++] = f;
	}
	return err;
}

/* room is what a page of size (plus one, to see whether more follow)
 * has left after what p holds. */
static uint32_t
room(const dosage_export_page *p, uint32_t size)
{
	size_t n = dosage_export_items(p);

	return n > size ? 0 : size + 1 - (uint32_t)n;
}

/* read_orders reads the current order versions from the key's offset
 * (orders come first; a key past them reads none). */
static med_err
read_orders(med_db *db, med_arena *arena, const char *patient_id,
	    int64_t now_ms, const med_page_key *after, uint32_t size,
	    dosage_export_page *p)
{
	uint64_t n_orders, offset = after->kind == 'O' ? (uint64_t)after->t : 0;
	med_err err;

	if (after->kind == 'A' || after->kind == 'R')
		return MED_OK;
	if ((err = count_orders(db, patient_id, &n_orders)) != MED_OK ||
	    offset >= n_orders)
		return err;
	return dosage_store_list_orders(db, arena, patient_id, CURRENT_STATUSES,
					now_ms, offset, size + 1, &p->orders,
					&p->n_orders);
}

/* last_key is where the page after p starts: after its last running
 * infusion or administration, else past its orders. */
static void
last_key(const dosage_export_page *p, const med_page_key *after,
	 med_page_key *out)
{
	memset(out, 0, sizeof(*out));
	if (p->n_running > 0) {
		const Smartmed__Dosage__V1__Infusion *f =
			p->running[p->n_running - 1];

		out->set = true;
		out->kind = 'R';
		out->t = f->started_ms;
		med_strlcpy(out->id, f->id, sizeof(out->id));
	} else if (p->n_admins > 0) {
		const dosage_admin *a = p->admins[p->n_admins - 1];

		out->set = true;
		out->kind = 'A';
		out->t = a->effective_ms;
		med_strlcpy(out->id, a->id, sizeof(out->id));
	} else {
		out->set = true;
		out->kind = 'O';
		out->t = (after->kind == 'O' ? after->t : 0) +
			 (int64_t)p->n_orders;
	}
}

/* wants: the scope reads kind; running infusions (in progress) only
 * when no status or "in-progress" is asked. */
static bool
wants(const dosage_export_scope *scope, char kind)
{
	if (scope == NULL)
		return true;
	if (scope->kinds != NULL && strchr(scope->kinds, kind) == NULL)
		return false;
	if (kind != 'R' || scope->n_statuses == 0)
		return true;
	for (size_t i = 0; i < scope->n_statuses; i++)
		if (strcmp(scope->statuses[i], "in-progress") == 0)
			return true;
	return false;
}

med_err
dosage_store_export(med_db *db, med_arena *arena, const char *patient_id,
		    int64_t now_ms, const dosage_export_scope *scope,
		    const med_page_key *after, uint32_t size,
		    dosage_export_page *out)
{
	dosage_export_page p = {0};
	med_err err;

	if (wants(scope, 'O') &&
	    (err = read_orders(db, arena, patient_id, now_ms, after, size,
			       &p)) != MED_OK)
		return err;
	if (wants(scope, 'A') && after->kind != 'R' && room(&p, size) > 0 &&
	    (err = read_admins(db, arena, patient_id, scope, after,
			       room(&p, size), &p)) != MED_OK)
		return err;
	if (wants(scope, 'R') && room(&p, size) > 0 &&
	    (err = read_running(db, arena, patient_id, after, room(&p, size),
				&p)) != MED_OK)
		return err;
	trim(&p, size);
	last_key(&p, after, &p.last);
	for (size_t i = 0; i < p.n_orders; i++)
		dosage_order_settle(p.orders[i], now_ms);
	if ((err = read_segments(db, arena, &p)) != MED_OK ||
	    (err = read_drugs(db, arena, &p)) != MED_OK)
		return err;
	*out = p;
	return MED_OK;
}

/* --- page tokens ------------------------------------------------------ */

bool
dosage_export_key_ok(const med_page_key *k)
{
	if (!k->set)
		return true;
	if (k->kind == 'O')
		return k->t >= 0 && k->id[0] == '\0';
	return k->id[0] != '\0';
}

/* --- ReadFhir (fhirread): whose resource an id is -------------------------
 */

typedef struct owner_row {
	med_arena *arena;
	const char *value;
} owner_row;

static med_err
on_owner(void *arg, const med_db_row *row)
{
	owner_row *r = arg;

	r->value = med_db_row_strdup(r->arena, row, 0);
	return r->value ? MED_OK : MED_ERR_NOMEM;
}

med_err
dosage_store_fhir_patient(med_db *db, med_arena *arena, bool order,
			  const char *id, const char **out)
{
	owner_row r = {.arena = arena};
	med_db_value v[] = {MED_DB_STR(id), MED_DB_STR(id)};
	med_err err = med_db_query_once(
		db,
		order ? "SELECT patient_id FROM orders WHERE id = ? LIMIT 1"
		      : "SELECT patient_id FROM administrations WHERE id = ?"
			" UNION ALL SELECT patient_id FROM infusions"
			" WHERE id = ? AND stopped_ms = 0 LIMIT 1",
		v, order ? 1 : 2, on_owner, &r);

	if (err == MED_OK)
		*out = r.value;
	return err;
}

/* code_row - the drug code whose Medication id is want, once found. */
typedef struct code_row {
	med_arena *arena;
	const char *want;
	const char *code;
} code_row;

static med_err
on_code(void *arg, const med_db_row *row)
{
	code_row *r = arg;
	char id[40];
	char *code;

	if (r->code != NULL)
		return MED_OK;
	if ((code = med_db_row_strdup(r->arena, row, 0)) == NULL)
		return MED_ERR_NOMEM;
	dosage_fhir_medication_id(code, id);
	if (strcmp(id, r->want) == 0)
		r->code = code;
	return MED_OK;
}

med_err
dosage_store_medication_code(med_db *db, med_arena *arena,
			     const char *medication_id, const char **out)
{
	code_row r = {.arena = arena, .want = medication_id};
	/* A Medication's id is a digest of its code: every code a
	 * Medication may have been written for is tried (the catalogue's,
	 * and those of orders whose drug left it). */
	med_err err = med_db_query_once(
		db,
		"SELECT code FROM drugs UNION SELECT drug_code FROM orders"
		" UNION SELECT drug_code FROM administrations",
		NULL, 0, on_code, &r);

	if (err == MED_OK)
		*out = r.code;
	return err;
}
