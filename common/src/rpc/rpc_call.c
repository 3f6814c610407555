/*
 * rpc_call.c - one server call: request id, authentication and roles,
 * deadline, decode and validation, the handler (inline for unary calls, on
 * its own thread for streams), the reply, the status and the audit event.
 *
 * Unary handlers run on the completion-queue thread, so the core cannot
 * report a client's cancellation to them while they run; they see the
 * deadline and the drain through med_call_is_cancelled.  Streaming calls
 * issue RECV_CLOSE_ON_SERVER at the start and also see cancellation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <med/audit.h>
#include <med/care.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/service.h>
#include <med/util.h>

#include "rpc_internal.h"

/* The per-call arena holds the decoded request and the reply. */
#define ARENA_FACTOR 4
#define ARENA_BASE   (64u << 10)

/* The call this thread is running a handler for (med_db_tx_audited). */
static _Thread_local med_call *current_call;

/* --- byte buffers --------------------------------------------------------- */

/*
 * The send cap is checked here, before anything is sent, because gRPC's own
 * check fails the call on the wire ("Sent message larger than max") after
 * the service has already logged, counted and audited it as a success.
 * Refused here, the call ends RESOURCE_EXHAUSTED everywhere alike.
 */
med_err
med__rpc_pack(med_call *c, const ProtobufCMessage *msg, grpc_byte_buffer **out)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	size_t max = c->srv->opts.max_message_bytes;
	grpc_slice sl;

	if (n > max)
		return med_call_fail(
			c, MED_ERR_LIMIT,
			"the reply is %zu bytes; the limit is %zu; "
			"ask for a smaller page",
			n, max);
	sl = grpc_slice_malloc(n);
	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(sl));
	*out = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	return MED_OK;
}

grpc_slice
med__rpc_read(grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	grpc_slice sl;

	if (!grpc_byte_buffer_reader_init(&r, bb))
		return grpc_empty_slice();
	sl = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	return sl;
}

void
med__rpc_initial_md(med_call *c, grpc_op *op)
{
	op->op = GRPC_OP_SEND_INITIAL_METADATA;
	if (c->bg_event != RPC_BG_START || c->bg_issued[0] == '\0')
		return;
	/* A new break-glass grant goes back to its holder here. */
	snprintf(c->bg_expires, sizeof(c->bg_expires), "%lld",
		 (long long)c->bg.expires_s);
	c->md_out[0].key = grpc_slice_from_static_string("x-break-glass-grant");
	c->md_out[0].value = grpc_slice_from_static_string(c->bg_issued);
	c->md_out[1].key =
		grpc_slice_from_static_string("x-break-glass-expires");
	c->md_out[1].value = grpc_slice_from_static_string(c->bg_expires);
	op->data.send_initial_metadata.count = 2;
	op->data.send_initial_metadata.metadata = c->md_out;
}

/* --- accessors ------------------------------------------------------------ */

med_arena *
med_call_arena(med_call *call)
{
	return call->arena;
}

void *
med_call_data(med_call *call)
{
	return call->srv->opts.service_data;
}

const med_principal *
med_call_principal(med_call *call)
{
	return &call->principal;
}

const char *
med_call_peer(med_call *call)
{
	return call->principal.peer;
}

bool
med_call_is_break_glass(med_call *call)
{
	return call->principal.break_glass;
}

void
med_call_mark_break_glass(med_call *call, const char *grant_id)
{
	/* The access event reads these three (access_event); the roles
	 * were settled before the handler ran, so nothing widens here. */
	med_strlcpy(call->bg.id, grant_id, sizeof(call->bg.id));
	call->principal.break_glass = true;
	call->purpose_of_use = "ETREAT";
}

const char *
med_call_request_id(med_call *call)
{
	return call->request_id;
}

const med_method *
med_call_method(med_call *call)
{
	return call->rm != NULL ? call->rm->m : NULL;
}

static bool
deadline_is_infinite(gpr_timespec dl)
{
	return gpr_time_cmp(dl, gpr_inf_future(dl.clock_type)) == 0;
}

