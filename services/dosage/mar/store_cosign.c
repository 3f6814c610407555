/*
 * store_cosign.c - the dosage service's SQL for the high-alert second
 * check before the dose: the co-sign CosignAdministration writes (read
 * and used once by RecordAdministration and the infusions inside their
 * transactions: subject/cosign.c).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/util.h>

#include <string.h>

#include "dosage.h"
#include "catalogue.h"
#include "orders.h"
#include "mar.h"
#include "subject.h"

med_err
dosage_store_insert_cosign(med_db_conn *c, const dosage_cosign *k)
{
	med_db_value v[] = {
		MED_DB_STR(k->id),
		MED_DB_STR(k->order_id),
		MED_DB_STR(k->patient_id),
		MED_DB_DBL(k->dose),
		MED_DB_STR(k->unit),
		MED_DB_DBL(k->dose_in_drug_unit),
		MED_DB_STR(k->drug_unit),
		MED_DB_STR(k->cosigned_by),
		MED_DB_I64(k->created_ms),
		MED_DB_I64(k->expires_ms),
		MED_DB_I64(k->dose_deviation ? k->dose_deviation->reason : 0),
		MED_DB_STR(k->dose_deviation ? k->dose_deviation->text : ""),
		MED_DB_DBL(k->ordered_dose_in_drug_unit)};

	return med_db_exec(
		c,
		"INSERT INTO cosigns (id, order_id, patient_id, dose,"
		" unit, dose_drug_unit, drug_unit, cosigned_by,"
		" created_ms, expires_ms, dev_reason, dev_text,"
		" ordered_drug_unit) VALUES (?, ?, ?, ?, ?, ?,"
		" ?, ?, ?, ?, ?, ?, ?)",
		v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}
