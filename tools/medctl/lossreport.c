/*
 * lossreport.c - "medctl audit loss-report": after a restore and the
 * auditor's StartEpoch, what the services can know was lost
 * (docs/operations.md, "Restore").  It reads the audit log's events since
 * --since-ms (oldest first, a page at a time), takes the administration
 * ids of dosage's successful events, and asks dosage's ReconcileAudit
 * which of them its database lacks (writes the restore lost) and which
 * administrations written since --since-ms no event names (events the
 * restore lost).  Each call is audited by the service that answers it.
 *
 *   medctl [options] audit loss-report --since-ms MS [--until-ms MS]
 *          [--dosage-addr HOST:PORT]
 *
 * The report is one JSON object: the window, how many events were read,
 * how many records the audit service did not vouch for, and dosage's
 * reply (the two lists and their counts).
 */
#include <med/reconcile.h>
#include <med/util.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "medctl.h"

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/dosage/v1/dosage.pb-c.h"

#define PAGE	    10000
#define ARENA_BYTES (64u << 20)
#define QUERY_PATH  "/smartmed.audit.v1.Audit/Query"
#define DOSAGE_PATH "/smartmed.dosage.v1.Dosage/ReconcileAudit"
#define DOSAGE_ADDR "127.0.0.1:50053"
#define ID_KEY	    "administration_id"

/* report - what the log said, and where to ask. */
typedef struct report {
	int64_t since_ms, until_ms;
	const char *dosage_addr;
	char **ids; /* administration ids (malloc'd) */
	size_t n_ids;
	uint64_t last_seq, events, unverified, page_records;
	bool too_many;
} report;

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

/* parse_args takes the command's flags; false (said on stderr) on a bad
 * one. */
static bool
parse_args(report *r, int argc, char **argv)
{
	bool since = false;

	for (int i = 0; i < argc; i += 2) {
		const char *flag = argv[i],
			   *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = val != NULL;
		if (ok && strcmp(flag, "--since-ms") == 0)
			ok = since = parse_ms(val, &r->since_ms);
		else if (ok && strcmp(flag, "--until-ms") == 0)
			ok = parse_ms(val, &r->until_ms);
		else if (ok && strcmp(flag, "--dosage-addr") == 0)
			r->dosage_addr = val;
		else
			ok = false;
		if (!ok) {
			fprintf(stderr,
				"medctl: loss-report: bad flag '%s' "
				"(--since-ms MS [--until-ms MS] "
				"[--dosage-addr HOST:PORT])\n",
				flag);
			return false;
		}
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
keep_id(report *r, const char *id)
{
	char *copy;

	if (r->n_ids == MED_RECONCILE_MAX_IDS) {
		r->too_many = true;
		return MED_ERR_LIMIT;
	}
	if (r->n_ids % 1024 == 0) {
		char **v = realloc(r->ids, (r->n_ids + 1024) * sizeof(*v));
		if (v == NULL)
			return MED_ERR_NOMEM;
		r->ids = v;
	}
	if ((copy = strdup(id)) == NULL)
		return MED_ERR_NOMEM;
	r->ids[r->n_ids++] = copy;
	return MED_OK;
}

/* on_record takes one streamed record: the ids of dosage's successful
 * events, and a count of those the service does not vouch for. */
static med_err
on_record(void *ctx, const ProtobufCMessage *msg)
{
	const Smartmed__Audit__V1__AuditRecord *rec = (const void *)msg;
	const Smartmed__Common__V1__AuditEvent *ev = rec->event;
	report *r = ctx;
	const char *id;

	if (rec->seq > r->last_seq)
		r->last_seq = rec->missing_through > rec->seq
				      ? rec->missing_through
				      : rec->seq;
	if (rec->integrity !=
	    SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_VERIFIED)
		r->unverified++;
	if (ev == NULL)
		return MED_OK;
	r->events++;
	r->page_records++;
	if (strcmp(ev->service, "dosage") != 0 || ev->outcome != 0 ||
	    (id = detail_of(ev, ID_KEY)) == NULL)
		return MED_OK;
	return keep_id(r, id);
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
			    &co, on_record, r, &st) != MED_OK) {
			if (r->too_many)
				fprintf(stderr,
					"medctl: loss-report: more "
					"than %d administrations "
					"audited; narrow the window\n",
					MED_RECONCILE_MAX_IDS);
			else
				fprintf(stderr, "medctl: audit: %s: %s\n",
					med_grpc_status_name(st.code),
					st.message);
			return st.code ? st.code : 2;
		}
	} while (r->page_records == PAGE);
	return 0;
}

/* ask_dosage sends the ids to dosage's ReconcileAudit. */
static int
ask_dosage(const ctl_opts *o, report *r, med_arena *a, ProtobufCMessage **out)
{
	Smartmed__Dosage__V1__ReconcileAuditRequest q;
	med_call_opts co = {.token = o->token, .deadline_ms = o->timeout_ms};
	ctl_opts d = *o;
	med_rpc_status st = {0};
	med_channel *ch = NULL;
	int rc;

	d.addr = r->dosage_addr;
	if ((rc = medctl_open_channel(&d, &ch)) != 0)
		return rc;
	smartmed__dosage__v1__reconcile_audit_request__init(&q);
	q.since_ms = r->since_ms;
	q.until_ms = r->until_ms;
	q.audited_ids = r->ids;
	q.n_audited_ids = r->n_ids;
	med_arena_reset(a);
	rc = med_channel_unary(
		ch, DOSAGE_PATH, &q.base,
		&smartmed__dosage__v1__reconcile_audit_response__descriptor, a,
		&co, out, &st);
	med_channel_close(ch);
	if (rc == MED_OK)
		return 0;
	fprintf(stderr, "medctl: dosage: %s: %s\n",
		med_grpc_status_name(st.code), st.message);
	return st.code ? st.code : 2;
}

static void
print_report(const report *r, const ProtobufCMessage *dosage)
{
	printf("{\"since_ms\": \"%" PRId64 "\", \"until_ms\": \"%" PRId64
	       "\", \"audit_events_read\": \"%" PRIu64
	       "\", \"audit_records_not_verified\": \"%" PRIu64
	       "\", \"audited_administration_ids\": \"%zu\",\n"
	       " \"administrations\": ",
	       r->since_ms, r->until_ms, r->events, r->unverified, r->n_ids);
	pbjson_print(stdout, dosage, false);
	puts("}");
}

static int
report_run(const ctl_opts *o, report *r, med_arena *a)
{
	ProtobufCMessage *reply = NULL;
	med_channel *ch = NULL;
	int rc;

	if ((rc = medctl_open_channel(o, &ch)) != 0)
		return rc;
	rc = read_log(o, ch, r, a);
	med_channel_close(ch);
	if (rc == 0 && (rc = ask_dosage(o, r, a, &reply)) == 0)
		print_report(r, reply);
	return rc;
}

int
medctl_loss_report(const ctl_opts *opts, int argc, char **argv)
{
	report r = {.until_ms = med_now_ms(), .dosage_addr = DOSAGE_ADDR};
	ctl_opts o = *opts;
	med_arena *a;
	int rc;

	if (!parse_args(&r, argc, argv))
		return EXIT_USAGE;
	if (o.addr == NULL)
		o.addr = "127.0.0.1:50055";
	if ((a = med_arena_new(ARENA_BYTES)) == NULL)
		return 2;
	rc = report_run(&o, &r, a);
	med_arena_free(a);
	for (size_t i = 0; i < r.n_ids; i++)
		free(r.ids[i]);
	free(r.ids);
	return rc;
}
