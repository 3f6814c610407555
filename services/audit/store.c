/*
 * store.c - the audit service's schema and its reads of the events table.
 * Rows are only ever inserted (append.c); seq is the dense, 1-based log
 * position and seq - 1 the Merkle leaf index.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
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

/*
 * Version 2 turns the table into a Merkle log.  Rows stored by version 1
 * may have seq gaps (INSERT IGNORE consumed AUTO_INCREMENT values), so they
 * are renumbered densely in their order.  Giving such rows leaves is not
 * implemented yet (see docs/operations.md); from here on seq is assigned by the
 * appender under the tree_state row lock, never by AUTO_INCREMENT.
 *
 * Every statement of every version may run twice: DDL commits as it goes
 * and the version is recorded after the last statement, so a process
 * killed in between runs the whole version again at its next start (the
 * IF NOT EXISTS clauses; renumbering a dense log changes nothing).
 */
static const char *const v2_statements[] = {
	"ALTER TABLE events MODIFY seq BIGINT UNSIGNED NOT NULL,"
	" MODIFY event_id VARCHAR(64) NOT NULL,"
	" ADD COLUMN IF NOT EXISTS action_code VARCHAR(8) NOT NULL DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS purpose_of_use VARCHAR(32) NOT NULL"
	"  DEFAULT '',"
	" ADD COLUMN IF NOT EXISTS break_glass TINYINT NOT NULL DEFAULT 0,"
	" ADD COLUMN IF NOT EXISTS details VARBINARY(8192) NOT NULL"
	"  DEFAULT X'00000000',"
	" ADD COLUMN IF NOT EXISTS leaf_hash BINARY(32) NULL,"
	" ADD KEY IF NOT EXISTS idx_events_time (time_ms, seq),"
	" ADD KEY IF NOT EXISTS idx_events_action (action_code, seq)",
	"SET @audit_seq := 0",
	"UPDATE events SET seq = (@audit_seq := @audit_seq + 1) ORDER BY seq",
	"CREATE TABLE IF NOT EXISTS tree_state ("
	" id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
	" size BIGINT UNSIGNED NOT NULL"
	") ENGINE=InnoDB",
	"INSERT IGNORE INTO tree_state (id, size) VALUES (1, 0)",
	/* Every complete subtree hash above the leaves (level >= 1); the
	 * leaf hashes (level 0) are events.leaf_hash. */
	"CREATE TABLE IF NOT EXISTS tree_nodes ("
	" level TINYINT UNSIGNED NOT NULL,"
	" idx BIGINT UNSIGNED NOT NULL,"
	" hash BINARY(32) NOT NULL,"
	" PRIMARY KEY (level, idx)"
	") ENGINE=InnoDB",
	"CREATE TABLE IF NOT EXISTS tree_heads ("
	" tree_size BIGINT UNSIGNED NOT NULL,"
	" timestamp_ms BIGINT NOT NULL,"
	" root_hash BINARY(32) NOT NULL,"
	" signature BINARY(64) NOT NULL,"
	" key_id CHAR(16) NOT NULL,"
	" PRIMARY KEY (tree_size, timestamp_ms)"
	") ENGINE=InnoDB",
	NULL,
};

/*
 * Version 3: each leaf's MAC under the leaf key (MED_AUDIT_LEAF_KEY_FILE),
 * which the database never sees.  Rows stored before have none; the
 * service accepts them only inside a head it signed (trust.c).
 */
static const char *const v3_statements[] = {
	"ALTER TABLE events ADD COLUMN IF NOT EXISTS leaf_mac BINARY(32) NULL",
	NULL,
};

/*
 * Version 4: auditors' approvals of de-identified research exports.  The
 * cohort is a child table rather than a JSON column: its primary key
 * refuses a patient named twice, the patient index answers "which
 * projects hold this patient" (a patient's right to know, an objection to
 * research), and revocation never rewrites a 10000-id document.  Rows are
 * never deleted: a project id stays taken, since it keys the project's
 * pseudonyms.
 */
