/*
 * server.c - HTTPS through libmicrohttpd (GnuTLS), the only file that
 * includes it: one thread per connection, because every request blocks on
 * gRPC calls to the services, with a cap on connections so a flood cannot
 * exhaust the process.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>

#include <microhttpd.h>

#include <med/log.h>

#include "fhir_facade.h"

#define CONNECTIONS_MAX	     256
#define CONNECTION_TIMEOUT_S 30
#define REQUEST_ID_MAX	     64

struct fhir_server {
	struct MHD_Daemon *daemon;
	fhir_facade *facade;
};

static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
	      const char *value)
{
	fhir_request *req = cls;

	(void)kind;
	if (req->n_params == FHIR_PARAMS_MAX) {
		req->too_many_params = true;
		return MHD_NO;
	}
	req->params[req->n_params].key = key;
	req->params[req->n_params].value = value;
	req->n_params++;
	return MHD_YES;
}

/* request_id keeps a client's X-Request-ID only when it is short and
 * printable: it goes into logs and audit events. */
static const char *
request_id(struct MHD_Connection *conn)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "X-Request-ID");

	if (id == NULL || id[0] == '\0' || strlen(id) > REQUEST_ID_MAX)
		return NULL;
	for (const char *p = id; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			return NULL;
	return id;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, const fhir_response *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->len, (void *)r->body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(
		resp, "Content-Type",
		r->content_type != NULL
			? r->content_type
			: "application/fhir+json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->ask_for_token)
		MHD_add_response_header(resp, "WWW-Authenticate",
					"Bearer realm=\"smartmed\"");
	ok = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* on_request answers at its first call: the facade takes no bodies, so
 * there is nothing to wait for (a POST is refused before it uploads). */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	fhir_server *s = cls;
	fhir_request req = {.method = method, .path = url};
	fhir_response resp = {0};
	enum MHD_Result ok;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	req.arena = med_arena_new(FHIR_ARENA_MAX);
	if (req.arena == NULL)
		return MHD_NO;
	req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							"Authorization");
	req.break_glass = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "X-Break-Glass");
	req.request_id = request_id(conn);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param,
				  &req);
	med_log_set_request_id(req.request_id);
	fhir_handle(s->facade, &req, &resp);
	ok = send_response(conn, &resp);
	med_arena_free(req.arena);
	return ok;
}

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	med_vlog(MED_LOG_WARN, fmt, ap);
}

static bool
make_addr(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

med_err
fhir_server_start(fhir_facade *f, const char *host, int port,
		  const med_tls *tls, fhir_server **out, int *bound_port)
{
	static fhir_server server;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	if (!make_addr(host, port, &sa)) {
		med_log_error("MED_LISTEN_HOST: %s is not an IPv4 address",
			      host);
		return MED_ERR_INVALID;
	}
	server.facade = f;
	server.daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS |
			MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, on_request, &server,
		MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_HTTPS_MEM_KEY, tls->key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, tls->cert_pem,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
		MHD_OPTION_END);
	if (server.daemon == NULL)
		return MED_ERR_IO;
	info = MHD_get_daemon_info(server.daemon, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info != NULL ? info->port : port;
	*out = &server;
	return MED_OK;
}

void
fhir_server_stop(fhir_server *s)
{
	if (s != NULL && s->daemon != NULL) {
		MHD_stop_daemon(s->daemon);
		s->daemon = NULL;
	}
}
