/*
 * rpc_call_audit.c - a call's audit: the access event (and a break-glass
 * session's start or stop) emitted when the call ends, and the OK event a
 * write commits with its data in the audit outbox (med_call_tx).
 */
#include <stdio.h>
#include <string.h>

#include <med/audit.h>
#include <med/log.h>
#include <med/util.h>

#include "rpc_internal.h"

/* --- the access event -------------------------------------------------- */

bool
med__rpc_needs_audit(const med_call *c)
{
	return c->srv->opts.audit != NULL &&
	       !(c->rm->m->roles & MED_ROLES_PUBLIC);
}

/*
 * action_code classifies a method for the audit log (FHIR AuditEvent.action):
 * what its table entry says, else the verb a standard method's name starts
 * with (med_method.audit_action).
 */
const char *
med__rpc_action_code(const med_method *m)
{
	static const struct {
		const char *verb, *code;
	} verbs[] = {
		{"Create", "C"}, {"Add", "C"},	  {"Enroll", "C"},
		{"Get", "R"},	 {"List", "R"},	  {"Search", "R"},
		{"Query", "R"},	 {"Export", "R"}, {"History", "R"},
		{"Update", "U"}, {"Upsert", "U"}, {"Amend", "U"},
		{"Set", "U"},	 {"Link", "U"},	  {"Unlink", "U"},
		{"Delete", "D"},
	};
	const char *name = strrchr(m->path, '/');

	if (m->audit_action != NULL)
		return m->audit_action;
	name = name ? name + 1 : m->path;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncmp(name, verbs[i].verb, strlen(verbs[i].verb)) == 0)
			return verbs[i].code;
	return MED_AUDIT_ACTION_EXECUTE;
}

/* log_lost puts an event that could not be spooled in the log: it must
 * not vanish silently. */
static void
log_lost(const med_call *c, const med_audit_event *ev, med_err err)
{
	med_log_error("audit: event lost (%s): action=%s actor=%s outcome=%d "
		      "request_id=%s",
		      med_strerror(err), ev->action, ev->actor, ev->outcome,
		      c->request_id);
}

/* emit makes ev durable, or (wait false) writes it for a later commit to
 * cover; false (and a log line) when it could not. */
static bool
emit(med_call *c, const med_audit_event *ev, bool wait)
{
	med_audit *a = med__call_audit(c);
	med_err err = wait ? med_audit_emit(a, ev) : med_audit_append(a, ev);

	if (err == MED_OK)
		return true;
	log_lost(c, ev, err);
	return false;
}

/*
 * audit_break_glass records the start or the stop of a break-glass session
 * as an event of its own (DICOM 110127 "Emergency Override Started" and
 * its stop), so that auditors find sessions without reading every access.
 */
static bool
audit_break_glass(med_call *c, bool wait)
{
	char detail[RPC_BG_DETAIL_MAX], resource[64];
	bool start = c->bg_event == RPC_BG_START;
	med_audit_event ev = {
		.action = start ? MED_BREAK_GLASS_START_ACTION
				: MED_BREAK_GLASS_STOP_ACTION,
		.actor = c->principal.user,
		.actor_roles = c->principal.roles,
		.outcome = 0,
		.request_id = c->request_id,
		.resource = resource,
		.detail = detail,
		.action_code = "E",
		.purpose_of_use = "ETREAT",
		.break_glass = true,
	};

	snprintf(resource, sizeof(resource), "break-glass/%s", c->bg.id);
	snprintf(detail, sizeof(detail),
		 "grant=%s reason=%s not_before=%lld expires=%lld method=%s",
		 c->bg.id, c->bg.reason, (long long)c->bg.not_before_s,
		 (long long)c->bg.expires_s, c->rm->m->path);
	return emit(c, &ev, wait);
}

/*
 * actor_of names c's caller in its events.  A local call's request may come
 * from anyone (an HTTP client without a token): its event names an absent
 * caller "anonymous", as the FHIR facade's events always have.
 */
static const char *
actor_of(const med_call *c)
{
	if (c->principal.user[0] == '\0' && med__call_is_local(c))
		return "anonymous";
	return c->principal.user;
}

