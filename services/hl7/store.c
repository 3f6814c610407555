/*
 * store.c - the HL7 service's SQL: the message store.  Every inbound
 * message is a row of hl7_messages with the ACK it was answered with and
 * what it changed.  A row whose answer is final carries replay_key
 * (sender and MSH-10): a resent message finds it and gets the same ACK;
 * rows of transient failures (identity or records away) leave it NULL, so
 * that the resend is processed again.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/check.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "hl7.h"
#include "hl7_svc.h"

static const char *const v1_statements[] = {
	"CREATE TABLE IF NOT EXISTS hl7_messages ("
	" message_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
	" received_ms BIGINT NOT NULL,"
	" sending_app VARCHAR(128) NOT NULL,"
	" sending_facility VARCHAR(128) NOT NULL,"
	" control_id VARCHAR(199) NOT NULL,"
	" message_type VARCHAR(8) NOT NULL,"
	" trigger_event VARCHAR(8) NOT NULL,"
	" patient_mrn VARCHAR(64) NOT NULL,"
	" patient_id VARCHAR(36) NOT NULL,"
	" ack_code CHAR(2) NOT NULL,"
	" error TEXT NOT NULL,"
	" message MEDIUMBLOB NOT NULL,"
	" size_bytes BIGINT NOT NULL,"
	" ack BLOB NOT NULL,"
	" changes TEXT NOT NULL,"
	" replay_key VARBINARY(512) NULL,"
	" UNIQUE KEY uq_hl7_replay (replay_key),"
	" KEY idx_hl7_control (control_id),"
	" KEY idx_hl7_mrn (patient_mrn, received_ms),"
	" KEY idx_hl7_patient (patient_id, received_ms),"
	" KEY idx_hl7_type (message_type, trigger_event, received_ms),"
	" KEY idx_hl7_received (received_ms)"
	") ENGINE=InnoDB" MED_DB_BIN,
	NULL,
};

const med_db_migration hl7_migrations[] = {
	{1, "hl7_messages: every inbound message, its ACK and its changes",
	 v1_statements},
};
const size_t hl7_n_migrations =
	sizeof(hl7_migrations) / sizeof(hl7_migrations[0]);

/* replay_key writes the idempotency key of h into out. */
static void
replay_key(const hl7_header *h, char *out, size_t cap)
{
	snprintf(out, cap, "%s|%s|%s", h->sending_app, h->sending_facility,
		 h->control_id);
}

/* --- the ACK of a message already answered ------------------------------- */

typedef struct found_ack {
	char *out;
	size_t cap, len;
	const char *msg; /* the message now received */
	size_t msg_len;
	hl7_replay replay;
	int64_t message_id;
} found_ack;

static med_err
take_ack(void *ctx, const med_db_row *row)
{
	found_ack *f = ctx;
	size_t n, stored_len;
	const char *ack = med_db_row_text(row, 0, &n);
	const char *stored = med_db_row_text(row, 1, &stored_len);
	unsigned char now[HL7_DIGEST_LEN], then[HL7_DIGEST_LEN];

	if (ack == NULL || n + 1 > f->cap || stored == NULL)
		return MED_ERR_DATA_LOSS;
	memcpy(f->out, ack, n);
	f->out[n] = '\0';
	f->len = n;
	f->message_id = med_db_row_int64(row, 2);
	hl7_content_digest(f->msg, f->msg_len, now);
	hl7_content_digest(stored, stored_len, then);
	f->replay = memcmp(now, then, sizeof(now)) == 0 ? HL7_REPLAY_SAME
							: HL7_REPLAY_OTHER;
	return MED_OK;
}

med_err
hl7_store_find_ack(med_db *db, const hl7_header *h, const char *msg,
		   size_t msg_len, char *ack, size_t cap, size_t *len,
		   hl7_replay *replay, int64_t *message_id)
{
	char key[600];
	found_ack f = {.out = ack, .cap = cap, .msg = msg, .msg_len = msg_len};
	med_db_value v[1];
	med_err err;

	replay_key(h, key, sizeof(key));
	v[0] = MED_DB_BLOBV(key, strlen(key));
	err = med_db_query_once(db,
				"SELECT ack, message, message_id FROM "
				"hl7_messages WHERE replay_key = ?",
				v, 1, take_ack, &f);
	if (err != MED_OK)
		return err;
	*replay = f.replay;
	*len = f.len;
	*message_id = f.message_id;
	return MED_OK;
}

