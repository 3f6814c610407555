/*
 * handlers.c - one thin function per records RPC: check the request, then
 * hand a change to its write use case (write.c, one transaction each) or
 * read through the store, naming the patient for the audit event the RPC
 * layer emits.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/codec.h>
#include <med/config.h>
#include <med/patients.h>
#include <med/service.h>
#include <med/util.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "records.h"

#define REASON_MAX_CHARS   1000
#define ADDENDUM_MAX_CHARS 65536
#define AUTHOR_MAX_CHARS   128
/* Room in a reply for everything but its items (the page token, the
 * message's own fields). */
#define REPLY_SLACK_BYTES 4096

static const med_config *
call_config(med_call *call)
{
	return med_service_config(med_service_from_call(call));
}

/*
 * content_of maps a request's content oneof (cases 10..13 in both
 * CreateEntryRequest and AmendEntryRequest; the members share a union) to
 * records_content and returns the kind it implies (NOTE when none).
 */
static Smartmed__Records__V1__EntryKind
content_of(int content_case, void *member, records_content *c)
{
	memset(c, 0, sizeof(*c));
	switch (content_case) {
	case SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_OBSERVATION:
		c->observation = member;
		return SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_OBSERVATION;
	case SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_DOCUMENT:
		c->document = member;
		return SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_DOCUMENT;
	case SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_ALLERGY:
		c->allergy = member;
		return SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_ALLERGY;
	case SMARTMED__RECORDS__V1__CREATE_ENTRY_REQUEST__CONTENT_VITAL_SIGNS:
		c->vital_signs = member;
		return SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_VITAL_SIGNS;
	default:
		return SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_NOTE;
	}
}

static size_t
attachment_cap(med_call *call)
{
	return (size_t)med_config_int(call_config(call),
				      RECORDS_MAX_ATTACHMENT_KEY);
}

static bool
note_reader_on(med_call *call)
{
	return med_config_bool(call_config(call), RECORDS_NOTE_READER_KEY);
}

med_err
records_rpc_create_entry(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__CreateEntryRequest *req = (const void *)in;
	records_edit ed = {.kind = req->kind,
			   .title = req->title,
			   .body = req->body,
			   .status = req->status,
			   .max_attachment_bytes = attachment_cap(call),
			   .confirm_implausible = req->confirm_implausible};
	med_problem p = {0};
	char id[MED_UUID_LEN + 1];
	records_write w = {.patient_id = req->patient_id,
			   .kind = req->kind,
			   .ch = {.edit = &ed},
			   .read_note = note_reader_on(call)};
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_check_enum_set(call, "kind", req->kind)) != MED_OK)
		return err;
	if (protobuf_c_enum_descriptor_get_value(
		    &smartmed__records__v1__entry_kind__descriptor,
		    req->kind) == NULL)
		return med_call_fail(call, MED_ERR_INVALID,
				     "kind: unknown value");
	(void)content_of(req->content_case, req->observation, &ed.content);
	if ((err = records_edit_problem(med_call_arena(call), req->kind, &ed,
					true, &p)) != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(call, &p) : err;
	/* Outside the transaction: identity is asked before anything is
	 * written, and a refusal writes nothing. */
	if ((err = med_patients_require(call, "patient_id", req->patient_id)) !=
	    MED_OK)
		return err;
	/* Time-ordered: entries is clustered on its id, so a new entry goes to
	 * the key's right edge, not a random page (docs/sizing.md). */
	med_uuid_v7(id);
	/* The reply is encoded after this returns: the id lives in the arena.
	 */
	if ((w.entry_id = med_arena_strdup(med_call_arena(call), id)) == NULL)
		return MED_ERR_NOMEM;
	return records_write_create(call, &w, (void *)out);
}