int64_t
med_call_remaining_ms(med_call *call)
{
	gpr_timespec left;
	int64_t ms;

	if (deadline_is_infinite(call->deadline))
		return INT64_MAX;
	left = gpr_time_sub(call->deadline, gpr_now(GPR_CLOCK_MONOTONIC));
	ms = left.tv_sec * 1000 + left.tv_nsec / 1000000;
	return ms > 0 ? ms : 0;
}

bool
med_call_is_cancelled(med_call *call)
{
	if (atomic_load(&call->cancelled) || atomic_load(&call->srv->draining))
		return true;
	return med_call_remaining_ms(call) == 0;
}

static const char *action_code(const med_method *m);

/* Naming the patient is where the care relationship is decided. */
void
med_call_set_patient(med_call *call, const char *patient_id)
{
	med_strlcpy(call->patient_id, patient_id ? patient_id : "",
		    sizeof(call->patient_id));
	if (call->care_err == MED_OK && call->rm != NULL)
		call->care_err =
			med_care_decide(call, call->patient_id,
					strcmp(action_code(call->rm->m),
					       MED_AUDIT_ACTION_READ) == 0,
					call->care_msg, sizeof(call->care_msg));
}

med_err
med_call_add_detail(med_call *call, const char *key, const char *value)
{
	med_audit_detail *d;

	if (key == NULL || value == NULL || call->arena == NULL)
		return MED_ERR_INVALID;
	if (call->n_audit_details == MED_AUDIT_MAX_DETAILS)
		return MED_ERR_LIMIT;
	d = &call->audit_details[call->n_audit_details];
	d->key = med_arena_strdup(call->arena, key);
	d->value = med_arena_strdup(call->arena, value);
	if (d->key == NULL || d->value == NULL)
		return MED_ERR_NOMEM;
	call->n_audit_details++;
	return MED_OK;
}

void
med_call_add_details(med_call *call, const med_audit_detail *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (med_call_add_detail(call, d[i].key, d[i].value) != MED_OK)
			med_log_error("audit: detail %s of %s not recorded",
				      d[i].key, call->rm->m->path);
}

med_err
med_call_fail(med_call *call, med_err err, const char *fmt, ...)
{
	va_list ap;

	call->fail_err = err;
	va_start(ap, fmt);
	vsnprintf(call->fail_msg, sizeof(call->fail_msg), fmt, ap);
	va_end(ap);
	return err;
}

med_err
med_call_fail_problem(med_call *call, const med_problem *p)
{
	if (p->field[0] == '\0')
		return med_call_fail(call, p->err, "%s", p->reason);
	return med_call_fail(call, p->err, "%s: %s", p->field, p->reason);
}

/* --- metadata ---------------------------------------------------------------
 */

static bool
slice_is(grpc_slice sl, const char *s)
{
	size_t n = strlen(s);

	return GRPC_SLICE_LENGTH(sl) == n &&
	       memcmp(GRPC_SLICE_START_PTR(sl), s, n) == 0;
}

