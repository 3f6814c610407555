/*
 * audit_svc.h - the audit service's internal interfaces: events arrive over
 * NNG from every service's emitter (ingest.c), are stored in the append-only
 * events table (store.c) and read by auditors (handlers.c).
 */
#ifndef AUDIT_SVC_H
#define AUDIT_SVC_H

#include <med/db.h>
#include <med/rpc.h>
#include <med/service.h>

#include "smartmed/audit/v1/audit.pb-c.h"
#include "smartmed/common/v1/audit_event.pb-c.h"

extern const med_method audit_methods[];
extern const size_t audit_n_methods;
extern const med_db_migration audit_migrations[];
extern const size_t audit_n_migrations;

/* audit_ingest_begin / audit_ingest_end run the NNG ingest (service hooks). */
med_err audit_ingest_begin(med_service *svc) MED_MUST_CHECK;
void audit_ingest_end(med_service *svc);

/*
 * audit_store_batch appends events[0..n) in one transaction, skipping ids
 * already stored; counts both.
 */
med_err audit_store_batch(med_db *db,
			  Smartmed__Common__V1__AuditEvent *const *events,
			  size_t n, uint32_t *stored,
			  uint32_t *duplicates) MED_MUST_CHECK;

/* audit_query_filter - what a Query asks for, checked by the handler. */
typedef struct audit_query_filter {
	const char *patient_id;
	const char *actor;
	int64_t since_ms, until_ms;
	uint64_t after_seq;
	uint32_t limit;
} audit_query_filter;

/* audit_store_query reads up to f->limit records after f->after_seq. */
med_err audit_store_query(med_db *db, med_arena *arena,
			  const audit_query_filter *f,
			  Smartmed__Audit__V1__AuditRecord ***out,
			  size_t *n) MED_MUST_CHECK;

#endif
