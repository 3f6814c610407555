/*
 * rpc_idem.c - idempotent writes: a request id the client chose, kept with
 * the write it made (AIP-155's request_id, carried as x-request-id).
 *
 * A write whose call carries its own x-request-id inserts a row of
 * med_request_log (caller, request id, method, SHA-256 of the request,
 * patient) in the write's transaction, beside its audit event's outbox row:
 * the write and the memory of it commit together or not at all.  The row
 * is inserted first, before the handler's body: the insert is also the
 * look-up (a repeat fails it on the first call's key), so a new request
 * costs one statement, not a read and an insert.  Once the
 * call has its reply, the reply's bytes are added to the row.  A repeat of
 * the id by the same caller finds the row in its first transaction, before
 * the handler's body runs (its insert fails on it), and is answered from it:
 * the first reply and no second write, or, when the reply was not kept (a crash
 * between commit and reply, or a reply too large to keep), ALREADY_EXISTS
 * saying that the first call committed.  So a client that lost a reply (a
 * timeout, a dropped connection: an in-doubt commit) resolves it by sending the
 * same request with the same id again.  The same id with a different request is
 * refused.
 *
 * Ids the service generated for calls without one are never looked up:
 * they are fresh for every call.  Rows are pruned after
 * MED_REQUEST_LOG_KEEP_MS; a repeat after that is a new request.
 */
#include <med/log.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_internal.h"

/* Replies larger than this are not kept: the repeat learns the first call
 * committed and reads the result back. */
#define IDEM_REPLY_KEEP_MAX (256u << 10)
/* A row without its reply younger than this is a twin still finishing:
 * a live first call keeps its reply right after its commit.  Older, its
 * process is taken to be gone (killed with its node, say) and a repeat is
 * told to read the result back.  30 s kept clients that failed over from
 * a killed node waiting half a minute for that answer. */
#define IDEM_IN_PROGRESS_MS 5000
/* Reply states of a row. */
#define IDEM_REPLY_PENDING 0
#define IDEM_REPLY_KEPT	   1
#define IDEM_REPLY_TOO_BIG 2

static const char request_log_ddl[] =
	"CREATE TABLE IF NOT EXISTS med_request_log ("
	" actor VARCHAR(128) NOT NULL,"
	" request_id VARCHAR(64) NOT NULL,"
	" method VARCHAR(160) NOT NULL,"
	" request_sha256 BINARY(32) NOT NULL,"
	" patient_id VARCHAR(128) NOT NULL DEFAULT '',"
	" reply_state TINYINT NOT NULL DEFAULT 0,"
	" reply MEDIUMBLOB NULL,"
	" created_ms BIGINT NOT NULL,"
	" PRIMARY KEY (actor, request_id),"
	" KEY by_age (created_ms)"
	") ENGINE=InnoDB" MED_DB_BIN;

med_err
med_request_log_migrate(med_db *db)
{
	med_err err =
		med_db_exec_once(db, request_log_ddl, NULL, 0, NULL, NULL);

	/* A table made before MED_DB_BIN compared ids in latin1, folding
	 * case ("DR.CASE" got "dr.case"'s reply) and refusing other
	 * scripts (every write of "dr.李" with an id failed). */
	if (err == MED_OK)
		err = med_db_table_bin_once(db, "med_request_log");
	if (err != MED_OK)
		med_log_error("cannot create med_request_log: %s",
			      med_strerror(err));
	return err;
}

med_err
med_request_log_prune(med_db *db, int64_t keep_ms)
{
	med_db_value v = MED_DB_I64(med_now_ms() - keep_ms);

	/* Small batches: a long delete would hold locks writers wait on. */
	return med_db_exec_once(
		db,
		"DELETE FROM med_request_log WHERE created_ms < ?"
		" LIMIT 1000",
		&v, 1, NULL, NULL);
}

/* request_hash fills c->idem.sha256 from the request as decoded, once. */
static med_err
request_hash(med_call *c)
{
	size_t n;
	uint8_t *buf;

	if (c->idem.hashed)
		return MED_OK;
	n = protobuf_c_message_get_packed_size(c->in);
	if ((buf = malloc(n ? n : 1)) == NULL)
		return MED_ERR_NOMEM;
	protobuf_c_message_pack(c->in, buf);
	crypto_hash_sha256(c->idem.sha256, buf, n);
	free(buf);
	c->idem.hashed = true;
	return MED_OK;
}

