/*
 * classes.h - therapeutic classes: the WHO ATC code of each substance, its
 * class hierarchy, and the checks across a class (duplicate therapy, the
 * opioids' oral morphine equivalents).  Pure data and functions, no I/O.
 *
 * A drug's classes are derived from its substances: morphine is N02AA01,
 * so it is in N02AA (natural opium alkaloids), N02A (opioids), N02
 * (analgesics) and N (nervous system).  A few of those classes carry a
 * duplicate-therapy rule (opioids, NSAIDs, anticoagulants, paracetamol
 * products): two orders or administrations of the class at once warn or
 * stop as the class says.  The opioids are also summed in oral morphine
 * equivalents (OME) against a 24-h limit.  docs/dose-safety.md
 * ("Therapeutic classes") lists the tables and their sources.
 *
 * classes.c holds the tables and the checks across a class;
 * duplicate_order.c the duplicate orders of one substance, which read the
 * substance knowledge base (substance_kb.h) that itself reads the groups.
 */
#ifndef DOSAGE_CLASSES_H
#define DOSAGE_CLASSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dose_fields.h"

/* The checks across a class; their values are the proto's CheckKind. */
#define DOSAGE_DOSE_CHECK_DUPLICATE_THERAPY ((dosage_dose_check)140)
#define DOSAGE_DOSE_CHECK_OME_24H	    ((dosage_dose_check)141)
#define DOSAGE_CLASS_N_CHECKS		    2
/* Duplicate orders of one substance (order entry and verification only,
 * dosage_order_duplicate); the proto's CHECK_KIND_DUPLICATE_ORDER. */
#define DOSAGE_DOSE_CHECK_DUPLICATE_ORDER ((dosage_dose_check)160)

/* ATC levels: 1 anatomical group (N), 2 therapeutic (N02), 3
 * pharmacological (N02A), 4 chemical (N02AA), 5 the substance (N02AA01). */
#define DOSAGE_ATC_LEVELS 5
#define DOSAGE_ATC_LEN	  8 /* 7 characters and the NUL */

/* dosage_atc_of returns the ATC code of a substance (its code or another
 * name the substance table knows), or NULL when it has none. */
const char *dosage_atc_of(const char *substance);

/* dosage_atc_syntax_ok: is s an ATC code of some level, by its shape (N,
 * N02, N02A, N02AA, N02AA01; upper case)? */
bool dosage_atc_syntax_ok(const char *s);

/* dosage_atc_known: is s (any level) the ATC code of a substance of the
 * table, or one of its classes? */
bool dosage_atc_known(const char *s);

/*
 * dosage_atc_levels writes the codes of every level of atc, from the
 * anatomical group down to atc itself, into out and returns how many
 * (0 when atc is not a well-formed code).
 */
size_t dosage_atc_levels(const char *atc,
			 char out[DOSAGE_ATC_LEVELS][DOSAGE_ATC_LEN]);

/* dosage_atc_name returns the WHO name of an ATC class the table uses
 * ("N02A" -> "opioids"), or NULL. */
const char *dosage_atc_name(const char *code);

/* dosage_class_group - a class with a duplicate-therapy rule. */
typedef struct dosage_class_group {
	const char *code;     /* "opioids" */
	const char *atc;      /* member ATC prefixes, '|' separated */
	const char *bridging; /* "B01AA+B01AB": a pair that only warns */
	/* Two orders of the class both regular or both PRN, or a third
	 * product at once: */
	dosage_dose_status duplicate;
	/* One PRN and one regular order (breakthrough analgesia): */
	dosage_dose_status prn_regular;
	/* At administration, another product of the class given this
	 * close (before or after) is given "at once". */
	int64_t window_ms;
} dosage_class_group;

/* dosage_class_group_of returns the duplicate-therapy group of a
 * substance, or NULL. */
const dosage_class_group *dosage_class_group_of(const char *substance);

/* dosage_class_groups_each calls fn for every group (docs and tests). */
void dosage_class_groups_each(void (*fn)(const dosage_class_group *g,
					 void *ctx),
			      void *ctx);

/* dosage_class_other - another order, or another product given, that the
 * checked dose meets: one of its substances. */
