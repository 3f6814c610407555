/*
 * audit_scale.c - a synthetic audit log of N leaves in the audit service's
 * own format (bench-audit_scale, driven by tools/bench/audit_scale.py,
 * issue 54).
 *
 *   bench-audit_scale --leaves N --leaf-key-file FILE --out DIR
 *                     [--patients P] [--start-ms MS]
 *
 * writes DIR/events.tsv (every column of the events table: the record, its
 * leaf hash from the canonical entry, its MAC under the first key of FILE)
 * and DIR/nodes.tsv (every complete subtree above the leaves, as
 * tree_nodes holds them) for LOAD DATA, computed with libmed's code that
 * the service and auditverify use (med_audit_leaf_entry,
 * med_merkle_leaf_hash, med_audit_leaf_mac, med_merkle_frontier_append).
 * It prints the root of the tree.  No head is written: the service signs
 * the first one itself after checking every row (what it does with a log
 * it holds no head of), so its start on the synthetic log is measured as
 * well, and auditverify then checks the log against that head.
 *
 * Leaf i (seq i + 1): an event of one of 7 services about patient i % P
 * (ids like UUIDs, derived from the number), by one of 2,000 actors, one
 * event per 20 ms from start-ms, event id a UUID v4 layout of a 64-bit mix
 * of seq (random in index order, as the emitters' UUIDs are).
 */
#include <med/audit_log.h>
#include <med/merkle.h>
#include <med/util.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACTORS	     2000
#define EVENT_GAP_MS 20

typedef struct scale_opts {
	uint64_t leaves;
	uint64_t patients;
	int64_t start_ms;
	const char *key_file;
	const char *out_dir;
} scale_opts;

static const char *const services[] = {"identity", "records", "dosage",	 "hl7",
				       "fhir",	   "audit",   "identity"};
static const char *const actions[] = {
	"/smartmed.identity.v1.Identity/GetPatient",
	"/smartmed.records.v1.Records/ListEntries",
	"/smartmed.dosage.v1.Dosage/RecordAdministration",
	"hl7:ADT^A01",
	"fhir:Observation.create",
	"/smartmed.audit.v1.Audit/Query",
	"/smartmed.identity.v1.Identity/VerifyFace",
};
static const char *const codes[] = {"R", "R", "C", "C", "C", "R", "E"};

/* mix64 is splitmix64's finaliser: a stable, well-spread 64-bit value. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* uuid_of writes a UUID v4 layout of two mixes of n (37 bytes with NUL). */
static void
uuid_of(uint64_t n, uint64_t salt, char out[MED_UUID_LEN + 1])
{
	uint64_t a = mix64(n ^ salt), b = mix64(a + n);

	snprintf(out, MED_UUID_LEN + 1, "%08x-%04x-4%03x-%04x-%012llx",
		 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffffu,
		 (unsigned)a & 0xfffu,
		 0x8000u | ((unsigned)(b >> 48) & 0x3fffu),
		 (unsigned long long)(b & 0xffffffffffffull));
}

static med_err
write_node(void *ctx, unsigned level, uint64_t index,
	   const uint8_t h[MED_MERKLE_HASH_LEN])
{
	char hex[2 * MED_MERKLE_HASH_LEN + 1];

	if (level == 0)
		return MED_OK; /* leaves go to events.tsv with their row */
	med_merkle_hex(h, hex);
	fprintf(ctx, "%u\t%llu\t%s\n", level, (unsigned long long)index, hex);
	return MED_OK;
}