/* access_event fills ev with the access event of c ending with code. */
static void
access_event(med_call *c, int code, med_audit_event *ev, char *detail,
	     size_t detail_len)
{
	*ev = (med_audit_event){
		.action = med__call_action(c),
		.actor = actor_of(c),
		.actor_roles = c->principal.roles,
		.patient_id = c->patient_id,
		.resource = c->resource,
		.outcome = code,
		.request_id = c->request_id,
		.action_code = med__call_action_code(c),
		.purpose_of_use = c->purpose_of_use,
		.break_glass = c->principal.break_glass,
		.detail = detail,
		.details = c->audit_details,
		.n_details = c->n_audit_details,
	};
	detail[0] = '\0';
	if (c->principal.break_glass)
		snprintf(detail, detail_len, "break-glass grant=%s", c->bg.id);
	if (c->idem.state != RPC_IDEM_NEW)
		snprintf(detail + strlen(detail), detail_len - strlen(detail),
			 "%srepeat of request %s: nothing written again",
			 detail[0] ? "; " : "", c->request_id);
	/* The OK event is already committed: this one records the failure
	 * that came after, under the same request id. */
	if (c->audit_outboxed && code != 0)
		snprintf(detail + strlen(detail), detail_len - strlen(detail),
			 "%sfailed after its write committed",
			 detail[0] ? "; " : "");
}

/* has_bg_event is true when c starts or stops a break-glass session. */
static bool
has_bg_event(const med_call *c)
{
	return c->bg_event == RPC_BG_START || c->bg_event == RPC_BG_STOP;
}

/*
 * outbox_spooled tells the outbox relay that the committed copy of c's
 * event is in the spool too.  The event goes out in the order of the
 * calls under the same id (the audit service keeps one); should the spool
 * fail, the relay sends the committed copy, so the reply stands.
 */
static void
outbox_spooled(med_call *c, bool spooled)
{
	if (spooled)
		med_audit_outbox_spooled(c->outbox_db, c->outbox_row_id);
	else
		med_log_warn("audit: event %s waits in the outbox",
			     c->outbox_event_id);
}

/*
 * audit emits the access event; false when it could not be made durable.
 * A write whose OK event committed with it (med_call_tx) spools that event
 * when it ends OK and marks its outbox row spooled, so the relay deletes
 * the row without a second copy.
 */
bool
med__rpc_audit(med_call *c, int code)
{
	char detail[RPC_ACCESS_DETAIL_MAX];
	med_audit_event ev;
	bool ok = true;

	if (has_bg_event(c))
		ok = audit_break_glass(c, true);
	access_event(c, code, &ev, detail, sizeof(detail));
	if (c->audit_outboxed && code == 0) {
		ev.event_id = c->outbox_event_id;
		outbox_spooled(c, emit(c, &ev, true));
		return ok;
	}
	return emit(c, &ev, true) && ok;
}

/*
 * audit_end ends the wait of med__rpc_audit_async: c's events are durable
 * when spooled.  The break-glass event went first, so the same commit
 * covered it.
 */
static void
audit_end(med_call *c, bool spooled)
{
	bool ok = !c->audit_bg || (c->audit_bg_ok && spooled);

	if (c->audit_outboxed && c->end_code == 0)
		outbox_spooled(c, spooled);
	else
		ok = ok && spooled;
	if (c->audit_done != NULL)
		c->audit_done(c, ok);
	med__rpc_call_unref(c);
}

bool
med__rpc_audit_committed(const med_call *c, int code)
{
	return c->audit_outboxed && code == 0 && !has_bg_event(c);
}

/* audit_durable is the emitter's callback (a med_audit_durable_fn). */
static void
audit_durable(void *arg, med_err err)
{
	med_call *c = arg;

	if (err != MED_OK)
		med_log_error("audit: events of request %s not durable: %s",
			      c->request_id, med_strerror(err));
	audit_end(c, err == MED_OK);
}

