/*
 * test_dose.c - dose-safety rules: a table of cases, each limit at, just
 * under and just over; units; renal bands; frequencies; missing data.
 */
#include "testlib.h"

#include "dose.h"
#include "allergy_text.h"
#include "catalogue.h"

#include <math.h>

#define NOW  1700000000000LL
#define HOUR (3600LL * 1000)

enum {
	OK = DOSAGE_DOSE_OK,
	WARN = DOSAGE_DOSE_WARN,
	STOP = DOSAGE_DOSE_HARD_STOP,
	NC = DOSAGE_DOSE_NOT_CHECKED,
	NA = DOSAGE_DOSE_NOT_APPLICABLE
};

/* The reference drug: every limit set, in mg. */
static dosage_dose_limits
limits(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_min = 100,
		.single_max = 1000,
		.max_24h = 4000,
		.max_per_kg = 15,
		.max_per_kg_24h = 60,
		.max_per_m2 = 500,
		.min_interval_ms = 4 * HOUR,
		.lifetime_max = 100000,
		.bands = {{10, 0, 0}, {30, 0.5, 0}},
		.n_bands = 2,
		.substances = {"paracetamol"},
		.n_substances = 1,
	};
	return l;
}

/* A 100 kg, 180 cm adult (BSA sqrt(180*100/3600) = sqrt(5) m2) with
 * normal renal function and no allergies, measured an hour ago. */
static dosage_dose_patient
patient(void)
{
	dosage_dose_patient p = {
		.has_weight = true,
		.has_height = true,
		.has_crcl = true,
		.allergies_known = true,
		.weight_kg = 100,
		.height_cm = 180,
		.crcl_ml_min = 90,
		.weight_ms = NOW - HOUR,
		.height_ms = NOW - HOUR,
		.crcl_ms = NOW - HOUR,
	};
	return p;
}

typedef struct dcase {
	const char *name;
	dosage_dose_check check;
	double dose;
	double given_24h, lifetime;
	int64_t gap_ms; /* 0 = no other administration */
	double crcl;	/* 0 = patient default */
	int want;
} dcase;