static const char *const v4_statements[] = {
	"CREATE TABLE IF NOT EXISTS research_projects ("
	" project_id VARCHAR(64) NOT NULL PRIMARY KEY,"
	" title VARCHAR(200) NOT NULL,"
	" researcher VARCHAR(128) NOT NULL,"
	" min_group_size INT UNSIGNED NOT NULL,"
	" include_narrative TINYINT NOT NULL,"
	" approved_by VARCHAR(128) NOT NULL,"
	" approved_ms BIGINT NOT NULL,"
	" expires_ms BIGINT NOT NULL,"
	" revoked_ms BIGINT NOT NULL DEFAULT 0,"
	" revoked_by VARCHAR(128) NOT NULL DEFAULT '',"
	" revoke_reason VARCHAR(200) NOT NULL DEFAULT '',"
	" KEY idx_research_researcher (researcher, approved_ms),"
	" KEY idx_research_approved (approved_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	"CREATE TABLE IF NOT EXISTS research_project_patients ("
	" project_id VARCHAR(64) NOT NULL,"
	" patient_id VARCHAR(64) NOT NULL,"
	" PRIMARY KEY (project_id, patient_id),"
	" KEY idx_research_patient (patient_id),"
	" CONSTRAINT fk_research_project FOREIGN KEY (project_id)"
	"  REFERENCES research_projects (project_id)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

/*
 * Version 5: the signer row, which every signing transaction locks and
 * rewrites so that replicas agree on who signs each size (sth.c).  It
 * starts at the newest stored head, or at size -1 when there is none (an
 * empty log still gets its head of size 0).
 */
static const char *const v5_statements[] = {
	"CREATE TABLE IF NOT EXISTS sth_signer ("
	" id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
	" tree_size BIGINT NOT NULL,"
	" timestamp_ms BIGINT NOT NULL"
	") ENGINE=InnoDB",
	"INSERT IGNORE INTO sth_signer (id, tree_size, timestamp_ms)"
	" SELECT 1, tree_size, timestamp_ms FROM tree_heads"
	" ORDER BY tree_size DESC, timestamp_ms DESC LIMIT 1",
	"INSERT IGNORE INTO sth_signer (id, tree_size, timestamp_ms)"
	" VALUES (1, -1, 0)",
	NULL,
};

/*
 * Identifiers compare byte for byte (issue 31): the Merkle tables were
 * made in the server's latin1 default.  Only tree_heads has a text column
 * (key_id); the others change their default only, which is instant even
 * for tree_nodes.
 */
static const char *const v6_statements[] = {
	MED_DB_DEFAULT_BIN("tree_state"),
	MED_DB_DEFAULT_BIN("tree_nodes"),
	MED_DB_TO_BIN("tree_heads"),
	MED_DB_DEFAULT_BIN("sth_signer"),
	NULL,
};

/*
 * Version 7: the gap sweep's whole counts, kept across a restart
 * (gapsweep.c): per chunk size and chunk, when the count that found it
 * whole began (wall clock) and an HMAC of both under the leaf key, so the
 * database can drop a count but not make one up.
 */
static const char *const v7_statements[] = {
	"CREATE TABLE IF NOT EXISTS gap_counts ("
	" chunk_rows BIGINT UNSIGNED NOT NULL,"
	" chunk BIGINT UNSIGNED NOT NULL,"
	" counted_ms BIGINT NOT NULL,"
	" mac BINARY(32) NOT NULL,"
	" PRIMARY KEY (chunk_rows, chunk)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

const med_db_migration audit_migrations[] = {
	{1, "events: the append-only audit log", v1_statements},
	{2, "Merkle log: dense seq, BALP fields, tree nodes, signed heads",
	 v2_statements},
	{3, "leaf MACs under a key kept outside the database", v3_statements},
	{4, "research projects approved by auditors, with their cohorts",
	 v4_statements},
	{5, "signer row: one head per tree size across replicas",
	 v5_statements},
	{6, "identifiers compare in binary (utf8mb4_bin)", v6_statements},
	{7, "the gap sweep's counts, kept across a restart", v7_statements},
};
const size_t audit_n_migrations =
	sizeof(audit_migrations) / sizeof(audit_migrations[0]);

#define RECORD_FROM " FROM events e"

#define RI(x) SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_##x

static med_err
fill_details(med_arena *a, const med_audit_row *r,
	     Smartmed__Common__V1__AuditEvent *e)
{
	med_audit_detail d[MED_AUDIT_MAX_DETAILS];
	size_t len = r->rec.details_len, n = 0;
	char *text = med_arena_alloc(a, len + 1);
	med_err err;

	if (text == NULL)
		return MED_ERR_NOMEM;
	err = med_audit_details_decode(r->rec.details, len, d,
				       MED_AUDIT_MAX_DETAILS, &n, text,
				       len + 1);
	if (err != MED_OK)
		return err == MED_ERR_LIMIT ? MED_ERR_DATA_LOSS : err;
	if (n == 0)
		return MED_OK;
	e->details = med_arena_alloc(a, n * sizeof(*e->details));
	if (e->details == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Common__V1__AuditDetail *pd =
			med_arena_alloc(a, sizeof(*pd));
		if (pd == NULL)
			return MED_ERR_NOMEM;
		smartmed__common__v1__audit_detail__init(pd);
		pd->key = (char *)d[i].key;
		pd->value = (char *)d[i].value;
		e->details[i] = pd;
	}
	e->n_details = n;
	return MED_OK;
}

/* dup copies a column's text into the arena ("" for NULL). */
static med_err
dup(med_arena *a, const char *s, char **out)
{
	*out = med_arena_strdup(a, s != NULL ? s : "");
	return *out != NULL ? MED_OK : MED_ERR_NOMEM;
}

static med_err
fill_event(med_arena *a, const med_audit_row *row,
	   Smartmed__Common__V1__AuditEvent *e)
{
	const med_audit_record *r = &row->rec;
	const char *from[] = {r->event_id,    r->service,	r->action,
			      r->actor,	      r->actor_roles,	r->patient_id,
			      r->resource,    r->request_id,	r->detail,
			      r->action_code, r->purpose_of_use};
	char **to[] = {&e->event_id,	&e->service,	   &e->action,
		       &e->actor,	&e->actor_roles,   &e->patient_id,
		       &e->resource,	&e->request_id,	   &e->detail,
		       &e->action_code, &e->purpose_of_use};
	med_err err = MED_OK;

	for (size_t i = 0; i < sizeof(to) / sizeof(to[0]) && err == MED_OK; i++)
		err = dup(a, from[i], to[i]);
	if (err != MED_OK)
		return err;
	e->time_ms = r->time_ms;
	e->outcome = (int32_t)r->outcome;
	e->break_glass = r->break_glass;
	return fill_details(a, row, e);
}

/*
 * map_record: one row of MED_AUDIT_ROW_COLUMNS as a record, checked
 * against the audit_check that ctx points to (a med_db_map_fn).  Details
 * an altered row does not let decode are left out of it rather than
 * failing the read: the record is flagged already.
 */
static med_err
map_record(void *ctx, med_arena *a, const med_db_row *row, void *msg)
{
	audit_check *check = ctx;
	Smartmed__Audit__V1__AuditRecord *rec = msg;
	Smartmed__Common__V1__AuditEvent *e = med_arena_alloc(a, sizeof(*e));
	const char *problem = "";
	med_audit_row ar;
	med_err err;

	if (e == NULL)
		return MED_ERR_NOMEM;
	med_audit_row_read(row, &ar);
	smartmed__common__v1__audit_event__init(e);
	rec->seq = ar.rec.seq;
	rec->stored_ms = ar.rec.stored_ms;
	rec->event = e;
	rec->integrity = audit_check_row(check, &ar, &problem);
	rec->integrity_problem = (char *)problem;
	if (ar.leaf_hash != NULL && ar.leaf_hash_len == MED_MERKLE_HASH_LEN) {
		rec->leaf_hash.data = med_arena_alloc(a, ar.leaf_hash_len);
		if (rec->leaf_hash.data == NULL)
			return MED_ERR_NOMEM;
		memcpy(rec->leaf_hash.data, ar.leaf_hash, ar.leaf_hash_len);
		rec->leaf_hash.len = ar.leaf_hash_len;
	}
	err = fill_event(a, &ar, e);
	if (err == MED_ERR_DATA_LOSS && rec->integrity == RI(ALTERED))
		return MED_OK;
	return err;
}

#define RECORD_ROWS(a, check)                                                  \
	MED_DB_MSGS((a), &smartmed__audit__v1__audit_record__descriptor,       \
		    map_record, (check))

typedef struct query_tx {
	audit_state *st;
	med_arena *arena;
	const audit_query_filter *f;
	audit_query_result *out;
} query_tx;

#define QUERY_SQL(order)                                                       \
	"SELECT " MED_AUDIT_ROW_COLUMNS RECORD_FROM                            \
	" WHERE e.seq > ? AND (? = 0 OR e.seq < ?)"                            \
	" AND (? = '' OR e.patient_id = ?) AND (? = '' OR e.actor = ?)"        \
	" AND (? = 0 OR e.time_ms >= ?) AND (? = 0 OR e.time_ms < ?)"          \
	" AND (? = '' OR e.action_code = ?)"                                   \
	" AND (? = 0 OR e.break_glass = 1)"                                    \
	" ORDER BY e.seq " order " LIMIT ?"

static med_err
query_rows(med_db_conn *c, const audit_query_filter *f, med_db_msgs *rows)
{
	med_db_value v[] = {
		MED_DB_I64((int64_t)f->after_seq),
		MED_DB_I64((int64_t)f->before_seq),
		MED_DB_I64((int64_t)f->before_seq),
		MED_DB_STR(f->patient_id),
		MED_DB_STR(f->patient_id),
		MED_DB_STR(f->actor),
		MED_DB_STR(f->actor),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->since_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_I64(f->until_ms),
		MED_DB_STR(f->action_code),
		MED_DB_STR(f->action_code),
		MED_DB_I64(f->break_glass_only),
		MED_DB_I64(f->limit),
	};

	return med_db_query(
		c, f->newest_first ? QUERY_SQL("DESC") : QUERY_SQL("ASC"), v,
		sizeof(v) / sizeof(v[0]), med_db_msg_row, rows);
}

/*
 * gap_bounds: the positions a read covered, (lo, hi].  A full read stops
 * at its last record (the next page resumes there); a short one reached
 * the bound it read towards: before_seq - 1 or the log's size going up,
 * after_seq going down.
 */
static void
gap_bounds(const audit_query_filter *f, const audit_query_result *q,
	   uint64_t size, uint64_t *lo, uint64_t *hi)
{
	bool full = q->n == f->limit;
	uint64_t last = full ? q->records[q->n - 1]->seq : 0;

	*hi = f->before_seq != 0 && f->before_seq - 1 < size ? f->before_seq - 1
							     : size;
	*lo = f->after_seq;
	if (full && f->newest_first)
		*lo = last;
	else if (full)
		*hi = last;
}

static med_err
query_tx_fn(med_db_conn *c, void *arg)
{
	query_tx *t = arg;
	audit_check check;
	med_db_msgs rows = RECORD_ROWS(t->arena, &check);
	uint64_t size = 0, lo, hi;
	med_err err = audit_check_init(&check, t->st, c, t->arena);

	if (err == MED_OK)
		err = audit_tree_size(c, false, &size);
	if (err == MED_OK)
		err = query_rows(c, t->f, &rows);
	if (err != MED_OK)
		return err;
	t->out->records = (Smartmed__Audit__V1__AuditRecord **)rows.items;
	t->out->n = rows.n;
	gap_bounds(t->f, t->out, size, &lo, &hi);
	return audit_gaps_find(t->st, c, t->arena, lo, hi, &t->out->gaps,
			       &t->out->n_gaps);
}

/* report_flagged counts and reports what a committed read flagged. */
static void
report_flagged(audit_state *st, audit_query_result *out)
{
	bool failed = false;

	out->n_flagged = 0;
	for (size_t i = 0; i < out->n; i++) {
		Smartmed__Audit__V1__AuditRecord *r = out->records[i];
		if (r->integrity == RI(VERIFIED))
			continue;
		out->n_flagged++;
		audit_check_report(st, &failed, r->integrity, r->seq, r->seq,
				   r->integrity_problem);
	}
	for (size_t i = 0; i < out->n_gaps; i++)
		audit_check_report(st, &failed, RI(MISSING), out->gaps[i].first,
				   out->gaps[i].last, "");
}

med_err
audit_store_query(med_db *db, audit_state *st, med_arena *arena,
		  const audit_query_filter *f, audit_query_result *out)
{
	query_tx t = {st, arena, f, out};
	med_err err;

	memset(out, 0, sizeof(*out));
	if (f->limit == 0)
		return MED_ERR_INVALID;
	err = med_db_tx(db, query_tx_fn, &t);
	if (err == MED_OK)
		report_flagged(st, out);
	return err;
}

med_err
audit_store_record(med_db_conn *c, audit_state *st, med_arena *arena,
		   const char *event_id, uint64_t leaf_index,
		   Smartmed__Audit__V1__AuditRecord **out)
{
	audit_check check;
	med_db_msgs rows = RECORD_ROWS(arena, &check);
	med_db_value by_id[] = {MED_DB_STR(event_id ? event_id : "")};
	med_db_value by_seq[] = {MED_DB_I64((int64_t)(leaf_index + 1))};
	med_err err = audit_check_init(&check, st, c, arena);

	if (err != MED_OK)
		return err;
	if (event_id != NULL)
		return med_db_query_one(
			c,
			"SELECT " MED_AUDIT_ROW_COLUMNS RECORD_FROM
			" WHERE e.event_id = ?",
			by_id, 1, &rows, (void **)out);
	return med_db_query_one(c,
				"SELECT " MED_AUDIT_ROW_COLUMNS RECORD_FROM
				" WHERE e.seq = ?",
				by_seq, 1, &rows, (void **)out);
}
