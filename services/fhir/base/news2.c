/*
 * news2.c - NEWS2 scoring (news2.h).  The chart is data: each row is one
 * band of one parameter, read from the RCP's chart 1, and the risk bands
 * are chart 2.  A value is rounded to the resolution the chart is drawn
 * in (whole numbers; temperature to 0.1 Cel) before it is looked up, so
 * that 38.04 Cel scores as 38.0 and no value falls between two bands.
 */
#include <math.h>
#include <stddef.h>

#include "news2.h"

#define ANY_SCALE 0
#define AIR	  0
#define OXYGEN	  1
#define EITHER	  -1

/* band - values lo..hi (inclusive, after rounding) of param score points;
 * scale and on: the SpO2 scale and air/oxygen the row applies to. */
typedef struct band {
	news2_param param;
	int scale;
	int on;
	double lo, hi;
	int points;
} band;

/* Chart 1 of NEWS2 (RCP 2017). */
static const band bands[] = {
	{NEWS2_RESPIRATION, ANY_SCALE, EITHER, -INFINITY, 8, 3},
	{NEWS2_RESPIRATION, ANY_SCALE, EITHER, 9, 11, 1},
	{NEWS2_RESPIRATION, ANY_SCALE, EITHER, 12, 20, 0},
	{NEWS2_RESPIRATION, ANY_SCALE, EITHER, 21, 24, 2},
	{NEWS2_RESPIRATION, ANY_SCALE, EITHER, 25, INFINITY, 3},
	/* SpO2 Scale 1: the default. */
	{NEWS2_SPO2, 1, EITHER, -INFINITY, 91, 3},
	{NEWS2_SPO2, 1, EITHER, 92, 93, 2},
	{NEWS2_SPO2, 1, EITHER, 94, 95, 1},
	{NEWS2_SPO2, 1, EITHER, 96, INFINITY, 0},
	/* SpO2 Scale 2: a prescribed target of 88-92 %; above it oxygen
	 * scores and air does not. */
	{NEWS2_SPO2, 2, EITHER, -INFINITY, 83, 3},
	{NEWS2_SPO2, 2, EITHER, 84, 85, 2},
	{NEWS2_SPO2, 2, EITHER, 86, 87, 1},
	{NEWS2_SPO2, 2, EITHER, 88, 92, 0},
	{NEWS2_SPO2, 2, AIR, 93, INFINITY, 0},
	{NEWS2_SPO2, 2, OXYGEN, 93, 94, 1},
	{NEWS2_SPO2, 2, OXYGEN, 95, 96, 2},
	{NEWS2_SPO2, 2, OXYGEN, 97, INFINITY, 3},
	/* Air or oxygen: any flow of oxygen is "oxygen". */
	{NEWS2_OXYGEN, ANY_SCALE, EITHER, 0, 0, 0},
	{NEWS2_OXYGEN, ANY_SCALE, EITHER, 1e-9, INFINITY, 2},
	{NEWS2_SYSTOLIC, ANY_SCALE, EITHER, -INFINITY, 90, 3},
	{NEWS2_SYSTOLIC, ANY_SCALE, EITHER, 91, 100, 2},
	{NEWS2_SYSTOLIC, ANY_SCALE, EITHER, 101, 110, 1},
	{NEWS2_SYSTOLIC, ANY_SCALE, EITHER, 111, 219, 0},
	{NEWS2_SYSTOLIC, ANY_SCALE, EITHER, 220, INFINITY, 3},
	{NEWS2_PULSE, ANY_SCALE, EITHER, -INFINITY, 40, 3},
	{NEWS2_PULSE, ANY_SCALE, EITHER, 41, 50, 1},
	{NEWS2_PULSE, ANY_SCALE, EITHER, 51, 90, 0},
	{NEWS2_PULSE, ANY_SCALE, EITHER, 91, 110, 1},
	{NEWS2_PULSE, ANY_SCALE, EITHER, 111, 130, 2},
	{NEWS2_PULSE, ANY_SCALE, EITHER, 131, INFINITY, 3},
	/* Alert scores 0; new confusion, voice, pain, unresponsive 3. */
	{NEWS2_CONSCIOUSNESS, ANY_SCALE, EITHER, 1, 1, 0},
	{NEWS2_CONSCIOUSNESS, ANY_SCALE, EITHER, 2, 5, 3},
	{NEWS2_TEMPERATURE, ANY_SCALE, EITHER, -INFINITY, 35.0, 3},
	{NEWS2_TEMPERATURE, ANY_SCALE, EITHER, 35.1, 36.0, 1},
	{NEWS2_TEMPERATURE, ANY_SCALE, EITHER, 36.1, 38.0, 0},
	{NEWS2_TEMPERATURE, ANY_SCALE, EITHER, 38.1, 39.0, 1},
	{NEWS2_TEMPERATURE, ANY_SCALE, EITHER, 39.1, INFINITY, 2},
};