static const dcase table[] = {
	/* single-dose maximum 1000 mg: from 90 % (900) up to it is ok with a
	 * note (issue 72: no warning for a usual dose at its maximum) */
	{"single_max under warn", DOSAGE_DOSE_CHECK_SINGLE_MAX, 899.99, 0, 0, 0,
	 0, OK},
	{"single_max at warn", DOSAGE_DOSE_CHECK_SINGLE_MAX, 900, 0, 0, 0, 0,
	 OK},
	{"single_max just under", DOSAGE_DOSE_CHECK_SINGLE_MAX, 999.99, 0, 0, 0,
	 0, OK},
	{"single_max at", DOSAGE_DOSE_CHECK_SINGLE_MAX, 1000, 0, 0, 0, 0, OK},
	{"single_max just over", DOSAGE_DOSE_CHECK_SINGLE_MAX, 1000.01, 0, 0, 0,
	 0, STOP},
	/* single-dose minimum 100 mg */
	{"single_min just under", DOSAGE_DOSE_CHECK_SINGLE_MIN, 99.99, 0, 0, 0,
	 0, WARN},
	{"single_min at", DOSAGE_DOSE_CHECK_SINGLE_MIN, 100, 0, 0, 0, 0, OK},
	{"single_min just over", DOSAGE_DOSE_CHECK_SINGLE_MIN, 100.01, 0, 0, 0,
	 0, OK},
	/* 24 h 4000 mg: this dose plus 3000 given */
	{"daily just under", DOSAGE_DOSE_CHECK_DAILY_MAX, 999.99, 3000, 0, 0, 0,
	 OK},
	{"daily at", DOSAGE_DOSE_CHECK_DAILY_MAX, 1000, 3000, 0, 0, 0, OK},
	{"daily just over", DOSAGE_DOSE_CHECK_DAILY_MAX, 1000.01, 3000, 0, 0, 0,
	 STOP},
	{"daily far under", DOSAGE_DOSE_CHECK_DAILY_MAX, 500, 1000, 0, 0, 0,
	 OK},
	/* per kg 15 mg/kg per dose at 100 kg = 1500 mg (above single max,
	 * checked on its own); per 24 h 60 mg/kg = 6000 mg */
	{"per_kg just under", DOSAGE_DOSE_CHECK_PER_KG, 1499.99, 0, 0, 0, 0,
	 OK},
	{"per_kg at", DOSAGE_DOSE_CHECK_PER_KG, 1500, 0, 0, 0, 0, OK},
	{"per_kg just over", DOSAGE_DOSE_CHECK_PER_KG, 1500.01, 0, 0, 0, 0,
	 STOP},
	{"per_kg low", DOSAGE_DOSE_CHECK_PER_KG, 500, 0, 0, 0, 0, OK},
	{"per_kg 24h over", DOSAGE_DOSE_CHECK_PER_KG, 500, 5500.01, 0, 0, 0,
	 STOP},
	{"per_kg 24h at", DOSAGE_DOSE_CHECK_PER_KG, 500, 5500, 0, 0, 0, OK},
	/* per m2 500 mg/m2 at sqrt(5) m2 = 1118.034 mg */
	{"per_m2 just under", DOSAGE_DOSE_CHECK_PER_M2, 1118.03, 0, 0, 0, 0,
	 OK},
	{"per_m2 at", DOSAGE_DOSE_CHECK_PER_M2, 500 * 2.2360679774997896, 0, 0,
	 0, 0, OK},
	{"per_m2 just over", DOSAGE_DOSE_CHECK_PER_M2, 1118.04, 0, 0, 0, 0,
	 STOP},
	{"per_m2 low", DOSAGE_DOSE_CHECK_PER_M2, 500, 0, 0, 0, 0, OK},
	/* minimum interval 4 h */
	{"interval just under", DOSAGE_DOSE_CHECK_INTERVAL, 500, 0, 0,
	 4 * HOUR - 1, 0, STOP},
	{"interval at", DOSAGE_DOSE_CHECK_INTERVAL, 500, 0, 0, 4 * HOUR, 0, OK},
	{"interval just over", DOSAGE_DOSE_CHECK_INTERVAL, 500, 0, 0,
	 4 * HOUR + 1, 0, OK},
	{"interval first dose", DOSAGE_DOSE_CHECK_INTERVAL, 500, 0, 0, 0, 0,
	 OK},
	/* renal bands: < 10 contraindicated, < 30 half dose (500 mg) */
	{"renal normal", DOSAGE_DOSE_CHECK_RENAL, 1000, 0, 0, 0, 30, OK},
	{"renal band at limit", DOSAGE_DOSE_CHECK_RENAL, 500, 0, 0, 0, 29.9,
	 OK},
	{"renal band just over", DOSAGE_DOSE_CHECK_RENAL, 500.01, 0, 0, 0, 29.9,
	 STOP},
	{"renal band low", DOSAGE_DOSE_CHECK_RENAL, 400, 0, 0, 0, 20, OK},
	{"renal band 24h over", DOSAGE_DOSE_CHECK_RENAL, 400, 1600.01, 0, 0, 20,
	 STOP},
	{"renal contraindicated", DOSAGE_DOSE_CHECK_RENAL, 100, 0, 0, 0, 9.99,
	 STOP},
	{"renal at contraindication edge", DOSAGE_DOSE_CHECK_RENAL, 100, 0, 0,
	 0, 10, OK},
	/* lifetime 100 g */
	{"lifetime just under", DOSAGE_DOSE_CHECK_LIFETIME, 999.99, 0, 99000, 0,
	 0, OK},
	{"lifetime at", DOSAGE_DOSE_CHECK_LIFETIME, 1000, 0, 99000, 0, 0, OK},
	{"lifetime just over", DOSAGE_DOSE_CHECK_LIFETIME, 1000.01, 0, 99000, 0,
	 0, STOP},
	{"lifetime low", DOSAGE_DOSE_CHECK_LIFETIME, 1000, 0, 0, 0, 0, OK},
	/* allergy: none recorded, high alert: not flagged */
	{"allergy none", DOSAGE_DOSE_CHECK_ALLERGY, 500, 0, 0, 0, 0, OK},
	{"high_alert off", DOSAGE_DOSE_CHECK_HIGH_ALERT, 500, 0, 0, 0, 0, OK},
	{NULL, 0, 0, 0, 0, 0, 0, 0},
};

static const dosage_dose_result *
run(const dosage_dose_limits *l, const dosage_dose_patient *p, const dcase *c,
    dosage_dose_result out[DOSAGE_DOSE_N_CHECKS])
{
	dosage_dose_history h = {
		.given_24h = c->given_24h,
		.given_lifetime = c->lifetime,
		.has_nearest = c->gap_ms > 0,
		.nearest_gap_ms = c->gap_ms,
	};

	dosage_dose_evaluate(l, p, &h, c->dose, NOW, out);
	for (int i = 0; i < DOSAGE_DOSE_N_CHECKS - 4; i++)
		MT_EQ_INT(out[i].check, i + 1);
	MT_EQ_INT(out[DOSAGE_DOSE_N_CHECKS - 4].check,
		  DOSAGE_DOSE_CHECK_HEPATIC);
	MT_EQ_INT(out[DOSAGE_DOSE_N_CHECKS - 3].check, DOSAGE_DOSE_CHECK_LAB);
	MT_EQ_INT(out[DOSAGE_DOSE_N_CHECKS - 1].check, DOSAGE_DOSE_CHECK_AGE);
	MT_EQ_INT(out[DOSAGE_DOSE_N_CHECKS - 2].check,
		  DOSAGE_DOSE_CHECK_PREGNANCY);
	return &out[c->check - 1];
}

