/*
 * care.c - access by care relationship (med/care.h): identity's
 * CheckCareRelationship, asked over the patient checker's channel, its
 * answers remembered for MED_CARE_CACHE_TTL_MS in a slot_cache.
 */
#include <med/care.h>

#include <med/arena.h>
#include <med/auth.h>
#include <med/log.h>
#include <med/metrics.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "care_internal.h"
#include "slot_cache.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#define CHECK_CARE "/smartmed.identity.v1.Identity/CheckCareRelationship"
/* user, patient id and the hash of the units, separated by 0x1f. */
#define KEY_MAX (MED_PRINCIPAL_NAME_MAX + 64 + 24)

/*
 * care_answer - what the cache remembers about a user and a patient: the
 * answer, and the break-glass grant it rests on ("" when it rests on care).
 */
typedef struct care_answer {
	bool related;
	char grant_id[MED_BREAK_GLASS_ID_LEN + 1];
} care_answer;

/* The roles whose access follows the care relationship. */
#define CARE_ROLES (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)

typedef enum outcome {
	OUT_RELATED,
	OUT_BREAK_GLASS,
	OUT_REFUSED,
	OUT_UNAVAILABLE,
	N_OUTCOMES,
} outcome;

static const char *const outcome_names[N_OUTCOMES] = {"related", "break_glass",
						      "refused", "unavailable"};

/* care - the process's check; g_care.ch is NULL while none runs. */
static struct care {
	med_channel *ch;
	slot_cache cache; /* key -> care_answer */
	bool enforce;
	bool reads_when_down;
	med_counter *decisions[N_OUTCOMES];
} g_care;

static void
stats_init(void)
{
	char labels[64];

	for (int i = 0; i < N_OUTCOMES; i++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"",
			 outcome_names[i]);
		g_care.decisions[i] = med_metrics_counter(
			med_metrics_lib(), "smartmed_care_checks_total",
			"Care-relationship checks of clinicians and nurses, by "
			"outcome (related, break_glass, refused, "
			"unavailable).",
			labels);
	}
}

static void
count(outcome o)
{
	if (g_care.decisions[o] != NULL)
		med_counter_add(g_care.decisions[o], 1);
}

med_err
care_start(const med_config *c, med_channel *ch)
{
	med_err err;

	g_care.enforce = med_config_bool(c, "MED_CARE_ENFORCE");
	g_care.reads_when_down =
		med_config_bool(c, "MED_CARE_READS_WHEN_IDENTITY_DOWN");
	/* The outcomes' series exist at 0 from start-up, enforced or not, so
	 * that the dashboard's care panels show 0 rather than "No data". */
	stats_init();
	if (!g_care.enforce) {
		med_log_warn("MED_CARE_ENFORCE is off: clinicians and nurses "
			     "reach every patient their role allows");
		return MED_OK;
	}
	err = slot_cache_init(&g_care.cache, 0, KEY_MAX, sizeof(care_answer),
			      med_config_int(c, "MED_CARE_CACHE_TTL_MS"));
	if (err != MED_OK)
		return err;
	g_care.ch = ch;
	med_log_info("clinicians and nurses are held to the care relationship "
		     "(identity's CheckCareRelationship)");
	return MED_OK;
}

void
care_stop(void)
{
	g_care.ch = NULL;
	slot_cache_fini(&g_care.cache);
}

/* cache_key names the question: the user, the patient, and their units. */
static void
cache_key(const med_principal *p, const char *patient_id, char *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < p->n_units; i++)
		for (const char *u = p->units[i];; u++) {
			h = (h ^ (unsigned char)*u) * 1099511628211ull;
			if (*u == '\0')
				break;
		}
	snprintf(key, len, "%s\x1f%s\x1f%016llx", p->user, patient_id,
		 (unsigned long long)h);
}