/* --- a sender's newest message ------------------------------------------ */

med_err
hl7_store_last_received(med_db *db, const char *app, const char *facility,
			int64_t *ms)
{
	int64_t last = 0;
	med_db_value v[2] = {MED_DB_STR(app), MED_DB_STR(facility)};
	med_err err;

	/* Newest first along idx_hl7_received: a sender that sends at all
	 * is found among the latest rows. */
	err = med_db_query_row_once(
		db,
		"SELECT received_ms FROM hl7_messages WHERE "
		"sending_app = ? AND sending_facility = ? "
		"ORDER BY received_ms DESC LIMIT 1",
		v, 2, med_db_row_take_int64, &last);
	if (err == MED_OK)
		*ms = last;
	return err;
}

/* --- a new row ------------------------------------------------------------ */

typedef struct put_ctx {
	const hl7_record *r;
	med_audit *audit;
	int64_t retention_ms;
} put_ctx;

static med_err
put_row(med_db_conn *c, const hl7_record *r)
{
	char key[600];
	med_db_value v[15];
	const hl7_header *h = r->header;

	MED_DB_PARAMS_FIT(15);
	replay_key(h, key, sizeof(key));
	v[0] = MED_DB_I64(r->received_ms);
	v[1] = MED_DB_STR(h->sending_app);
	v[2] = MED_DB_STR(h->sending_facility);
	v[3] = MED_DB_STR(h->control_id);
	v[4] = MED_DB_STR(h->type);
	v[5] = MED_DB_STR(h->trigger);
	v[6] = MED_DB_STR(r->patient_mrn);
	v[7] = MED_DB_STR(r->patient_id);
	v[8] = MED_DB_STR(r->ack_code);
	v[9] = MED_DB_STR(r->error);
	v[10] = MED_DB_BLOBV(r->message, r->message_len);
	v[11] = MED_DB_I64((int64_t)r->size_bytes);
	v[12] = MED_DB_BLOBV(r->ack, r->ack_len);
	v[13] = MED_DB_STR(r->changes);
	v[14] = r->final && h->control_id[0] ? MED_DB_BLOBV(key, strlen(key))
					     : MED_DB_NULLV();
	return med_db_exec(c,
			   "INSERT INTO hl7_messages (received_ms, "
			   "sending_app, sending_facility, control_id, "
			   "message_type, trigger_event, patient_mrn, "
			   "patient_id, ack_code, error, message, size_bytes, "
			   "ack, changes, replay_key) VALUES (?, ?, ?, ?, ?, "
			   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   v, 15, NULL, NULL);
}

/* audit_message is the message's audit event: the sending system is the
 * actor (hl7:APP@FACILITY), the outcome its ACK. */
static med_err
audit_message(med_db_conn *c, med_audit *a, const hl7_record *r)
{
	const hl7_header *h = r->header;
	char actor[300], action[64];
	med_audit_detail d[5] = {
		{"control_id", h->control_id},
		{"ack", r->ack_code},
		{"via", "service:hl7"},
		{"peer", r->peer != NULL ? r->peer : ""},
		{"error", r->error},
	};
	med_audit_event ev = {
		.action = action,
		.actor = actor,
		.actor_roles = MED_ROLE_SERVICE,
		.patient_id = r->patient_id[0] ? r->patient_id : NULL,
		.resource = "hl7-message",
		.outcome = strcmp(r->ack_code, "AA") == 0 ? 0 : 3,
		.request_id = h->control_id,
		.action_code = strcmp(r->ack_code, "AA") == 0 ? "U" : "E",
		.details = d,
		.n_details = r->error[0] ? 5 : 4,
	};

	if (a == NULL)
		return MED_OK;
	snprintf(actor, sizeof(actor), "hl7:%s@%s", h->sending_app,
		 h->sending_facility);
	snprintf(action, sizeof(action), "hl7/%s^%s",
		 h->type[0] ? h->type : "?", h->trigger[0] ? h->trigger : "?");
	return med_audit_outbox_put(c, a, &ev, NULL);
}

typedef struct resend_ctx {
	const hl7_header *h;
	med_audit *audit;
	int64_t message_id;
} resend_ctx;

