/*
 * readings.c - RecordDeviceReadings: the readings of devices (the FHIR
 * facade's POST of vital-sign Observations, alone or in a transaction
 * Bundle) written in one transaction, all or none.  Each entry passes the
 * very checks CreateEntry runs (units, plausibility, the patient with
 * identity); a reading identifier recorded before answers the first
 * entry instead of charting it twice.
 */
#include <string.h>

#include <med/patients.h>

#include "records.h"

#define READINGS_MAX	     100
#define SYSTEM_MAX_CHARS     200
#define VALUE_MAX_CHARS	     128
#define DEVICE_MAX_CHARS     128
#define READING_BUNDLE_BYTES (1u << 20)

/* reading - one reading on its way through the transaction. */
typedef struct reading {
	const Smartmed__Records__V1__DeviceReading *in;
	records_edit ed;
	records_write w;
	records_entry stored; /* the new entry, when written */
	records_reading_seen seen;
} reading;

/* readings_tx - the transaction's context. */
typedef struct readings_tx {
	med_arena *arena;
	reading *r;
	size_t n;
	size_t refused;	 /* index of the reading refused inside */
	med_problem why; /* ... and why (err MED_OK: none) */
} readings_tx;

/* fail_at fails the call naming readings[i] and the field of p. */
static med_err
fail_at(med_call *call, size_t i, const char *sub, const med_problem *p)
{
	return med_call_fail(call, p->err, "readings[%zu]%s%s%s%s: %s", i,
			     sub[0] ? "." : "", sub, p->field[0] ? "." : "",
			     p->field, p->reason);
}

/* check_identity checks the identifier and the device of one reading. */
static med_err
check_identity(const Smartmed__Records__V1__DeviceReading *in, med_problem *p)
{
	med_err err;

	if ((err = med_text_problem("identifier_system", in->identifier_system,
				    1, SYSTEM_MAX_CHARS, p)) != MED_OK ||
	    (err = med_text_problem("identifier_value", in->identifier_value, 1,
				    VALUE_MAX_CHARS, p)) != MED_OK ||
	    (err = med_text_problem("device", in->device, 1, DEVICE_MAX_CHARS,
				    p)) != MED_OK)
		return err;
	if (strncmp(in->device, "Device/", 7) != 0 || in->device[7] == '\0')
		return med_problem_set(p, MED_ERR_INVALID, "device",
				       "want a reference Device/{id}");
	return MED_OK;
}

/* content_of is the entry's typed content, and the kind it must have. */
static bool
content_of(const Smartmed__Records__V1__CreateEntryRequest *e,
	   records_content *c)
{
	memset(c, 0, sizeof(*c));
	if (e->kind ==
	    SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS)
		c->vital_signs =
			e->content_case ==
					SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_VITAL_SIGNS
				? e->vital_signs
				: NULL;
	else if (e->kind ==
		 SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION)
		c->observation =
			e->content_case ==
					SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_OBSERVATION
				? e->observation
				: NULL;
	return c->vital_signs != NULL || c->observation != NULL;
}

/* prepare checks reading i as CreateEntry would and readies its write. */
static med_err
prepare(med_call *call, size_t i, reading *r)
{
	const Smartmed__Records__V1__CreateEntryRequest *e = r->in->entry;
	med_problem p = {0};
	med_err err;

	if (check_identity(r->in, &p) != MED_OK)
		return fail_at(call, i, "", &p);
	if (e == NULL || !content_of(e, &r->ed.content)) {
		med_problem_set(&p, MED_ERR_INVALID, "",
				"want kind VITAL_SIGNS or OBSERVATION with "
				"its content");
		return fail_at(call, i, "entry", &p);
	}
	if (med_id_problem("patient_id", e->patient_id, &p) != MED_OK)
		return fail_at(call, i, "entry", &p);
	r->ed = (records_edit){.kind = e->kind,
			       .title = e->title,
			       .body = e->body,
			       .status = e->status,
			       .content = r->ed.content,
			       .confirm_implausible = e->confirm_implausible};
	if ((err = records_edit_problem(med_call_arena(call), e->kind, &r->ed,
					true, &p)) != MED_OK)
		return p.err != MED_OK ? fail_at(call, i, "entry", &p) : err;
	r->w = (records_write){
		.patient_id = e->patient_id,
		.kind = e->kind,
		.ch = {.user = med_call_principal(call)->user, .edit = &r->ed}};
	return MED_OK;
}

/* new_entry_id gives a reading the id its entry will have. */
static med_err
new_entry_id(med_call *call, reading *r)
{
	char id[MED_UUID_LEN + 1];

	med_uuid_v7(id); /* time-ordered, as CreateEntry's (handlers.c) */
	r->w.entry_id = med_arena_strdup(med_call_arena(call), id);
	return r->w.entry_id != NULL ? MED_OK : MED_ERR_NOMEM;
}

/* write_one writes reading r, or finds it written before. */
static med_err
write_one(med_db_conn *c, readings_tx *x, size_t i)
{
	reading *r = &x->r[i];
	records_write w = r->w; /* a retried transaction starts afresh */
	med_err err;

	err = records_store_reading_find(c, x->arena, r->in->identifier_system,
					 r->in->identifier_value, &r->seen);
	if (err != MED_OK)
		return err;
	if (r->seen.found) {
		if (strcmp(r->seen.patient_id, w.patient_id) == 0)
			return MED_OK;
		x->refused = i;
		return med_problem_set(&x->why, MED_ERR_EXISTS,
				       "identifier_value",
				       "this identifier was recorded for "
				       "another patient");
	}
	err = records_write_create_conn(c, x->arena, &w, &r->stored);
	if (err != MED_OK)
		return err;
	err = records_store_reading_add(c, r->in->identifier_system,
					r->in->identifier_value, &r->stored,
					r->in->device);
	/* A request with the same identifier committed first (under READ
	 * COMMITTED the lookup takes no gap lock; on Galera another node):
	 * the transaction is re-run (med_db_tx) and finds its reading. */
	return err == MED_ERR_EXISTS ? MED_ERR_CONFLICT : err;
}

