/*
 * test_patients.c - med/patients.h against a real gRPC server on loopback
 * that answers GetPatient like identity does: the cache keeps positive
 * answers for the TTL only, never unknown or merged ones, stays bounded,
 * and an absent server is UNAVAILABLE within the deadline.
 */
#include <med/patients.h>

#include <med/util.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smartmed/identity/v1/identity.pb-c.h"
#include "testlib.h"

#define KNOWN	"11111111-1111-4111-8111-111111111111"
#define OTHER	"22222222-2222-4222-8222-222222222222"
#define MERGED	"33333333-3333-4333-8333-333333333333"
#define UNKNOWN "44444444-4444-4444-8444-444444444444"

static atomic_int g_calls;

/* get_patient answers like identity: KNOWN and OTHER exist, MERGED is
 * linked into KNOWN, anything else is NOT_FOUND. */
static med_err
get_patient(med_call *call, const ProtobufCMessage *in, ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__GetPatientRequest *req = (const void *)in;
	Smartmed__Identity__V1__Patient *p = (void *)out;

	atomic_fetch_add(&g_calls, 1);
	if (strcmp(req->patient_id, KNOWN) && strcmp(req->patient_id, OTHER) &&
	    strcmp(req->patient_id, MERGED))
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no such patient");
	static char *merged[] = {MERGED};

	p->patient_id = req->patient_id;
	if (strcmp(req->patient_id, MERGED) == 0)
		p->linked_to = KNOWN;
	if (strcmp(req->patient_id, KNOWN) == 0) {
		p->merged_ids = merged;
		p->n_merged_ids = 1;
	}
	return MED_OK;
}

static const med_method methods[] = {
	{"/smartmed.identity.v1.Identity/GetPatient",
	 &smartmed__identity__v1__get_patient_request__descriptor,
	 &smartmed__identity__v1__patient__descriptor, MED_RPC_UNARY,
	 get_patient, NULL, MED_ROLES_PUBLIC, NULL, NULL},
};

typedef struct fixture {
	med_server *srv;
	med_patients *p;
} fixture;

static void
fixture_open(fixture *fx, int64_t ttl_ms, size_t n_slots)
{
	med_server_opts so = {.service_name = "identity",
			      .listen_addr = "127.0.0.1:0"};
	med_patients_opts po = {.ttl_ms = ttl_ms, .n_slots = n_slots};
	char err[256], target[64];
	int port = 0;

	memset(fx, 0, sizeof(*fx));
	atomic_store(&g_calls, 0);
	MT_OK(med_server_new(&so, &fx->srv, err, sizeof(err)));
	MT_OK(med_server_add_methods(fx->srv, methods, 1));
	MT_OK(med_server_start(fx->srv, &port));
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	po.target = target;
	MT_OK(med_patients_new(&po, &fx->p));
}

static void
fixture_close(fixture *fx)
{
	med_patients_free(fx->p);
	med_server_free(fx->srv);
}