med_err
records_rpc_amend_entry(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Records__V1__AmendEntryRequest *req = (const void *)in;
	records_edit ed = {.title = req->title,
			   .body = req->body,
			   .status = req->status,
			   .max_attachment_bytes = attachment_cap(call),
			   .confirm_implausible = req->confirm_implausible};
	records_write w = {.entry_id = req->entry_id,
			   .ch = {.edit = &ed,
				  .expected_version = req->expected_version,
				  .reason = req->reason},
			   .read_note = note_reader_on(call)};
	med_problem p = {0};
	med_err err;

	if ((err = med_check_id(call, "entry_id", req->entry_id)) != MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1,
				  REASON_MAX_CHARS)) != MED_OK)
		return err;
	ed.kind = content_of(req->content_case, req->observation, &ed.content);
	if ((err = records_edit_problem(med_call_arena(call), ed.kind, &ed,
					false, &p)) != MED_OK)
		return p.err != MED_OK ? med_call_fail_problem(call, &p) : err;
	return records_write_amend(call, &w, (void *)out);
}

med_err
records_rpc_sign_entry(med_call *call, const ProtobufCMessage *in,
		       ProtobufCMessage *out)
{
	const Smartmed__Records__V1__SignEntryRequest *req = (const void *)in;
	records_write w = {.entry_id = req->entry_id,
			   .ch = {.expected_version = req->version}};
	med_err err = med_check_id(call, "entry_id", req->entry_id);

	if (err != MED_OK)
		return err;
	if (req->version == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "version: must name the version being "
				     "signed");
	return records_write_sign(call, &w, (void *)out);
}

med_err
records_rpc_add_addendum(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__AddAddendumRequest *req = (const void *)in;
	records_write w = {.entry_id = req->entry_id,
			   .ch = {.text = req->text}};
	med_err err;

	if ((err = med_check_id(call, "entry_id", req->entry_id)) != MED_OK ||
	    (err = med_check_text(call, "text", req->text, 1,
				  ADDENDUM_MAX_CHARS)) != MED_OK)
		return err;
	return records_write_addendum(call, &w, (void *)out);
}

med_err
records_rpc_mark_entered_in_error(med_call *call, const ProtobufCMessage *in,
				  ProtobufCMessage *out)
{
	const Smartmed__Records__V1__MarkEnteredInErrorRequest *req =
		(const void *)in;
	records_write w = {.entry_id = req->entry_id,
			   .ch = {.expected_version = req->expected_version,
				  .reason = req->reason}};
	med_err err;

	if ((err = med_check_id(call, "entry_id", req->entry_id)) != MED_OK ||
	    (err = med_check_text(call, "reason", req->reason, 1,
				  REASON_MAX_CHARS)) != MED_OK)
		return err;
	return records_write_entered_in_error(call, &w, (void *)out);
}

/* read_entry reads one version (0 = the latest) and names its patient. */
static med_err
read_entry(med_call *call, const char *entry_id, uint32_t version,
	   records_entry **out)
{
	records_fault fault = {0};
	med_err err = med_check_id(call, "entry_id", entry_id);

	if (err != MED_OK)
		return err;
	err = records_store_entry(med_call_db(call), med_call_arena(call),
				  entry_id, version, out, &fault);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "%s: no such entry",
				     version ? "version" : "entry_id");
	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "entry_id", &fault);
	if (err == MED_ERR_DATA_LOSS)
		return med_call_fail(call, err,
				     "entry_id: stored content is corrupt");
	if (err == MED_OK)
		med_call_set_patient(call, (*out)->patient_id);
	return err;
}

med_err
records_rpc_get_entry(med_call *call, const ProtobufCMessage *in,
		      ProtobufCMessage *out)
{
	const Smartmed__Records__V1__GetEntryRequest *req = (const void *)in;
	records_entry *e;
	med_err err = read_entry(call, req->entry_id, req->version, &e);

	if (err == MED_OK)
		*(records_entry *)out = *e;
	return err;
}

