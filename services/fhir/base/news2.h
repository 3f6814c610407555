/*
 * news2.h - the National Early Warning Score 2 (Royal College of
 * Physicians, 2017) of a set of observations: each parameter's points from
 * the chart's bands, the aggregate and its clinical-risk band.  Pure: no
 * I/O, no allocation; ward_news2.c feeds it a patient's latest vital signs.
 */
#ifndef SMARTMED_FHIR_NEWS2_H
#define SMARTMED_FHIR_NEWS2_H

#include <stdbool.h>
#include <stdint.h>

/* news2_param - the seven parameters of the chart, in its order. */
typedef enum news2_param {
	NEWS2_RESPIRATION,   /* respiration rate, /min */
	NEWS2_SPO2,	     /* SpO2 by pulse oximetry, % */
	NEWS2_OXYGEN,	     /* inhaled oxygen flow, L/min; 0: air */
	NEWS2_SYSTOLIC,	     /* systolic blood pressure, mm[Hg] */
	NEWS2_PULSE,	     /* pulse, /min */
	NEWS2_CONSCIOUSNESS, /* ACVPU: 1 alert, 2 new confusion, 3 voice,
				4 pain, 5 unresponsive */
	NEWS2_TEMPERATURE,   /* Cel */
	NEWS2_N_PARAMS,
} news2_param;

/* news2_input - the observations: has[p] false when p was not observed;
 * age_ms[p] how long before the score p was taken; max_age_ms the oldest
 * reading scored (0: NEWS2_MAX_AGE_MS).  An older one is stale: not
 * scored, so the score is incomplete rather than made of old readings. */
typedef struct news2_input {
	bool has[NEWS2_N_PARAMS];
	double value[NEWS2_N_PARAMS];
	int64_t age_ms[NEWS2_N_PARAMS];
	int64_t max_age_ms;
	int spo2_scale; /* 1 or 2 */
} news2_input;

/* news2_risk - a clinical-risk band of the aggregate and the response the
 * chart asks for. */
typedef struct news2_risk {
	const char *code; /* low, low-medium, medium, high */
	const char *response;
} news2_risk;

/* news2_result - the score.  points[p] is -1 where p cannot be scored (not
 * observed; stale[p]: older than the limit; SpO2 on Scale 2 from 93 % up
 * without air or oxygen known, a stale one included);
 * complete only when every parameter scored: then total and risk are set,
 * else total is 0 and risk NULL (a missing parameter is never a 0).
 * An incomplete score still warns: a parameter not scored can only add
 * points, so the parameters that did score are a floor.  partial is their
 * sum and at_least the band it already reaches, set only when that is an
 * urgent one (low-medium from a 3 in one parameter, medium from 5, high
 * from 7) and NULL when the missing ones could still leave it low. */
typedef struct news2_result {
	int points[NEWS2_N_PARAMS];
	bool stale[NEWS2_N_PARAMS];
	bool complete;
	bool red; /* some parameter scored 3 */
	int total;
	const news2_risk *risk;
	int partial;		    /* incomplete only; else 0 */
	const news2_risk *at_least; /* incomplete only; else NULL */
} news2_result;

/* NEWS2_SOURCE - where the bands come from. */
#define NEWS2_SOURCE                                                           \
	"Royal College of Physicians. National Early Warning Score (NEWS) "    \
	"2: Standardising the assessment of acute-illness severity in the "    \
	"NHS. Updated report of a working party. London: RCP, 2017 "           \
	"(chart 1: the NEWS2 scoring system; chart 2: thresholds and "         \
	"triggers)"

/* NEWS2_MAX_AGE_MS - the oldest reading scored by default: 12 hours.
 * Chart 2 asks for observations at least every 12 hours even at an
 * aggregate of 0 (the least often it ever asks for), so a reading older
 * than that is not part of the patient's current set: the score is
 * incomplete until it is taken again.  The facade's MED_NEWS2_MAX_AGE_MIN
 * sets another limit (a ward that observes more often may want less). */
#define NEWS2_MAX_AGE_MS (12 * 3600 * (int64_t)1000)
#define NEWS2_MAX_AGE_SOURCE                                                   \
	"RCP NEWS2 (2017) chart 2: observations at least every 12 hours at "   \
	"an aggregate of 0, the least often the chart asks for"

/* news2_param_code is p's name in the facade's $news2 ("respiration-rate",
 * "spo2", "air-or-oxygen", "systolic-bp", "pulse", "consciousness",
 * "temperature"). */
const char *news2_param_code(news2_param p);

/* news2_score scores in; a scale other than 2 is Scale 1. */
void news2_score(const news2_input *in, news2_result *out);

#endif
