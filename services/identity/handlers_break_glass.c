/*
 * handlers_break_glass.c - StartBreakGlass, ListBreakGlass, EndBreakGlass:
 * a clinician or nurse opens one patient to themself for a time box with a
 * coded reason; CheckCareRelationship then answers "related, by break-glass"
 * for that user and patient until the grant expires or is ended, and every
 * service's care check (libmed, med/care.h) audits those accesses as
 * emergency access.  Each RPC is one transaction.
 */
#include <med/arena.h>
#include <med/audit.h>
#include <med/auth.h>
#include <med/check.h>
#include <med/metrics.h>
#include <med/rpc.h>
#include <med/service.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "identity.h"

#define DEFAULT_MINUTES	    60
#define MAX_MINUTES_KEY	    "MED_BREAK_GLASS_MAX_MINUTES"
#define JUSTIFICATION_CHARS 500
#define HOUR_MS		    (60 * 60 * 1000)
/* Who reviews every user's grants. */
#define REVIEWERS (MED_ROLE_AUDITOR | MED_ROLE_ADMIN)

/* count_grant_event adds one to smartmed_break_glass_grants_total{event}. */
static void
count_grant_event(med_call *call, const char *event)
{
	med_counter_add(
		identity_bg_grant_counter(
			med_service_metrics(med_service_from_call(call)),
			event),
		1);
}

/* new_grant_id makes a random grant id: a v4 UUID without its dashes. */
static void
new_grant_id(char id[IDENTITY_BG_ID_LEN + 1])
{
	char uuid[MED_UUID_LEN + 1];
	size_t n = 0;

	med_uuid_v4(uuid);
	for (const char *p = uuid; *p != '\0'; p++)
		if (*p != '-')
			id[n++] = *p;
	id[n] = '\0';
}

static bool
is_grant_id(const char *s)
{
	return med_is_lower_hex(s, IDENTITY_BG_ID_LEN);
}

/* minutes_of resolves the requested time box (0: the default). */
static med_err
minutes_of(med_call *call, uint32_t minutes, int64_t *out)
{
	int64_t max =
		med_config_int(med_service_config(med_service_from_call(call)),
			       MAX_MINUTES_KEY);

	if (minutes > max)
		return med_call_fail(call, MED_ERR_INVALID,
				     "minutes: at most %lld "
				     "(MED_BREAK_GLASS_MAX_MINUTES)",
				     (long long)max);
	if (minutes == 0)
		minutes =
			DEFAULT_MINUTES < max ? DEFAULT_MINUTES : (uint32_t)max;
	*out = minutes;
	return MED_OK;
}

static med_err
check_start(med_call *call,
	    const Smartmed__Identity__V1__StartBreakGlassRequest *r)
{
	med_err err = med_check_id(call, "patient_id", r->patient_id);

	if (err != MED_OK)
		return err;
	if (!med_break_glass_reason_valid(r->reason, strlen(r->reason)))
		return med_call_fail(call, MED_ERR_INVALID,
				     "reason: must be one of UNCONSCIOUS, "
				     "LIFE_THREAT, EMERGENCY_CARE, "
				     "CARE_TEAM_UNAVAILABLE, DISASTER");
	return med_check_text(call, "justification", r->justification, 0,
			      JUSTIFICATION_CHARS);
}

/* start_tx - a StartBreakGlass transaction. */
typedef struct start_tx {
	med_call *call;
	identity_bg_grant *g;
	bool throttled; /* refused by the rate limit */
} start_tx;

/*
 * within_rate_limit refuses a start when its user already started
 * MED_BREAK_GLASS_MAX_PER_HOUR grants in the last hour: a grant opens a
 * patient without a care relationship, and a stolen session or a curious
 * user opening patients in bulk must stop and be seen (the refusal is
 * audited, counted and alerted on), while a real emergency rarely needs
 * more than a few patients an hour per person.
 */
static med_err
within_rate_limit(med_db_conn *conn, start_tx *x)
{
	int64_t max = med_config_int(
		med_service_config(med_service_from_call(x->call)),
		IDENTITY_BG_PER_HOUR_KEY);
	int64_t n = 0;
	char limit[32];
	med_audit_detail d = {"rate_limit", limit};
	med_err err = identity_bg_store_count_since(
		conn, x->g->user, x->g->start_ms - HOUR_MS, &n);

	x->throttled = false; /* a retried transaction counts again */
	if (err != MED_OK || n < max)
		return err;
	x->throttled = true;
	snprintf(limit, sizeof(limit), "%lld per hour", (long long)max);
	med_call_add_details(x->call, &d, 1);
	return med_call_fail(x->call, MED_ERR_LIMIT,
			     "break-glass: %lld grants started in the last "
			     "hour, the most one user may start "
			     "(MED_BREAK_GLASS_MAX_PER_HOUR=%lld)",
			     (long long)n, (long long)max);
}

static med_err
start_in_tx(med_db_conn *conn, void *ctx)
{
	start_tx *x = ctx;
	identity_patient pt;
	med_err err = within_rate_limit(conn, x);

	if (err == MED_OK)
		err = identity_store_lock(conn, med_call_arena(x->call),
					  x->g->patient_id, &pt);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err,
				     "patient_id: no such patient");
	if (err == MED_OK)
		err = identity_bg_store_insert(conn, x->g);
	if (err != MED_OK)
		return err;
	/* The call's own event commits with the grant: break-glass, ETREAT. */
	med_call_mark_break_glass(x->call, x->g->grant_id);
	return med_call_add_detail(x->call, "reason", x->g->reason);
}

