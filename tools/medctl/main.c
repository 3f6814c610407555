/*
 * medctl - calls any smartmed service from the command line.
 *
 *   medctl [--addr HOST:PORT] [--token TOKEN] [--timeout-ms N]
 *          [--request-id ID] [--compact] [--ca FILE --cert FILE --key FILE]
 *          [--server-name NAME] [--plaintext] [--break-glass GRANT]
 *          SERVICE COMMAND [--field value ...]
 *
 * smartmed ports speak mutual TLS: --ca, --cert and --key (or MED_TLS_CA,
 * MED_TLS_CERT, MED_TLS_KEY) name the CA and the operator's client
 * certificate.  --plaintext is for a plaintext health port only.
 *
 * COMMAND is a method name in kebab case (create-patient); fields are the
 * request's field names in kebab case, nested with dots (--page.page-size);
 * a repeated field is given once per value.  A bytes field takes @PATH for
 * a file's bytes (pbfile.c).  Replies are printed as JSON (one object per
 * line for streams; bytes in padded standard base64).  A few commands
 * start from friendlier defaults than the API's (request_defaults): audit
 * query lists the newest events first.  Exit
 * status: 0 on success, the gRPC status code on an RPC error, 64 on a usage
 * error.
 */
#include <med/rpc.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "medctl.h"

#include "grpc/health/v1/health.pb-c.h"
#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

/* Room for the files read with @ (MEDCTL_MAX_FILE_BYTES in all) and a reply
 * as large as the channel takes (64 MiB), plus the JSON printing. */
#define ARENA_BYTES (160u << 20)

typedef struct ctl_service {
	const char *name;
	const ProtobufCServiceDescriptor *desc;
	const char *default_addr;
} ctl_service;

static const ctl_service services[] = {
	{"identity", &smartmed__identity__v1__identity__descriptor,
	 "127.0.0.1:50051"},
	{"records", &smartmed__records__v1__records__descriptor,
	 "127.0.0.1:50052"},
	{"dosage", &smartmed__dosage__v1__dosage__descriptor,
	 "127.0.0.1:50053"},
	{"diagnosis", &smartmed__diagnosis__v1__diagnosis__descriptor,
	 "127.0.0.1:50054"},
	{"audit", &smartmed__audit__v1__audit__descriptor, "127.0.0.1:50055"},
	{"health", &grpc__health__v1__health__descriptor, "127.0.0.1:50051"},
};

#define N_SERVICES (sizeof(services) / sizeof(services[0]))

/* protobuf-c's descriptors carry no streaming flag: these are the
 * server-streaming methods. */
static const char *const streaming_paths[] = {
	"/smartmed.audit.v1.Audit/Query",
	"/grpc.health.v1.Health/Watch",
	NULL,
};

/*
 * request_defaults: fields set before the command line's, where what a
 * person at a terminal wants differs from the API's zero value.  An
 * operator reading the audit log wants the latest events first (issue 50);
 * --newest-first false gives the log's order.
 */
static const struct {
	const char *path, *field, *value;
} request_defaults[] = {
	{"/smartmed.audit.v1.Audit/Query", "newest-first", "true"},
};

static void
print_kebab(FILE *out, const char *camel)
{
	for (const char *p = camel; *p; p++) {
		if (isupper((unsigned char)*p) && p != camel)
			fputc('-', out);
		fputc(tolower((unsigned char)*p), out);
	}
}

/* kebab_eq compares "create-patient" with "CreatePatient". */
static bool
kebab_eq(const char *kebab, const char *camel)
{
	for (const char *p = camel; *p; p++) {
		if (isupper((unsigned char)*p) && p != camel && *kebab++ != '-')
			return false;
		if (*kebab++ != tolower((unsigned char)*p))
			return false;
	}
	return *kebab == '\0';
}

static void
usage(FILE *out)
{
	fputs("usage: medctl [--addr HOST:PORT] [--token TOKEN] "
	      "[--timeout-ms N]\n"
	      "              [--request-id ID] [--compact]\n"
	      "              [--ca FILE --cert FILE --key FILE] "
	      "[--server-name NAME]\n"
	      "              [--plaintext] [--break-glass GRANT]\n"
	      "              SERVICE COMMAND [--field value ...]\n\n"
	      "smartmed ports require mutual TLS: --ca/--cert/--key or "
	      "MED_TLS_CA,\nMED_TLS_CERT, MED_TLS_KEY (make run prints them).  "
	      "--plaintext only\nreaches a plaintext health port.  The token "
	      "may also come from MED_TOKEN.\n\n"
	      "Fields are --name value, nested with dots (--page.page-size "
	      "10); give a\nrepeated field once per value (--images @a.jpg "
	      "--images @b.jpg).  A bytes\nfield takes its text as-is, or "
	      "@PATH for the bytes of a file (@- reads\nstandard input; at "
	      "most 64 MiB in all); write a text that starts with @\nas @@ "
	      "(--data @@x sends \"@x\").  Replies are JSON: proto field "
	      "names,\nint64 as strings, enums by name, bytes in standard "
	      "base64 with padding.  'audit query' lists the newest events "
	      "first\n(--newest-first false for the log's order).  'audit "
	      "loss-report --since-ms MS\n[--until-ms MS] [--dosage-addr "
	      "HOST:PORT] [--records-addr HOST:PORT]' lists,\nafter a "
	      "restore, the administrations and entries the audit log and\n"
	      "the databases disagree on.\n\n"
	      "Services:\n",
	      out);
	for (size_t i = 0; i < N_SERVICES; i++)
		fprintf(out, "  %-10s %s (default %s)\n", services[i].name,
			services[i].desc->name, services[i].default_addr);
	fputs("\n'medctl SERVICE --help' lists its commands and their "
	      "fields.\n",
	      out);
}

