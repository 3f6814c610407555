/*
 * switch.h - switching anticoagulants (switch.c): how long after its last
 * dose each anticoagulant still acts (knowledge/anticoagulant_switch.csv,
 * built in), and the check that a new anticoagulant does not start inside
 * that interval of another's last recorded dose.  Pure: no I/O.
 */
#ifndef DOSAGE_SWITCH_H
#define DOSAGE_SWITCH_H

#include <med/arena.h>
#include <med/err.h>

#include "checks.h"

#define DOSAGE_SWITCH_MAX_ROWS 64

/* dosage_switch_row - one substance's interval after its last dose. */
typedef struct dosage_switch_row {
	const char *substance; /* the substance table's code */
	double wait_h;	       /* 0: another may start at once */
	const char *regimen;
	const char *source;
} dosage_switch_row;

/* dosage_switch_table - the rows, in the file's order. */
typedef struct dosage_switch_table {
	dosage_switch_row rows[DOSAGE_SWITCH_MAX_ROWS];
	size_t n;
} dosage_switch_table;

/*
 * dosage_switch_parse reads CSV text (header substance,wait_h,regimen,
 * source; '#' comments) into out, strings in a.  Every row is checked: a
 * substance of the substance table in the anticoagulant class, once; a
 * wait_h from 0 to 168; a source.  Errors: MED_ERR_INVALID with *why
 * naming the line and the field (a static string in a), MED_ERR_NOMEM.
 */
med_err dosage_switch_parse(med_arena *a, const char *csv, size_t len,
			    dosage_switch_table *out,
			    const char **why) MED_MUST_CHECK;

/* dosage_switch_shipped gives the shipped table, parsed once (thread
 * safe); MED_ERR_INVALID with *why when the shipped file is refused. */
med_err dosage_switch_shipped(const dosage_switch_table **out,
			      const char **why) MED_MUST_CHECK;

/* dosage_switch_find returns t's row of substance, or NULL. */
const dosage_switch_row *dosage_switch_find(const dosage_switch_table *t,
					    const char *substance);

/*
 * dosage_switch_check judges drug d started at at_ms against given, the
 * anticoagulants given to the patient (dosage_store_class_given), and
 * home, the home medicines and products dosage_ddi_gather lists (a home
 * medicine counts from its last dose taken at home; either list may be
 * NULL): when d is an anticoagulant and another anticoagulant
 * substance's last dose before at_ms lies less than its row's wait_h
 * before, a hard stop naming that drug, its last dose and the earliest
 * time (UTC); else ok, or not_applicable for a drug that is no
 * anticoagulant.  The check is DOSAGE_DOSE_CHECK_ANTICOAGULANT_SWITCH;
 * value the hours since that dose, limit its wait_h.  StartInfusion,
 * CreateOrder, CheckDose and RecordAdministration all run it.
 */
void dosage_switch_check(const dosage_switch_table *t, const dosage_drug *d,
			 const dosage_class_list *given,
			 const dosage_class_list *home, int64_t at_ms,
			 dosage_dose_result *r);

#endif
