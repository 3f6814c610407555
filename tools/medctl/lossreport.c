/*
 * lossreport.c - "medctl audit loss-report": after a restore and the
 * auditor's StartEpoch, what the services can know was lost
 * (docs/operations.md, "Restore").  It reads the audit log's events since
 * --since-ms (oldest first, a page at a time), takes the administration
 * ids of dosage's successful events and the entry ids of records', and
 * asks each service's ReconcileAudit which of them its database lacks
 * (writes the restore lost) and which rows written since --since-ms no
 * event names (events the restore lost).  Each call is audited by the
 * service that answers it.
 *
 *   medctl [options] audit loss-report --since-ms MS [--until-ms MS]
 *          [--dosage-addr HOST:PORT] [--records-addr HOST:PORT]
 *
 * The report is one JSON object: the window, how many events were read,
 * how many records the audit service did not vouch for, and each
 * service's reply (the two lists and their counts).
 */
#include <med/reconcile.h>
#include <med/util.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "medctl.h"

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"
#include "smartmed/records/v1/records.pb-c.h"

#define PAGE	    10000
#define ARENA_BYTES (64u << 20)
#define QUERY_PATH  "/smartmed.audit.v1.Audit/Query"

/* target - one service asked: whose events name its rows by which detail,
 * where it listens, and what it answered. */
typedef struct target {
	const char *service, *key, *flag, *report_name, *path;
	const ProtobufCMessageDescriptor *in, *out;
	const char *addr;
	char **ids; /* the ids its events name (malloc'd) */
	size_t n_ids;
	ProtobufCMessage *reply;
} target;

enum { T_DOSAGE, T_RECORDS, N_TARGETS };

/* report - what the log said, and whom to ask. */
typedef struct report {
	int64_t since_ms, until_ms;
	target t[N_TARGETS];
	uint64_t last_seq, events, unverified, page_records;
	bool too_many;
} report;

static void
report_init(report *r)
{
	memset(r, 0, sizeof(*r));
	r->until_ms = med_now_ms();
	r->t[T_DOSAGE] = (target){
		"dosage",
		"administration_id",
		"--dosage-addr",
		"administrations",
		"/smartmed.dosage.v1.Dosage/ReconcileAudit",
		&smartmed__dosage__v1__reconcile_audit_request__descriptor,
		&smartmed__dosage__v1__reconcile_audit_response__descriptor,
		"127.0.0.1:50053",
		NULL,
		0,
		NULL,
	};
	r->t[T_RECORDS] = (target){
		"records",
		"entry_id",
		"--records-addr",
		"entries",
		"/smartmed.records.v1.Records/ReconcileAudit",
		&smartmed__records__v1__reconcile_audit_request__descriptor,
		&smartmed__records__v1__reconcile_audit_response__descriptor,
		"127.0.0.1:50052",
		NULL,
		0,
		NULL,
	};
}

static bool
parse_ms(const char *text, int64_t *out)
{
	char *end;
	long long v = strtoll(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v < 0)
		return false;
	*out = v;
	return true;
}

/* parse_flag takes one "--flag value"; false when it is not one. */
static bool
parse_flag(report *r, const char *flag, const char *val, bool *since)
{
	if (strcmp(flag, "--since-ms") == 0)
		return (*since = parse_ms(val, &r->since_ms));
	if (strcmp(flag, "--until-ms") == 0)
		return parse_ms(val, &r->until_ms);
	for (size_t i = 0; i < N_TARGETS; i++)
		if (strcmp(flag, r->t[i].flag) == 0) {
			r->t[i].addr = val;
			return true;
		}
	return false;
}

/* parse_args takes the command's flags; false (said on stderr) on a bad
 * one. */
static bool
parse_args(report *r, int argc, char **argv)
{
	bool since = false;

	for (int i = 0; i < argc; i += 2) {
		if (i + 1 < argc && parse_flag(r, argv[i], argv[i + 1], &since))
			continue;
		fprintf(stderr,
			"medctl: loss-report: bad flag '%s' (--since-ms MS "
			"[--until-ms MS] [--dosage-addr HOST:PORT] "
			"[--records-addr HOST:PORT])\n",
			argv[i]);
		return false;
	}
	if (!since)
		fprintf(stderr, "medctl: loss-report: --since-ms is required "
				"(when the restored backup was taken, Unix "
				"ms)\n");
	return since;
}

static const char *
detail_of(const Smartmed__Common__V1__AuditEvent *ev, const char *key)
{
	for (size_t i = 0; i < ev->n_details; i++)
		if (strcmp(ev->details[i]->key, key) == 0)
			return ev->details[i]->value;
	return NULL;
}

static med_err
keep_id(report *r, target *t, const char *id)
{
	char *copy;

	if (t->n_ids == MED_RECONCILE_MAX_IDS) {
		r->too_many = true;
		return MED_ERR_LIMIT;
	}
	if (t->n_ids % 1024 == 0) {
		char **v = realloc(t->ids, (t->n_ids + 1024) * sizeof(*v));
		if (v == NULL)
			return MED_ERR_NOMEM;
		t->ids = v;
	}
	if ((copy = strdup(id)) == NULL)
		return MED_ERR_NOMEM;
	t->ids[t->n_ids++] = copy;
	return MED_OK;
}

/* on_event keeps the id a successful event of a target's service names. */
static med_err
on_event(report *r, const Smartmed__Common__V1__AuditEvent *ev)
{
	const char *id;

	if (ev->outcome != 0)
		return MED_OK;
	for (size_t i = 0; i < N_TARGETS; i++) {
		target *t = &r->t[i];
		if (strcmp(ev->service, t->service) == 0 &&
		    (id = detail_of(ev, t->key)) != NULL)
			return keep_id(r, t, id);
	}
	return MED_OK;
}