static void
service_help(FILE *out, const ctl_service *s)
{
	fprintf(out,
		"usage: medctl [options] %s COMMAND [--field value ...]"
		"\n\nCommands of %s:\n",
		s->name, s->desc->name);
	for (unsigned i = 0; i < s->desc->n_methods; i++) {
		const ProtobufCMethodDescriptor *m = &s->desc->methods[i];
		fputs("  ", out);
		print_kebab(out, m->name);
		fprintf(out, "  (%s -> %s)\n", m->input->name, m->output->name);
		pbhelp_fields(out, m->input, "");
	}
	fputs("\nA bytes field takes text, @PATH (a file's bytes), @- "
	      "(standard input) or\n@@text (the text \"@text\"); replies "
	      "show bytes in base64.\n",
	      out);
}

static const ctl_service *
find_service(const char *name)
{
	for (size_t i = 0; i < N_SERVICES; i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

static const ProtobufCMethodDescriptor *
find_method(const ctl_service *s, const char *command)
{
	for (unsigned i = 0; i < s->desc->n_methods; i++)
		if (kebab_eq(command, s->desc->methods[i].name))
			return &s->desc->methods[i];
	return NULL;
}

static bool
is_streaming(const char *path)
{
	for (const char *const *p = streaming_paths; *p; p++)
		if (strcmp(*p, path) == 0)
			return true;
	return false;
}

/* parse_tls_opt takes one of the TLS and break-glass options. */
static bool
parse_tls_opt(ctl_opts *o, const char *opt, const char *val)
{
	if (strcmp(opt, "--ca") == 0)
		o->ca = val;
	else if (strcmp(opt, "--cert") == 0)
		o->cert = val;
	else if (strcmp(opt, "--key") == 0)
		o->key = val;
	else if (strcmp(opt, "--server-name") == 0)
		o->server_name = val;
	else if (strcmp(opt, "--break-glass") == 0)
		o->break_glass = val;
	else
		return false;
	return true;
}

/* parse_globals consumes the options before SERVICE; returns its index. */
static int
parse_globals(int argc, char **argv, ctl_opts *o)
{
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i];
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(opt, "--compact") == 0) {
			o->compact = true;
			continue;
		}
		if (strcmp(opt, "--plaintext") == 0) {
			o->plaintext = true;
			continue;
		}
		if (i + 1 >= argc)
			return -1;
		if (strcmp(opt, "--addr") == 0)
			o->addr = argv[++i];
		else if (strcmp(opt, "--token") == 0)
			o->token = argv[++i];
		else if (strcmp(opt, "--request-id") == 0)
			o->request_id = argv[++i];
		else if (strcmp(opt, "--timeout-ms") == 0)
			o->timeout_ms = strtol(argv[++i], NULL, 10);
		else if (!parse_tls_opt(o, opt, argv[i + 1]))
			return -1;
		else
			i++;
	}
	return i;
}

/* set_defaults applies the request_defaults of the method at path. */
static bool
set_defaults(med_arena *a, ProtobufCMessage *msg, const char *path)
{
	char err[256];

	for (size_t i = 0;
	     i < sizeof(request_defaults) / sizeof(request_defaults[0]); i++) {
		if (strcmp(request_defaults[i].path, path) != 0)
			continue;
		if (pbset_field(a, msg, request_defaults[i].field,
				request_defaults[i].value, err,
				sizeof(err)) != MED_OK) {
			fprintf(stderr, "medctl: %s\n", err);
			return false;
		}
	}
	return true;
}

/* build_request fills a request of type desc from its defaults and the
 * "--field value" pairs. */
static ProtobufCMessage *
build_request(med_arena *a, const char *path,
	      const ProtobufCMessageDescriptor *desc, int argc, char **argv)
{
	ProtobufCMessage *msg = med_arena_alloc(a, desc->sizeof_message);
	char err[256];

	if (msg == NULL)
		return NULL;
	protobuf_c_message_init(desc, msg);
	if (!set_defaults(a, msg, path))
		return NULL;
	for (int i = 0; i < argc; i += 2) {
		/* Output options may follow the command too. */
		if (strcmp(argv[i], "--compact") == 0) {
			i--;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
			fprintf(stderr,
				"medctl: expected --field value at '%s'\n",
				argv[i]);
			return NULL;
		}
		if (pbset_field(a, msg, argv[i] + 2, argv[i + 1], err,
				sizeof(err)) != MED_OK) {
			fprintf(stderr, "medctl: %s\n", err);
			return NULL;
		}
	}
	return msg;
}