static void
test_table(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	for (const dcase *c = table; c->name; c++) {
		dosage_dose_patient p = patient();
		const dosage_dose_result *r;

		if (c->crcl > 0)
			p.crcl_ml_min = c->crcl;
		r = run(&l, &p, c, out);
		if ((int)r->status != c->want)
			mt_fail(__FILE__, __LINE__,
				"case \"%s\": %s is %s, want %s (%s)", c->name,
				dosage_dose_check_name(c->check),
				dosage_dose_status_name(r->status),
				dosage_dose_status_name(c->want), r->reason);
		MT_TRUE(r->reason[0] != '\0');
	}
}

/* The order's frequency sets an interval of its own, with a quarter of
 * it (at most an hour) as slack; the longer of it and the catalogue's
 * minimum holds. */
static void
test_order_frequency_interval(void)
{
	static const struct {
		const char *name;
		int64_t order_ms, catalogue_ms, gap_ms;
		int want;
	} c[] = {
		/* q6h: doses from 5 h on */
		{"q6h after 1 min", 6 * HOUR, 0, 60000, STOP},
		{"q6h just under 5 h", 6 * HOUR, 0, 5 * HOUR - 1, STOP},
		{"q6h at 5 h", 6 * HOUR, 0, 5 * HOUR, OK},
		/* ondansetron q8h given after 4 h */
		{"q8h after 4 h", 8 * HOUR, 0, 4 * HOUR, STOP},
		{"q8h at 7 h", 8 * HOUR, 0, 7 * HOUR, OK},
		/* q2h: a quarter is 30 min */
		{"q2h just under 1.5 h", 2 * HOUR, 0, 90 * 60000 - 1, STOP},
		{"q2h at 1.5 h", 2 * HOUR, 0, 90 * 60000, OK},
		/* insulin q12h twice 30 min apart, no catalogue interval */
		{"q12h after 30 min", 12 * HOUR, 0, 30 * 60000, STOP},
		/* the catalogue's longer minimum still holds */
		{"q2h but catalogue 4 h", 2 * HOUR, 4 * HOUR, 3 * HOUR, STOP},
		/* no order interval and no catalogue minimum: no such limit */
		{"none", 0, 0, 60000, NA},
	};
	dosage_dose_patient p = patient();
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dosage_dose_limits l = limits();
		dosage_dose_history h = {.has_nearest = true,
					 .nearest_gap_ms = c[i].gap_ms};
		const dosage_dose_result *r;

		l.min_interval_ms = c[i].catalogue_ms;
		l.order_interval_ms = c[i].order_ms;
		dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
		r = &out[DOSAGE_DOSE_CHECK_INTERVAL - 1];
		if ((int)r->status != c[i].want)
			mt_fail(__FILE__, __LINE__,
				"case \"%s\": %s, want %s (%s)", c[i].name,
				dosage_dose_status_name(r->status),
				dosage_dose_status_name(c[i].want), r->reason);
	}
	MT_EQ_INT(dosage_dose_order_min_gap_ms(24 * HOUR), 23 * HOUR);
	MT_EQ_INT(dosage_dose_order_min_gap_ms(0), 0);
}

/* The 24-h total looks both ways: a dose charted late, between others,
 * is counted against the doses after it too. */
static void
test_worst_24h_both_directions(void)
{
	/* paracetamol q6h: 1 g at -22, -16, -10 and -4 h */
	int64_t t[] = {NOW - 22 * HOUR, NOW - 16 * HOUR, NOW - 10 * HOUR,
		       NOW - 4 * HOUR};
	double g[] = {1000, 1000, 1000, 1000};
	int64_t late = NOW - 23 * HOUR;

	MT_TRUE(dosage_dose_worst_24h(t, g, 0, NOW) == 0);
	/* now: the window (now - 24 h, now] holds all four */
	MT_TRUE(dosage_dose_worst_24h(t, g, 4, NOW) == 4000);
	/* back-dated to 23 h ago: before, only (-47 h, -23 h] was looked at
	 * (nothing); the window ending at -4 h holds it and all four */
	MT_TRUE(dosage_dose_worst_24h(t, g, 4, late) == 4000);
	/* a dose exactly 24 h later shares no window with this one */
	int64_t apart[] = {NOW + 24 * HOUR};
	double one[] = {1000};
	MT_TRUE(dosage_dose_worst_24h(apart, one, 1, NOW) == 0);
	MT_TRUE(dosage_dose_worst_24h(apart, one, 1, NOW + 1) == 1000);
	/* and a dose exactly 24 h earlier has left the window */
	int64_t before[] = {NOW - 24 * HOUR};
	MT_TRUE(dosage_dose_worst_24h(before, one, 1, NOW) == 0);

	/* The daily check on the back-dated dose is a hard stop. */
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {.given_24h =
					 dosage_dose_worst_24h(t, g, 4, late)};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	dosage_dose_evaluate(&l, &p, &h, 1000, late, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_DAILY_MAX - 1].status, STOP);
}