med_err
records_rpc_history(med_call *call, const ProtobufCMessage *in,
		    ProtobufCMessage *out)
{
	const Smartmed__Records__V1__HistoryRequest *req = (const void *)in;
	Smartmed__Records__V1__HistoryResponse *res = (void *)out;
	const char *scope_fields[] = {req->entry_id};
	unsigned char scope[16];
	records_fault fault = {0};
	records_cursor next = {.set = true};
	records_slice slice;
	records_page page;
	bool more = false;
	med_err err = med_check_id(call, "entry_id", req->entry_id);

	records_page_scope(scope, "History", scope_fields, 1);
	if (err != MED_OK ||
	    (err = records_page_parse(call, req->page, MED_PAGE_MAX, scope,
				      RECORDS_CURSOR_VERSION, &page)) != MED_OK)
		return err;
	slice = (records_slice){page.size,
				med_call_reply_budget(call, REPLY_SLACK_BYTES)};
	err = records_store_history(med_call_db(call), med_call_arena(call),
				    req->entry_id, (uint32_t)page.after.key,
				    &slice, &res->versions, &res->n_versions,
				    &more, &fault);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "entry_id: no such entry");
	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "entry_id", &fault);
	if (err != MED_OK)
		return err;
	if (res->n_versions > 0) {
		med_call_set_patient(call, res->versions[0]->patient_id);
		next.key = res->versions[res->n_versions - 1]->version;
	}
	res->page = records_page_respond(call, &page, more ? &next : NULL);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_rpc_get_attachment(med_call *call, const ProtobufCMessage *in,
			   ProtobufCMessage *out)
{
	const Smartmed__Records__V1__GetAttachmentRequest *req =
		(const void *)in;
	Smartmed__Records__V1__Attachment *res = (void *)out;
	records_entry *e;
	const uint8_t *data;
	char hex[MED_HEX_LEN(crypto_hash_sha256_BYTES)];
	size_t len;
	med_err err = read_entry(call, req->entry_id, req->version, &e);

	if (err != MED_OK)
		return err;
	if (e->content_case != SMARTMED__RECORDS__V1__ENTRY__CONTENT_DOCUMENT)
		return med_call_fail(call, MED_ERR_INVALID,
				     "entry_id: not a document entry");
	err = records_store_attachment(med_call_db(call), med_call_arena(call),
				       e->document->sha256, &data, &len);
	if (err == MED_OK)
		med_sha256_hex(data, len, hex);
	if (err == MED_ERR_NOT_FOUND ||
	    (err == MED_OK && strcmp(hex, e->document->sha256) != 0))
		return med_call_fail(call, MED_ERR_DATA_LOSS,
				     "entry_id: the attachment's bytes are "
				     "missing or altered");
	if (err != MED_OK)
		return err;
	res->sha256 = e->document->sha256;
	res->content_type = e->document->content_type;
	res->size = len;
	res->data.data = (uint8_t *)data;
	res->data.len = len;
	return MED_OK;
}

static med_err
check_filter(med_call *call,
	     const Smartmed__Records__V1__ListEntriesRequest *req)
{
	med_err err;

	if ((err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = med_check_text(call, "author", req->author, 0,
				  AUTHOR_MAX_CHARS)) != MED_OK)
		return err;
	if ((err = med_check_time_ms(call, "since_ms", req->since_ms)) !=
		    MED_OK ||
	    (err = med_check_time_ms(call, "until_ms", req->until_ms)) !=
		    MED_OK)
		return err;
	if (req->since_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "since_ms: must not be negative");
	if (req->until_ms < 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "until_ms: must not be negative");
	if (req->until_ms != 0 && req->until_ms <= req->since_ms)
		return med_call_fail(call, MED_ERR_INVALID,
				     "until_ms: must be after since_ms");
	return MED_OK;
}

