/*
 * test_news2.c - NEWS2 scores (services/fhir/base/news2.c) on worked examples
 * read off the RCP 2017 chart by hand: every band edge of every
 * parameter, both SpO2 scales with air and oxygen, the risk bands of
 * chart 2, and a missing parameter that leaves the score incomplete.
 */
#include <math.h>
#include <stdio.h>

#include "news2.h"
#include "testlib.h"

/* A patient scoring 0: RR 16, SpO2 97 on air, SBP 120, pulse 70, alert,
 * 37.0 Cel. */
static news2_input
healthy(void)
{
	news2_input in = {.spo2_scale = 1};
	static const double v[NEWS2_N_PARAMS] = {16, 97, 0, 120, 70, 1, 37.0};

	for (int p = 0; p < NEWS2_N_PARAMS; p++) {
		in.has[p] = true;
		in.value[p] = v[p];
	}
	return in;
}

static int
points_with(news2_param p, double v)
{
	news2_input in = healthy();
	news2_result r;

	in.value[p] = v;
	news2_score(&in, &r);
	return r.points[p];
}

/* edge - a value and the points the chart gives it. */
typedef struct edge {
	news2_param p;
	double v;
	int points;
} edge;

static void
test_band_edges(void)
{
	static const edge edges[] = {
		{NEWS2_RESPIRATION, 8, 3},
		{NEWS2_RESPIRATION, 9, 1},
		{NEWS2_RESPIRATION, 11, 1},
		{NEWS2_RESPIRATION, 12, 0},
		{NEWS2_RESPIRATION, 20, 0},
		{NEWS2_RESPIRATION, 21, 2},
		{NEWS2_RESPIRATION, 24, 2},
		{NEWS2_RESPIRATION, 25, 3},
		{NEWS2_SPO2, 91, 3},
		{NEWS2_SPO2, 92, 2},
		{NEWS2_SPO2, 93, 2},
		{NEWS2_SPO2, 94, 1},
		{NEWS2_SPO2, 95, 1},
		{NEWS2_SPO2, 96, 0},
		{NEWS2_OXYGEN, 0, 0},
		{NEWS2_OXYGEN, 0.5, 2},
		{NEWS2_OXYGEN, 15, 2},
		{NEWS2_SYSTOLIC, 90, 3},
		{NEWS2_SYSTOLIC, 91, 2},
		{NEWS2_SYSTOLIC, 100, 2},
		{NEWS2_SYSTOLIC, 101, 1},
		{NEWS2_SYSTOLIC, 110, 1},
		{NEWS2_SYSTOLIC, 111, 0},
		{NEWS2_SYSTOLIC, 219, 0},
		{NEWS2_SYSTOLIC, 220, 3},
		{NEWS2_PULSE, 40, 3},
		{NEWS2_PULSE, 41, 1},
		{NEWS2_PULSE, 50, 1},
		{NEWS2_PULSE, 51, 0},
		{NEWS2_PULSE, 90, 0},
		{NEWS2_PULSE, 91, 1},
		{NEWS2_PULSE, 110, 1},
		{NEWS2_PULSE, 111, 2},
		{NEWS2_PULSE, 130, 2},
		{NEWS2_PULSE, 131, 3},
		{NEWS2_CONSCIOUSNESS, 1, 0},
		{NEWS2_CONSCIOUSNESS, 2, 3},
		{NEWS2_CONSCIOUSNESS, 3, 3},
		{NEWS2_CONSCIOUSNESS, 4, 3},
		{NEWS2_CONSCIOUSNESS, 5, 3},
		{NEWS2_TEMPERATURE, 35.0, 3},
		{NEWS2_TEMPERATURE, 35.1, 1},
		{NEWS2_TEMPERATURE, 36.0, 1},
		{NEWS2_TEMPERATURE, 36.1, 0},
		{NEWS2_TEMPERATURE, 38.0, 0},
		{NEWS2_TEMPERATURE, 38.1, 1},
		{NEWS2_TEMPERATURE, 39.0, 1},
		{NEWS2_TEMPERATURE, 39.1, 2},
		/* Rounded to the chart's 0.1 Cel first. */
		{NEWS2_TEMPERATURE, 38.04, 0},
		{NEWS2_TEMPERATURE, 38.06, 1},
		{NEWS2_TEMPERATURE, 35.04, 3},
	};

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		int got = points_with(edges[i].p, edges[i].v);

		char want[64], have[64];

		snprintf(want, sizeof(want), "%s %g: %d",
			 news2_param_code(edges[i].p), edges[i].v,
			 edges[i].points);
		snprintf(have, sizeof(have), "%s %g: %d",
			 news2_param_code(edges[i].p), edges[i].v, got);
		MT_EQ_STR(have, want);
	}
}