/* naive_worst is the definition of dosage_dose_worst_24h, window by
 * window: the reference its one pass is checked against. */
static double
naive_worst(const int64_t *t, const double *g, size_t n, int64_t at)
{
	double worst = 0;

	for (size_t e = 0; e <= n; e++) {
		int64_t end = e == n ? at : t[e];
		double sum = 0;

		if (end < at || end >= at + 24 * HOUR)
			continue;
		for (size_t i = 0; i < n; i++)
			if (t[i] > end - 24 * HOUR && t[i] <= end)
				sum += g[i];
		if (sum > worst)
			worst = sum;
	}
	return worst;
}

/* Tens of thousands of doses (issue 31: past 512 every later dose was
 * DATA_LOSS) in one pass, equal to the definition, doses at the same
 * millisecond included. */
static void
test_worst_24h_many_doses(void)
{
	enum { N = 20000, SMALL = 3000 };
	static int64_t t[N];
	static double g[N];
	uint32_t seed = 31;
	double got;

	for (size_t k = 0; k < 2; k++) {
		size_t n = k == 0 ? SMALL : N;

		/* 48 h of doses around NOW, some at one millisecond */
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			t[i] = NOW - 24 * HOUR + (int64_t)i * (48 * HOUR) / n;
			if (i > 0 && seed % 7 == 0)
				t[i] = t[i - 1];
			g[i] = 0.5 + (double)((seed >> 8) % 100) / 10.0;
		}
		for (int64_t at = NOW - 30 * HOUR;
		     k == 0 && at <= NOW + 30 * HOUR; at += 7 * HOUR) {
			double want = naive_worst(t, g, n, at);

			got = dosage_dose_worst_24h(t, g, n, at);
			MT_TRUE(got >= want * (1 - 1e-12) &&
				got <= want * (1 + 1e-12));
		}
	}
	/* Whole numbers add up exactly: the limits are compared with a
	 * fresh sum, never with a running one that drifted. */
	for (size_t i = 0; i < N; i++)
		g[i] = 1000;
	got = dosage_dose_worst_24h(t, g, N, NOW);
	MT_TRUE(got == 1000.0 * (double)(int64_t)(got / 1000.0));
	/* about half the doses; a few more where times were repeated */
	MT_TRUE(got >= 1000.0 * (N / 2 - 1) && got <= 1000.0 * (N / 2 + 20));
}

/* A bolus during a running infusion: the 24-h total holds what the
 * infusion delivered since its last event, and the reason names it. */
static void
test_running_infusion_share_named(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {.given_24h = l.max_24h - 500,
				 .running_24h = 1500};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *d = &out[DOSAGE_DOSE_CHECK_DAILY_MAX - 1];

	dosage_dose_evaluate(&l, &p, &h, 1000, NOW, out);
	MT_EQ_INT(d->status, STOP);
	MT_TRUE(strstr(d->reason, "; 1500 mg of it from a running infusion") !=
		NULL);
	h.running_24h = 0;
	dosage_dose_evaluate(&l, &p, &h, 1000, NOW, out);
	MT_TRUE(strstr(d->reason, "running infusion") == NULL);
}

/* Each check says not_checked (never ok) when its data is missing and the
 * drug's policy for the fact is warn. */
static void
test_missing_data_not_checked(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = {.weight_ms = NOW};
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.weight_missing = DOSAGE_DOSE_POLICY_WARN;
	l.allergies_missing = DOSAGE_DOSE_POLICY_WARN;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, NC);
	MT_EQ_STR(out[DOSAGE_DOSE_CHECK_PER_KG - 1].reason, "weight unknown");
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_M2 - 1].status, NC);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, NC);
	MT_EQ_STR(out[DOSAGE_DOSE_CHECK_RENAL - 1].reason,
		  "creatinine clearance unknown");
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, NC);
	MT_EQ_INT(dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS), NC);
}