/* audit_resend: the sender as actor, the stored message it repeats. */
static med_err
resend_tx(med_db_conn *c, void *ctx)
{
	const resend_ctx *x = ctx;
	char actor[300], action[64], stored[24];
	med_audit_detail d[4] = {
		{"control_id", x->h->control_id},
		{"replay", "resend: the stored ACK answered, nothing applied"},
		{"stored_message_id", stored},
		{"via", "service:hl7"},
	};
	med_audit_event ev = {
		.action = action,
		.actor = actor,
		.actor_roles = MED_ROLE_SERVICE,
		.resource = "hl7-message",
		.request_id = x->h->control_id,
		.action_code = "R",
		.details = d,
		.n_details = 4,
	};

	snprintf(stored, sizeof(stored), "%lld", (long long)x->message_id);
	snprintf(actor, sizeof(actor), "hl7:%s@%s", x->h->sending_app,
		 x->h->sending_facility);
	snprintf(action, sizeof(action), "hl7/%s^%s/resend", x->h->type,
		 x->h->trigger);
	return med_audit_outbox_put(c, x->audit, &ev, NULL);
}

med_err
hl7_store_audit_resend(med_db *db, med_audit *audit, const hl7_header *h,
		       int64_t message_id)
{
	resend_ctx x = {.h = h, .audit = audit, .message_id = message_id};

	if (audit == NULL)
		return MED_OK;
	return med_db_tx(db, resend_tx, &x);
}

/* prune forgets a batch of messages older than the retention. */
static med_err
prune(med_db_conn *c, int64_t before_ms)
{
	med_db_value v[1] = {MED_DB_I64(before_ms)};

	return med_db_exec(c,
			   "DELETE FROM hl7_messages WHERE received_ms < ? "
			   "ORDER BY received_ms LIMIT 100",
			   v, 1, NULL, NULL);
}

static med_err
put_tx(med_db_conn *c, void *ctx)
{
	const put_ctx *p = ctx;
	med_err err;

	if ((err = put_row(c, p->r)) != MED_OK ||
	    (err = audit_message(c, p->audit, p->r)) != MED_OK)
		return err;
	if (p->retention_ms > 0)
		return prune(c, p->r->received_ms - p->retention_ms);
	return MED_OK;
}

med_err
hl7_store_put(med_db *db, med_audit *audit, const hl7_record *r,
	      int64_t retention_ms)
{
	put_ctx p = {.r = r, .audit = audit, .retention_ms = retention_ms};

	return med_db_tx(db, put_tx, &p);
}

/* --- ListMessages --------------------------------------------------------- */

typedef Smartmed__Hl7__V1__StoredMessage stored_msg;

typedef struct list_ctx {
	med_arena *arena;
	Smartmed__Hl7__V1__ListMessagesResponse *out;
	size_t cap;
} list_ctx;

static char *
col(med_arena *a, const med_db_row *row, size_t i)
{
	size_t n;
	const char *s = med_db_row_text(row, i, &n);
	char *o = med_arena_alloc(a, n + 1);

	if (o == NULL)
		return NULL;
	memcpy(o, s ? s : "", s ? n : 0);
	o[s ? n : 0] = '\0';
	return o;
}

/* split_changes turns the stored lines into the repeated field. */
static med_err
split_changes(med_arena *a, char *text, stored_msg *m)
{
	size_t n = 1;
	char *save = NULL;

	for (const char *t = text; *t; t++)
		n += *t == '\n';
	m->changes = med_arena_zalloc(a, n * sizeof(char *));
	if (m->changes == NULL)
		return MED_ERR_NOMEM;
	for (char *t = strtok_r(text, "\n", &save); t;
	     t = strtok_r(NULL, "\n", &save))
		m->changes[m->n_changes++] = t;
	return MED_OK;
}

#define LIST_COLUMNS                                                           \
	"message_id, received_ms, sending_app, sending_facility, control_id,"  \
	" message_type, trigger_event, patient_mrn, patient_id, ack_code,"     \
	" error, message, ack, changes, size_bytes"

