/*
 * epoch.c - StartEpoch: an auditor's decision after a restore rolled the
 * log back behind the head the service had published (headfile.c).  The
 * log cannot go back to the published history, so the decision is to
 * continue from the restored log as a new epoch, and the log says so
 * itself: a statement entry naming the abandoned head (size, root, time,
 * key) and the positions lost, appended like any event, then the first
 * head of the new epoch, signed over it and kept in the head file.
 * auditverify log follows an epoch by its statement (tools/auditverify).
 *
 * It is three steps, not one transaction: the head can only be signed over
 * a committed statement.  A kill between them leaves the statement stored
 * and the rollback still reported at the next start; the auditor's second
 * decision appends a second statement for the same head.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/codec.h>
#include <med/util.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_svc.h"

#define REASON_MAX   200
#define N_STATEMENTS 8

/* One StartEpoch at a time: a second decision waits for the first and then
 * finds no rollback left to decide on. */
static pthread_mutex_t decide_mu = PTHREAD_MUTEX_INITIALIZER;

/* statement - the epoch statement event and the text it points to. */
typedef struct statement {
	char event_id[MED_UUID_LEN + 1];
	char actor[MED_PRINCIPAL_NAME_MAX], roles[160], request_id[130];
	char resource[48], epoch[16], size[24], root[MED_HEX_LEN(32)];
	char ts[24], key_id[AUDIT_KEY_ID_LEN + 1], restored[24];
	char first[24], last[24];
	char service[sizeof(MED_AUDIT_EPOCH_SERVICE)];
	char action[sizeof(MED_AUDIT_EPOCH_ACTION)];
	char code[2], purpose[16];
	Smartmed__Common__V1__AuditDetail d[N_STATEMENTS];
	Smartmed__Common__V1__AuditDetail *dp[N_STATEMENTS];
	Smartmed__Common__V1__AuditEvent ev;
} statement;

static void
detail_add(statement *s, const char *key, char *value)
{
	size_t i = s->ev.n_details++;

	smartmed__common__v1__audit_detail__init(&s->d[i]);
	/* protobuf-c's fields are not const; the event only borrows them. */
	s->d[i].key = (char *)(uintptr_t)key;
	s->d[i].value = value;
	s->dp[i] = &s->d[i];
}

/* statement_details names the abandoned head and what was lost. */
static void
statement_details(statement *s, const audit_published *p, uint64_t restored)
{
	const audit_sth *h = &p->head;

	snprintf(s->epoch, sizeof(s->epoch), "%" PRIu32, p->epoch + 1);
	snprintf(s->size, sizeof(s->size), "%" PRIu64, h->tree_size);
	med_hex_encode(s->root, sizeof(s->root), h->root, sizeof(h->root));
	snprintf(s->ts, sizeof(s->ts), "%" PRId64, h->timestamp_ms);
	med_strlcpy(s->key_id, h->key_id, sizeof(s->key_id));
	snprintf(s->restored, sizeof(s->restored), "%" PRIu64, restored);
	/* A restored log shorter than the head lost the positions after it;
	 * a longer one diverged somewhere no stored head can name. */
	if (restored < h->tree_size) {
		snprintf(s->first, sizeof(s->first), "%" PRIu64, restored + 1);
		snprintf(s->last, sizeof(s->last), "%" PRIu64, h->tree_size);
	}
	s->ev.details = s->dp;
	detail_add(s, MED_AUDIT_EPOCH_KEY_EPOCH, s->epoch);
	detail_add(s, MED_AUDIT_EPOCH_KEY_SIZE, s->size);
	detail_add(s, MED_AUDIT_EPOCH_KEY_ROOT, s->root);
	detail_add(s, MED_AUDIT_EPOCH_KEY_TIME, s->ts);
	detail_add(s, MED_AUDIT_EPOCH_KEY_KEY_ID, s->key_id);
	detail_add(s, MED_AUDIT_EPOCH_KEY_RESTORED, s->restored);
	detail_add(s, MED_AUDIT_EPOCH_KEY_LOST_FIRST, s->first);
	detail_add(s, MED_AUDIT_EPOCH_KEY_LOST_LAST, s->last);
}