/* on_record takes one streamed record, and counts those the service does
 * not vouch for. */
static med_err
on_record(void *ctx, const ProtobufCMessage *msg)
{
	const Smartmed__Audit__V1__AuditRecord *rec = (const void *)msg;
	report *r = ctx;

	if (rec->seq > r->last_seq)
		r->last_seq = rec->missing_through > rec->seq
				      ? rec->missing_through
				      : rec->seq;
	if (rec->integrity !=
	    SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_VERIFIED)
		r->unverified++;
	if (rec->event == NULL)
		return MED_OK;
	r->events++;
	r->page_records++;
	return on_event(r, rec->event);
}

static int
stream_failed(const report *r, const med_rpc_status *st)
{
	if (r->too_many)
		fprintf(stderr,
			"medctl: loss-report: more than %d ids of one "
			"service audited; narrow the window\n",
			MED_RECONCILE_MAX_IDS);
	else
		fprintf(stderr, "medctl: audit: %s: %s\n",
			med_grpc_status_name(st->code), st->message);
	return st->code ? st->code : 2;
}

/* read_log streams the log since r->since_ms, a page at a time. */
static int
read_log(const ctl_opts *o, med_channel *ch, report *r, med_arena *a)
{
	Smartmed__Audit__V1__QueryRequest q;
	med_call_opts co = {.token = o->token, .deadline_ms = o->timeout_ms};
	med_rpc_status st = {0};

	do {
		smartmed__audit__v1__query_request__init(&q);
		q.since_ms = r->since_ms;
		q.after_seq = r->last_seq;
		q.limit = PAGE;
		r->page_records = 0;
		med_arena_reset(a);
		if (med_channel_server_stream(
			    ch, QUERY_PATH, &q.base,
			    &smartmed__audit__v1__audit_record__descriptor, a,
			    &co, on_record, r, &st) != MED_OK)
			return stream_failed(r, &st);
	} while (r->page_records == PAGE);
	return 0;
}

/* field_at is where field name of m is; both services' requests have the
 * same fields. */
static void *
field_at(ProtobufCMessage *m, const char *name, bool count)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
								name);

	return (char *)m + (count ? f->quantifier_offset : f->offset);
}

static ProtobufCMessage *
build_request(const report *r, const target *t, med_arena *a)
{
	ProtobufCMessage *m = med_arena_alloc(a, t->in->sizeof_message);

	if (m == NULL)
		return NULL;
	protobuf_c_message_init(t->in, m);
	*(int64_t *)field_at(m, "since_ms", false) = r->since_ms;
	*(int64_t *)field_at(m, "until_ms", false) = r->until_ms;
	*(char ***)field_at(m, "audited_ids", false) = t->ids;
	*(size_t *)field_at(m, "audited_ids", true) = t->n_ids;
	return m;
}

/* ask sends a target its ids; its reply is kept in arena a. */
static int
ask(const ctl_opts *o, const report *r, target *t, med_arena *a)
{
	med_call_opts co = {.token = o->token, .deadline_ms = o->timeout_ms};
	ProtobufCMessage *req = build_request(r, t, a);
	ctl_opts d = *o;
	med_rpc_status st = {0};
	med_channel *ch = NULL;
	int rc;

	d.addr = t->addr;
	if (req == NULL)
		return 2;
	if ((rc = medctl_open_channel(&d, &ch)) != 0)
		return rc;
	rc = med_channel_unary(ch, t->path, req, t->out, a, &co, &t->reply,
			       &st);
	med_channel_close(ch);
	if (rc == MED_OK)
		return 0;
	fprintf(stderr, "medctl: %s: %s: %s\n", t->service,
		med_grpc_status_name(st.code), st.message);
	return st.code ? st.code : 2;
}

static void
print_report(const report *r)
{
	printf("{\"since_ms\": \"%" PRId64 "\", \"until_ms\": \"%" PRId64
	       "\", \"audit_events_read\": \"%" PRIu64
	       "\", \"audit_records_not_verified\": \"%" PRIu64 "\"",
	       r->since_ms, r->until_ms, r->events, r->unverified);
	for (size_t i = 0; i < N_TARGETS; i++) {
		printf(",\n \"%s\": ", r->t[i].report_name);
		pbjson_print(stdout, r->t[i].reply, false);
	}
	puts("}");
}

static int
report_run(const ctl_opts *o, report *r, med_arena *a)
{
	med_channel *ch = NULL;
	int rc;

	if ((rc = medctl_open_channel(o, &ch)) != 0)
		return rc;
	rc = read_log(o, ch, r, a);
	med_channel_close(ch);
	med_arena_reset(a);
	for (size_t i = 0; i < N_TARGETS && rc == 0; i++)
		rc = ask(o, r, &r->t[i], a);
	if (rc == 0)
		print_report(r);
	return rc;
}

static void
report_fini(report *r)
{
	for (size_t i = 0; i < N_TARGETS; i++) {
		for (size_t k = 0; k < r->t[i].n_ids; k++)
			free(r->t[i].ids[k]);
		free(r->t[i].ids);
	}
}

int
medctl_loss_report(const ctl_opts *opts, int argc, char **argv)
{
	static report r; /* one per process */
	ctl_opts o = *opts;
	med_arena *a;
	int rc;

	report_init(&r);
	if (!parse_args(&r, argc, argv))
		return EXIT_USAGE;
	if (o.addr == NULL)
		o.addr = "127.0.0.1:50055";
	if ((a = med_arena_new(ARENA_BYTES)) == NULL)
		return 2;
	rc = report_run(&o, &r, a);
	med_arena_free(a);
	report_fini(&r);
	return rc;
}