/* list_scope binds ListEntries' page tokens to its filters. */
static void
list_scope(unsigned char scope[16],
	   const Smartmed__Records__V1__ListEntriesRequest *req)
{
	char kind[16], since[24], until[24];
	const char *fields[] = {req->patient_id, kind, since, until,
				req->author};

	snprintf(kind, sizeof(kind), "%d", (int)req->kind);
	snprintf(since, sizeof(since), "%lld", (long long)req->since_ms);
	snprintf(until, sizeof(until), "%lld", (long long)req->until_ms);
	records_page_scope(scope, "ListEntries", fields,
			   sizeof(fields) / sizeof(fields[0]));
}

/* read_list reads one page of entries; DATA_LOSS names the entry. */
static med_err
read_list(med_call *call, const records_filter *f, records_list *out)
{
	records_fault fault = {0};
	med_err err = records_store_list(med_call_db(call),
					 med_call_arena(call), f, out, &fault);

	if (err == MED_ERR_DATA_LOSS && fault.check != NULL)
		return records_fail_fault(call, "patient_id", &fault);
	return err;
}

/* respond_page makes the PageResponse: the next page starts after the
 * n-th entry of list when more are left. */
static Smartmed__Common__V1__PageResponse *
respond_page(med_call *call, const records_page *page, const records_list *list,
	     size_t n, bool more)
{
	return records_page_respond(
		call, page, more && n > 0 ? &list->cursors[n - 1] : NULL);
}