/* request_id_ok accepts short printable ids only: they go into logs. */
static bool
request_id_ok(const uint8_t *p, size_t n)
{
	if (n == 0 || n > RPC_REQUEST_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return false;
	return true;
}

/* HL7 v3 PurposeOfUse codes a caller may declare in x-purpose-of-use. */
static const char *const purpose_codes[] = {
	"TREAT",   "ETREAT", "HOPERAT",	  "HPAYMT", "PATRQT",
	"PUBHLTH", "HRESCH", "HSYSADMIN", NULL,
};

/* purpose_lookup returns the static code equal to v[0..n), or NULL. */
static const char *
purpose_lookup(const uint8_t *v, size_t n)
{
	for (const char *const *p = purpose_codes; *p; p++)
		if (strlen(*p) == n && memcmp(*p, v, n) == 0)
			return *p;
	return NULL;
}

/* bg_md - the break-glass headers of a call (slices of its metadata). */
typedef struct bg_md {
	const char *grant, *start, *stop, *minutes;
	size_t grant_len, start_len, stop_len, minutes_len;
} bg_md;

/* read_bg_header takes one x-break-glass* header into bg; false if none. */
static bool
read_bg_header(const grpc_metadata *md, bg_md *bg)
{
	const char *v = (const char *)GRPC_SLICE_START_PTR(md->value);
	size_t n = GRPC_SLICE_LENGTH(md->value);

	if (slice_is(md->key, "x-break-glass")) {
		bg->grant = v;
		bg->grant_len = n;
	} else if (slice_is(md->key, "x-break-glass-start")) {
		bg->start = v;
		bg->start_len = n;
	} else if (slice_is(md->key, "x-break-glass-stop")) {
		bg->stop = v;
		bg->stop_len = n;
	} else if (slice_is(md->key, "x-break-glass-minutes")) {
		bg->minutes = v;
		bg->minutes_len = n;
	} else {
		return false;
	}
	return true;
}

/*
 * read_metadata takes the request id, the declared purpose of use, the
 * bearer token and the break-glass headers from the call.
 */
static void
read_metadata(med_call *c, med_auth_input *in, bg_md *bg)
{
	c->purpose_of_use = purpose_codes[0];
	for (size_t i = 0; i < c->req_md.count; i++) {
		const grpc_metadata *md = &c->req_md.metadata[i];
		const uint8_t *v = GRPC_SLICE_START_PTR(md->value);
		size_t n = GRPC_SLICE_LENGTH(md->value);

		if (read_bg_header(md, bg))
			continue;
		if (slice_is(md->key, "x-request-id") && request_id_ok(v, n)) {
			memcpy(c->request_id, v, n);
			c->request_id[n] = '\0';
			c->client_request_id = true;
		} else if (slice_is(md->key, "x-purpose-of-use")) {
			c->purpose_of_use = purpose_lookup(v, n);
		} else if (slice_is(md->key, "authorization") && n > 7 &&
			   strncasecmp((const char *)v, "bearer ", 7) == 0) {
			in->bearer = (const char *)v + 7;
			in->bearer_len = n - 7;
		}
	}
	if (c->request_id[0] == '\0')
		med_uuid_v4(c->request_id);
}

/* --- ending a call ----------------------------------------------------------
 */

static bool
needs_audit(const med_call *c)
{
	return c->srv->opts.audit != NULL &&
	       !(c->rm->m->roles & MED_ROLES_PUBLIC);
}

/*
 * action_code classifies a method for the audit log (FHIR AuditEvent.action):
 * what its table entry says, else the verb a standard method's name starts
 * with (med_method.audit_action).
 */
static const char *
action_code(const med_method *m)
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

/* emit makes ev durable; false (and a log line) when it could not. */
static bool
emit(med_call *c, const med_audit_event *ev)
{
	med_err err = med_audit_emit(c->srv->opts.audit, ev);

	if (err == MED_OK)
		return true;
	/* The event must not vanish silently: it goes to the log instead. */
	med_log_error("audit: event lost (%s): action=%s actor=%s outcome=%d "
		      "request_id=%s",
		      med_strerror(err), ev->action, ev->actor, ev->outcome,
		      c->request_id);
	return false;
}

/*
 * audit_break_glass records the start or the stop of a break-glass session
 * as an event of its own (DICOM 110127 "Emergency Override Started" and
 * its stop), so that auditors find sessions without reading every access.
 */
static bool
audit_break_glass(med_call *c)
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
	return emit(c, &ev);
}

