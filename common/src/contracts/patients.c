/*
 * patients.c - patient id checks against identity's GetPatient, with a
 * small positive cache (slot_cache.h).  See med/patients.h.
 *
 * Invariant: the patient is decided before the transaction.  A write asks
 * identity about its patient (and so learns of a merge) before it opens
 * its transaction, never under the transaction's row locks: the answer
 * may wait on the network.  Every entry here states it with
 * med_db_outside_tx (db_tx_guard.c), also when the answer would come from
 * the cache or the check is off (MED_IDENTITY_URL empty), so that a test
 * stack without identity still sees a lookup misplaced in a transaction.
 */
#include <med/patients.h>

#include <med/arena.h>
#include <med/db.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "care_internal.h"
#include "slot_cache.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#define GET_PATIENT "/smartmed.identity.v1.Identity/GetPatient"
#define ID_MAX	    64

typedef enum outcome {
	OUT_OK,
	OUT_CACHED,
	OUT_UNKNOWN,
	OUT_MERGED,
	OUT_UNAVAILABLE,
	N_OUTCOMES,
} outcome;

static const char *const outcome_names[N_OUTCOMES] = {"ok", "cached", "unknown",
						      "merged", "unavailable"};

struct med_patients {
	med_channel *ch;
	slot_cache cache; /* id -> birth date */
	med_counter *checks[N_OUTCOMES];
};

/* The process's checker, set by med_patients_process_start. */
static med_patients *g_patients;
static int64_t g_deadline_ms;

static void
stats_init(med_patients *p)
{
	char labels[64];

	for (int i = 0; i < N_OUTCOMES; i++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"",
			 outcome_names[i]);
		p->checks[i] = med_metrics_counter(
			med_metrics_lib(), "smartmed_patient_checks_total",
			"Patient id checks against identity before a write, by "
			"outcome (ok, cached, unknown, merged, unavailable).",
			labels);
	}
}

static void
count(med_patients *p, outcome o)
{
	if (p->checks[o] != NULL)
		med_counter_add(p->checks[o], 1);
}

med_err
med_patients_new(const med_patients_opts *o, med_patients **out)
{
	med_channel_opts co = {.tls = o->tls, .server_name = o->server_name};
	med_patients *p;
	med_err err;

	if (o->target == NULL || o->target[0] == '\0' || o->ttl_ms < 0 ||
	    o->n_slots > SLOT_CACHE_MAX_SLOTS)
		return MED_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MED_ERR_NOMEM;
	err = slot_cache_init(&p->cache, o->n_slots, ID_MAX, MED_BIRTH_DATE_MAX,
			      o->ttl_ms);
	if (err != MED_OK)
		goto free_p;
	err = med_channel_open_opts(o->target, &co, &p->ch);
	if (err != MED_OK)
		goto free_cache;
	stats_init(p);
	*out = p;
	return MED_OK;
free_cache:
	slot_cache_fini(&p->cache);
free_p:
	free(p);
	return err;
}

void
med_patients_free(med_patients *p)
{
	if (p == NULL)
		return;
	med_channel_close(p->ch);
	slot_cache_fini(&p->cache);
	free(p);
}

/* take_merged copies the records merged into the patient; a list longer
 * than this process can hold is refused (no dose check may leave one out). */
static med_err
take_merged(const Smartmed__Identity__V1__Patient *pat, med_patient_result *res)
{
	if (pat->n_merged_ids > MED_PATIENT_MERGED_MAX)
		return MED_ERR_UNAVAILABLE;
	for (size_t i = 0; i < pat->n_merged_ids; i++)
		if (med_strlcpy(res->merged_ids[i], pat->merged_ids[i],
				MED_PATIENT_ID_MAX) >= MED_PATIENT_ID_MAX)
			return MED_ERR_UNAVAILABLE;
	res->n_merged = pat->n_merged_ids;
	return MED_OK;
}

