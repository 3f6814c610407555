/*
 * rpc_dial.c - a channel to another smartmed service over mutual TLS, with
 * the process's own certificate (MED_TLS_CERT, MED_TLS_KEY, MED_TLS_CA):
 * how a service that calls a peer (dosage's facts, hl7's peers, the PACS
 * watcher calling its own service) opens it (med_channel_dial, rpc.h).
 */
#include <med/config.h>
#include <med/log.h>
#include <med/rpc.h>

med_err
med_channel_dial(const med_config *c, const char *target,
		 const char *server_name, const char *what, med_channel **out)
{
	med_channel_opts co = {.server_name = server_name && server_name[0]
						      ? server_name
						      : NULL};
	med_tls tls = {0};
	char errbuf[256];
	med_err err = med_tls_load(&tls, med_config_str(c, "MED_TLS_CERT"),
				   med_config_str(c, "MED_TLS_KEY"),
				   med_config_str(c, "MED_TLS_CA"), errbuf,
				   sizeof(errbuf));

	if (err != MED_OK) {
		med_log_error("%s: %s", what, errbuf);
		return err;
	}
	co.tls = &tls;
	err = med_channel_open_opts(target, &co, out);
	/* The channel keeps its own copy of the credentials. */
	med_tls_fini(&tls);
	if (err != MED_OK)
		med_log_error("%s: %s: %s", what, target, med_strerror(err));
	return err;
}