static med_patient_result
check(fixture *fx, const char *id)
{
	med_patient_result r;

	MT_OK(med_patients_check(fx->p, id, 2000, NULL, &r));
	return r;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void
test_known_is_cached(void)
{
	fixture fx;
	med_patient_result r;
	double before;

	fixture_open(&fx, 60000, 0);
	before = mt_lib_metric(
		"smartmed_patient_checks_total{outcome=\"cached\"}");
	r = check(&fx, KNOWN);
	MT_EQ_INT(r.state, MED_PATIENT_OK);
	MT_TRUE(!r.cached);
	r = check(&fx, KNOWN);
	MT_EQ_INT(r.state, MED_PATIENT_OK);
	MT_TRUE(r.cached);
	MT_EQ_INT(atomic_load(&g_calls), 1);
	MT_EQ_INT((int)(mt_lib_metric("smartmed_patient_checks_total{outcome="
				      "\"cached\"}") -
			before),
		  1);
	fixture_close(&fx);
}

static void
test_unknown_not_cached(void)
{
	fixture fx;

	fixture_open(&fx, 60000, 0);
	MT_EQ_INT(check(&fx, UNKNOWN).state, MED_PATIENT_UNKNOWN);
	MT_EQ_INT(check(&fx, UNKNOWN).state, MED_PATIENT_UNKNOWN);
	MT_EQ_INT(atomic_load(&g_calls), 2);
	fixture_close(&fx);
}

static void
test_merged_names_survivor(void)
{
	fixture fx;
	med_patient_result r;

	fixture_open(&fx, 60000, 0);
	r = check(&fx, MERGED);
	MT_EQ_INT(r.state, MED_PATIENT_MERGED);
	MT_EQ_STR(r.survivor_id, KNOWN);
	MT_EQ_INT(check(&fx, MERGED).state, MED_PATIENT_MERGED);
	MT_EQ_INT(atomic_load(&g_calls), 2);
	fixture_close(&fx);
}

static void
test_ttl_expires(void)
{
	fixture fx;

	fixture_open(&fx, 50, 0);
	(void)check(&fx, KNOWN);
	MT_TRUE(check(&fx, KNOWN).cached);
	sleep_ms(120);
	MT_TRUE(!check(&fx, KNOWN).cached);
	MT_EQ_INT(atomic_load(&g_calls), 2);
	fixture_close(&fx);
}

static void
test_ttl_zero_asks_every_time(void)
{
	fixture fx;

	fixture_open(&fx, 0, 0);
	for (int i = 0; i < 3; i++)
		MT_TRUE(!check(&fx, KNOWN).cached);
	MT_EQ_INT(atomic_load(&g_calls), 3);
	fixture_close(&fx);
}

/* One slot holds one id: two ids take turns, the cache never grows. */
static void
test_bounded(void)
{
	fixture fx;

	fixture_open(&fx, 60000, 1);
	(void)check(&fx, KNOWN);
	(void)check(&fx, OTHER);
	MT_TRUE(!check(&fx, KNOWN).cached);
	MT_TRUE(check(&fx, KNOWN).cached);
	MT_EQ_INT(atomic_load(&g_calls), 3);
	fixture_close(&fx);
}

/* With identity gone, unconfirmed ids fail closed within the deadline and
 * confirmed ones are still answered from the cache. */
static void
test_server_gone_unavailable(void)
{
	fixture fx;
	med_patient_result r;
	int64_t t0;

	fixture_open(&fx, 60000, 0);
	(void)check(&fx, KNOWN);
	med_server_free(fx.srv);
	fx.srv = NULL;
	t0 = med_mono_ns();
	MT_EQ_INT(med_patients_check(fx.p, OTHER, 300, NULL, &r),
		  MED_ERR_UNAVAILABLE);
	MT_TRUE(med_mono_ns() - t0 < 2000000000LL);
	MT_TRUE(r.status.code != 0);
	MT_TRUE(check(&fx, KNOWN).cached);
	fixture_close(&fx);
}

static void
test_bad_options(void)
{
	med_patients_opts o = {0};
	med_patients *p = NULL;

	MT_EQ_INT(med_patients_new(&o, &p), MED_ERR_INVALID);
	o.target = "127.0.0.1:1";
	o.ttl_ms = -1;
	MT_EQ_INT(med_patients_new(&o, &p), MED_ERR_INVALID);
	med_patients_free(NULL);
}

static med_patient_result
ask(fixture *fx, const char *id, bool stale_ok)
{
	med_patient_result r;

	MT_OK(med_patients_ask(fx->p, id, 2000, NULL, stale_ok, &r));
	return r;
}

/* A write asks identity itself even for a cached id, so that a merge is
 * seen by the very next write; the answer lists the merged records. */
static void
test_ask_is_authoritative(void)
{
	fixture fx;
	med_patient_result r;

	fixture_open(&fx, 60000, 0);
	(void)check(&fx, KNOWN);
	r = ask(&fx, KNOWN, true);
	MT_TRUE(!r.cached);
	MT_EQ_INT(r.state, MED_PATIENT_OK);
	MT_EQ_INT((int)r.n_merged, 1);
	MT_EQ_STR(r.merged_ids[0], MERGED);
	MT_EQ_INT(atomic_load(&g_calls), 2);
	r = ask(&fx, MERGED, true);
	MT_EQ_INT(r.state, MED_PATIENT_MERGED);
	MT_EQ_STR(r.survivor_id, KNOWN);
	fixture_close(&fx);
}

/* With identity gone a confirmed id is still one for a plain write, never
 * for a dose check that needs the merged records (stale_ok false). */
static void
test_ask_falls_back_only_when_allowed(void)
{
	fixture fx;
	med_patient_result r;

	fixture_open(&fx, 60000, 0);
	(void)ask(&fx, KNOWN, true);
	med_server_free(fx.srv);
	fx.srv = NULL;
	r = ask(&fx, KNOWN, true);
	MT_TRUE(r.cached);
	MT_EQ_INT(r.state, MED_PATIENT_OK);
	MT_EQ_INT((int)r.n_merged, 0);
	MT_EQ_INT(med_patients_ask(fx.p, KNOWN, 300, NULL, false, &r),
		  MED_ERR_UNAVAILABLE);
	fixture_close(&fx);
}

static const mt_case cases[] = {
	{"known_is_cached", test_known_is_cached},
	{"unknown_not_cached", test_unknown_not_cached},
	{"merged_names_survivor", test_merged_names_survivor},
	{"ttl_expires", test_ttl_expires},
	{"ttl_zero_asks_every_time", test_ttl_zero_asks_every_time},
	{"bounded", test_bounded},
	{"server_gone_unavailable", test_server_gone_unavailable},
	{"bad_options", test_bad_options},
	{"ask_is_authoritative", test_ask_is_authoritative},
	{"ask_falls_back_only_when_allowed",
	 test_ask_falls_back_only_when_allowed},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
