/*
 * facade.h - the process (facade.c, main.c, settings.c): the top of the
 * facade's layers, since it opens every part (channels, the research key, the
 * HTTPS server).
 */
#ifndef FHIR_PROCESS_H
#define FHIR_PROCESS_H

#include "fhir_facade.h"

/* fhir_config is the facade's own settings (settings.c). */
extern const med_config_spec fhir_config[];
extern const size_t fhir_n_config;

/*
 * fhir_facade_start opens what the facade adds to the process part (whose
 * ctx is the fhir_facade): channels to the services, the research key, the
 * HTTPS server.  fhir_facade_stop closes them; safe after a partial start.
 */
med_err fhir_facade_start(med_process *p) MED_MUST_CHECK;
void fhir_facade_stop(med_process *p);

#endif