/* statement_build fills s: who decided, why, and the details. */
static void
statement_build(statement *s, med_call *call, char *reason,
		const audit_published *p, uint64_t restored)
{
	const med_principal *who = med_call_principal(call);
	Smartmed__Common__V1__AuditEvent *ev = &s->ev;

	memset(s, 0, sizeof(*s));
	smartmed__common__v1__audit_event__init(ev);
	med_uuid_v4(s->event_id);
	med_strlcpy(s->actor, who->user, sizeof(s->actor));
	med_role_names(who->roles, s->roles, sizeof(s->roles));
	med_strlcpy(s->request_id, med_call_request_id(call),
		    sizeof(s->request_id));
	snprintf(s->resource, sizeof(s->resource), "audit-log/epoch/%" PRIu32,
		 p->epoch + 1);
	memcpy(s->service, MED_AUDIT_EPOCH_SERVICE, sizeof(s->service));
	memcpy(s->action, MED_AUDIT_EPOCH_ACTION, sizeof(s->action));
	memcpy(s->code, MED_AUDIT_ACTION_EXECUTE, sizeof(s->code));
	med_strlcpy(s->purpose, "HSYSADMIN", sizeof(s->purpose));
	ev->event_id = s->event_id;
	ev->time_ms = med_now_ms();
	ev->service = s->service;
	ev->action = s->action;
	ev->actor = s->actor;
	ev->actor_roles = s->roles;
	ev->resource = s->resource;
	ev->request_id = s->request_id;
	ev->detail = reason;
	ev->action_code = s->code;
	ev->purpose_of_use = s->purpose;
	statement_details(s, p, restored);
}

/* decision_problem: there is a rollback to decide on, and the caller
 * names its head. */
static med_err
decision_problem(med_call *call,
		 const Smartmed__Audit__V1__StartEpochRequest *req,
		 const audit_published *p, audit_head_state state)
{
	if (state != AUDIT_HEAD_ROLLBACK)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "no rollback to decide on: the log "
				     "extends the published head of %" PRIu64
				     " entries (epoch %" PRIu32 ")",
				     p->has_head ? p->head.tree_size : 0,
				     p->epoch);
	if (req->published_tree_size != p->head.tree_size)
		return med_call_fail(call, MED_ERR_INVALID,
				     "published_tree_size: the published head "
				     "the log does not extend has %" PRIu64
				     " entries, not %" PRIu64,
				     p->head.tree_size,
				     req->published_tree_size);
	return MED_OK;
}

typedef struct seq_tx {
	const char *event_id;
	uint64_t seq;
} seq_tx;

static med_err
statement_seq_tx(med_db_conn *c, void *arg)
{
	seq_tx *t = arg;
	med_db_value v[] = {MED_DB_STR(t->event_id)};

	t->seq = 0;
	return med_db_query(c, "SELECT seq FROM events WHERE event_id = ?", v,
			    1, med_db_row_take_int64, &t->seq);
}

/* epoch_reply fills the reply once the new epoch's first head is kept. */
static med_err
epoch_reply(med_call *call, audit_state *st, const statement *s, uint32_t epoch,
	    Smartmed__Audit__V1__StartEpochResponse *resp)
{
	seq_tx t = {s->event_id, 0};
	audit_published now;
	med_err err;

	audit_head_snapshot(st, &now, NULL, NULL);
	if (now.epoch != epoch)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "the statement is stored; the first head "
				     "of epoch %" PRIu32 " is signed at the "
				     "next interval",
				     epoch);
	if ((err = med_db_tx(med_call_db(call), statement_seq_tx, &t)) !=
	    MED_OK)
		return err;
	resp->epoch = now.epoch;
	resp->statement_leaf_index = t.seq - 1;
	return audit_head_pb(call, &now.head, &resp->head);
}

/* decide appends the statement and signs the epoch's first head. */
static med_err
decide(med_call *call, audit_state *st,
       const Smartmed__Audit__V1__StartEpochRequest *req,
       Smartmed__Audit__V1__StartEpochResponse *resp)
{
	static statement s; /* under decide_mu */
	Smartmed__Common__V1__AuditEvent *ev = &s.ev;
	audit_published p;
	audit_head_state state;
	uint64_t restored;
	uint32_t stored = 0, duplicates = 0;
	med_err err;

	audit_head_snapshot(st, &p, &state, &restored);
	if ((err = decision_problem(call, req, &p, state)) != MED_OK)
		return err;
	statement_build(&s, call, req->reason, &p, restored);
	med_call_add_details(call,
			     (const med_audit_detail[]){
				     {MED_AUDIT_EPOCH_KEY_EPOCH, s.epoch},
				     {MED_AUDIT_EPOCH_KEY_SIZE, s.size},
				     {MED_AUDIT_EPOCH_KEY_RESTORED, s.restored},
			     },
			     3);
	if ((err = audit_append_batch(st, &ev, 1, &stored, &duplicates)) !=
	    MED_OK)
		return err;
	audit_head_begin_epoch(st);
	if ((err = audit_sth_sign_now(st)) != MED_OK)
		return err;
	resp->restored_size = restored;
	return epoch_reply(call, st, &s, p.epoch + 1, resp);
}

med_err
audit_rpc_start_epoch(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__StartEpochRequest *req = (const void *)in;
	med_err err;

	if ((err = med_check_text(call, "reason", req->reason, 1,
				  REASON_MAX)) != MED_OK)
		return err;
	pthread_mutex_lock(&decide_mu);
	err = decide(call, audit_state_of(call), req, (void *)out);
	pthread_mutex_unlock(&decide_mu);
	return err;
}