med_err
identity_rpc_start_break_glass(med_call *call, const ProtobufCMessage *in,
			       ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__StartBreakGlassRequest *req =
		(const void *)in;
	identity_bg_grant *g = (void *)out;
	char *id =
		med_arena_alloc(med_call_arena(call), IDENTITY_BG_ID_LEN + 1);
	start_tx x = {.call = call, .g = g};
	med_counter *throttled;
	int64_t minutes = 0;
	med_err err = check_start(call, req);

	if (err == MED_OK)
		err = minutes_of(call, req->minutes, &minutes);
	if (err != MED_OK)
		return err;
	g->user = (char *)identity_caller(call);
	if (id == NULL || g->user == NULL)
		return MED_ERR_NOMEM;
	new_grant_id(id);
	g->grant_id = id;
	g->patient_id = req->patient_id;
	g->reason = req->reason;
	g->justification = req->justification;
	g->start_ms = med_now_ms();
	g->expires_ms = g->start_ms + minutes * 60 * 1000;
	g->ended_by = "";
	g->active = true;
	med_call_set_patient(call, req->patient_id);
	throttled = identity_bg_throttled_counter(
		med_service_metrics(med_service_from_call(call)));
	err = med_call_tx(call, start_in_tx, &x);
	if (err == MED_OK)
		count_grant_event(call, "start");
	if (x.throttled)
		med_counter_add(throttled, 1);
	return err;
}

/* is_reviewer: auditors and admins see and end everyone's grants. */
static bool
is_reviewer(med_call *call)
{
	return (med_call_principal(call)->roles & REVIEWERS) != 0;
}

med_err
identity_rpc_list_break_glass(med_call *call, const ProtobufCMessage *in,
			      ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__ListBreakGlassRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__ListBreakGlassResponse *res = (void *)out;
	identity_bg_filter f = {.include_ended = req->include_ended,
				.now_ms = med_now_ms()};
	med_page page;
	med_err err = med_page_parse(call, req->page, &page);

	if (err != MED_OK)
		return err;
	if (req->patient_id[0] != '\0') {
		if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK)
			return err;
		f.patient_id = req->patient_id;
		med_call_set_patient(call, req->patient_id);
	}
	if (!is_reviewer(call))
		f.user = med_call_principal(call)->user;
	err = identity_bg_store_list(med_call_db(call), med_call_arena(call),
				     &f, page.offset, page.size + 1,
				     &res->grants, &res->n_grants);
	if (err != MED_OK)
		return err;
	res->page = med_page_respond(call, &page, &res->n_grants);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

/* end_tx - an EndBreakGlass transaction. */
typedef struct end_tx {
	med_call *call;
	const char *grant_id;
	identity_bg_grant **out;
} end_tx;

/* end_problem: only the holder or a reviewer ends a grant, and only once. */
static med_err
end_problem(med_call *call, const identity_bg_grant *g)
{
	if (strcmp(g->user, med_call_principal(call)->user) != 0 &&
	    !is_reviewer(call))
		return med_call_fail(call, MED_ERR_DENIED,
				     "grant_id: only the grant's holder, an "
				     "auditor or an admin may end it");
	if (g->ended_ms != 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "grant_id: the grant was already ended");
	if (!g->active)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "grant_id: the grant has expired");
	return MED_OK;
}

static med_err
end_in_tx(med_db_conn *conn, void *ctx)
{
	end_tx *x = ctx;
	med_arena *a = med_call_arena(x->call);
	const char *by = identity_caller(x->call);
	int64_t now = med_now_ms();
	identity_bg_grant *g = NULL;
	med_err err = identity_bg_store_lock(conn, a, x->grant_id, now, &g);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(x->call, err, "grant_id: no such grant");
	if (err != MED_OK)
		return err;
	med_call_set_patient(x->call, g->patient_id);
	if ((err = end_problem(x->call, g)) != MED_OK)
		return err;
	if (by == NULL)
		return MED_ERR_NOMEM;
	if ((err = identity_bg_store_end(conn, x->grant_id, by, now)) != MED_OK)
		return err;
	g->ended_ms = now;
	g->ended_by = (char *)by;
	g->active = false;
	*x->out = g;
	return med_call_add_detail(x->call, "grant_id", x->grant_id);
}

med_err
identity_rpc_end_break_glass(med_call *call, const ProtobufCMessage *in,
			     ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__EndBreakGlassRequest *req =
		(const void *)in;
	identity_bg_grant *g = NULL;
	end_tx x = {.call = call, .grant_id = req->grant_id, .out = &g};
	med_err err;

	if (!is_grant_id(req->grant_id))
		return med_call_fail(call, MED_ERR_INVALID,
				     "grant_id: must be %d lower-case hex "
				     "characters",
				     IDENTITY_BG_ID_LEN);
	/* The care decision before the grant's row lock. */
	err = med_call_name_patient_of(
		call,
		"SELECT patient_id FROM break_glass_grants"
		" WHERE grant_id = ?",
		req->grant_id);
	if (err == MED_OK)
		err = med_call_tx(call, end_in_tx, &x);
	if (err != MED_OK)
		return err;
	*(identity_bg_grant *)out = *g;
	count_grant_event(call, "end");
	return MED_OK;
}
