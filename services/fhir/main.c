/*
 * main.c - the FHIR facade's wiring: its own settings (settings.c) on the
 * process part of libmed (med_process_main: TLS files, user tokens, the
 * audit emitter, metrics and health port, signals); facade.c opens the
 * rest.
 */
#include <med/service.h>

#include "facade.h"

int
main(int argc, char **argv)
{
	static fhir_facade facade;
	med_process_def def = {
		.name = "fhir",
		.summary = "facade (FHIR R4 REST over HTTPS)",
		.default_http_port = 9096,
		.config = fhir_config,
		.n_config = fhir_n_config,
		.start = fhir_facade_start,
		.stop = fhir_facade_stop,
		.ctx = &facade,
	};

	return med_process_main(&def, argc, argv);
}