/*
 * may_commit_here is true when the thread ending c may wait for the
 * spool's commit itself (issue 54): a worker thread that no other call
 * waits for.  A completion-queue thread never waits; a worker with calls
 * queued hands the commit to the flusher and goes on, so group commits
 * still gather a busy server's events.  Only when the server asks for it
 * (med_server_opts.audit_commit_on_handler).  A call whose reply does not wait
 * for the spool (done NULL) never waits here either.
 */
static bool
may_commit_here(med_call *c)
{
	return c->srv->opts.audit_commit_on_handler && c->on_pool &&
	       c->audit_done != NULL && med__rpc_work_idle(&c->srv->work);
}

void
med__rpc_audit_async(med_call *c, int code,
		     void (*done)(med_call *c, bool durable))
{
	char detail[RPC_ACCESS_DETAIL_MAX];
	med_audit_event ev;
	med_err err;

	c->audit_done = done;
	c->end_code = code;
	c->audit_bg = has_bg_event(c);
	c->audit_bg_ok = c->audit_bg && audit_break_glass(c, false);
	access_event(c, code, &ev, detail, sizeof(detail));
	if (c->audit_outboxed && code == 0)
		ev.event_id = c->outbox_event_id;
	c->audit_wait = (med_audit_wait){.fn = audit_durable, .arg = c};
	med__rpc_call_ref(c);
	err = may_commit_here(c) ? med_audit_emit_or_commit(med__call_audit(c),
							    &ev, &c->audit_wait)
				 : med_audit_emit_async(med__call_audit(c), &ev,
							&c->audit_wait);
	if (err != MED_OK) {
		log_lost(c, &ev, err);
		audit_end(c, false);
	}
}

/* --- the outbox -------------------------------------------------------- */

/* outbox_tx - a handler's transaction body and the call it serves. */
typedef struct outbox_tx {
	med_call *call;
	med_db_tx_fn fn;
	void *ctx;
	size_t n_details; /* the call's audit details before the first try */
} outbox_tx;

/* outbox_tx_body runs the handler's body, then inserts its OK event. */
static med_err
outbox_tx_body(med_db_conn *conn, void *arg)
{
	outbox_tx *t = arg;
	char detail[RPC_ACCESS_DETAIL_MAX];
	med_audit_event ev;
	med_err err;

	/* A retried transaction (deadlock) runs the body again: the details
	 * it added on the failed try go with that try. */
	t->call->n_audit_details = t->n_details;
	/* A repeat of a request id stops here, before the body writes. */
	if ((err = med__idem_check(t->call, conn)) != MED_OK)
		return err;
	if ((err = t->fn(conn, t->ctx)) != MED_OK ||
	    (err = t->call->care_err) != MED_OK)
		return err;
	access_event(t->call, 0, &ev, detail, sizeof(detail));
	med_uuid_v7(t->call->outbox_event_id);
	ev.event_id = t->call->outbox_event_id;
	err = med_audit_outbox_put(conn, t->call->srv->opts.audit, &ev,
				   &t->call->outbox_row_id);
	return err == MED_OK ? med__idem_record(t->call, conn) : err;
}

/* call_tx runs fn on db, with c's event in the outbox when c needs one. */
static med_err
call_tx(med_call *c, med_db *db, med_db_tx_fn fn, void *ctx)
{
	outbox_tx t = {.call = c, .fn = fn, .ctx = ctx};
	med_err err;

	if (c == NULL || c->rm == NULL || !med__rpc_needs_audit(c) ||
	    c->audit_outboxed)
		return med_db_tx(db, fn, ctx);
	t.n_details = c->n_audit_details;
	err = med_db_tx(db, outbox_tx_body, &t);
	if (err == MED_OK) {
		c->audit_outboxed = true;
		c->outbox_db = db;
		c->idem.logged = c->client_request_id;
	}
	return err;
}

med_err
med_call_tx(med_call *call, med_db_tx_fn fn, void *ctx)
{
	if (call == NULL || fn == NULL)
		return MED_ERR_INVALID;
	return call_tx(call, med_call_db(call), fn, ctx);
}

void
med__rpc_handler_enter(med_call *c)
{
	med_log_set_request_id(c->request_id);
}

void
med__rpc_handler_leave(void)
{
	med_log_set_request_id(NULL);
}
