/*
 * start.c - the dosage service's start and stop hooks (med_service_def):
 * its settings (verify.c), then the background parts that sit above
 * everything else, the patient facts (patient/) and the overdue watch
 * (mar/).  The top of the folder: nothing below calls it.
 */
#include <med/log.h>
#include <med/patients.h>

#include <stdlib.h>

#include "dosage.h"
#include "patient.h"
#include "mar.h"
#include "start.h"
#include "time_critical.h"
#include "switch.h"

/* switch_table_ok parses the built-in anticoagulant switch table once,
 * so that a refused row stops the start, not the first infusion. */
static med_err
switch_table_ok(void)
{
	const dosage_switch_table *t;
	const char *why = "";
	med_err e = dosage_switch_shipped(&t, &why);

	if (e != MED_OK)
		med_log_error("knowledge/anticoagulant_switch.csv: %s", why);
	return e;
}

/* time_critical_ok loads the time-critical table, the hospital's file or
 * the shipped one.  The shipped table is checked as the hospital's file is:
 * a row without a source stops the start, naming its line. */
static med_err
time_critical_ok(med_service *svc)
{
	char why[512];
	const char *path =
		med_config_str(med_service_config(svc), TIME_CRITICAL_SETTING);
	med_err e = dosage_time_critical_load(path, why, sizeof(why));

	if (e != MED_OK) {
		med_log_error("%s: %s", TIME_CRITICAL_SETTING, why);
		return e;
	}
	med_log_info("time-critical medicines: %s, %zu rows (%s)",
		     dosage_time_critical_table()->version,
		     dosage_time_critical_table()->n,
		     path && path[0] ? path : "shipped");
	return MED_OK;
}
#include "substance_kb.h"

med_err
dosage_start(med_service *svc)
{
	dosage_state *st = NULL;
	med_err e;

	if ((e = time_critical_ok(svc)) != MED_OK ||
	    (e = switch_table_ok()) != MED_OK ||
	    (e = dosage_settings_load(svc, &st)) != MED_OK)
		return e;
	if ((e = dosage_substance_kb_start()) != MED_OK) {
		free(st);
		return e;
	}
	/* The patient checks of writes (med/patients.h) start here: the
	 * service has one start hook. */
	if ((e = med_patients_service_start(svc)) != MED_OK) {
		dosage_substance_kb_stop();
		free(st);
		return e;
	}
	if ((e = dosage_facts_start(svc, st)) != MED_OK) {
		med_patients_service_stop(svc);
		dosage_substance_kb_stop();
		free(st);
		return e;
	}
	if ((e = dosage_overdue_start(svc, &st->overdue)) != MED_OK) {
		dosage_facts_stop(st);
		med_patients_service_stop(svc);
		dosage_substance_kb_stop();
		free(st);
		return e;
	}
	med_service_set_data(svc, st);
	return MED_OK;
}

void
dosage_stop(med_service *svc)
{
	dosage_state *st = med_service_data(svc);

	med_patients_service_stop(svc);
	dosage_substance_kb_stop();
	if (st != NULL) {
		dosage_overdue_stop(st->overdue);
		dosage_facts_stop(st);
	}
	free(st);
	med_service_set_data(svc, NULL);
}