static med_err
list_row(void *ctx, const med_db_row *row)
{
	list_ctx *l = ctx;
	stored_msg *m = med_arena_push_msg(
		l->arena, (void ***)&l->out->messages, &l->out->n_messages,
		&l->cap, &smartmed__hl7__v1__stored_message__descriptor);
	char *changes;

	if (m == NULL)
		return MED_ERR_NOMEM;
	m->message_id = med_db_row_int64(row, 0);
	m->received_ms = med_db_row_int64(row, 1);
	if ((m->sending_application = col(l->arena, row, 2)) == NULL ||
	    (m->sending_facility = col(l->arena, row, 3)) == NULL ||
	    (m->control_id = col(l->arena, row, 4)) == NULL ||
	    (m->message_type = col(l->arena, row, 5)) == NULL ||
	    (m->trigger_event = col(l->arena, row, 6)) == NULL ||
	    (m->patient_mrn = col(l->arena, row, 7)) == NULL ||
	    (m->patient_id = col(l->arena, row, 8)) == NULL ||
	    (m->ack_code = col(l->arena, row, 9)) == NULL ||
	    (m->error = col(l->arena, row, 10)) == NULL ||
	    (m->message = col(l->arena, row, 11)) == NULL ||
	    (m->ack = col(l->arena, row, 12)) == NULL ||
	    (changes = col(l->arena, row, 13)) == NULL)
		return MED_ERR_NOMEM;
	m->size_bytes = med_db_row_int64(row, 14);
	/* The message may hold bytes of another character set: the reply's
	 * string must be UTF-8. */
	if (!med_utf8_valid(m->message, strlen(m->message)))
		m->message = "(not UTF-8: read it from the database)";
	return split_changes(l->arena, changes, m);
}

/* add_sql appends text to the statement being built. */
static void
add_sql(char *sql, size_t cap, const char *text)
{
	snprintf(sql + strlen(sql), cap - strlen(sql), "%s", text);
}

/* add_filter appends "AND column = ?" for a set filter. */
static void
add_filter(char *sql, size_t cap, med_db_value *v, size_t *n,
	   const char *column, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	snprintf(sql + strlen(sql), cap - strlen(sql), " AND %s = ?", column);
	v[(*n)++] = MED_DB_STR(value);
}

typedef struct query_ctx {
	const Smartmed__Hl7__V1__ListMessagesRequest *req;
	const med_page *page;
	list_ctx *list;
} query_ctx;

static med_err
list_tx(med_db_conn *c, void *ctx)
{
	const query_ctx *q = ctx;
	const Smartmed__Hl7__V1__ListMessagesRequest *r = q->req;
	char sql[1024] =
		"SELECT " LIST_COLUMNS " FROM hl7_messages WHERE 1 = 1";
	med_db_value v[9];
	size_t n = 0;

	add_filter(sql, sizeof(sql), v, &n, "control_id", r->control_id);
	add_filter(sql, sizeof(sql), v, &n, "patient_mrn", r->patient_mrn);
	add_filter(sql, sizeof(sql), v, &n, "patient_id", r->patient_id);
	add_filter(sql, sizeof(sql), v, &n, "message_type", r->message_type);
	add_filter(sql, sizeof(sql), v, &n, "trigger_event", r->trigger_event);
	if (r->since_ms > 0) {
		add_sql(sql, sizeof(sql), " AND received_ms >= ?");
		v[n++] = MED_DB_I64(r->since_ms);
	}
	if (r->until_ms > 0) {
		add_sql(sql, sizeof(sql), " AND received_ms < ?");
		v[n++] = MED_DB_I64(r->until_ms);
	}
	add_sql(sql, sizeof(sql), " ORDER BY message_id DESC LIMIT ? OFFSET ?");
	v[n++] = MED_DB_I64((int64_t)q->page->size + 1);
	v[n++] = MED_DB_I64((int64_t)q->page->offset);
	q->list->out->n_messages = 0;
	q->list->cap = 0;
	return med_db_query(c, sql, v, n, list_row, q->list);
}

med_err
hl7_store_list(med_db *db, med_arena *arena,
	       const Smartmed__Hl7__V1__ListMessagesRequest *r,
	       const med_page *page,
	       Smartmed__Hl7__V1__ListMessagesResponse *out)
{
	list_ctx l = {.arena = arena, .out = out};
	query_ctx q = {.req = r, .page = page, .list = &l};

	return med_db_tx(db, list_tx, &q);
}