static void
test_stale_measurements(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	/* 7 days exactly: creatinine clearance still used; body too. */
	p.crcl_ms = NOW - DOSAGE_DOSE_CRCL_MAX_AGE_MS;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, OK);
	p.crcl_ms = NOW - DOSAGE_DOSE_CRCL_MAX_AGE_MS - 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, NC);
	/* Each measurement has its own time: an old clearance leaves the
	 * fresh weight in use. */
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, OK);
	p.weight_ms = NOW - DOSAGE_DOSE_BODY_MAX_AGE_MS - 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	/* A drug dosed by weight stops on a stale weight, for every age. */
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	MT_EQ_STR(out[DOSAGE_DOSE_CHECK_PER_KG - 1].reason,
		  "weight older than 30 days; this drug needs it (policy "
		  "hard_stop)");
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_M2 - 1].status, STOP);
	p.weight_ms = NOW;
	p.height_ms = NOW - DOSAGE_DOSE_BODY_MAX_AGE_MS - 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, OK);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_M2 - 1].status, STOP);
}

/* A limit the catalogue does not set is not_applicable, which leaves the
 * overall status meaningful; a drug without a substance cannot have its
 * allergies checked (not_checked). */
static void
test_no_limits_not_applicable(void)
{
	dosage_dose_limits l = {.unit = "mg"};
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	for (int i = 0; i < DOSAGE_DOSE_CHECK_ALLERGY - 1; i++)
		if ((int)out[i].status != NA)
			mt_fail(__FILE__, __LINE__,
				"%s: %s, want not_applicable",
				dosage_dose_check_name(out[i].check),
				dosage_dose_status_name(out[i].status));
	MT_TRUE(strstr(out[1].reason, "no single-dose maximum") != NULL);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, NC);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_BAND - 1].status, NA);
	l.substances[0] = "ondansetron";
	l.n_substances = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS), OK);
}

static void
allergies_codeine(dosage_dose_patient *p)
{
	static const char *const codeine[] = {"codeine phosphate"};

	p->allergies = codeine;
	p->n_allergies = 1;
}

static void
test_allergy(void)
{
	static const char *const allergies[] = {"Penicillin", "Acetaminophen"};
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	p.allergies = allergies;
	p.n_allergies = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, OK);
	p.n_allergies = 2; /* another name of paracetamol */
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, STOP);
	l.substances[0] = "amoxicillin"; /* "Penicillin" is its class */
	p.n_allergies = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, STOP);
	MT_EQ_INT(dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS), STOP);
	l.substances[0] = "cefalexin"; /* cross-sensitivity */
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, WARN);
	/* A combination product: the second substance matches. */
	l.substances[0] = "paracetamol";
	l.substances[1] = "codeine";
	l.n_substances = 2;
	allergies_codeine(&p);
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, STOP);
}

/* An allergy a note mentions, not yet confirmed or rejected (records'
 * note reader), stops a matching first dose; an order's override makes it
 * a warning; a recorded allergy's own stop says more and wins. */
static void
test_allergy_noted(void)
{
	static const char *const noted[] = {"penicillins"};
	static const char *const recorded[] = {"amoxicillin"};
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	const dosage_dose_result *a = &out[DOSAGE_DOSE_CHECK_ALLERGY - 1];

	p.suggested_allergies = noted;
	p.n_suggested_allergies = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out); /* paracetamol */
	MT_EQ_INT(a->status, OK);
	l.substances[0] = "amoxicillin";
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(a->status, STOP);
	MT_TRUE(strstr(a->reason, "a note mentions an allergy to "
				  "penicillins") != NULL);
	/* allergies never assessed: the note's allergy still stops */
	p.allergies_known = false;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_TRUE(strstr(a->reason, "a note mentions") != NULL);
	p.allergies_known = true;
	l.first_dose_overridden = true;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(a->status, WARN);
	p.allergies = recorded;
	p.n_allergies = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(a->status, STOP);
	MT_TRUE(strstr(a->reason, "a note mentions") == NULL);
}

/* A missing fact is a hard stop where the drug's policy says so. */
static void
test_missing_fact_policy(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = {.weight_ms = NOW};
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.weight_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	l.crcl_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	l.allergies_missing = DOSAGE_DOSE_POLICY_HARD_STOP;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_M2 - 1].status, STOP);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_RENAL - 1].status, STOP);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, STOP);
	l.weight_missing = DOSAGE_DOSE_POLICY_WARN;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, NC);
	/* Default: a child (age known) needs a weight for per-kg limits. */
	l.weight_missing = DOSAGE_DOSE_POLICY_DEFAULT;
	p.has_age = true;
	p.age_years = 4;
	p.age_days = 4 * 365;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	/* ... and so does an adult: the drug doses by weight. */
	p.age_years = 18;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_M2 - 1].status, STOP);
	/* Allergies never assessed: a stop by default, a warning under an
	 * order whose prescriber overrode it. */
	l.allergies_missing = DOSAGE_DOSE_POLICY_DEFAULT;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, STOP);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].reason,
		       "allergies not assessed") != NULL);
	l.first_dose_overridden = true;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_ALLERGY - 1].status, WARN);
}

