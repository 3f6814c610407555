/*
 * store.c - the audit service's SQL: the append-only events table.  Rows are
 * only ever inserted; seq gives the log order.
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "audit_svc.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS events ("
	" seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" event_id CHAR(36) NOT NULL,"
	" stored_ms BIGINT NOT NULL,"
	" time_ms BIGINT NOT NULL,"
	" service VARCHAR(64) NOT NULL,"
	" action VARCHAR(255) NOT NULL,"
	" actor VARCHAR(128) NOT NULL,"
	" actor_roles VARCHAR(128) NOT NULL,"
	" patient_id VARCHAR(64) NOT NULL,"
	" resource VARCHAR(255) NOT NULL,"
	" outcome INT NOT NULL,"
	" request_id VARCHAR(80) NOT NULL,"
	" detail VARCHAR(1024) NOT NULL,"
	" UNIQUE KEY uk_events_event_id (event_id),"
	" KEY idx_events_patient (patient_id, seq),"
	" KEY idx_events_actor (actor, seq)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

const med_db_migration audit_migrations[] = {
	{1, "events: the append-only audit log", v1_statements},
};
const size_t audit_n_migrations =
	sizeof(audit_migrations) / sizeof(audit_migrations[0]);

/*
 * Fields are clipped to their column and invalid UTF-8 replaced, because a
 * batch the database refuses would be resent forever and wedge ingest.
 */
typedef struct clipped {
	char buf[1025];
} clipped;

static const char *
clip(clipped *c, const char *s, size_t max_bytes)
{
	size_t n = 0;

	for (; s != NULL && s[n] != '\0' && n < max_bytes; n++)
		c->buf[n] = s[n];
	c->buf[n] = '\0';
	while (n > 0 && !med_utf8_valid(c->buf, n))
		c->buf[--n] = '\0';
	return c->buf;
}

static med_err
insert_event(med_db_conn *c, const Smartmed__Common__V1__AuditEvent *e,
	     int64_t now, bool *inserted)
{
	clipped f[9];
	uint64_t affected = 0;
	med_db_value v[] = {
		MED_DB_STR(clip(&f[0], e->event_id, 36)),
		MED_DB_I64(now),
		MED_DB_I64(e->time_ms),
		MED_DB_STR(clip(&f[1], e->service, 64)),
		MED_DB_STR(clip(&f[2], e->action, 255)),
		MED_DB_STR(clip(&f[3], e->actor, 128)),
		MED_DB_STR(clip(&f[4], e->actor_roles, 128)),
		MED_DB_STR(clip(&f[5], e->patient_id, 64)),
		MED_DB_STR(clip(&f[6], e->resource, 255)),
		MED_DB_I64(e->outcome),
		MED_DB_STR(clip(&f[7], e->request_id, 80)),
		MED_DB_STR(clip(&f[8], e->detail, 1024)),
	};
	med_err err = med_db_exec(
		c,
		"INSERT IGNORE INTO events (event_id, stored_ms, time_ms,"
		" service, action, actor, actor_roles, patient_id, resource,"
		" outcome, request_id, detail)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), &affected, NULL);

	*inserted = affected == 1;
	return err;
}

typedef struct batch_ctx {
	Smartmed__Common__V1__AuditEvent *const *events;
	size_t n;
	uint32_t stored, duplicates;
} batch_ctx;

static med_err
batch_tx(med_db_conn *c, void *arg)
{
	batch_ctx *b = arg;
	int64_t now = med_now_ms();

	b->stored = b->duplicates = 0;
	for (size_t i = 0; i < b->n; i++) {
		bool inserted = false;
		med_err err = insert_event(c, b->events[i], now, &inserted);
		if (err != MED_OK)
			return err;
		if (inserted)
			b->stored++;
		else
			b->duplicates++;
	}
	return MED_OK;
}

med_err
audit_store_batch(med_db *db, Smartmed__Common__V1__AuditEvent *const *events,
		  size_t n, uint32_t *stored, uint32_t *duplicates)
{
	batch_ctx b = {.events = events, .n = n};
	med_err err = med_db_tx(db, batch_tx, &b);

	if (err != MED_OK)
		return err;
	*stored = b.stored;
	*duplicates = b.duplicates;
	return MED_OK;
}

typedef struct record_rows {
	med_arena *arena;
	Smartmed__Audit__V1__AuditRecord **items;
	size_t n, cap;
} record_rows;

static med_err
fill_event(med_arena *a, const med_db_row *row,
	   Smartmed__Common__V1__AuditEvent *e)
{
	e->event_id = med_db_row_strdup(a, row, 2);
	e->time_ms = med_db_row_int64(row, 3);
	e->service = med_db_row_strdup(a, row, 4);
	e->action = med_db_row_strdup(a, row, 5);
	e->actor = med_db_row_strdup(a, row, 6);
	e->actor_roles = med_db_row_strdup(a, row, 7);
	e->patient_id = med_db_row_strdup(a, row, 8);
	e->resource = med_db_row_strdup(a, row, 9);
	e->outcome = (int32_t)med_db_row_int64(row, 10);
	e->request_id = med_db_row_strdup(a, row, 11);
	e->detail = med_db_row_strdup(a, row, 12);
	if (!e->event_id || !e->service || !e->action || !e->actor ||
	    !e->actor_roles || !e->patient_id || !e->resource ||
	    !e->request_id || !e->detail)
		return MED_ERR_NOMEM;
	return MED_OK;
}

static med_err
on_record_row(void *ctx, const med_db_row *row)
{
	record_rows *r = ctx;
	Smartmed__Audit__V1__AuditRecord *rec = med_arena_push_msg(
		r->arena, (void ***)&r->items, &r->n, &r->cap,
		&smartmed__audit__v1__audit_record__descriptor);
	Smartmed__Common__V1__AuditEvent *e =
		med_arena_alloc(r->arena, sizeof(*e));

	if (rec == NULL || e == NULL)
		return MED_ERR_NOMEM;
	smartmed__common__v1__audit_event__init(e);
	rec->seq = (uint64_t)med_db_row_int64(row, 0);
	rec->stored_ms = med_db_row_int64(row, 1);
	rec->event = e;
	return fill_event(r->arena, row, e);
}

med_err
audit_store_query(med_db *db, med_arena *arena, const audit_query_filter *f,
		  Smartmed__Audit__V1__AuditRecord ***out, size_t *n)
{
	record_rows rows = {.arena = arena};
	med_db_value v[] = {
		MED_DB_I64((int64_t)f->after_seq),
		MED_DB_STR(f->patient_id),
		MED_DB_STR(f->patient_id),
		MED_DB_STR(f->actor),
		MED_DB_STR(f->actor),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_I64(f->limit),
	};
	med_err err = med_db_query_once(
		db,
		"SELECT seq, stored_ms, event_id, time_ms, service, action,"
		" actor, actor_roles, patient_id, resource, outcome,"
		" request_id, detail FROM events WHERE seq > ?"
		" AND (? = '' OR patient_id = ?) AND (? = '' OR actor = ?)"
		" AND (? = 0 OR time_ms >= ?) AND (? = 0 OR time_ms < ?)"
		" ORDER BY seq LIMIT ?",
		v, sizeof(v) / sizeof(v[0]), on_record_row, &rows);

	if (err != MED_OK)
		return err;
	*out = rows.items;
	*n = rows.n;
	return MED_OK;
}