static med_err
readings_tx_fn(med_db_conn *c, void *arg)
{
	readings_tx *x = arg;
	med_err err = MED_OK;

	x->why.err = MED_OK;
	for (size_t i = 0; i < x->n && err == MED_OK; i++) {
		memset(&x->r[i].seen, 0, sizeof(x->r[i].seen));
		err = write_one(c, x, i);
	}
	return err;
}

/* check_patients asks identity about the readings' patient (one per
 * call: the access event names one patient) before anything is written. */
static med_err
check_patients(med_call *call, const reading *r, size_t n)
{
	const char *pid = r[0].w.patient_id;

	for (size_t i = 1; i < n; i++)
		if (strcmp(r[i].w.patient_id, pid) != 0)
			return med_call_fail(call, MED_ERR_INVALID,
					     "readings[%zu].entry.patient_id: "
					     "the readings of one call are "
					     "one patient's (readings[0]'s)",
					     i);
	med_call_set_patient(call, pid);
	return med_patients_require(call, "readings[0].entry.patient_id", pid);
}

/* name_devices puts the devices that measured into the access event. */
static void
name_devices(med_call *call, const reading *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool named = false;

		for (size_t j = 0; j < i && !named; j++)
			named = strcmp(r[j].in->device, r[i].in->device) == 0;
		if (!named)
			med_call_add_detail(call, "device", r[i].in->device);
	}
}

/* result_of fills one result: the new entry, or the first one. */
static med_err
result_of(med_call *call, reading *r,
	  Smartmed__Records__V1__DeviceReadingResult *out)
{
	med_arena *a = med_call_arena(call);
	records_entry *e = &r->stored;
	records_fault fault = {0};
	uint32_t n_res = 0;
	size_t n_written = 0;
	records_reading kept = {.system = r->in->identifier_system,
				.value = r->in->identifier_value,
				.device = r->in->device};
	const records_readings readings = {&kept, 1};
	med_err err;

	smartmed__records__v1__device_reading_result__init(out);
	out->device = (char *)r->in->device;
	if (r->seen.found) {
		err = records_store_entry(med_call_db(call), a,
					  r->seen.entry_id, 0, &e, &fault);
		if (err == MED_ERR_DATA_LOSS)
			return records_fail_fault(call, "identifier_value",
						  &fault);
		if (err != MED_OK)
			return err;
		out->replayed = true;
		out->device = (char *)r->seen.device;
	}
	out->entry = e;
	/* The entry as it reads back: with the reading's identifier and the
	 * device kept with it (the first one's when replayed). */
	kept.entry_id = e->entry_id;
	kept.device = out->device;
	return records_fhir_bundle(a, e->patient_id, &e, 1, &readings,
				   READING_BUNDLE_BYTES, &out->bundle_json,
				   &n_res, &n_written);
}

static med_err
respond(med_call *call, reading *r, size_t n,
	Smartmed__Records__V1__RecordDeviceReadingsResponse *res)
{
	med_arena *a = med_call_arena(call);
	med_err err = MED_OK;

	res->results = med_arena_zalloc(a, n * sizeof(*res->results));
	if (res->results == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n && err == MED_OK; i++) {
		res->results[i] = med_arena_zalloc(a, sizeof(**res->results));
		if (res->results[i] == NULL)
			return MED_ERR_NOMEM;
		err = result_of(call, &r[i], res->results[i]);
	}
	res->n_results = n;
	return err;
}

static med_err
prepare_all(med_call *call,
	    const Smartmed__Records__V1__RecordDeviceReadingsRequest *req,
	    reading **out)
{
	reading *r;
	med_err err = MED_OK;

	if (req->n_readings == 0 || req->n_readings > READINGS_MAX)
		return med_call_fail(call, MED_ERR_INVALID,
				     "readings: want 1..%d, got %zu",
				     READINGS_MAX, req->n_readings);
	r = med_arena_zalloc(med_call_arena(call),
			     req->n_readings * sizeof(*r));
	if (r == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < req->n_readings && err == MED_OK; i++) {
		r[i].in = req->readings[i];
		if ((err = prepare(call, i, &r[i])) == MED_OK)
			err = new_entry_id(call, &r[i]);
	}
	*out = r;
	return err;
}

med_err
records_rpc_record_device_readings(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Records__V1__RecordDeviceReadingsRequest *req =
		(const void *)in;
	readings_tx x = {.arena = med_call_arena(call)};
	med_err err;

	if ((err = prepare_all(call, req, &x.r)) != MED_OK)
		return err;
	x.n = req->n_readings;
	if ((err = check_patients(call, x.r, x.n)) != MED_OK)
		return err;
	name_devices(call, x.r, x.n);
	err = med_call_tx(call, readings_tx_fn, &x);
	if (x.why.err != MED_OK)
		return fail_at(call, x.refused, "", &x.why);
	if (err != MED_OK)
		return err;
	return respond(call, x.r, x.n, (void *)out);
}
