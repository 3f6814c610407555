/*
 * main.c - the HL7 v2 interface process: wiring only.  The gRPC port
 * serves the message store's query; MED_HL7_MLLP_PORT takes the messages.
 */
#include <med/log.h>
#include <med/service.h>

#include <stdlib.h>

#include "hl7_svc.h"

static hl7_state state;

/* read_bindings reads MED_HL7_SENDERS; without it every message is
 * refused, which the log says at start. */
static med_err
read_bindings(hl7_state *st, const med_config *c)
{
	char why[200];

	if (hl7_bindings_parse(med_config_str(c, HL7_SENDERS_KEY), st->bindings,
			       HL7_BINDINGS_MAX, &st->n_bindings, why,
			       sizeof(why)) != MED_OK) {
		med_log_error("%s: %s", HL7_SENDERS_KEY, why);
		return MED_ERR_INVALID;
	}
	if (st->n_bindings == 0)
		med_log_warn("hl7: %s is empty: every message is refused "
			     "until a sender is bound to its peer "
			     "(docs/hl7.md, \"Who may send\")",
			     HL7_SENDERS_KEY);
	return MED_OK;
}

static med_err
hl7_start(med_service *svc)
{
	const med_config *c = med_service_config(svc);
	med_err err;

	state.svc = svc;
	state.db = med_service_db(svc);
	state.audit = med_service_audit(svc);
	state.metrics = med_service_metrics(svc);
	state.max_bytes = (size_t)med_config_int(c, HL7_MAX_BYTES_KEY);
	state.max_connections = (int)med_config_int(c, HL7_MAX_SENDERS_KEY);
	state.max_pending = (int)med_config_int(c, HL7_MAX_PENDING_KEY);
	state.max_per_address = (int)med_config_int(c, HL7_PER_ADDRESS_KEY);
	state.deadlines = (hl7_deadlines){
		.first_message_ms = med_config_int(c, HL7_FIRST_MESSAGE_KEY),
		.message_ms = med_config_int(c, HL7_MESSAGE_KEY),
		.idle_ms = med_config_int(c, HL7_IDLE_KEY),
	};
	state.retention_ms =
		med_config_int(c, HL7_RETENTION_KEY) * 24LL * 3600 * 1000;
	if ((err = read_bindings(&state, c)) != MED_OK ||
	    (err = hl7_peers_open(&state, c)) != MED_OK)
		return err;
	med_service_set_data(svc, &state);
	hl7_metrics_start(&state);
	if ((err = hl7_listener_start(&state, c)) != MED_OK) {
		hl7_peers_close(&state);
		return err;
	}
	return MED_OK;
}

static void
hl7_stop(med_service *svc)
{
	(void)svc;
	hl7_listener_stop(&state);
	hl7_peers_close(&state);
}

int
main(int argc, char **argv)
{
	med_service_def def = {
		.name = "hl7",
		.grpc_service = "smartmed.hl7.v1.Hl7",
		.methods = hl7_methods,
		.n_methods = hl7_n_methods,
		.migrations = hl7_migrations,
		.n_migrations = hl7_n_migrations,
		.default_grpc_port = 50057,
		.default_http_port = 9107,
		.extra_config = hl7_config,
		.n_extra_config = hl7_n_config,
		.start = hl7_start,
		.stop = hl7_stop,
	};

	return med_service_main(&def, argc, argv);
}
