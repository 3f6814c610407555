/*
 * handlers.c - the audit service's RPCs: Query streams the log to auditors,
 * PatientAccessReport answers "who looked at this patient", and the tree
 * RPCs serve signed heads and proofs, each checked against the verified
 * tree before it leaves (trust.c, proofcheck.c).  None of them writes.
 */
#include <med/arena.h>
#include <med/check.h>

#include <string.h>

#include "audit_svc.h"

#define QUERY_DEFAULT_LIMIT 1000
/* Records read per database round trip; the connection is returned before
 * they are sent, so a slow reader never holds one. */
#define QUERY_BATCH	  256
#define QUERY_ARENA_BYTES (32u << 20)
#define REPORT_DEFAULT	  100
#define HLEN		  MED_MERKLE_HASH_LEN

audit_state *
audit_state_of(med_call *call)
{
	return med_service_data(med_service_from_call(call));
}

/*
 * integrity_failed fails the call with the integrity problem the service
 * found (it names the row or node), or passes err on.
 */
static med_err
integrity_failed(med_call *call, audit_state *st, med_err err)
{
	char problem[AUDIT_PROBLEM_LEN];

	if (err != MED_ERR_DATA_LOSS ||
	    !audit_integrity_problem(st, problem, sizeof(problem)))
		return err;
	return med_call_fail(call, MED_ERR_DATA_LOSS, "audit log integrity: %s",
			     problem);
}