typedef struct dosage_class_other {
	const char *label;     /* the order's drug code, for reasons */
	const char *order_id;  /* the order it belongs to */
	const char *substance; /* coded */
	bool prn;
	int64_t t_ms; /* when given; 0 for an order */
	/* Oral morphine equivalents of this administration, mg; has_ome
	 * false when its route has no conversion factor. */
	double ome_mg;
	bool has_ome;
	/* Orders only (duplicate orders): the period it is in force,
	 * [start_ms, end_ms) with end_ms 0 for none, whether it is on a
	 * repeating schedule (not PRN, not "once"), and its prescriber. */
	int64_t start_ms, end_ms;
	bool scheduled;
	const char *by;
	/* Its order's checks (packed as a CheckDoseResponse) when its
	 * prescriber overrode them: the interaction rules overridden at
	 * entry.  NULL: no override, or not read. */
	const uint8_t *acks;
	size_t acks_len;
	/* A home medicine (docs/dose-safety.md, "Home medicines in the
	 * checks"): home is what the reasons say of it ("home medicine
	 * \"Warfarin 5 mg tablets\", taken at home, ..."; NULL for an
	 * order or a dose given), label its medicine as recorded, order_id
	 * "".  One taken now (continued, or awaiting its decision:
	 * undecided) is in force with t_ms 0; one stopped or held counts
	 * from its last dose, t_ms.  last_dose_ms is when the patient last
	 * took it (0: not known). */
	const char *home;
	bool undecided;
	bool by_order; /* continued as a named order, which stands for it */
	int64_t last_dose_ms;
	/* A home medicine's regimen dose (0: not known) in home_unit, and
	 * the doses taken in the 24 h up to last_dose_ms (0: not known):
	 * what the 24-hour total counts of it (dosage_home_day). */
	double home_amount;
	const char *home_unit;
	unsigned home_doses;
} dosage_class_other;

/*
 * dosage_class_duplicate checks the dose of a drug with substances s[0..n)
 * (of an order that is PRN when prn) against others (other orders at
 * order entry and verification; products given under other orders within
 * each group's window at administration) and writes one result: the
 * worst pair, by the group's rule.  not_applicable when no substance is in
 * a group.
 */
void dosage_class_duplicate(const char *const *s, size_t n, bool prn,
			    const dosage_class_other *others, size_t n_others,
			    dosage_dose_result *out);

/* dosage_status_rank orders statuses by severity, as dosage_dose_worst
 * does: hard_stop 4, warn 3, not_checked 2, ok 1, not_applicable 0. */
int dosage_status_rank(dosage_dose_status s);

/* dosage_periods_overlap: do [s1, e1) and [s2, e2) share a moment (an
 * end of 0 is none)?  Taper steps that follow each other do not. */
bool dosage_periods_overlap(int64_t s1, int64_t e1, int64_t s2, int64_t e2);

/*
 * dosage_duplicate_order_status is the rule for two orders of one
 * substance in force at once: both on a repeating schedule is a hard stop
 * (each would be given at every round: a double dose), any other pair (a
 * PRN or "once" order beside another) warns.
 */
dosage_dose_status dosage_duplicate_order_status(bool a_scheduled,
						 bool b_scheduled);

/*
 * dosage_order_duplicate checks an order of a drug with substances
 * s[0..n) (self: its schedule and period; label, order_id and by unused)
 * against the patient's other orders in force, one row per substance
 * (others), and writes one DOSAGE_DOSE_CHECK_DUPLICATE_ORDER result: the
 * worst pair of one substance whose periods overlap, value the number of
 * such other orders; ok when none.
 */
void dosage_order_duplicate(const char *const *s, size_t n,
			    const dosage_class_other *self,
			    const dosage_class_other *others, size_t n_others,
			    dosage_dose_result *out);

/*
 * dosage_ome_route returns the route class a factor is given for:
 * "oral" (oral, po, enteral, ng, peg), "parenteral" (iv, sc, im and their
 * long names) or "transdermal" (td, patch), or NULL for any other route.
 */
const char *dosage_ome_route(const char *route);

/*
 * dosage_ome_factor gives the oral morphine equivalent of 1 mg of
 * substance by route, in mg; false when the table has none (the dose is
 * then not summed, and the check says so).
 */
bool dosage_ome_factor(const char *substance, const char *route,
		       double *per_mg);

/* dosage_ome_factors_each calls fn for every row of the factor table. */
void dosage_ome_factors_each(void (*fn)(const char *substance,
					const char *route, double per_mg,
					void *ctx),
			     void *ctx);

/*
 * dosage_ome_check sums the opioids in oral morphine equivalents: dose_ome
 * (this dose's, mg; has_dose false when some of it has no factor, and
 * dose_ome is then the part that has) plus the
 * worst 24 h of the other administrations (others with t_ms, in time
 * order; the opioid ones count) against limit_mg.  Above the limit is a
 * hard stop, from 90 % a warning; a dose or an earlier administration that
 * cannot be converted makes the check not_checked unless the known part
 * already stops.  opioid false: not_applicable.
 */
void dosage_ome_check(bool opioid, double dose_ome, bool has_dose,
		      const dosage_class_other *others, size_t n_others,
		      int64_t at_ms, double limit_mg, dosage_dose_result *out);

/* dosage_admission_task_class names the class that makes an undecided
 * home medicine of substance a task for the prescriber on admission
 * ("anticoagulant", "insulin", "anti-epileptic", "Parkinson's medicine",
 * by its ATC code), or NULL. */
const char *dosage_admission_task_class(const char *substance);

/* dosage_class_check_name returns "duplicate_therapy", "ome_24h" or
 * NULL for another check. */
const char *dosage_class_check_name(dosage_dose_check c);

#endif