/* access_event fills ev with the access event of c ending with code. */
static void
access_event(med_call *c, int code, med_audit_event *ev, char *detail,
	     size_t detail_len)
{
	const med_method *m = c->rm->m;

	*ev = (med_audit_event){
		.action = m->path,
		.actor = c->principal.user,
		.actor_roles = c->principal.roles,
		.patient_id = c->patient_id,
		.outcome = code,
		.request_id = c->request_id,
		.action_code = action_code(m),
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

/*
 * audit emits the access event; false when it could not be made durable.
 * A write whose OK event committed with it (med_call_tx) spools that event
 * when it ends OK and marks its outbox row spooled, so the relay deletes
 * the row without a second copy.
 */
static bool
audit(med_call *c, int code)
{
	char detail[RPC_ACCESS_DETAIL_MAX];
	med_audit_event ev;
	bool ok = true;

	if (c->bg_event == RPC_BG_START || c->bg_event == RPC_BG_STOP)
		ok = audit_break_glass(c);
	access_event(c, code, &ev, detail, sizeof(detail));
	if (c->audit_outboxed && code == 0) {
		/* The event committed with the write goes out now, in the
		 * order of the calls, under the same id (the audit service
		 * keeps one); should the spool fail, the outbox relay sends
		 * the committed copy, so the reply stands. */
		ev.event_id = c->outbox_event_id;
		if (emit(c, &ev))
			med_audit_outbox_spooled(c->outbox_db,
						 c->outbox_row_id);
		else
			med_log_warn("audit: event %s waits in the outbox",
				     c->outbox_event_id);
		return ok;
	}
	return emit(c, &ev) && ok;
}

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
	med_uuid_v4(t->call->outbox_event_id);
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

	if (c == NULL || c->rm == NULL || !needs_audit(c) || c->audit_outboxed)
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

med_err
med_db_tx_audited(med_db *db, med_db_tx_fn fn, void *ctx)
{
	return call_tx(current_call, db, fn, ctx);
}

void
med_db_tx_audit_patient(const char *patient_id)
{
	if (current_call != NULL && patient_id != NULL)
		med_call_set_patient(current_call, patient_id);
}

med_err
med_db_tx_limit(const char *fmt, ...)
{
	va_list ap;

	if (current_call == NULL)
		return MED_ERR_LIMIT;
	current_call->fail_err = MED_ERR_LIMIT;
	va_start(ap, fmt);
	vsnprintf(current_call->fail_msg, sizeof(current_call->fail_msg), fmt,
		  ap);
	va_end(ap);
	return MED_ERR_LIMIT;
}

/*
 * log_access writes one line per call with its request id.  The status
 * message is safe to log: handlers never put patient data in it.
 */
static void
log_access(const med_call *c, int code, const char *msg)
{
	double ms = (double)(med_mono_ns() - c->start_ns) / 1e6;
	bool bad = code == GRPC_STATUS_INTERNAL ||
		   code == GRPC_STATUS_UNKNOWN || code == GRPC_STATUS_DATA_LOSS;

	med_log_set_request_id(c->request_id);
	med_log(bad ? MED_LOG_ERROR : MED_LOG_INFO,
		"rpc %s %s %.3f ms user=%s%s%s", c->rm->m->path,
		med_grpc_status_name(code), ms,
		c->principal.user[0] ? c->principal.user : "-", msg ? ": " : "",
		msg ? msg : "");
	med_log_set_request_id(NULL);
}

/*
 * bg_withdraw_if_refused drops a grant this call was to start when the
 * call itself is refused: the caller never receives it and no session
 * start is audited, so a denied call cannot leave a usable grant behind.
 * A stream that has already sent its headers has handed the grant over,
 * and its start stays on record.
 */
static void
bg_withdraw_if_refused(med_call *c, int code)
{
	if (c->bg_event != RPC_BG_START ||
	    (code != GRPC_STATUS_PERMISSION_DENIED &&
	     code != GRPC_STATUS_UNAUTHENTICATED))
		return;
	pthread_mutex_lock(&c->mu);
	if (!c->md_sent) {
		memset(c->bg_issued, 0, sizeof(c->bg_issued));
		memset(&c->bg, 0, sizeof(c->bg));
		c->bg_event = RPC_BG_NONE;
		c->principal.break_glass = false;
	}
	pthread_mutex_unlock(&c->mu);
}

/* complete ends the call with err (MED_OK: reply with out). */
static void
complete(med_call *c, med_err err, const ProtobufCMessage *out)
{
	int code = err != MED_OK ? med_err_to_grpc_status(err) : 0;
	const char *msg = NULL;
	grpc_byte_buffer *bb = NULL;

	if (c->care_err != MED_OK) {
		err = c->care_err;
		code = med_err_to_grpc_status(err);
		med_strlcpy(c->fail_msg, c->care_msg, sizeof(c->fail_msg));
	}
	if (err == MED_ERR_CANCELLED && med_call_remaining_ms(c) == 0) {
		/* A handler that stopped for its deadline reports it. */
		err = MED_ERR_TIMEOUT;
		code = med_err_to_grpc_status(err);
	}
	if (med__idem_answer(c, &err, &bb)) {
		/* A repeat: the first call's reply, whatever the handler said
		 * after its transaction stopped at the request log. */
		code = med_err_to_grpc_status(err);
	} else if (err == MED_OK && out != NULL) {
		err = med__rpc_pack(c, out, &bb);
		code = med_err_to_grpc_status(err);
		if (err == MED_OK)
			med__idem_keep_reply(c, bb);
	}
	if (err != MED_OK)
		msg = c->fail_msg[0] ? c->fail_msg : med_strerror(err);
	bg_withdraw_if_refused(c, code);
	if (needs_audit(c) && !audit(c, code) && code == 0) {
		/* No unaudited access: the reply is withheld. */
		code = GRPC_STATUS_INTERNAL;
		msg = "audit unavailable";
		if (bb != NULL)
			grpc_byte_buffer_destroy(bb);
		bb = NULL;
	}
	log_access(c, code, msg);
	med__rpc_call_finish(c, code, msg, bb);
}

static void
reject(med_call *c, med_err err, const char *msg)
{
	if (c->fail_msg[0] == '\0')
		med_strlcpy(c->fail_msg, msg, sizeof(c->fail_msg));
	complete(c, err, NULL);
}

/* --- before the handler ------------------------------------------------- */

/*
 * identify asks the authenticator who is calling: a bearer token names a
 * user; a verified peer certificate alone may name a service.
 */
static void
identify(med_call *c, const med_auth_input *in, const char *peer)
{
	const med_authenticator *a = &c->srv->opts.auth;
	med_err err;

	if (a->authenticate == NULL || (in->bearer == NULL && peer[0] == '\0'))
		return;
	err = a->authenticate(a->self, in, &c->principal);
	if (err != MED_OK || !c->principal.authenticated) {
		memset(&c->principal, 0, sizeof(c->principal));
		return;
	}
	/* The authenticator's view of these is never trusted. */
	med_strlcpy(c->principal.peer, peer, sizeof(c->principal.peer));
	c->principal.break_glass = false;
}

/* bg_fail records a break-glass refusal. */
static med_err
bg_fail(med_call *c, med_err err, const char *msg)
{
	memset(&c->bg, 0, sizeof(c->bg));
	c->bg_event = RPC_BG_NONE;
	return med_call_fail(c, err, "%s", msg);
}

/* bg_minutes reads x-break-glass-minutes (absent: 0, the default). */
static bool
bg_minutes(const bg_md *bg, int *out)
{
	int v = 0;

	*out = 0;
	if (bg->minutes == NULL)
		return true;
	if (bg->minutes_len == 0 || bg->minutes_len > 4)
		return false;
	for (size_t i = 0; i < bg->minutes_len; i++) {
		if (bg->minutes[i] < '0' || bg->minutes[i] > '9')
			return false;
		v = v * 10 + (bg->minutes[i] - '0');
	}
	*out = v;
	return v > 0;
}

/* bg_start issues a grant to the caller (x-break-glass-start: CODE). */
static med_err
bg_start(med_call *c, const med_break_glass *bgk, const bg_md *bg)
{
	char code[MED_BREAK_GLASS_CODE_MAX];
	int minutes;
	med_err err;

	if (!med_break_glass_can_issue(bgk))
		return bg_fail(c, MED_ERR_PRECONDITION,
			       "x-break-glass-start: this service does not "
			       "issue grants");
	if (bg->start_len >= sizeof(code) ||
	    !med_break_glass_reason_valid(bg->start, bg->start_len))
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass-start: not a known reason code");
	if (!bg_minutes(bg, &minutes))
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass-minutes: must be a positive "
			       "number");
	memcpy(code, bg->start, bg->start_len);
	code[bg->start_len] = '\0';
	err = med_break_glass_issue(bgk, &c->principal, code,
				    med_now_ms() / 1000, minutes * 60,
				    c->bg_issued, sizeof(c->bg_issued), &c->bg);
	if (err == MED_ERR_DENIED)
		return bg_fail(c, err,
			       "x-break-glass-start: only clinicians and "
			       "nurses may break the glass");
	if (err != MED_OK)
		return bg_fail(c, err,
			       "x-break-glass-start: duration beyond the "
			       "time box");
	c->bg_event = RPC_BG_START;
	return MED_OK;
}

/* bg_check verifies a presented grant and binds it to the caller. */
static med_err
bg_check(med_call *c, const med_break_glass *bgk, const char *g, size_t n,
	 int event)
{
	if (med_break_glass_verify(bgk, g, n, med_now_ms() / 1000, &c->bg) !=
	    MED_OK)
		return bg_fail(c, MED_ERR_UNAUTHENTICATED,
			       "x-break-glass: invalid or expired grant");
	if (strcmp(c->bg.user, c->principal.user) != 0)
		return bg_fail(c, MED_ERR_DENIED,
			       "x-break-glass: the grant belongs to another "
			       "user");
	c->bg_event = event;
	return MED_OK;
}

/*
 * break_glass handles x-break-glass-start (issue a grant), x-break-glass
 * (use one) and x-break-glass-stop (end one) for an authenticated caller.
 */
static med_err
break_glass(med_call *c, const bg_md *bg)
{
	const med_break_glass *bgk = c->srv->opts.break_glass;
	int n = (bg->start != NULL) + (bg->grant != NULL) + (bg->stop != NULL);
	med_err err;

	if (n == 0)
		return MED_OK;
	if (n > 1)
		return bg_fail(c, MED_ERR_INVALID,
			       "x-break-glass: send one of x-break-glass, "
			       "x-break-glass-start and x-break-glass-stop");
	if (bgk == NULL)
		return bg_fail(c, MED_ERR_PRECONDITION,
			       "x-break-glass: not configured on this "
			       "service");
	if (bg->start != NULL)
		err = bg_start(c, bgk, bg);
	else if (bg->grant != NULL)
		err = bg_check(c, bgk, bg->grant, bg->grant_len, RPC_BG_USE);
	else
		err = bg_check(c, bgk, bg->stop, bg->stop_len, RPC_BG_STOP);
	if (err == MED_OK && c->bg_event != RPC_BG_STOP) {
		c->principal.break_glass = true;
		c->purpose_of_use = "ETREAT";
	}
	return err;
}

/*
 * effective_roles: under break-glass a read method accepts the caller as a
 * clinician would be accepted; writes, admin and audit methods never widen.
 */
static uint32_t
effective_roles(const med_call *c)
{
	uint32_t r = c->principal.roles;

	if (c->principal.break_glass &&
	    strcmp(action_code(c->rm->m), MED_AUDIT_ACTION_READ) == 0)
		r |= MED_ROLE_CLINICIAN;
	return r;
}

static med_err
authenticate(med_call *c, med_auth_input *in, const bg_md *bg)
{
	uint32_t roles = c->rm->m->roles;
	med_principal eff;
	char peer[MED_PRINCIPAL_NAME_MAX];
	med_err err;

	if (roles & MED_ROLES_PUBLIC)
		return MED_OK;
	c->secure = med__rpc_call_peer(c->call, peer, sizeof(peer));
	if (c->secure) {
		in->peer_identity = peer;
		in->peer_identity_len = strlen(peer);
		in->transport_secure = true;
	} else {
		peer[0] = '\0';
	}
	identify(c, in, peer);
	eff = c->principal;
	err = med_auth_check(&eff, roles);
	if (err == MED_ERR_UNAUTHENTICATED)
		return med_call_fail(c, err, "missing or unknown credentials");
	err = break_glass(c, bg);
	if (err != MED_OK)
		return err;
	eff.roles = effective_roles(c);
	err = med_auth_check(&eff, roles);
	if (err != MED_OK)
		med_call_fail(c, err, "caller lacks a role for this method");
	return err;
}

/*
 * health_port_refuses is true for a call that came over the plaintext
 * listener of a TLS server and is not a health check: that port serves
 * kubelet probes and nothing else.
 */
static bool
health_port_refuses(med_call *c)
{
	static const char health[] = "/grpc.health.v1.Health/";
	char peer[8];

	if (!c->srv->has_tls ||
	    strncmp(c->rm->m->path, health, sizeof(health) - 1) == 0)
		return false;
	return !med__rpc_call_peer(c->call, peer, sizeof(peer));
}

/* decode validates the request bytes, unpacks them and checks the result. */
static med_err
decode(med_call *c)
{
	const med_method *m = c->rm->m;
	ProtobufCAllocator alloc;
	grpc_slice sl;
	med_err err;

	if (c->payload == NULL)
		return med_call_fail(c, MED_ERR_INVALID,
				     "request: missing message");
	sl = med__rpc_read(c->payload);
	err = med_pb_validate_wire(m->input, GRPC_SLICE_START_PTR(sl),
				   GRPC_SLICE_LENGTH(sl), c->fail_msg,
				   sizeof(c->fail_msg));
	if (err == MED_OK) {
		med_arena_pb_allocator(c->arena, &alloc);
		c->in = protobuf_c_message_unpack(m->input, &alloc,
						  GRPC_SLICE_LENGTH(sl),
						  GRPC_SLICE_START_PTR(sl));
		if (c->in == NULL)
			err = med_call_fail(c, MED_ERR_INVALID,
					    "request: malformed message");
	}
	grpc_slice_unref(sl);
	if (err == MED_OK)
		err = med_pb_validate_msg(c->in, c->fail_msg,
					  sizeof(c->fail_msg));
	if (err != MED_OK)
		c->fail_err = err;
	return err;
}

/* prepare does what comes before every handler. */
static med_err
prepare(med_call *c)
{
	med_auth_input in = {0};
	bg_md bg = {0};
	med_err err;
	gpr_timespec dl = c->deadline;

	c->deadline = deadline_is_infinite(dl)
			      ? gpr_inf_future(GPR_CLOCK_MONOTONIC)
			      : gpr_convert_clock_type(dl, GPR_CLOCK_MONOTONIC);
	read_metadata(c, &in, &bg);
	if (health_port_refuses(c))
		return med_call_fail(c, MED_ERR_UNIMPLEMENTED,
				     "this port serves only "
				     "grpc.health.v1.Health");
	err = authenticate(c, &in, &bg);
	if (err != MED_OK)
		return err;
	if (c->purpose_of_use == NULL)
		return med_call_fail(
			c, MED_ERR_INVALID,
			"x-purpose-of-use: not a known PurposeOfUse "
			"code (TREAT, ETREAT, HOPERAT, ...)");
	if (med_call_remaining_ms(c) == 0)
		return med_call_fail(c, MED_ERR_TIMEOUT, "deadline exceeded");
	c->arena = med_arena_new(ARENA_BASE +
				 ARENA_FACTOR * c->srv->opts.max_message_bytes);
	if (c->arena == NULL)
		return med_call_fail(c, MED_ERR_NOMEM, "out of memory");
	return decode(c);
}

/* --- unary ---------------------------------------------------------------- */

static void
run_unary(med_call *c)
{
	const med_method *m = c->rm->m;
	ProtobufCMessage *out =
		med_arena_alloc(c->arena, m->output->sizeof_message);
	med_err err;

	if (out == NULL) {
		reject(c, MED_ERR_NOMEM, "out of memory");
		return;
	}
	protobuf_c_message_init(m->output, out);
	med_log_set_request_id(c->request_id);
	current_call = c;
	err = m->unary(c, c->in, out);
	current_call = NULL;
	med_log_set_request_id(NULL);
	complete(c, err, out);
}

/* --- server streaming -------------------------------------------------------
 */

static void *
stream_main(void *arg)
{
	med_call *c = arg;
	med_server *s = c->srv;
	rpc_zombie *z = malloc(sizeof(*z));
	med_err err;

	med_log_set_request_id(c->request_id);
	current_call = c;
	err = c->rm->m->stream(c, c->in);
	current_call = NULL;
	med_log_set_request_id(NULL);
	complete(c, err, NULL);
	pthread_mutex_lock(&s->mu);
	s->active_streams--;
	if (z != NULL) {
		z->thread = pthread_self();
		z->next = s->zombies;
		s->zombies = z;
	} else {
		pthread_detach(pthread_self());
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	med__rpc_call_unref(c);
	return NULL;
}

static bool
stream_slot_take(med_server *s)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = s->active_streams < s->opts.max_streams;
	if (ok)
		s->active_streams++;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* watch_close asks the core to report the end of the call at any time. */
static bool
watch_close(med_call *c)
{
	grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};

	op.data.recv_close_on_server.cancelled = &c->close_cancelled;
	med__rpc_call_ref(c);
	if (grpc_call_start_batch(c->call, &op, 1, &c->tag_close, NULL) ==
	    GRPC_CALL_OK)
		return true;
	med__rpc_call_unref(c);
	return false;
}

static void
start_stream(med_call *c)
{
	pthread_t t;

	med__rpc_join_zombies(c->srv);
	if (!stream_slot_take(c->srv)) {
		reject(c, MED_ERR_LIMIT, "too many concurrent streams");
		return;
	}
	if (!watch_close(c))
		goto release_slot;
	med__rpc_call_ref(c);
	if (pthread_create(&t, NULL, stream_main, c) == 0)
		return;
	med__rpc_call_unref(c);
release_slot:
	pthread_mutex_lock(&c->srv->mu);
	c->srv->active_streams--;
	pthread_mutex_unlock(&c->srv->mu);
	reject(c, MED_ERR_NOMEM, "cannot start stream");
}

void
med__rpc_on_close(med_call *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->close_cancelled)
		atomic_store(&c->cancelled, true);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	med__rpc_call_unref(c);
}