/* sex_letter turns identity's administrative sex into 'F', 'M', 'O' or 0. */
static char
sex_letter(Smartmed__Identity__V1__AdministrativeSex sex)
{
	switch (sex) {
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_FEMALE:
		return 'F';
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_MALE:
		return 'M';
	case SMARTMED__IDENTITY__V1__ADMINISTRATIVE_SEX__ADMINISTRATIVE_SEX_OTHER:
		return 'O';
	default:
		return 0;
	}
}

/* take_unconfirmed copies identity's bedside hold u (NULL: none). */
static void
take_unconfirmed(const Smartmed__Identity__V1__BedsideUnconfirmed *u,
		 med_patient_result *res)
{
	if (u == NULL || u->outcome == NULL)
		return;
	med_strlcpy(res->unconfirmed, u->outcome, sizeof(res->unconfirmed));
	med_strlcpy(res->unconfirmed_terminal, u->terminal ? u->terminal : "",
		    sizeof(res->unconfirmed_terminal));
	res->unconfirmed_ms = u->at_ms;
}

/* ask_identity calls GetPatient and turns the reply into res. */
/* decided_before_tx states the invariant above at an entry. */
static void
decided_before_tx(void)
{
	med_db_outside_tx("PatientLookup", "patient lookup");
}

static med_err
ask_identity(med_patients *p, const char *id, int64_t deadline_ms,
	     const char *request_id, med_patient_result *res)
{
	Smartmed__Identity__V1__GetPatientRequest req =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	med_call_opts co = {.deadline_ms = deadline_ms,
			    .idempotent = true,
			    .max_attempts = 2,
			    .request_id = request_id};
	Smartmed__Identity__V1__Patient *pat = NULL;
	med_arena *a = med_arena_new(16384);
	med_err err;

	if (a == NULL)
		return MED_ERR_NOMEM;
	req.key_case =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_PATIENT_ID;
	req.patient_id = (char *)id;
	err = med_channel_unary(p->ch, GET_PATIENT, &req.base,
				&smartmed__identity__v1__patient__descriptor, a,
				&co, (ProtobufCMessage **)&pat, &res->status);
	if (err == MED_OK && pat->linked_to != NULL && pat->linked_to[0]) {
		res->state = MED_PATIENT_MERGED;
		med_strlcpy(res->survivor_id, pat->linked_to,
			    sizeof(res->survivor_id));
	} else if (err == MED_OK) {
		res->state = MED_PATIENT_OK;
		med_strlcpy(res->birth_date,
			    pat->birth_date ? pat->birth_date : "",
			    sizeof(res->birth_date));
		res->sex = sex_letter(pat->sex);
		res->deceased = pat->deceased;
		res->deceased_ms = pat->deceased_ms;
		take_unconfirmed(pat->bedside_unconfirmed, res);
		err = take_merged(pat, res);
	} else if (err == MED_ERR_NOT_FOUND) {
		res->state = MED_PATIENT_UNKNOWN;
		err = MED_OK;
	} else {
		err = MED_ERR_UNAVAILABLE;
	}
	med_arena_free(a);
	return err;
}

med_err
med_patients_check(med_patients *p, const char *patient_id, int64_t deadline_ms,
		   const char *request_id, med_patient_result *res)
{
	static const outcome by_state[] = {OUT_OK, OUT_UNKNOWN, OUT_MERGED};
	med_err err;

	decided_before_tx();
	memset(res, 0, sizeof(*res));
	if (slot_cache_get(&p->cache, patient_id, res->birth_date)) {
		res->cached = true;
		count(p, OUT_CACHED);
		return MED_OK;
	}
	err = ask_identity(p, patient_id, deadline_ms, request_id, res);
	if (err != MED_OK) {
		count(p, OUT_UNAVAILABLE);
		return err;
	}
	if (res->state == MED_PATIENT_OK)
		slot_cache_put(&p->cache, patient_id, res->birth_date);
	count(p, by_state[res->state]);
	return MED_OK;
}