/* The resolution each parameter is charted in (0: not rounded). */
static const double resolution[NEWS2_N_PARAMS] = {
	[NEWS2_RESPIRATION] = 1,   [NEWS2_SPO2] = 1,  [NEWS2_OXYGEN] = 0,
	[NEWS2_SYSTOLIC] = 1,	   [NEWS2_PULSE] = 1, [NEWS2_CONSCIOUSNESS] = 1,
	[NEWS2_TEMPERATURE] = 0.1,
};

/* Chart 2 of NEWS2 (RCP 2017): the clinical risk of an aggregate. */
static const news2_risk risk_low = {
	"low", "ward-based response: assessment by a registered nurse, "
	       "observations at least every 4-6 hours (12-hourly at 0)"};
static const news2_risk risk_low_medium = {
	"low-medium", "urgent ward-based response: a registered nurse "
		      "informs the medical team, observations at least hourly"};
static const news2_risk risk_medium = {
	"medium", "key threshold for urgent response: urgent review by a "
		  "clinician competent in acute illness, observations at "
		  "least hourly"};
static const news2_risk risk_high = {
	"high", "urgent or emergency response: emergency assessment by a "
		"critical-care team, continuous monitoring"};

/* Aggregates from which a band starts (chart 2); a 3 in any one parameter
 * lifts a low aggregate to low-medium. */
static const struct {
	int from;
	const news2_risk *risk;
} risk_bands[] = {
	{7, &risk_high},
	{5, &risk_medium},
	{0, &risk_low},
};

const char *
news2_param_code(news2_param p)
{
	static const char *const codes[NEWS2_N_PARAMS] = {
		"respiration-rate", "spo2",  "air-or-oxygen",
		"systolic-bp",	    "pulse", "consciousness",
		"temperature"};

	return p < NEWS2_N_PARAMS ? codes[p] : "unknown";
}

static double
charted(news2_param p, double v)
{
	double r = resolution[p];

	return r > 0 ? round(v / r) * r : v;
}

/* on_of: AIR, OXYGEN, or EITHER when the oxygen is not known. */
static int
on_of(const news2_input *in)
{
	if (!in->has[NEWS2_OXYGEN])
		return EITHER;
	return in->value[NEWS2_OXYGEN] > 0 ? OXYGEN : AIR;
}

static bool
row_fits(const band *b, news2_param p, int scale, int on, double v)
{
	/* A thousandth of the resolution to spare: 35.1 computed as 35.0999..
	 * fits. */
	double eps = resolution[p] > 0 ? resolution[p] / 1000 : 0;

	if (b->param != p || (b->scale != ANY_SCALE && b->scale != scale))
		return false;
	if (b->on != EITHER && b->on != on)
		return false;
	return v >= b->lo - eps && v <= b->hi + eps;
}

/* points_of: the points of p, or -1 when no row decides it. */
static int
points_of(const news2_input *in, news2_param p, int scale)
{
	double v = charted(p, in->value[p]);
	int on = on_of(in);

	if (!in->has[p] || isnan(in->value[p]))
		return -1;
	for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++)
		if (row_fits(&bands[i], p, scale, on, v))
			return bands[i].points;
	return -1;
}

static const news2_risk *
risk_of(int total, bool red)
{
	for (size_t i = 0; i < sizeof(risk_bands) / sizeof(risk_bands[0]); i++)
		if (total >= risk_bands[i].from)
			return risk_bands[i].risk == &risk_low && red
				       ? &risk_low_medium
				       : risk_bands[i].risk;
	return NULL;
}

/* urgent_floor: the band a partial sum already reaches when it is past
 * low, else NULL: a low partial says nothing, the missing parameters
 * could score anything. */
static const news2_risk *
urgent_floor(int partial, bool red)
{
	const news2_risk *r = risk_of(partial, red);

	return r == &risk_low ? NULL : r;
}

/* fresh_of: in without its stale readings (stale[p] set for each), so
 * that a stale oxygen flow is unknown to SpO2's Scale 2 too. */
static news2_input
fresh_of(const news2_input *in, bool stale[NEWS2_N_PARAMS])
{
	news2_input f = *in;
	int64_t max = in->max_age_ms > 0 ? in->max_age_ms : NEWS2_MAX_AGE_MS;

	for (int p = 0; p < NEWS2_N_PARAMS; p++) {
		stale[p] = in->has[p] && in->age_ms[p] > max;
		if (stale[p])
			f.has[p] = false;
	}
	return f;
}

void
news2_score(const news2_input *in, news2_result *out)
{
	int scale = in->spo2_scale == 2 ? 2 : 1;
	int total = 0;
	news2_input fresh = fresh_of(in, out->stale);

	out->complete = true;
	out->red = false;
	for (int p = 0; p < NEWS2_N_PARAMS; p++) {
		out->points[p] = points_of(&fresh, (news2_param)p, scale);
		if (out->points[p] < 0)
			out->complete = false;
		else
			total += out->points[p];
		out->red = out->red || out->points[p] == 3;
	}
	out->total = out->complete ? total : 0;
	out->risk = out->complete ? risk_of(total, out->red) : NULL;
	out->partial = out->complete ? 0 : total;
	out->at_least = out->complete ? NULL : urgent_floor(total, out->red);
}