/* first_call_row reads the row of an id already used by this caller. */
static med_err
first_call_row(void *ctx, const med_db_row *row)
{
	med_call *c = ctx;
	rpc_idem *d = &c->idem;
	size_t len = 0;
	const char *hash = med_db_row_text(row, 1, &len);
	const char *reply;
	int64_t state = med_db_row_int64(row, 3);

	med_strlcpy(d->first_method, med_db_row_text(row, 0, NULL),
		    sizeof(d->first_method));
	med_strlcpy(d->first_patient, med_db_row_text(row, 2, NULL),
		    sizeof(d->first_patient));
	d->first_ms = med_db_row_int64(row, 5);
	if (strcmp(d->first_method, c->rm->m->path) != 0 || hash == NULL ||
	    len != sizeof(d->sha256) ||
	    sodium_memcmp(hash, d->sha256, sizeof(d->sha256)) != 0) {
		d->state = RPC_IDEM_OTHER_REQUEST;
		return MED_OK;
	}
	if (state != IDEM_REPLY_KEPT) {
		d->state = state == IDEM_REPLY_PENDING &&
					   med_now_ms() - d->first_ms <
						   IDEM_IN_PROGRESS_MS
				   ? RPC_IDEM_IN_PROGRESS
				   : RPC_IDEM_NO_REPLY;
		return MED_OK;
	}
	reply = med_db_row_text(row, 4, &len);
	d->reply = med_arena_alloc(c->arena, len ? len : 1);
	if (d->reply == NULL)
		return MED_ERR_NOMEM;
	if (len > 0)
		memcpy(d->reply, reply, len);
	d->reply_len = len;
	d->state = RPC_IDEM_REPLAY;
	return MED_OK;
}

/* idem_read reads the row of the caller's id that a twin committed. */
static med_err
idem_read(med_call *c, med_db_conn *conn)
{
	med_db_value v[] = {MED_DB_STR(c->principal.user),
			    MED_DB_STR(c->request_id)};

	/* A locking read: the newest committed row, whatever this
	 * transaction's snapshot would show. */
	return med_db_query(conn,
			    "SELECT method, request_sha256, patient_id,"
			    " reply_state, reply, created_ms"
			    " FROM med_request_log"
			    " WHERE actor = ? AND request_id = ?"
			    " LOCK IN SHARE MODE",
			    v, 2, first_call_row, c);
}

/*
 * med__idem_check inserts the call's row first, in the statement that
 * also finds a repeat: the insert fails on the row of an id already used
 * (waiting, while a twin's transaction runs, for it to end), and only then
 * is the row read.  The patient is the one named so far; med__idem_record
 * corrects it should the body name another.
 */
med_err
med__idem_check(med_call *c, med_db_conn *conn)
{
	med_db_value v[6];
	med_err err;

	c->idem.state = RPC_IDEM_NEW;
	if (!c->client_request_id)
		return MED_OK;
	if ((err = request_hash(c)) != MED_OK)
		return err;
	v[0] = MED_DB_STR(c->principal.user);
	v[1] = MED_DB_STR(c->request_id);
	v[2] = MED_DB_STR(c->rm->m->path);
	v[3] = MED_DB_BLOBV(c->idem.sha256, sizeof(c->idem.sha256));
	v[4] = MED_DB_STR(c->patient_id);
	v[5] = MED_DB_I64(med_now_ms());
	err = med_db_exec(conn,
			  "INSERT INTO med_request_log (actor, request_id,"
			  " method, request_sha256, patient_id, created_ms)"
			  " VALUES (?, ?, ?, ?, ?, ?)",
			  v, 6, NULL, NULL);
	if (err == MED_OK) {
		/* For a new call, the patient its row holds. */
		med_strlcpy(c->idem.first_patient, c->patient_id,
			    sizeof(c->idem.first_patient));
		return MED_OK;
	}
	if (err != MED_ERR_EXISTS || (err = idem_read(c, conn)) != MED_OK)
		return err;
	/* Pruned between the two statements: the whole transaction runs
	 * again, and its insert succeeds. */
	if (c->idem.state == RPC_IDEM_NEW)
		return MED_ERR_CONFLICT;
	return MED_ERR_EXISTS;
}

