/*
 * witness.h - every service a witness of the audit log's signed heads.
 *
 * A service keeps the latest signed tree head it has seen (in its own
 * database, table med_audit_witness) and checks each newer head the audit
 * service publishes: signed by the same key, never smaller, the same root
 * at the same size, and an RFC 9162 consistency proof from the kept head
 * to the new one.  Whoever rewrites the audit database then has to fool
 * every service's copy as well, and the metric
 * smartmed_audit_witness_consistent drops to 0 where a head does not
 * follow from the last one (an alert in the Grafana rules).
 */
#ifndef MED_WITNESS_H
#define MED_WITNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <med/db.h>
#include <med/err.h>
#include <med/metrics.h>
#include <med/rpc.h>

/* med_witness_head - a signed tree head as a witness keeps it. */
typedef struct med_witness_head {
	uint64_t size;
	int64_t timestamp_ms;
	uint8_t root[32];
	uint8_t signature[64];
	uint8_t public_key[32];
} med_witness_head;

/* What a witness concluded about a new head. */
typedef enum med_witness_verdict {
	MED_WITNESS_FIRST = 0,	   /* nothing kept yet: this head is kept */
	MED_WITNESS_SAME,	   /* the kept head again */
	MED_WITNESS_EXTENDS,	   /* larger, and the proof holds: kept */
	MED_WITNESS_BAD_SIGNATURE, /* not signed by its key */
	MED_WITNESS_KEY_CHANGED,   /* another key than the kept or pinned */
	MED_WITNESS_SHRANK,	   /* smaller than the kept head */
	MED_WITNESS_FORKED,	   /* same size, another root */
	MED_WITNESS_INCONSISTENT,  /* the consistency proof fails */
} med_witness_verdict;

/* med_witness_verdict_name is a short name ("extends"), for logs/labels. */
const char *med_witness_verdict_name(med_witness_verdict v);

/* med_witness_verdict_ok is true for the verdicts that keep trust. */
bool med_witness_verdict_ok(med_witness_verdict v);

/*
 * med_witness_judge decides about next given the kept head (NULL: none)
 * and a pinned key (NULL: the kept head's key, or next's own when there is
 * none).  proof/n_proof/first_root/second_root are the consistency proof
 * from kept->size to next->size (only read when next is larger).
 */
med_witness_verdict med_witness_judge(const med_witness_head *kept,
				      const med_witness_head *next,
				      const uint8_t *pinned_key,
				      const uint8_t (*proof)[32],
				      size_t n_proof, const uint8_t *first_root,
				      const uint8_t *second_root);

typedef struct med_witness med_witness;

/* med_witness_opts - where heads come from and where the kept one lives. */
typedef struct med_witness_opts {
	med_db *db;		   /* the service's own database */
	const char *target;	   /* the audit service's gRPC address */
	const char *server_name;   /* its certificate's name, or NULL */
	const med_tls *tls;	   /* the service's client certificate */
	const uint8_t *pinned_key; /* 32 bytes, or NULL */
	int64_t interval_ms;	   /* between checks */
	med_metrics *metrics;
} med_witness_opts;

/* med_witness_start starts the witness thread.  Errors: MED_ERR_INVALID,
 * MED_ERR_NOMEM. */
med_err med_witness_start(const med_witness_opts *o,
			  med_witness **out) MED_MUST_CHECK;

/* med_witness_stop stops and frees w; NULL is fine. */
void med_witness_stop(med_witness *w);

#endif