void
med__rpc_on_send(med_call *c, bool ok)
{
	pthread_mutex_lock(&c->mu);
	c->send_busy = false;
	c->send_ok = ok;
	if (!ok)
		atomic_store(&c->cancelled, true);
	grpc_byte_buffer_destroy(c->send_bb);
	c->send_bb = NULL;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	med__rpc_call_unref(c);
}

/* start_send starts one SEND_MESSAGE batch; called with c->mu held. */
static med_err
start_send(med_call *c, grpc_byte_buffer *bb)
{
	grpc_op ops[2], *op = ops;

	memset(ops, 0, sizeof(ops));
	if (!c->md_sent) {
		med__rpc_initial_md(c, op);
		op++;
		c->md_sent = true;
	}
	op->op = GRPC_OP_SEND_MESSAGE;
	op->data.send_message.send_message = bb;
	op++;
	c->send_bb = bb;
	c->send_busy = true;
	med__rpc_call_ref(c);
	if (grpc_call_start_batch(c->call, ops, (size_t)(op - ops),
				  &c->tag_send, NULL) == GRPC_CALL_OK)
		return MED_OK;
	c->send_busy = false;
	c->send_bb = NULL;
	atomic_fetch_sub(&c->refs, 1); /* the caller still holds one */
	grpc_byte_buffer_destroy(bb);
	return MED_ERR_CANCELLED;
}