med_err
med_patients_ask(med_patients *p, const char *patient_id, int64_t deadline_ms,
		 const char *request_id, bool stale_ok, med_patient_result *res)
{
	static const outcome by_state[] = {OUT_OK, OUT_UNKNOWN, OUT_MERGED};
	med_err err;

	memset(res, 0, sizeof(*res));
	err = ask_identity(p, patient_id, deadline_ms, request_id, res);
	if (err != MED_OK) {
		/* Identity is away: a patient it confirmed within the TTL is
		 * still one (no merge can be made while it is away). */
		if (stale_ok &&
		    slot_cache_get(&p->cache, patient_id, res->birth_date)) {
			res->state = MED_PATIENT_OK;
			res->cached = true;
			count(p, OUT_CACHED);
			return MED_OK;
		}
		count(p, OUT_UNAVAILABLE);
		return err;
	}
	if (res->state == MED_PATIENT_OK)
		slot_cache_put(&p->cache, patient_id, res->birth_date);
	else
		slot_cache_forget(&p->cache, patient_id);
	count(p, by_state[res->state]);
	return MED_OK;
}

/* --- service wiring ---------------------------------------------------- */

static med_err
load_tls(const med_config *c, med_tls *tls)
{
	char errbuf[256];
	med_err err = med_tls_load(tls, med_config_str(c, "MED_TLS_CERT"),
				   med_config_str(c, "MED_TLS_KEY"),
				   med_config_str(c, "MED_TLS_CA"), errbuf,
				   sizeof(errbuf));

	if (err != MED_OK)
		med_log_error("patient checks: %s", errbuf);
	return err;
}

med_err
med_patients_process_start(const med_config *c)
{
	const char *url = med_config_str(c, "MED_IDENTITY_URL");
	const char *name = med_config_str(c, "MED_IDENTITY_SERVER_NAME");
	med_patients_opts o = {.target = url,
			       .server_name = name && name[0] ? name : NULL};
	med_tls tls = {0};
	med_err err;

	if (url == NULL || url[0] == '\0') {
		med_log_warn("MED_IDENTITY_URL is not set: patient ids of "
			     "writes are not checked against identity");
		return MED_OK;
	}
	if ((err = load_tls(c, &tls)) != MED_OK)
		return err;
	o.tls = &tls;
	o.ttl_ms = med_config_int(c, "MED_PATIENT_CACHE_TTL_MS");
	err = med_patients_new(&o, &g_patients);
	med_tls_fini(&tls);
	if (err != MED_OK) {
		med_log_error("MED_IDENTITY_URL %s: %s", url,
			      med_strerror(err));
		return err;
	}
	g_deadline_ms = med_config_int(c, "MED_IDENTITY_DEADLINE_MS");
	if ((err = care_start(c, g_patients->ch)) != MED_OK)
		return err;
	med_log_info("patient ids of writes are checked against identity at "
		     "%s",
		     url);
	return MED_OK;
}

void
med_patients_process_stop(void)
{
	care_stop();
	med_patients_free(g_patients);
	g_patients = NULL;
}

int64_t
patients_deadline_ms(med_call *call)
{
	int64_t left = med_call_remaining_ms(call) - 50;

	if (left < g_deadline_ms)
		return left > 1 ? left : 1;
	return g_deadline_ms;
}

med_channel *
patients_channel(void)
{
	return g_patients ? g_patients->ch : NULL;
}

/* ask fails the call (naming field) unless identity knows the patient as
 * its own record; res is what it said. */
static med_err
ask(med_call *call, const char *field, const char *patient_id, bool stale_ok,
    med_patient_result *r)
{
	med_err err = med_patients_ask(g_patients, patient_id,
				       patients_deadline_ms(call),
				       med_call_request_id(call), stale_ok, r);

	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "%s: identity cannot confirm the patient "
				     "(%s); try again",
				     field,
				     r->status.message[0] ? r->status.message
							  : med_strerror(err));
	if (r->state == MED_PATIENT_UNKNOWN)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "%s: no such patient in identity", field);
	if (r->state == MED_PATIENT_MERGED)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "%s: record was merged into %s; chart on "
				     "the surviving record",
				     field, r->survivor_id);
	return MED_OK;
}