static med_err
check_query(med_call *call, const Smartmed__Audit__V1__QueryRequest *req,
	    audit_query_filter *f)
{
	med_problem p;
	med_err err;

	if (audit_query_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if ((err = med_check_text(call, "patient_id", req->patient_id, 0,
				  64)) != MED_OK ||
	    (err = med_check_text(call, "actor", req->actor, 0, 128)) != MED_OK)
		return err;
	*f = (audit_query_filter){
		.patient_id = req->patient_id,
		.actor = req->actor,
		.since_ms = req->since_ms,
		.until_ms = req->until_ms,
		.after_seq = req->after_seq,
		.before_seq = req->before_seq,
		.action_code = req->action_code,
		.break_glass_only = req->break_glass_only,
		.newest_first = req->newest_first,
	};
	return MED_OK;
}

/* send_gap streams the marker of a hole in the log. */
static med_err
send_gap(med_call *call, const audit_gap *g)
{
	Smartmed__Audit__V1__AuditRecord m =
		SMARTMED__AUDIT__V1__AUDIT_RECORD__INIT;

	m.seq = g->first;
	m.missing_through = g->last;
	m.integrity =
		SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_MISSING;
	m.integrity_problem = "these positions are absent from the log "
			      "(rows deleted behind the audit service)";
	return med_call_send(call, &m.base);
}

/*
 * gap_before: the index into q->gaps of the next hole to stream before
 * record i (i == q->n: after the last record), or q->n_gaps when none is
 * due.  g counts the holes streamed so far; holes are found in ascending
 * order and streamed in the query's order.
 */
static size_t
gap_before(const audit_query_filter *f, const audit_query_result *q, size_t g,
	   size_t i)
{
	size_t k = f->newest_first ? q->n_gaps - 1 - g : g;

	if (g >= q->n_gaps)
		return q->n_gaps;
	if (i == q->n)
		return k;
	if (f->newest_first)
		return q->gaps[k].first > q->records[i]->seq ? k : q->n_gaps;
	return q->gaps[k].first < q->records[i]->seq ? k : q->n_gaps;
}

/*
 * send_batch streams one batch, the records and the markers of the holes
 * among them in the query's order; the bound the next batch resumes from
 * (after_seq, or before_seq newest first) moves past what was sent.
 */
static med_err
send_batch(med_call *call, med_db *db, audit_query_filter *f, size_t *sent)
{
	med_arena *a = med_arena_new(QUERY_ARENA_BYTES);
	audit_query_result q;
	size_t g = 0, k;
	med_err err;

	if (a == NULL)
		return MED_ERR_NOMEM;
	err = audit_store_query(db, audit_state_of(call), a, f, &q);
	for (size_t i = 0; err == MED_OK && i <= q.n; i++) {
		while (err == MED_OK &&
		       (k = gap_before(f, &q, g, i)) < q.n_gaps) {
			err = send_gap(call, &q.gaps[k]);
			g++;
		}
		if (err != MED_OK || i == q.n)
			break;
		err = med_call_send(call, &q.records[i]->base);
		if (f->newest_first)
			f->before_seq = q.records[i]->seq;
		else
			f->after_seq = q.records[i]->seq;
	}
	med_arena_free(a);
	*sent = q.n;
	return err;
}

med_err
audit_rpc_query(med_call *call, const ProtobufCMessage *in)
{
	const Smartmed__Audit__V1__QueryRequest *req = (const void *)in;
	med_db *db = med_call_db(call);
	uint32_t remaining = req->limit ? req->limit : QUERY_DEFAULT_LIMIT;
	audit_query_filter f;
	med_err err = check_query(call, req, &f);

	if (err != MED_OK)
		return err;
	if (req->patient_id[0] != '\0')
		med_call_set_patient(call, req->patient_id);
	while (remaining > 0) {
		size_t sent = 0;
		f.limit = remaining < QUERY_BATCH ? remaining : QUERY_BATCH;
		if ((err = send_batch(call, db, &f, &sent)) != MED_OK)
			return err;
		if (sent < f.limit)
			break;
		remaining -= (uint32_t)sent;
		if (med_call_is_cancelled(call))
			return MED_ERR_CANCELLED;
	}
	return MED_OK;
}

med_err
audit_rpc_patient_access_report(med_call *call, const ProtobufCMessage *in,
				ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__PatientAccessReportRequest *req =
		(const void *)in;
	audit_report_filter f = {
		.patient_id = req->patient_id,
		.since_ms = req->since_ms,
		.until_ms = req->until_ms,
		.after_seq = req->after_seq,
		.limit = req->limit ? req->limit : REPORT_DEFAULT,
	};
	med_problem p;
	med_err err;

	if ((err = med_check_text(call, "patient_id", req->patient_id, 1,
				  64)) != MED_OK)
		return err;
	if (audit_report_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	med_call_set_patient(call, req->patient_id);
	err = audit_report_build(med_call_db(call), audit_state_of(call),
				 med_call_arena(call), &f, (void *)out);
	return integrity_failed(call, audit_state_of(call), err);
}

/* bytes_of copies n bytes into the call's arena as a protobuf bytes. */
static med_err
bytes_of(med_call *call, const uint8_t *p, size_t n, ProtobufCBinaryData *out)
{
	out->data = med_arena_alloc(med_call_arena(call), n);
	if (out->data == NULL)
		return MED_ERR_NOMEM;
	memcpy(out->data, p, n);
	out->len = n;
	return MED_OK;
}

/* hashes_of fills a repeated bytes field with path[0..n). */
static med_err
hashes_of(med_call *call, const uint8_t (*path)[HLEN], size_t n,
	  ProtobufCBinaryData **out, size_t *n_out)
{
	ProtobufCBinaryData *b =
		med_arena_alloc(med_call_arena(call), (n + 1) * sizeof(*b));
	med_err err = b ? MED_OK : MED_ERR_NOMEM;

	for (size_t i = 0; i < n && err == MED_OK; i++)
		err = bytes_of(call, path[i], HLEN, &b[i]);
	*out = b;
	*n_out = n;
	return err;
}

med_err
audit_head_pb(med_call *call, const audit_sth *h,
	      Smartmed__Audit__V1__SignedTreeHead **out)
{
	Smartmed__Audit__V1__SignedTreeHead *m =
		med_arena_alloc(med_call_arena(call), sizeof(*m));
	med_err err;

	if (m == NULL)
		return MED_ERR_NOMEM;
	smartmed__audit__v1__signed_tree_head__init(m);
	m->tree_size = h->tree_size;
	m->timestamp_ms = h->timestamp_ms;
	m->key_id = med_arena_strdup(med_call_arena(call), h->key_id);
	if (m->key_id == NULL)
		return MED_ERR_NOMEM;
	if ((err = bytes_of(call, h->root, HLEN, &m->root_hash)) != MED_OK ||
	    (err = bytes_of(call, h->sig, sizeof(h->sig), &m->signature)) !=
		    MED_OK)
		return err;
	*out = m;
	return MED_OK;
}

typedef struct head_tx {
	med_call *call;
	Smartmed__Audit__V1__GetTreeHeadResponse *resp;
	const uint8_t *pk; /* the key that signed the head */
} head_tx;

static med_err
get_tree_head_tx(med_db_conn *c, void *arg)
{
	head_tx *t = arg;
	audit_state *st = audit_state_of(t->call);
	audit_sth h;
	med_err err = audit_sth_latest(c, &h);

	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(t->call, MED_ERR_PRECONDITION,
				     "no tree head has been signed yet");
	/* A head under this service's key id, or a previous one it was told
	 * of, must carry that key's signature, and the reply names that key
	 * (after a rotation the newest head may still be the old key's);
	 * heads of another earlier key are for auditors to check. */
	t->pk = err == MED_OK ? audit_signer_key(st, h.key_id) : NULL;
	if (t->pk != NULL && !audit_sth_verify(t->pk, &h))
		err = audit_integrity_fail(st,
					   "tree_heads: the head of size %llu "
					   "does not carry the signature of "
					   "key %s",
					   (unsigned long long)h.tree_size,
					   h.key_id);
	if (err != MED_OK)
		return integrity_failed(t->call, st, err);
	if ((err = audit_tree_size(c, false, &t->resp->current_size)) != MED_OK)
		return err;
	return audit_head_pb(t->call, &h, &t->resp->head);
}

med_err
audit_rpc_get_tree_head(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	head_tx t = {call, (void *)out, NULL};
	audit_state *st = audit_state_of(call);
	med_err err;

	(void)in;
	err = med_db_tx(med_call_db(call), get_tree_head_tx, &t);
	if (err != MED_OK)
		return err;
	return bytes_of(call, t.pk != NULL ? t.pk : st->pk, sizeof(st->pk),
			&t.resp->public_key);
}

/*
 * size_or_head resolves a requested tree size: 0 means the latest head.
 * log_size is the size of the verified tree this transaction sees.
 */
static med_err
size_or_head(med_call *call, med_db_conn *c, const char *field, uint64_t want,
	     uint64_t log_size, uint64_t *size)
{
	audit_sth h;
	med_problem p;
	med_err err;

	if (want == 0) {
		err = audit_sth_latest(c, &h);
		if (err == MED_ERR_NOT_FOUND)
			return med_call_fail(call, MED_ERR_PRECONDITION,
					     "no tree head has been signed "
					     "yet");
		if (err != MED_OK)
			return err;
		if (h.tree_size > log_size)
			return audit_integrity_fail(
				audit_state_of(call),
				"tree_heads: the newest head covers %llu "
				"entries, the log holds %llu: entries were "
				"removed",
				(unsigned long long)h.tree_size,
				(unsigned long long)log_size);
		*size = h.tree_size;
		return MED_OK;
	}
	if (audit_tree_size_problem(field, want, log_size, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	*size = want;
	return MED_OK;
}

typedef struct inclusion_tx {
	med_call *call;
	const Smartmed__Audit__V1__InclusionProofRequest *req;
	Smartmed__Audit__V1__InclusionProofResponse *resp;
} inclusion_tx;

static med_err
find_leaf(inclusion_tx *t, med_db_conn *c, uint64_t size)
{
	const Smartmed__Audit__V1__InclusionProofRequest *req = t->req;
	bool by_id =
		req->leaf_case ==
		SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_EVENT_ID;
	med_problem p;
	med_err err;

	if (!by_id &&
	    audit_leaf_problem(false, req->leaf_index, size, &p) != MED_OK)
		return med_call_fail_problem(t->call, &p);
	err = audit_store_record(c, audit_state_of(t->call),
				 med_call_arena(t->call),
				 by_id ? req->event_id : NULL, req->leaf_index,
				 &t->resp->record);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(t->call, MED_ERR_NOT_FOUND,
				     by_id ? "event_id: no such event"
					   : "leaf_index: no such leaf");
	if (err != MED_OK)
		return err;
	if (t->resp->record->leaf_hash.len != HLEN)
		return med_call_fail(t->call, MED_ERR_PRECONDITION,
				     "event_id: not yet in the Merkle tree");
	/* Events count from seq 1; leaf seq - 1 may be past the tree asked
	 * for. */
	if (audit_leaf_problem(true, t->resp->record->seq - 1, size, &p) !=
	    MED_OK)
		return med_call_fail_problem(t->call, &p);
	return MED_OK;
}

/*
 * checked_inclusion builds the inclusion proof of leaf index and the root
 * of the tree of size leaves from stored nodes, and checks both against
 * the verified tree f and the leaf's row before they are served.
 */
static med_err
checked_inclusion(audit_state *st, med_db_conn *c, const med_merkle_frontier *f,
		  const ProtobufCBinaryData *leaf, uint64_t index,
		  uint64_t size, uint8_t (*path)[HLEN], size_t *n,
		  uint8_t root[HLEN])
{
	med_err err = med_merkle_inclusion_proof(
		index, size, med_audit_node_get, c, path, n);

	if (err == MED_OK)
		err = med_merkle_root(size, med_audit_node_get, c, root);
	if (err == MED_ERR_DATA_LOSS)
		return audit_proof_blame(st, c, f, true, index, size);
	if (err != MED_OK ||
	    (err = audit_root_check(st, c, f, size, root)) != MED_OK)
		return err;
	if (!med_merkle_verify_inclusion(index, size, leaf->data,
					 (const uint8_t(*)[HLEN])path, *n,
					 root))
		return audit_proof_blame(st, c, f, true, index, size);
	return audit_row_check(st, c, index + 1);
}

static med_err
inclusion_proof_tx(med_db_conn *c, void *arg)
{
	inclusion_tx *t = arg;
	audit_state *st = audit_state_of(t->call);
	uint8_t path[MED_MERKLE_MAX_PROOF][HLEN], root[HLEN];
	med_merkle_frontier f;
	size_t n = 0;
	uint64_t size, index;
	med_err err = audit_trust_now(st, c, &f);

	if (err != MED_OK ||
	    (err = size_or_head(t->call, c, "tree_size", t->req->tree_size,
				f.size, &size)) != MED_OK ||
	    (err = find_leaf(t, c, size)) != MED_OK)
		return integrity_failed(t->call, st, err);
	index = t->resp->record->seq - 1;
	err = checked_inclusion(st, c, &f, &t->resp->record->leaf_hash, index,
				size, path, &n, root);
	if (err != MED_OK)
		return integrity_failed(t->call, st, err);
	t->resp->leaf_index = index;
	t->resp->tree_size = size;
	t->resp->leaf_hash = t->resp->record->leaf_hash;
	if ((err = bytes_of(t->call, root, HLEN, &t->resp->root_hash)) !=
	    MED_OK)
		return err;
	return hashes_of(t->call, (const uint8_t(*)[HLEN])path, n,
			 &t->resp->audit_path, &t->resp->n_audit_path);
}

med_err
audit_rpc_inclusion_proof(med_call *call, const ProtobufCMessage *in,
			  ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__InclusionProofRequest *req =
		(const void *)in;
	inclusion_tx t = {call, req, (void *)out};
	med_problem p;
	med_err err;

	if (audit_inclusion_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	if (req->leaf_case ==
		    SMARTMED__AUDIT__V1__INCLUSION_PROOF_REQUEST__LEAF_EVENT_ID &&
	    (err = med_check_text(call, "event_id", req->event_id, 1, 64)) !=
		    MED_OK)
		return err;
	return med_db_tx(med_call_db(call), inclusion_proof_tx, &t);
}

typedef struct consistency_tx {
	med_call *call;
	const Smartmed__Audit__V1__ConsistencyProofRequest *req;
	Smartmed__Audit__V1__ConsistencyProofResponse *resp;
} consistency_tx;

/*
 * checked_consistency builds the consistency proof from first to second
 * leaves and both roots from stored nodes, and checks them against the
 * verified tree f before they are served: the second root against f, the
 * proof (which also authenticates the first root) against both.
 */
static med_err
checked_consistency(audit_state *st, med_db_conn *c,
		    const med_merkle_frontier *f, uint64_t first,
		    uint64_t second, uint8_t (*path)[HLEN], size_t *n,
		    uint8_t r1[HLEN], uint8_t r2[HLEN])
{
	med_err err = med_merkle_consistency_proof(
		first, second, med_audit_node_get, c, path, n);

	if (err == MED_OK)
		err = med_merkle_root(first, med_audit_node_get, c, r1);
	if (err == MED_OK)
		err = med_merkle_root(second, med_audit_node_get, c, r2);
	if (err == MED_ERR_DATA_LOSS)
		return audit_proof_blame(st, c, f, false, first, second);
	if (err != MED_OK ||
	    (err = audit_root_check(st, c, f, second, r2)) != MED_OK)
		return err;
	if (!med_merkle_verify_consistency(first, second, r1, r2,
					   (const uint8_t(*)[HLEN])path, *n))
		return audit_proof_blame(st, c, f, false, first, second);
	return MED_OK;
}

static med_err
consistency_proof_tx(med_db_conn *c, void *arg)
{
	consistency_tx *t = arg;
	audit_state *st = audit_state_of(t->call);
	uint8_t path[MED_MERKLE_MAX_PROOF][HLEN], r1[HLEN], r2[HLEN];
	uint64_t first = t->req->first_size, second;
	med_merkle_frontier f;
	size_t n = 0;
	med_problem p;
	med_err err = audit_trust_now(st, c, &f);

	if (err == MED_OK)
		err = size_or_head(t->call, c, "second_size",
				   t->req->second_size, f.size, &second);
	if (err != MED_OK)
		return integrity_failed(t->call, st, err);
	if (audit_sizes_problem(first, second, &p) != MED_OK)
		return med_call_fail_problem(t->call, &p);
	err = checked_consistency(st, c, &f, first, second, path, &n, r1, r2);
	if (err != MED_OK)
		return integrity_failed(t->call, st, err);
	t->resp->first_size = first;
	t->resp->second_size = second;
	if ((err = bytes_of(t->call, r1, HLEN, &t->resp->first_root)) !=
		    MED_OK ||
	    (err = bytes_of(t->call, r2, HLEN, &t->resp->second_root)) !=
		    MED_OK)
		return err;
	return hashes_of(t->call, (const uint8_t(*)[HLEN])path, n,
			 &t->resp->proof, &t->resp->n_proof);
}

med_err
audit_rpc_consistency_proof(med_call *call, const ProtobufCMessage *in,
			    ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__ConsistencyProofRequest *req =
		(const void *)in;
	consistency_tx t = {call, req, (void *)out};
	med_problem p;

	if (audit_consistency_problem(req, &p) != MED_OK)
		return med_call_fail_problem(call, &p);
	return med_db_tx(med_call_db(call), consistency_proof_tx, &t);
}

/* Events per ExportAuditEventsFhir page: the default and the most. */
#define FHIR_PAGE_DEFAULT 100
#define FHIR_PAGE_MAX	  1000

static med_err
check_fhir_export(med_call *call,
		  const Smartmed__Audit__V1__ExportAuditEventsFhirRequest *req)
{
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	if (req->page_size > FHIR_PAGE_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "page_size: at most %d", FHIR_PAGE_MAX);
	return MED_OK;
}

/*
 * fhir_page_intact: a FHIR AuditEvent has no element that could carry
 * "the service cannot vouch for this", and an export leaves the service as
 * evidence, so a page with an altered record or a hole is refused
 * (DATA_LOSS naming the seq); Query and PatientAccessReport show it
 * flagged.  Records stored before leaf MACs are exported as before.
 */
static med_err
fhir_page_intact(med_call *call, const audit_query_result *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->records[i]->integrity ==
		    SMARTMED__AUDIT__V1__RECORD_INTEGRITY__RECORD_INTEGRITY_ALTERED)
			return med_call_fail(
				call, MED_ERR_DATA_LOSS,
				"audit log integrity: seq %llu: "
				"%s",
				(unsigned long long)q->records[i]->seq,
				q->records[i]->integrity_problem);
	if (q->n_gaps > 0)
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "audit log integrity: seq %llu..%llu are "
				     "missing",
				     (unsigned long long)q->gaps[0].first,
				     (unsigned long long)q->gaps[0].last);
	return MED_OK;
}

/* The bundle may take the reply's size limit less room for the rest. */
static size_t
fhir_budget(med_call *call)
{
	size_t max = (size_t)med_config_int(
		med_service_config(med_service_from_call(call)),
		"MED_MAX_MESSAGE_BYTES");

	return max > 2048 ? max - 1024 : max / 2;
}

med_err
audit_rpc_export_audit_events_fhir(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Audit__V1__ExportAuditEventsFhirRequest *req =
		(const void *)in;
	Smartmed__Audit__V1__ExportAuditEventsFhirResponse *res = (void *)out;
	uint32_t size = req->page_size ? req->page_size : FHIR_PAGE_DEFAULT;
	audit_query_filter f = {.patient_id = req->patient_id,
				.actor = "",
				.after_seq = req->after_seq,
				.limit = size + 1,
				.action_code = ""};
	audit_query_result q;
	size_t n;
	med_err err = check_fhir_export(call, req);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = audit_store_query(med_call_db(call), audit_state_of(call),
				med_call_arena(call), &f, &q);
	if (err != MED_OK)
		return err;
	if ((err = fhir_page_intact(call, &q)) != MED_OK)
		return err;
	n = q.n;
	/* One record more than the page tells that another page follows. */
	res->next_after_seq = n > size ? q.records[size - 1]->seq : 0;
	n = n > size ? size : n;
	err = audit_fhir_bundle(med_call_arena(call), req->patient_id,
				q.records, n, fhir_budget(call),
				&res->bundle_json, &res->n_resources);
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "page_size: %zu events exceed the message "
				     "size limit as FHIR; ask for fewer",
				     n);
	return err;
}