/* ask_identity asks CheckCareRelationship; *ans is its answer. */
static med_err
ask_identity(med_call *call, const med_principal *p, const char *patient_id,
	     care_answer *ans)
{
	Smartmed__Identity__V1__CheckCareRelationshipRequest req =
		SMARTMED__IDENTITY__V1__CHECK_CARE_RELATIONSHIP_REQUEST__INIT;
	Smartmed__Identity__V1__CheckCareRelationshipResponse *res = NULL;
	med_call_opts co = {.deadline_ms = patients_deadline_ms(call),
			    .idempotent = true,
			    .max_attempts = 2,
			    .request_id = med_call_request_id(call)};
	char *units[MED_PRINCIPAL_UNITS_MAX];
	med_arena *a = med_arena_new(4096);
	med_rpc_status st;
	med_err err;

	if (a == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < p->n_units; i++)
		units[i] = (char *)p->units[i];
	req.patient_id = (char *)patient_id;
	req.user = (char *)p->user;
	req.n_units = p->n_units;
	req.units = units;
	err = med_channel_unary(
		g_care.ch, CHECK_CARE, &req.base,
		&smartmed__identity__v1__check_care_relationship_response__descriptor,
		a, &co, (ProtobufCMessage **)&res, &st);
	if (err == MED_OK) {
		memset(ans, 0, sizeof(*ans));
		ans->related = res->related;
		if (res->via_break_glass)
			med_strlcpy(ans->grant_id, res->grant_id,
				    sizeof(ans->grant_id));
	} else if (err != MED_ERR_NOT_FOUND) {
		med_log_warn("care relationship: identity: %s",
			     st.message[0] ? st.message : med_strerror(err));
	}
	med_arena_free(a);
	return err;
}

/*
 * relation_of answers from the cache or from identity.  An ended grant is
 * simply no longer returned by identity, so it stops opening the patient
 * when its cache entry lapses (MED_CARE_CACHE_TTL_MS).
 */
static med_err
relation_of(med_call *call, const med_principal *p, const char *patient_id,
	    care_answer *ans)
{
	char key[KEY_MAX + 8];
	med_err err;

	cache_key(p, patient_id, key, sizeof(key));
	if (slot_cache_get(&g_care.cache, key, ans))
		return MED_OK;
	err = ask_identity(call, p, patient_id, ans);
	if (err == MED_OK)
		slot_cache_put(&g_care.cache, key, ans);
	return err;
}

/*
 * held_by_role is true when the method admits the caller by a role other
 * than clinician or nurse: pharmacists, registrars, admins, auditors and
 * services keep the rights of their role.
 */
static bool
held_by_role(const med_principal *p, const med_method *m)
{
	return (p->roles & m->roles & MED_ROLE_ALL & ~CARE_ROLES) != 0;
}

/* unavailable decides a call identity could not answer for. */
static med_err
unavailable(med_call *call, bool read, char *msg, size_t len)
{
	count(OUT_UNAVAILABLE);
	if (read && g_care.reads_when_down) {
		med_call_add_detail(call, "care_relationship", "unverified");
		return MED_OK;
	}
	snprintf(msg, len,
		 "patient_id: identity cannot confirm your care relationship "
		 "to this patient now; try again");
	return MED_ERR_UNAVAILABLE;
}

med_err
med_care_decide(med_call *call, const char *patient_id, bool read, char *msg,
		size_t len)
{
	const med_principal *p = med_call_principal(call);
	const med_method *m = med_call_method(call);
	care_answer ans = {0};
	med_err err;

	/* A header grant (x-break-glass) names no patient: it does not open
	 * any patient here; StartBreakGlass does, one patient at a time. */
	if (g_care.ch == NULL || patient_id == NULL || patient_id[0] == '\0' ||
	    m == NULL || held_by_role(p, m))
		return MED_OK;
	err = relation_of(call, p, patient_id, &ans);
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK; /* the handler reports the unknown patient */
	if (err != MED_OK)
		return unavailable(call, read, msg, len);
	if (ans.related && ans.grant_id[0] != '\0') {
		count(OUT_BREAK_GLASS);
		med_call_mark_break_glass(call, ans.grant_id);
		return MED_OK;
	}
	if (ans.related) {
		count(OUT_RELATED);
		return MED_OK;
	}
	count(OUT_REFUSED);
	med_call_add_detail(call, "care_relationship", "none");
	snprintf(msg, len,
		 "patient_id: you are not on this patient's care team or "
		 "unit; in an emergency break the glass for this patient "
		 "(identity's StartBreakGlass with a reason code) and the "
		 "access is audited");
	return MED_ERR_DENIED;
}