med_err
med_patients_require(med_call *call, const char *field, const char *patient_id)
{
	med_patient_result r;

	decided_before_tx();
	if (g_patients == NULL)
		return MED_OK;
	return ask(call, field, patient_id, true, &r);
}

med_err
med_patients_birth_date(med_call *call, const char *field,
			const char *patient_id, char *out, size_t len)
{
	med_patient_result r;
	med_err err;

	out[0] = '\0';
	decided_before_tx();
	if (g_patients == NULL)
		return MED_OK;
	if ((err = ask(call, field, patient_id, true, &r)) == MED_OK)
		med_strlcpy(out, r.birth_date, len);
	return err;
}

med_err
med_patients_family(med_call *call, const char *field, const char *patient_id,
		    med_patient_result *out)
{
	memset(out, 0, sizeof(*out));
	decided_before_tx();
	if (g_patients == NULL)
		return MED_OK;
	return ask(call, field, patient_id, false, out);
}

/* banner_call is GetPatient for the banner: the reply in a. */
static med_err
banner_call(med_call *call, const char *id, med_arena *a,
	    Smartmed__Identity__V1__Patient **pat, med_rpc_status *status)
{
	Smartmed__Identity__V1__GetPatientRequest req =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	med_call_opts co = {.deadline_ms = patients_deadline_ms(call),
			    .idempotent = true,
			    .max_attempts = 2,
			    .request_id = med_call_request_id(call)};

	req.key_case =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_PATIENT_ID;
	req.patient_id = (char *)id;
	return med_channel_unary(g_patients->ch, GET_PATIENT, &req.base,
				 &smartmed__identity__v1__patient__descriptor,
				 a, &co, (ProtobufCMessage **)pat, status);
}

med_err
med_patients_banner(med_call *call, const char *field, const char *patient_id,
		    med_patient_banner *out)
{
	Smartmed__Identity__V1__Patient *pat = NULL;
	med_rpc_status status = {0};
	med_err err;

	memset(out, 0, sizeof(*out));
	decided_before_tx();
	if (g_patients == NULL)
		return MED_OK;
	err = banner_call(call, patient_id, med_call_arena(call), &pat,
			  &status);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "%s: no such patient in identity", field);
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "%s: identity cannot name the patient "
				     "(%s); try again",
				     field,
				     status.message[0] ? status.message
						       : med_strerror(err));
	if (pat->linked_to != NULL && pat->linked_to[0])
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "%s: merged into %s; use %s", field,
				     pat->linked_to, pat->linked_to);
	med_strlcpy(out->mrn, pat->mrn ? pat->mrn : "", sizeof(out->mrn));
	med_strlcpy(out->family_name, pat->family_name ? pat->family_name : "",
		    sizeof(out->family_name));
	med_strlcpy(out->given_name, pat->given_name ? pat->given_name : "",
		    sizeof(out->given_name));
	med_strlcpy(out->birth_date, pat->birth_date ? pat->birth_date : "",
		    sizeof(out->birth_date));
	out->deceased = pat->deceased;
	out->deceased_ms = pat->deceased_ms;
	return MED_OK;
}

med_err
med_patients_death(med_call *call, const char *field, const char *patient_id,
		   med_patient_death *out)
{
	Smartmed__Identity__V1__Patient *pat = NULL;
	med_rpc_status status = {0};
	med_err err;

	memset(out, 0, sizeof(*out));
	decided_before_tx();
	if (g_patients == NULL)
		return MED_OK;
	err = banner_call(call, patient_id, med_call_arena(call), &pat,
			  &status);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "%s: identity cannot say whether the "
				     "patient is alive (%s); try again",
				     field,
				     status.message[0] ? status.message
						       : med_strerror(err));
	out->deceased = pat->deceased;
	out->deceased_ms = pat->deceased_ms;
	return MED_OK;
}
