/*
 * start.c - the dosage service's start and stop hooks (med_service_def):
 * its settings (verify.c), then the background parts that sit above
 * everything else, the patient facts (patient/) and the overdue watch
 * (mar/).  The top of the folder: nothing below calls it.
 */
#include <med/patients.h>

#include <stdlib.h>

#include "dosage.h"
#include "patient.h"
#include "mar.h"
#include "start.h"
#include "substance_kb.h"

med_err
dosage_start(med_service *svc)
{
	dosage_state *st = NULL;
	med_err e = dosage_settings_load(svc, &st);

	if (e != MED_OK)
		return e;
	/* The patient checks of writes (med/patients.h) start here: the
	 * service has one start hook. */
	if ((e = dosage_substance_kb_start()) != MED_OK) {
		free(st);
		return e;
	}
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