/* scale2 scores SpO2 v on Scale 2, on oxygen (flow) or air (0). */
static int
scale2(double v, double flow)
{
	news2_input in = healthy();
	news2_result r;

	in.spo2_scale = 2;
	in.value[NEWS2_SPO2] = v;
	in.value[NEWS2_OXYGEN] = flow;
	news2_score(&in, &r);
	return r.points[NEWS2_SPO2];
}

static void
test_scale_2(void)
{
	MT_EQ_INT(scale2(83, 2), 3);
	MT_EQ_INT(scale2(84, 2), 2);
	MT_EQ_INT(scale2(85, 0), 2);
	MT_EQ_INT(scale2(86, 2), 1);
	MT_EQ_INT(scale2(87, 0), 1);
	MT_EQ_INT(scale2(88, 2), 0);
	MT_EQ_INT(scale2(92, 2), 0);
	MT_EQ_INT(scale2(93, 0), 0); /* on air from 93 up: 0 */
	MT_EQ_INT(scale2(100, 0), 0);
	MT_EQ_INT(scale2(93, 2), 1); /* on oxygen: 93-94 */
	MT_EQ_INT(scale2(94, 2), 1);
	MT_EQ_INT(scale2(95, 2), 2); /* 95-96 */
	MT_EQ_INT(scale2(96, 2), 2);
	MT_EQ_INT(scale2(97, 2), 3); /* >= 97 */
	/* Scale 1 for the same 90 % on oxygen is 3, on Scale 2 0. */
	MT_EQ_INT(points_with(NEWS2_SPO2, 90), 3);
	MT_EQ_INT(scale2(90, 2), 0);
}

/* example - a whole chart and the expected aggregate and band. */
typedef struct example {
	const char *name;
	double v[NEWS2_N_PARAMS];
	int scale;
	int total;
	const char *risk;
} example;

static void
test_worked_examples(void)
{
	static const example ex[] = {
		/* 0 + 0 + 0 + 0 + 0 + 0 + 0 */
		{"well", {16, 97, 0, 120, 70, 1, 37.0}, 1, 0, "low"},
		/* RR 22 (2), SpO2 95 (1), air, SBP 105 (1), pulse 95 (1),
		 * alert, 38.4 (1): 6 */
		{"sepsis-ish", {22, 95, 0, 105, 95, 1, 38.4}, 1, 6, "medium"},
		/* 19 is 3 + 3 + 2 + 3 + 3 + 3 + 2 */
		{"peri-arrest", {26, 90, 4, 88, 135, 3, 39.5}, 1, 19, "high"},
		/* New confusion alone: 3, a red score in one parameter. */
		{"new-confusion",
		 {16, 97, 0, 120, 70, 2, 37.0},
		 1,
		 3,
		 "low-medium"},
		/* RR 21 (2), SpO2 94 (1), air, SBP 115, 88, alert, 36.5: 3
		 * with no single 3: low. */
		{"low-3", {21, 94, 0, 115, 88, 1, 36.5}, 1, 3, "low"},
		/* COPD on Scale 2 at 90 % on 2 L/min: SpO2 0, oxygen 2; RR
		 * 22 (2), pulse 92 (1): 5, medium. */
		{"copd-scale-2", {22, 90, 2, 130, 92, 1, 37.2}, 2, 5, "medium"},
		/* Aggregate 7 at the edge: RR 25 (3), SpO2 93 (2), O2 (2). */
		{"seven", {25, 93, 1, 120, 70, 1, 37.0}, 1, 7, "high"},
	};

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		news2_input in = {.spo2_scale = ex[i].scale};
		news2_result r;

		for (int p = 0; p < NEWS2_N_PARAMS; p++) {
			in.has[p] = true;
			in.value[p] = ex[i].v[p];
		}
		news2_score(&in, &r);
		MT_TRUE(r.complete);
		char want[64], have[64];

		snprintf(want, sizeof(want), "%s: %d %s", ex[i].name,
			 ex[i].total, ex[i].risk);
		snprintf(have, sizeof(have), "%s: %d %s", ex[i].name, r.total,
			 r.risk ? r.risk->code : "(none)");
		MT_EQ_STR(have, want);
	}
}