med_err
med_call_send(med_call *call, const ProtobufCMessage *msg)
{
	grpc_byte_buffer *bb;
	med_err err;

	if (call->rm == NULL || call->rm->m->kind != MED_RPC_SERVER_STREAM)
		return MED_ERR_PRECONDITION;
	if (atomic_load(&call->cancelled))
		return MED_ERR_CANCELLED;
	if (call->care_err != MED_OK)
		return call->care_err;
	err = med__rpc_pack(call, msg, &bb);
	if (err != MED_OK)
		return err;
	pthread_mutex_lock(&call->mu);
	err = start_send(call, bb);
	while (err == MED_OK && call->send_busy)
		pthread_cond_wait(&call->cv, &call->mu);
	if (err == MED_OK && !call->send_ok)
		err = MED_ERR_CANCELLED;
	pthread_mutex_unlock(&call->mu);
	return err;
}

/* --- entry ------------------------------------------------------------------
 */

void
med__rpc_serve_call(med_call *c)
{
	med_err err;

	c->start_ns = med_mono_ns();
	if (c->rm->stats != NULL)
		med_rpc_stats_started(c->rm->stats);
	err = prepare(c);
	if (err != MED_OK)
		complete(c, err, NULL);
	else if (c->rm->m->kind == MED_RPC_UNARY)
		run_unary(c);
	else
		start_stream(c);
	/* Drop the reference the armed request held. */
	med__rpc_call_unref(c);
}