/* Per-kg limits only in a band the missing weight leaves undecided (an
 * adult under 50 kg) keep not_checked: the bands' fixed limits apply. */
static void
test_weight_band_undecided(void)
{
	dosage_dose_limits l = {
		.unit = "mg",
		.single_max = 1000,
		.max_24h = 4000,
		.substances = {"paracetamol"},
		.n_substances = 1,
	};
	dosage_dose_patient p = {.has_age = true,
				 .age_years = 40,
				 .age_days = 40 * 365,
				 .allergies_known = true};
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.groups[0] = (dosage_dose_group){.age = DOSAGE_DOSE_AGE_ADULT_ALL,
					  .max_kg = 50,
					  .max_per_kg = 15};
	l.n_groups = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, NC);
	/* A band by age alone that doses by weight decides: a stop. */
	l.groups[0].max_kg = 0;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_PER_KG - 1].status, STOP);
}

/* An allergy written in words: read through the shipped names; text read
 * as nothing stops a first dose of any drug. */
static void
test_allergy_text(void)
{
	static const char *const augmentin[] = {"Augmentin"};
	static const char *const blue[] = {"the blue tablets"};
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	dosage_allergy_names names;
	const dosage_dose_result *al = &out[DOSAGE_DOSE_CHECK_ALLERGY - 1];

	MT_TRUE(dosage_allergy_starter(&names));
	p.allergy_names = &names;
	l.substances[0] = "amoxicillin";
	p.allergies = augmentin;
	p.n_allergies = 1;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(al->status, STOP);
	MT_TRUE(strstr(al->reason,
		       "allergy \"Augmentin\" read as "
		       "co-amoxiclav (brand name): ") == al->reason);
	p.allergies = blue;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(al->status, STOP);
	MT_TRUE(strstr(al->reason, "uncoded allergy \"the blue tablets\"") !=
		NULL);
	/* Any drug, even one without a substance. */
	l.n_substances = 0;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(al->status, STOP);
	l.first_dose_overridden = true;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(al->status, WARN);
}

static void
test_high_alert_warns(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];

	l.high_alert = true;
	dosage_dose_evaluate(&l, &p, &h, 500, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_HIGH_ALERT - 1].status, WARN);
	MT_EQ_INT(dosage_dose_worst(out, DOSAGE_DOSE_N_CHECKS), WARN);
}

static void
test_worst_order(void)
{
	dosage_dose_result r[3] = {{.status = DOSAGE_DOSE_OK},
				   {.status = DOSAGE_DOSE_NOT_CHECKED},
				   {.status = DOSAGE_DOSE_WARN}};

	MT_EQ_INT(dosage_dose_worst(r, 1), OK);
	MT_EQ_INT(dosage_dose_worst(r, 2), NC);
	MT_EQ_INT(dosage_dose_worst(r, 3), WARN);
	r[0].status = DOSAGE_DOSE_HARD_STOP;
	MT_EQ_INT(dosage_dose_worst(r, 3), STOP);
	MT_EQ_INT(dosage_dose_worst(r, 0), NA);
	/* not_applicable never outweighs ok. */
	r[0].status = DOSAGE_DOSE_NOT_APPLICABLE;
	r[1].status = DOSAGE_DOSE_OK;
	MT_EQ_INT(dosage_dose_worst(r, 2), OK);
}