med_err
med__idem_record(med_call *c, med_db_conn *conn)
{
	med_db_value v[3];

	if (!c->client_request_id ||
	    strcmp(c->patient_id, c->idem.first_patient) == 0)
		return MED_OK;
	/* The body named the patient (an entry's, known only once read). */
	v[0] = MED_DB_STR(c->patient_id);
	v[1] = MED_DB_STR(c->principal.user);
	v[2] = MED_DB_STR(c->request_id);
	return med_db_exec(conn,
			   "UPDATE med_request_log SET patient_id = ?"
			   " WHERE actor = ? AND request_id = ?",
			   v, 3, NULL, NULL);
}

void
med__idem_keep_reply(med_call *c, grpc_byte_buffer *reply)
{
	grpc_slice sl;
	size_t n;
	med_db_value v[4];
	med_err err;

	if (!c->idem.logged || reply == NULL)
		return;
	/* The bytes the client is sent, not a second packing of them. */
	sl = med__rpc_read(reply);
	n = GRPC_SLICE_LENGTH(sl);
	v[0] = MED_DB_I64(n <= IDEM_REPLY_KEEP_MAX ? IDEM_REPLY_KEPT
						   : IDEM_REPLY_TOO_BIG);
	v[1] = n <= IDEM_REPLY_KEEP_MAX
		       ? MED_DB_BLOBV(GRPC_SLICE_START_PTR(sl), n)
		       : MED_DB_NULLV();
	v[2] = MED_DB_STR(c->principal.user);
	v[3] = MED_DB_STR(c->request_id);
	err = med_db_exec_once(med_call_db(c),
			       "UPDATE med_request_log SET reply_state = ?,"
			       " reply = ? WHERE actor = ? AND request_id = ?",
			       v, 4, NULL, NULL);
	grpc_slice_unref(sl);
	/* The write stands; a repeat is told it committed, without a reply. */
	if (err != MED_OK)
		med_log_warn("request %s: reply not kept for repeats: %s",
			     c->request_id, med_strerror(err));
}

/* idem_refuse sets the status of a repeat that gets no reply. */
static med_err
idem_refuse(med_call *c)
{
	const rpc_idem *d = &c->idem;

	switch (d->state) {
	case RPC_IDEM_OTHER_REQUEST:
		return med_call_fail(c, MED_ERR_INVALID,
				     "x-request-id %s was already used by %s "
				     "for a different request; use a new id",
				     c->request_id, d->first_method);
	case RPC_IDEM_IN_PROGRESS:
		return med_call_fail(c, MED_ERR_CONFLICT,
				     "request %s is still being completed by "
				     "its first call; repeat it shortly",
				     c->request_id);
	default:
		return med_call_fail(
			c, MED_ERR_EXISTS,
			"request %s was already carried out and "
			"committed (at %lld ms); its reply was not "
			"kept: read the result back",
			c->request_id, (long long)d->first_ms);
	}
}

bool
med__idem_answer(med_call *c, med_err *err, grpc_byte_buffer **bb)
{
	grpc_slice sl;

	if (c->idem.state == RPC_IDEM_NEW)
		return false;
	/* The repeat is about the first call's patient: for its audit, and
	 * the caller must still be allowed to see that patient. */
	if (c->patient_id[0] == '\0' && c->idem.first_patient[0] != '\0')
		med_call_set_patient(c, c->idem.first_patient);
	if (c->care_err != MED_OK) {
		*err = med_call_fail(c, c->care_err, "%s", c->care_msg);
		return true;
	}
	if (c->idem.state != RPC_IDEM_REPLAY) {
		*err = idem_refuse(c);
		return true;
	}
	c->fail_msg[0] = '\0';
	sl = grpc_slice_from_copied_buffer((const char *)c->idem.reply,
					   c->idem.reply_len);
	*bb = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	*err = MED_OK;
	return true;
}
