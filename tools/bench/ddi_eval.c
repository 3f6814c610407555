/*
 * ddi_eval.c - the interaction rules' own cost (build/bin/bench-ddi_eval):
 * dosage_ddi_evaluate for one drug against a chart of 40 orders in force
 * and their doses of the last week (one row per order, as the store reads
 * them), with a one-rule knowledge base, the shipped starter set and
 * 10,000 random rules over the substance table, in one process.  The
 * end-to-end figures are tools/bench/interactions.py's; this one shows
 * what of them the rules themselves cost.
 *
 * Usage: bench-ddi_eval [iterations]   (default 20000)
 */
#include <med/arena.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dosage.h"
#include "checks.h"
#include "substances.h"

#define MAX_SUBS 512
#define CHART	 40
#define HOUR	 (3600LL * 1000)

static const char *subs[MAX_SUBS];
static size_t n_subs;

static void
collect(const dosage_substance *s, void *arg)
{
	(void)arg;
	if (n_subs < MAX_SUBS)
		subs[n_subs++] = s->code;
}

/* next is a small xorshift generator: the same chart and rules each run. */
static uint32_t
next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* random_kb writes 10,000 distinct pairs of substances as rules. */
static char *
random_kb(void)
{
	size_t cap = 10000 * 120, off = 0, made = 0;
	char *text = malloc(cap);
	uint8_t *seen = calloc(MAX_SUBS * MAX_SUBS, 1);
	uint32_t x = 47;

	if (text == NULL || seen == NULL)
		exit(1);
	while (made < 10000) {
		size_t a = next(&x) % n_subs, b = next(&x) % n_subs;

		if (a == b || seen[a * MAX_SUBS + b])
			continue;
		seen[a * MAX_SUBS + b] = seen[b * MAX_SUBS + a] = 1;
		off += (size_t)snprintf(text + off, cap - off,
					"interaction,R-%05zu,%s + %s,%s,m,a,"
					"bench\n",
					made, subs[a], subs[b],
					made % 3 ? "major" : "moderate");
		made++;
	}
	free(seen);
	return text;
}

static dosage_ddi_kb *
load(const char *text, const char *label)
{
	dosage_ddi_kb *kb = NULL;
	char why[256];

	if (dosage_ddi_kb_parse(text, strlen(text), label, dosage_ddi_tables(),
				&kb, why, sizeof(why)) != MED_OK) {
		fprintf(stderr, "%s: %s\n", label, why);
		exit(1);
	}
	return kb;
}

static double
run(const dosage_ddi_kb *kb, const dosage_class_other *chart, size_t n,
    const char *subject, long iters, size_t *fired)
{
	med_arena *a = med_arena_new(1 << 20);
	dosage_ddi_hit hits[DOSAGE_DDI_HITS_MAX];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < iters; i++) {
		med_arena_reset(a);
		if (dosage_ddi_evaluate(kb, a, &subject, 1, chart, n,
					1700000000000LL, hits, fired) != MED_OK)
			exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	med_arena_free(a);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		(double)(t1.tv_nsec - t0.tv_nsec)) /
	       (double)iters / 1000.0;
}

int
main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	dosage_class_other chart[2 * CHART];
	char label[32];
	size_t len, fired = 0;
	const char *starter = dosage_ddi_starter(&len), *names[3];
	dosage_ddi_kb *kbs[3];
	char *big;

	dosage_substances_each(collect, NULL);
	big = random_kb();
	memset(chart, 0, sizeof(chart));
	for (size_t i = 0; i < CHART; i++) {
		/* An order in force and its latest dose, a day ago. */
		chart[i].substance = subs[(i * 7 + 3) % n_subs];
		chart[i].label = chart[i].order_id = chart[i].substance;
		chart[CHART + i] = chart[i];
		chart[CHART + i].t_ms = 1700000000000LL - 24 * HOUR;
	}
	names[0] = "one rule";
	kbs[0] = load("interaction,X-1,warfarin + clarithromycin,major,m,a,s\n",
		      "one");
	names[1] = "starter";
	dosage_ddi_text_version(starter, len, label, sizeof(label));
	kbs[1] = load(starter, label);
	names[2] = "10k";
	kbs[2] = load(big, "big");
	printf("dosage_ddi_evaluate, warfarin against %d orders and %d doses "
	       "given, %ld iterations:\n",
	       CHART, CHART, iters);
	for (int round = 0; round < 3; round++)
		for (int k = 0; k < 3; k++) {
			double us = run(kbs[k], chart, 2 * CHART, "warfarin",
					iters, &fired);

			printf("  round %d  %-8s %6zu rules: %7.2f us per "
			       "check, "
			       "%zu rules fired\n",
			       round + 1, names[k],
			       dosage_ddi_kb_n_rules(kbs[k]), us, fired);
		}
	for (int k = 0; k < 3; k++)
		dosage_ddi_kb_free(kbs[k]);
	free(big);
	return 0;
}