static void
test_units(void)
{
	static const struct {
		double v;
		const char *from, *to;
		double want;
	} ok[] = {
		{1, "g", "mg", 1000},	       {1000, "mg", "g", 1},
		{1, "mg", "ug", 1000},	       {250, "mcg", "mg", 0.25},
		{500, "\xc2\xb5g", "ug", 500}, {0.5, "g", "ug", 500000},
		{1, "L", "mL", 1000},	       {10, "IU", "[iU]", 10},
		{10, "unit", "units", 10},     {4, "g", "g", 4},
	};
	static const char *const bad[][2] = {
		{"mg", "mL"}, {"g", "[iU]"}, {"mL", "unit"},
		{"Mg", "mg"}, {"kg", "mg"},  {"", "mg"},
	};
	dosage_dose_unit u;
	double out;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		MT_OK(dosage_dose_convert(ok[i].v, ok[i].from, ok[i].to, &out));
		if (fabs(out - ok[i].want) > 1e-9 * ok[i].want)
			mt_fail(__FILE__, __LINE__,
				"%g %s -> %s = %.17g, want %g", ok[i].v,
				ok[i].from, ok[i].to, out, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MT_EQ_INT(dosage_dose_convert(1, bad[i][0], bad[i][1], &out),
			  MED_ERR_INVALID);
	MT_OK(dosage_dose_unit_parse("mcg", &u));
	MT_EQ_STR(u.ucum, "ug");
	MT_OK(dosage_dose_unit_parse("IU", &u));
	MT_EQ_STR(u.ucum, "[iU]");
	MT_EQ_INT(dosage_dose_unit_parse(NULL, &u), MED_ERR_INVALID);
}

/* mmol and mEq: each its own dimension, never a mass nor each other (no
 * molar mass or valence is guessed). */
static void
test_molar_units(void)
{
	static const char *const bad[][2] = {
		{"mmol", "mg"},	 {"mg", "mmol"},   {"mEq", "mg"},
		{"mmol", "mEq"}, {"mEq", "mmol"},  {"mmol", "mL"},
		{"meq", "[iU]"}, {"MMOL", "mmol"},
	};
	dosage_dose_unit u;
	double out = 0;

	MT_OK(dosage_dose_convert(20, "mmol", "mmol", &out));
	MT_NEAR(out, 20, 0);
	MT_OK(dosage_dose_convert(40, "mEq", "meq", &out));
	MT_NEAR(out, 40, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dosage_dose_convert(1, bad[i][0], bad[i][1], &out) !=
		    MED_ERR_INVALID)
			mt_fail(__FILE__, __LINE__, "%s -> %s converted",
				bad[i][0], bad[i][1]);
	MT_OK(dosage_dose_unit_parse("mEq", &u));
	MT_EQ_STR(u.ucum, "meq");
	MT_TRUE(dosage_dose_dim_is_amount(u.dim));
	MT_TRUE(dosage_dose_dim_is_molar(u.dim));
	MT_OK(dosage_dose_unit_parse("mmol", &u));
	MT_TRUE(dosage_dose_dim_is_molar(u.dim));
	MT_OK(dosage_dose_unit_parse("mg", &u));
	MT_TRUE(dosage_dose_dim_is_amount(u.dim));
	MT_TRUE(!dosage_dose_dim_is_molar(u.dim));
	MT_OK(dosage_dose_unit_parse("mL", &u));
	MT_TRUE(!dosage_dose_dim_is_amount(u.dim));
}

/* A limit in g and a dose in ug: exactly the maximum is not a hard stop. */
static void
test_limit_after_conversion(void)
{
	dosage_dose_limits l = limits();
	dosage_dose_patient p = patient();
	dosage_dose_history h = {0};
	dosage_dose_result out[DOSAGE_DOSE_N_CHECKS];
	double dose;

	l.unit = "g";
	l.single_max = 1;
	l.single_min = 0.1;
	l.max_24h = 4;
	l.max_per_kg = 0;
	l.max_per_kg_24h = 0;
	l.max_per_m2 = 0;
	l.lifetime_max = 0;
	MT_OK(dosage_dose_convert(1000000, "ug", "g", &dose));
	dosage_dose_evaluate(&l, &p, &h, dose, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_SINGLE_MAX - 1].status, OK);
	MT_TRUE(strstr(out[DOSAGE_DOSE_CHECK_SINGLE_MAX - 1].reason,
		       "(note: at least 90%)") != NULL);
	MT_OK(dosage_dose_convert(1000001, "ug", "g", &dose));
	dosage_dose_evaluate(&l, &p, &h, dose, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_SINGLE_MAX - 1].status, STOP);
	MT_OK(dosage_dose_convert(100, "mg", "g", &dose));
	dosage_dose_evaluate(&l, &p, &h, dose, NOW, out);
	MT_EQ_INT(out[DOSAGE_DOSE_CHECK_SINGLE_MIN - 1].status, OK);
}

static void
test_bsa(void)
{
	MT_TRUE(fabs(dosage_dose_bsa_m2(180, 100) - sqrt(5.0)) < 1e-12);
	MT_TRUE(fabs(dosage_dose_bsa_m2(170, 70) - 1.8181) < 1e-4);
}