/* write_event writes leaf i's row and appends its hash to f. */
static int
write_event(const scale_opts *o, const med_audit_leaf_keys *keys, uint64_t i,
	    FILE *ev, FILE *nodes, med_merkle_frontier *f, uint8_t *entry)
{
	static const uint8_t no_details[4] = {0, 0, 0, 0};
	char id[MED_UUID_LEN + 1], req[MED_UUID_LEN + 1];
	char patient[MED_UUID_LEN + 1], actor[32];
	char hl[2 * MED_MERKLE_HASH_LEN + 1], hm[2 * MED_MERKLE_HASH_LEN + 1];
	uint8_t leaf[MED_MERKLE_HASH_LEN], mac[MED_AUDIT_LEAF_MAC_LEN];
	size_t k = (size_t)(mix64(i) % 7), len = 0;
	int64_t t = o->start_ms + (int64_t)i * EVENT_GAP_MS;
	med_audit_record r = {
		.seq = i + 1,
		.stored_ms = t + 5,
		.time_ms = t,
		.event_id = id,
		.service = services[k],
		.action = actions[k],
		.actor = actor,
		.actor_roles = "nurse",
		.patient_id = patient,
		.resource = "patient",
		.outcome = 0,
		.request_id = req,
		.detail = "",
		.action_code = codes[k],
		.purpose_of_use = "TREAT",
		.details = no_details,
		.details_len = sizeof(no_details),
	};

	uuid_of(i + 1, 0x65766e74ull, id);
	uuid_of(i + 1, 0x72657175ull, req);
	uuid_of(i % o->patients, 0x70617469ull, patient);
	snprintf(actor, sizeof(actor), "nurse.%04llu",
		 (unsigned long long)(mix64(i ^ 0x5a5a) % ACTORS));
	if (med_audit_leaf_entry(&r, entry, MED_AUDIT_ENTRY_MAX, &len) !=
	    MED_OK)
		return 1;
	med_merkle_leaf_hash(entry, len, leaf);
	med_audit_leaf_mac(keys->key[0], leaf, mac);
	med_merkle_hex(leaf, hl);
	med_merkle_hex(mac, hm);
	fprintf(ev,
		"%llu\t%s\t%lld\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%s\t%s"
		"\t%s\t%s\t%d\t00000000\t%s\t%s\n",
		(unsigned long long)r.seq, r.event_id, (long long)r.stored_ms,
		(long long)r.time_ms, r.service, r.action, r.actor,
		r.actor_roles, r.patient_id, r.resource, (long long)r.outcome,
		r.request_id, r.detail, r.action_code, r.purpose_of_use,
		r.break_glass ? 1 : 0, hl, hm);
	return med_merkle_frontier_append(f, leaf, write_node, nodes) == MED_OK
		       ? 0
		       : 1;
}

static FILE *
open_out(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

static int
generate(const scale_opts *o, const med_audit_leaf_keys *keys)
{
	med_merkle_frontier *f = calloc(1, sizeof(*f));
	uint8_t *entry = malloc(MED_AUDIT_ENTRY_MAX);
	FILE *ev = open_out(o->out_dir, "events.tsv");
	FILE *nodes = open_out(o->out_dir, "nodes.tsv");
	uint8_t root[MED_MERKLE_HASH_LEN];
	char hex[2 * MED_MERKLE_HASH_LEN + 1];
	int64_t t0 = med_mono_ns();
	int rc = 1;

	if (f == NULL || entry == NULL || ev == NULL || nodes == NULL)
		goto close_files;
	for (uint64_t i = 0; i < o->leaves; i++)
		if (write_event(o, keys, i, ev, nodes, f, entry) != 0)
			goto close_files;
	med_merkle_frontier_root(f, root);
	med_merkle_hex(root, hex);
	printf("leaves %llu root %s generated in %.1f s\n",
	       (unsigned long long)o->leaves, hex,
	       (double)(med_mono_ns() - t0) / 1e9);
	rc = 0;
close_files:
	if (ev != NULL && fclose(ev) != 0)
		rc = 1;
	if (nodes != NULL && fclose(nodes) != 0)
		rc = 1;
	free(entry);
	free(f);
	return rc;
}

static int
parse(scale_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"leaves", required_argument, NULL, 'n'},
		{"patients", required_argument, NULL, 'p'},
		{"start-ms", required_argument, NULL, 's'},
		{"leaf-key-file", required_argument, NULL, 'k'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			o->leaves = strtoull(optarg, NULL, 10);
		else if (c == 'p')
			o->patients = strtoull(optarg, NULL, 10);
		else if (c == 's')
			o->start_ms = strtoll(optarg, NULL, 10);
		else if (c == 'k')
			o->key_file = optarg;
		else if (c == 'o')
			o->out_dir = optarg;
		else
			return 1;
	}
	if (o->leaves == 0 || o->patients == 0 || o->key_file == NULL ||
	    o->out_dir == NULL) {
		fprintf(stderr, "usage: bench-audit_scale --leaves N"
				" --leaf-key-file FILE --out DIR"
				" [--patients P] [--start-ms MS]\n");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	scale_opts o = {.patients = 100000, .start_ms = 1767225600000};
	med_audit_leaf_keys keys;
	char msg[512];

	if (parse(&o, argc, argv) != 0)
		return 2;
	if (med_audit_leaf_keys_read(o.key_file, &keys, msg, sizeof(msg)) !=
	    MED_OK) {
		fprintf(stderr, "bench-audit_scale: %s: %s\n", o.key_file, msg);
		return 2;
	}
	return generate(&o, &keys) == 0 ? 0 : 1;
}
