/*
 * diagnosis.h - the diagnosis service's internal interfaces: the problem
 * list (handlers.c → domain.c → store.c).
 */
#ifndef DIAGNOSIS_H
#define DIAGNOSIS_H

#include <med/db.h>
#include <med/rpc.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"

extern const med_method diagnosis_methods[];
extern const size_t diagnosis_n_methods;
extern const med_db_migration diagnosis_migrations[];
extern const size_t diagnosis_n_migrations;

/* diagnosis_check_add applies the problem-list rules to a request. */
med_err diagnosis_check_add(
	med_call *call,
	const Smartmed__Diagnosis__V1__AddConditionRequest *req) MED_MUST_CHECK;

/* diagnosis_store_insert stores one condition. */
med_err diagnosis_store_insert(
	med_db *db, const Smartmed__Diagnosis__V1__Condition *c) MED_MUST_CHECK;

/* diagnosis_store_list returns a patient's conditions, newest first. */
med_err diagnosis_store_list(med_db *db, med_arena *arena,
			     const char *patient_id, uint64_t offset,
			     uint32_t limit,
			     Smartmed__Diagnosis__V1__Condition ***out,
			     size_t *n) MED_MUST_CHECK;

#endif