static void
test_bands_parse(void)
{
	dosage_dose_band b[DOSAGE_DOSE_MAX_BANDS];
	size_t n = 99;

	MT_OK(dosage_dose_bands_parse("30:0.5;10:0", b, DOSAGE_DOSE_MAX_BANDS,
				      &n));
	MT_EQ_INT(n, 2);
	MT_TRUE(b[0].crcl_below == 10 && b[0].factor == 0);
	MT_TRUE(b[1].crcl_below == 30 && b[1].factor == 0.5);
	MT_OK(dosage_dose_bands_parse("", b, DOSAGE_DOSE_MAX_BANDS, &n));
	MT_EQ_INT(n, 0);
	MT_EQ_INT(dosage_dose_bands_parse("30", b, 4, &n), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("30:1.5", b, 4, &n), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("0:0.5", b, 4, &n), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("30:x", b, 4, &n), MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("30:0.5;30:0", b, 4, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("30:0.5;", b, 4, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("1:0;2:0;3:0;4:0;5:0", b, 4, &n),
		  MED_ERR_LIMIT);
	/* A third field: the band's own interval, minutes. */
	MT_OK(dosage_dose_bands_parse("30:0.5:1440", b, 4, &n));
	MT_EQ_INT(b[0].interval_ms, 24 * HOUR);
	MT_EQ_INT(dosage_dose_bands_parse("30:0.5:-1", b, 4, &n),
		  MED_ERR_INVALID);
	MT_EQ_INT(dosage_dose_bands_parse("30:0.5:1.5", b, 4, &n),
		  MED_ERR_INVALID);
}

/* Issue 17 finding 9: a band written with %.17g must read back, however
 * small its numbers (strtod flags 5e-324 with ERANGE). */
static void
test_numbers_read_back(void)
{
	dosage_dose_band b[DOSAGE_DOSE_MAX_BANDS];
	char text[80];
	double v = -1;
	size_t n = 0;

	MT_TRUE(dosage_dose_number("4.9406564584124654e-324", &v));
	MT_TRUE(v > 0 && v < 1e-300);
	MT_TRUE(dosage_dose_number("-2.5e-310", &v) && v < 0);
	MT_TRUE(dosage_dose_number("12.5", &v) && v == 12.5);
	MT_TRUE(!dosage_dose_number("1e999", &v));
	MT_TRUE(!dosage_dose_number("inf", &v));
	MT_TRUE(!dosage_dose_number("nan", &v));
	MT_TRUE(!dosage_dose_number("", &v));
	MT_TRUE(!dosage_dose_number("3x", &v));
	snprintf(text, sizeof(text), "%.17g:%.17g:0", 5e-324, 5e-324);
	MT_OK(dosage_dose_bands_parse(text, b, DOSAGE_DOSE_MAX_BANDS, &n));
	MT_EQ_INT(n, 1);
	MT_TRUE(b[0].crcl_below == 5e-324 && b[0].factor == 5e-324);
}

static void
test_frequency(void)
{
	static const struct {
		const char *s;
		int64_t hours;
		bool prn;
	} ok[] = {
		{"q6h", 6, false},    {"Q8H", 8, false},
		{"q12h", 12, false},  {"q72h", 72, false},
		{"daily", 24, false}, {"qd", 24, false},
		{"bid", 12, false},   {"tid", 8, false},
		{"qid", 6, false},    {"once", 0, false},
		{"prn", 0, true},     {"weekly", 168, false},
	};
	static const char *const bad[] = {"",	"q0h", "q73h",	"q6",
					  "6h", "qxh", "q123h", "monthly"};
	int64_t iv;
	bool prn;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		MT_OK(dosage_dose_frequency_parse(ok[i].s, &iv, &prn));
		MT_EQ_INT(iv, ok[i].hours * HOUR);
		MT_EQ_INT(prn, ok[i].prn);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MT_EQ_INT(dosage_dose_frequency_parse(bad[i], &iv, &prn),
			  MED_ERR_INVALID);
}

static const mt_case cases[] = {
	{"table", test_table},
	{"order_frequency_interval", test_order_frequency_interval},
	{"worst_24h_both_directions", test_worst_24h_both_directions},
	{"worst_24h_many_doses", test_worst_24h_many_doses},
	{"missing_data_not_checked", test_missing_data_not_checked},
	{"running_infusion_share", test_running_infusion_share_named},
	{"stale_measurements", test_stale_measurements},
	{"no_limits_not_applicable", test_no_limits_not_applicable},
	{"allergy", test_allergy},
	{"allergy_noted", test_allergy_noted},
	{"missing_fact_policy", test_missing_fact_policy},
	{"weight_band_undecided", test_weight_band_undecided},
	{"allergy_text", test_allergy_text},
	{"high_alert_warns", test_high_alert_warns},
	{"worst_order", test_worst_order},
	{"units", test_units},
	{"molar_units", test_molar_units},
	{"limit_after_conversion", test_limit_after_conversion},
	{"bsa", test_bsa},
	{"bands_parse", test_bands_parse},
	{"numbers_read_back", test_numbers_read_back},
	{"frequency", test_frequency},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