static void
test_missing_is_incomplete(void)
{
	for (int p = 0; p < NEWS2_N_PARAMS; p++) {
		news2_input in = healthy();
		news2_result r;

		in.has[p] = false;
		news2_score(&in, &r);
		MT_TRUE(!r.complete);
		MT_EQ_INT(r.points[p], -1);
		MT_EQ_INT(r.total, 0);
		MT_TRUE(r.risk == NULL);
	}
	/* Scale 2 from 93 % cannot be scored without air or oxygen. */
	{
		news2_input in = healthy();
		news2_result r;

		in.spo2_scale = 2;
		in.has[NEWS2_OXYGEN] = false;
		news2_score(&in, &r);
		MT_EQ_INT(r.points[NEWS2_SPO2], -1);
		MT_TRUE(!r.complete);
		in.value[NEWS2_SPO2] = 90; /* 88-92: 0 whatever the oxygen */
		news2_score(&in, &r);
		MT_EQ_INT(r.points[NEWS2_SPO2], 0);
	}
	/* A NaN is no reading. */
	{
		news2_input in = healthy();
		news2_result r;

		in.value[NEWS2_PULSE] = NAN;
		news2_score(&in, &r);
		MT_TRUE(!r.complete);
	}
}

/* A reading older than the limit is stale: not scored, the score
 * incomplete; at the limit it is still scored; a stale oxygen flow leaves
 * Scale 2 from 93 % unscored as a missing one does. */
static void
test_stale_is_incomplete(void)
{
	for (int p = 0; p < NEWS2_N_PARAMS; p++) {
		news2_input in = healthy();
		news2_result r;

		in.age_ms[p] = NEWS2_MAX_AGE_MS;
		news2_score(&in, &r);
		MT_TRUE(r.complete);
		MT_TRUE(!r.stale[p]);
		in.age_ms[p] = NEWS2_MAX_AGE_MS + 1;
		news2_score(&in, &r);
		MT_TRUE(!r.complete);
		MT_TRUE(r.stale[p]);
		MT_EQ_INT(r.points[p], -1);
		MT_EQ_INT(r.total, 0);
		MT_TRUE(r.risk == NULL);
		/* a limit of its own: 30 minutes */
		in.max_age_ms = 30 * 60 * 1000;
		in.age_ms[p] = 31 * 60 * 1000;
		news2_score(&in, &r);
		MT_TRUE(r.stale[p] && !r.complete);
		in.age_ms[p] = 29 * 60 * 1000;
		news2_score(&in, &r);
		MT_TRUE(!r.stale[p] && r.complete);
	}
	{
		news2_input in = healthy();
		news2_result r;

		in.spo2_scale = 2;
		in.value[NEWS2_OXYGEN] = 2;
		in.age_ms[NEWS2_OXYGEN] = NEWS2_MAX_AGE_MS + 1;
		news2_score(&in, &r);
		MT_EQ_INT(r.points[NEWS2_SPO2], -1);
		MT_TRUE(r.stale[NEWS2_OXYGEN] && !r.stale[NEWS2_SPO2]);
		MT_TRUE(!r.complete);
	}
}

