/*
 * start.h - the service's start and stop hooks (start.c), which main.c
 * names in its med_service_def: the top of dosage's layers, since they
 * start every part (the settings, the patient facts, the overdue watch).
 */
#ifndef DOSAGE_START_H
#define DOSAGE_START_H

#include "dosage.h"

/* dosage_start loads the settings and starts the patient facts and the
 * overdue watch (med_service_def.start; start.c). */
med_err dosage_start(med_service *svc) MED_MUST_CHECK;

/* dosage_stop frees the state (med_service_def.stop). */
void dosage_stop(med_service *svc);

#endif