med_err
records_rpc_list_entries(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ListEntriesRequest *req = (const void *)in;
	Smartmed__Records__V1__ListEntriesResponse *res = (void *)out;
	records_filter f = {.patient_id = req->patient_id,
			    .kind = req->kind,
			    .since_ms = req->since_ms,
			    .until_ms = req->until_ms,
			    .author = req->author};
	unsigned char scope[16];
	records_list list;
	records_page page;
	med_err err;

	list_scope(scope, req);
	if ((err = check_filter(call, req)) != MED_OK ||
	    (err = records_page_parse(call, req->page, MED_PAGE_DEFAULT, scope,
				      RECORDS_CURSOR_ENTRY, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	f.after = page.after;
	f.slice = (records_slice){
		page.size, med_call_reply_budget(call, REPLY_SLACK_BYTES)};
	if ((err = read_list(call, &f, &list)) != MED_OK)
		return err;
	/* Addenda are read by GetEntry and History, not in lists. */
	res->entries = list.entries;
	res->n_entries = list.n;
	res->page = respond_page(call, &page, &list, list.n, list.more);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_rpc_verify_chain(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Records__V1__VerifyChainRequest *req = (const void *)in;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = records_verify_chain(med_call_db(call), med_call_arena(call),
				   req->patient_id, (void *)out);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err,
				     "patient_id: no records for this patient");
	return err;
}

/*
 * export_scope narrows ExportFhir to the allergies when they alone are
 * asked for, and for a pharmacist: one who holds no
 * care-team role reads the record's allergies only (what
 * GetMedicationFacts gives them already), so that they can search a
 * patient's allergies, the note reader's suggested ones among them, and
 * nothing else.  The caller must ask for that type alone: an export of
 * everything would otherwise look complete with the rest left out.
 */
#define KIND_BIT(k) ((int64_t)1 << SMARTMED__RECORDS__V1__ENTRY_KIND__##k)
#define OBSERVATION_KINDS                                                      \
	(KIND_BIT(ENTRY_KIND_OBSERVATION) | KIND_BIT(ENTRY_KIND_VITAL_SIGNS))
#define ALLERGY_KINDS KIND_BIT(ENTRY_KIND_ALLERGY)
/* The other kinds are written as a DocumentReference (fhir.c); a new
 * kind is added here and to KIND_SLOTS (store.c). */
#define DOCUMENT_KINDS                                                         \
	(KIND_BIT(ENTRY_KIND_UNSPECIFIED) | KIND_BIT(ENTRY_KIND_NOTE) |        \
	 KIND_BIT(ENTRY_KIND_DOCUMENT))

/* export_kinds is the kinds (a bit each) that make the types asked. */
static med_err
export_kinds(med_call *call,
	     const Smartmed__Records__V1__ExportFhirRequest *req,
	     records_filter *f)
{
	static const struct {
		const char *type;
		int64_t kinds;
	} map[] = {{"Observation", OBSERVATION_KINDS},
		   {"AllergyIntolerance", ALLERGY_KINDS},
		   {"DocumentReference", DOCUMENT_KINDS}};

	for (size_t i = 0; i < req->n_types; i++) {
		size_t k = 0;

		while (k < sizeof(map) / sizeof(map[0]) &&
		       strcmp(req->types[i], map[k].type) != 0)
			k++;
		if (k == sizeof(map) / sizeof(map[0]))
			return med_call_fail(call, MED_ERR_INVALID,
					     "types[%zu]: %.64s is not a type "
					     "records exports",
					     i, req->types[i]);
		f->kinds |= map[k].kinds;
	}
	return MED_OK;
}

/* spo2_partner is the other SpO2 code, which the export writes together
 * (fhir.c). */
static const char *
spo2_partner(const char *code)
{
	if (strcmp(code, "2708-6") == 0)
		return "59408-5";
	if (strcmp(code, "59408-5") == 0)
		return "2708-6";
	return NULL;
}

/* export_codes reads the observation codes asked (issue 49): each as
 * stored, an SpO2 code with its partner, and whether a vital-signs
 * entry may hold one of them. */
static med_err
export_codes(med_call *call,
	     const Smartmed__Records__V1__ExportFhirRequest *req,
	     records_filter *f)
{
	const char **codes;
	med_err err =
		med_check_text_list(call, "codes", req->codes, req->n_codes,
				    RECORDS_EXPORT_CODES_MAX, 64);

	if (err != MED_OK || req->n_codes == 0)
		return err;
	codes = med_arena_alloc(med_call_arena(call),
				RECORDS_CODE_SLOTS * sizeof(*codes));
	if (codes == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < req->n_codes; i++) {
		const char *c = req->codes[i], *partner = spo2_partner(c);

		codes[f->n_codes++] = c;
		if (partner != NULL)
			codes[f->n_codes++] = partner;
		f->vitals |= records_vital_by_loinc(c) != NULL ||
			     strcmp(c, "85354-9") == 0 ||
			     strcmp(c, "67775-7") == 0;
	}
	f->codes = codes;
	return MED_OK;
}

static med_err
export_scope(med_call *call,
	     const Smartmed__Records__V1__ExportFhirRequest *req,
	     records_filter *f)
{
	const med_principal *p = med_call_principal(call);
	bool allergies = req->n_types == 1 &&
			 strcmp(req->types[0], "AllergyIntolerance") == 0;
	med_err err;

	/* issue 49: a search reads the entries of its types alone, an
	 * allergy search on their index, whoever asks, not every vital sign
	 * before them; an observation search by code only those coded so. */
	if ((err = export_kinds(call, req, f)) != MED_OK ||
	    (err = export_codes(call, req, f)) != MED_OK)
		return err;
	if (allergies)
		f->kind = SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_ALLERGY;
	if ((p->roles &
	     (MED_ROLE_CLINICIAN | MED_ROLE_NURSE | MED_ROLE_SERVICE)) != 0)
		return MED_OK;
	if (!allergies)
		return med_call_fail(call, MED_ERR_DENIED,
				     "types: a pharmacist exports "
				     "[\"AllergyIntolerance\"] only");
	return MED_OK;
}

/* export_scope_text is f's narrowing as text ("" when none), for the
 * page token's scope. */
static char *
export_scope_text(med_call *call, const records_filter *f)
{
	size_t cap = 48 + f->n_codes * 66, len = 0;
	char *s = med_arena_alloc(med_call_arena(call), cap);

	if (s == NULL)
		return NULL;
	s[0] = '\0';
	if (f->kinds == 0 && f->n_codes == 0)
		return s;
	len = (size_t)snprintf(s, cap, "%d:%llx:", f->kind,
			       (unsigned long long)f->kinds);
	for (size_t i = 0; i < f->n_codes && len < cap; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s,", f->codes[i]);
	return s;
}

/* export_page reads the request's page: its token must be one of this
 * patient's export narrowed the same way (a page token of some types or
 * codes does not serve the whole). */
static med_err
export_page(med_call *call, const Smartmed__Records__V1__ExportFhirRequest *req,
	    const records_filter *f, records_page *page)
{
	unsigned char scope[16];
	char *narrowed = export_scope_text(call, f);
	const char *scope_fields[] = {req->patient_id, narrowed};

	if (narrowed == NULL)
		return MED_ERR_NOMEM;
	records_page_scope(scope, "ExportFhir", scope_fields,
			   narrowed[0] ? 2 : 1);
	return records_page_parse(call, req->page, MED_PAGE_MAX, scope,
				  RECORDS_CURSOR_ENTRY, page);
}

/* export_bundle writes the entries read as a Bundle of at most budget
 * bytes; *n is how many of them it holds whole. */
static med_err
export_bundle(med_call *call, const char *patient_id, const records_list *list,
	      size_t budget, Smartmed__Records__V1__ExportFhirResponse *res,
	      size_t *n)
{
	records_readings readings;
	med_err err = records_store_readings_of(
		med_call_db(call), med_call_arena(call), list->entries, list->n,
		&readings);

	if (err != MED_OK)
		return err;
	err = records_fhir_bundle(med_call_arena(call), patient_id,
				  list->entries, list->n, &readings, budget,
				  &res->bundle_json, &res->n_resources, n);
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, err,
				     "patient_id: entry %s alone exceeds the "
				     "message size limit as FHIR",
				     list->entries[0]->entry_id);
	return err;
}

med_err
records_rpc_export_fhir(med_call *call, const ProtobufCMessage *in,
			ProtobufCMessage *out)
{
	const Smartmed__Records__V1__ExportFhirRequest *req = (const void *)in;
	Smartmed__Records__V1__ExportFhirResponse *res = (void *)out;
	records_filter f = {.patient_id = req->patient_id, .author = ""};
	size_t budget = med_call_reply_budget(call, REPLY_SLACK_BYTES), n = 0;
	records_list list;
	records_page page;
	med_err err = med_check_id(call, "patient_id", req->patient_id);

	if (err != MED_OK || (err = export_scope(call, req, &f)) != MED_OK ||
	    (err = export_page(call, req, &f, &page)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	f.after = page.after;
	/* Entries grow as FHIR (base64 notes, one resource per vital sign):
	 * the bundle itself decides in the end what fits. */
	f.slice = (records_slice){page.size, budget / 2};
	if ((err = read_list(call, &f, &list)) != MED_OK)
		return err;
	if (list.n == 0 && !page.after.set)
		return med_call_fail(call, MED_ERR_NOT_FOUND,
				     "patient_id: no records for this patient");
	err = export_bundle(call, req->patient_id, &list, budget, res, &n);
	if (err != MED_OK)
		return err;
	res->page =
		respond_page(call, &page, &list, n, list.more || n < list.n);
	return res->page ? MED_OK : MED_ERR_NOMEM;
}

#define CARE_TEAM (MED_ROLE_CLINICIAN | MED_ROLE_NURSE)
#define METHOD(name, in, outd, fn, roles)                                      \
	{                                                                      \
		RECORDS_PATH(name),                                            \
			&smartmed__records__v1__##in##__descriptor,            \
			&smartmed__records__v1__##outd##__descriptor,          \
			MED_RPC_UNARY, fn, NULL, roles                         \
	}