static med_err
print_streamed(void *ctx, const ProtobufCMessage *msg)
{
	pbjson_print(stdout, msg, !*(const bool *)ctx);
	fflush(stdout);
	return MED_OK;
}

int
medctl_open_channel(const ctl_opts *o, med_channel **ch)
{
	med_channel_opts co = {.server_name = o->server_name};
	char errbuf[512];
	med_tls tls;
	med_err err;

	if (o->plaintext)
		return med_channel_open(o->addr, ch) == MED_OK ? 0 : 14;
	if (o->ca == NULL || o->cert == NULL || o->key == NULL) {
		fprintf(stderr,
			"medctl: mutual TLS needs --ca, --cert and "
			"--key (or MED_TLS_CA, MED_TLS_CERT, "
			"MED_TLS_KEY); --plaintext for a health port\n");
		return EXIT_USAGE;
	}
	if (med_tls_load(&tls, o->cert, o->key, o->ca, errbuf,
			 sizeof(errbuf)) != MED_OK) {
		fprintf(stderr, "medctl: %s\n", errbuf);
		return EXIT_USAGE;
	}
	co.tls = &tls;
	err = med_channel_open_opts(o->addr, &co, ch);
	med_tls_fini(&tls);
	return err == MED_OK ? 0 : 14;
}

static int
call(const ctl_opts *o, const char *path, const ProtobufCMethodDescriptor *m,
     const ProtobufCMessage *req, med_arena *a)
{
	med_channel *ch = NULL;
	med_call_opts co = {.token = o->token,
			    .deadline_ms = o->timeout_ms,
			    .request_id = o->request_id,
			    .break_glass = o->break_glass};
	med_rpc_status st = {0};
	ProtobufCMessage *reply = NULL;
	bool compact = o->compact;
	med_err err;
	int rc = medctl_open_channel(o, &ch);

	if (rc != 0) {
		if (rc != EXIT_USAGE)
			fprintf(stderr, "medctl: cannot open a channel to %s\n",
				o->addr);
		return rc;
	}
	if (is_streaming(path))
		err = med_channel_server_stream(ch, path, req, m->output, a,
						&co, print_streamed, &compact,
						&st);
	else
		err = med_channel_unary(ch, path, req, m->output, a, &co,
					&reply, &st);
	med_channel_close(ch);
	if (err != MED_OK) {
		fprintf(stderr, "medctl: %s: %s\n",
			med_grpc_status_name(st.code), st.message);
		return st.code ? st.code : 2;
	}
	if (reply != NULL)
		pbjson_print(stdout, reply, !o->compact);
	return 0;
}

static int
run(const ctl_opts *opts, const ctl_service *s, int argc, char **argv)
{
	const ProtobufCMethodDescriptor *m;
	ctl_opts o = *opts;
	char path[256];
	med_arena *a;
	ProtobufCMessage *req;
	int rc;

	if (argc < 1 || strcmp(argv[0], "--help") == 0) {
		service_help(argc < 1 ? stderr : stdout, s);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	if (strcmp(s->name, "audit") == 0 &&
	    strcmp(argv[0], "loss-report") == 0)
		return medctl_loss_report(opts, argc - 1, argv + 1);
	m = find_method(s, argv[0]);
	if (m == NULL) {
		fprintf(stderr,
			"medctl: %s has no command '%s' (try medctl "
			"%s --help)\n",
			s->name, argv[0], s->name);
		return EXIT_USAGE;
	}
	if (o.addr == NULL)
		o.addr = s->default_addr;
	snprintf(path, sizeof(path), "/%s/%s", s->desc->name, m->name);
	a = med_arena_new(ARENA_BYTES);
	if (a == NULL)
		return 2;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--compact") == 0)
			o.compact = true;
	req = build_request(a, path, m->input, argc - 1, argv + 1);
	rc = req ? call(&o, path, m, req, a) : EXIT_USAGE;
	med_arena_free(a);
	return rc;
}

int
main(int argc, char **argv)
{
	ctl_opts o = {.token = getenv("MED_TOKEN"),
		      .ca = getenv("MED_TLS_CA"),
		      .cert = getenv("MED_TLS_CERT"),
		      .key = getenv("MED_TLS_KEY"),
		      .break_glass = getenv("MED_BREAK_GLASS"),
		      .timeout_ms = 10000};
	int i = parse_globals(argc, argv, &o);
	const ctl_service *s;

	if (i < 0 || i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	s = find_service(argv[i]);
	if (s == NULL) {
		fprintf(stderr, "medctl: unknown service '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(&o, s, argc - i - 1, argv + i + 1);
}