/* partial_case - an incomplete set: values over healthy(), the
 * parameters left out, and the floor it must report. */
typedef struct partial_case {
	const char *name;
	double v[NEWS2_N_PARAMS]; /* NAN: healthy()'s */
	news2_param out1, out2;	  /* left out; NEWS2_N_PARAMS: none */
	int partial;
	const char *at_least; /* NULL: no floor */
} partial_case;

#define H    NAN
#define NONE NEWS2_N_PARAMS

/* The ward's case: RR 26 (3), SpO2 90 (3), SBP 88 (3), pulse 135 (3) and
 * 39.5 Cel (2) add up to 14 without air/oxygen and consciousness; high
 * from 7 whatever those two score. */
static const partial_case partial_cases[] = {
	{"high_without_oxygen_and_acvpu",
	 {26, 90, H, 88, 135, H, 39.5},
	 NEWS2_OXYGEN,
	 NEWS2_CONSCIOUSNESS,
	 14,
	 "high"},
	{"exactly_7",
	 {22, 94, H, 105, 95, H, 39.5},
	 NEWS2_CONSCIOUSNESS,
	 NONE,
	 7,
	 "high"},
	{"medium_from_5",
	 {22, 94, H, 105, 95, H, H},
	 NEWS2_CONSCIOUSNESS,
	 NONE,
	 5,
	 "medium"},
	{"a_3_in_one",
	 {H, H, H, H, 135, H, H},
	 NEWS2_TEMPERATURE,
	 NONE,
	 3,
	 "low-medium"},
	{"4_without_a_3_says_nothing",
	 {22, 94, H, 105, H, H, H},
	 NEWS2_OXYGEN,
	 NONE,
	 4,
	 NULL},
	{"0_says_nothing", {H, H, H, H, H, H, H}, NEWS2_PULSE, NONE, 0, NULL},
};

static void
check_partial(const partial_case *c)
{
	news2_input in = healthy();
	news2_result r;
	char have[64], want[64];

	for (int p = 0; p < NEWS2_N_PARAMS; p++)
		if (!isnan(c->v[p]))
			in.value[p] = c->v[p];
	in.has[c->out1] = false;
	if (c->out2 != NONE)
		in.has[c->out2] = false;
	news2_score(&in, &r);
	MT_TRUE(!r.complete && r.risk == NULL && r.total == 0);
	snprintf(have, sizeof(have), "%s: %d %s", c->name, r.partial,
		 r.at_least ? r.at_least->code : "(none)");
	snprintf(want, sizeof(want), "%s: %d %s", c->name, c->partial,
		 c->at_least ? c->at_least : "(none)");
	MT_EQ_STR(have, want);
}

/* An incomplete score still reports the urgent band the scored
 * parameters reach; a complete one has no floor of its own. */
static void
test_partial_reaches_a_band(void)
{
	news2_input in = healthy();
	news2_result r;

	for (size_t i = 0; i < sizeof(partial_cases) / sizeof(partial_cases[0]);
	     i++)
		check_partial(&partial_cases[i]);
	in.value[NEWS2_PULSE] = 135;
	news2_score(&in, &r);
	MT_TRUE(r.complete && r.at_least == NULL);
	MT_EQ_INT(r.partial, 0);
	/* a stale 3 is no floor */
	in.has[NEWS2_TEMPERATURE] = false;
	in.age_ms[NEWS2_PULSE] = NEWS2_MAX_AGE_MS + 1;
	news2_score(&in, &r);
	MT_TRUE(r.at_least == NULL);
}

static const mt_case cases[] = {
	{"band_edges", test_band_edges},
	{"scale_2", test_scale_2},
	{"worked_examples", test_worked_examples},
	{"missing_is_incomplete", test_missing_is_incomplete},
	{"stale_is_incomplete", test_stale_is_incomplete},
	{"partial_reaches_a_band", test_partial_reaches_a_band},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
