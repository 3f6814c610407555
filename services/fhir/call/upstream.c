/*
 * upstream.c - the facade's gRPC calls.  The user's token goes with every
 * call, so that each service decides on its own rules whether this user
 * may see this patient; the facade never widens what a user can read.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "smartmed/common/v1/common.pb-c.h"
#include "smartmed/identity/v1/identity.pb-c.h"

#include "call.h"

/* Entries asked of a service per ExportFhir page: the services' default,
 * which they size to fit one reply. */
#define EXPORT_PAGE_SIZE 50
/* A service that keeps handing out next pages is broken, not big. */
#define EXPORT_PAGES_MAX 1000
/* The longest code and status sent as an export's "codes" and
 * "statuses" (diagnosis' and dosage's limits). */
#define EXPORT_CODE_MAX	  64
#define EXPORT_STATUS_MAX 32
/* Grants asked of identity per ListBreakGlass page: its largest page. */
#define BREAK_GLASS_PAGE_SIZE 500

med_err
fhir_call_unary(fhir_call *c, med_channel *ch, const char *path,
		const ProtobufCMessage *in,
		const ProtobufCMessageDescriptor *out_desc,
		ProtobufCMessage **out, med_rpc_status *st)
{
	return med_channel_unary(ch, path, in, out_desc, c->arena, &c->opts,
				 out, st);
}

/* source_of is the source named service; NULL when there is none. */
static const fhir_source *
source_of(const char *service)
{
	for (size_t i = 0; i < fhir_n_sources(); i++)
		if (strcmp(fhir_sources()[i].service, service) == 0)
			return &fhir_sources()[i];
	return NULL;
}

med_err
fhir_call_source(fhir_call *c, const char *service, const char *method,
		 const ProtobufCMessage *in,
		 const ProtobufCMessageDescriptor *out_desc,
		 ProtobufCMessage **out, med_rpc_status *st)
{
	const fhir_source *src = source_of(service);
	char path[128];

	if (src == NULL || src->ch == NULL) {
		st->code = MED_GRPC_UNIMPLEMENTED;
		snprintf(st->message, sizeof(st->message), "%s is not set",
			 src != NULL ? src->url_key : service);
		return MED_ERR_UNIMPLEMENTED;
	}
	snprintf(path, sizeof(path), "/smartmed.%s.v1.%c%s/%s", service,
		 toupper((unsigned char)service[0]), service + 1, method);
	return fhir_call_unary(c, src->ch, path, in, out_desc, out, st);
}

med_err
fhir_get_patient(fhir_facade *f, fhir_call *c, const char *patient_id,
		 Smartmed__Identity__V1__Patient **out, fhir_error *e)
{
	Smartmed__Identity__V1__GetPatientRequest in =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};
	med_err err;

	in.key_case =
		SMARTMED__IDENTITY__V1__GET_PATIENT_REQUEST__KEY_PATIENT_ID;
	in.patient_id = (char *)patient_id;
	err = fhir_call_unary(
		c, f->identity, "/smartmed.identity.v1.Identity/GetPatient",
		&in.base, &smartmed__identity__v1__patient__descriptor, &reply,
		&st);
	if (err != MED_OK)
		return fhir_fail_upstream(e, "identity", &st);
	*out = (Smartmed__Identity__V1__Patient *)reply;
	return MED_OK;
}

/* field_at is where the field name of msg lives; NULL when absent. */
static void *
field_at(const ProtobufCMessage *msg, const char *name, ProtobufCType type)
{
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
								name);

	if (fd == NULL || fd->type != type)
		return NULL;
	return (char *)msg + fd->offset;
}

/* set_types sends the types asked of src as the request's "types" (a
 * repeated string) when its message has that field: type, a search's
 * one, else those of list (\$everything's _type, "T1,T2") that src
 * exports, so that the service reads only what makes them (issue 49;
 * records: a pharmacist's allergies). */
static bool
set_types(ProtobufCMessage *in, med_arena *a, const fhir_source *src,
	  const char *type, const char *list)
{
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field_by_name(in->descriptor,
								"types");
	char ***out;
	size_t *n, cap = 1;

	if ((type == NULL && list == NULL) || fd == NULL ||
	    fd->type != PROTOBUF_C_TYPE_STRING ||
	    fd->label != PROTOBUF_C_LABEL_REPEATED)
		return true;
	for (const char *s = list; type == NULL && *s != '\0'; s++)
		cap += *s == ',';
	out = (char ***)((char *)in + fd->offset);
	n = (size_t *)((char *)in + fd->quantifier_offset);
	if ((*out = med_arena_alloc(a, cap * sizeof(**out))) == NULL)
		return false;
	*n = 0;
	if (type != NULL) {
		(*out)[(*n)++] = (char *)type;
		return true;
	}
	for (const char *s = list; s != NULL && *s != '\0';) {
		size_t len = strcspn(s, ",");
		char *t = med_arena_alloc(a, len + 1);

		if (t == NULL)
			return false;
		memcpy(t, s, len);
		t[len] = '\0';
		if (fhir_source_holds(src, t))
			(*out)[(*n)++] = t;
		s = s[len] == ',' ? s + len + 1 : NULL;
	}
	return true;
}

/* set_values sends a filter's values as the request's field (a repeated
 * string) when it has one: "codes" the code filter's codes, without
 * their systems, which the facade checks (diagnosis reads only the
 * conditions of those codes); "statuses" the status filter's (dosage
 * reads only the doses of those statuses: issue 49). */
static bool
set_values(ProtobufCMessage *in, med_arena *a, const char *field,
	   const fhir_filter *f, size_t max_len)
{
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field_by_name(in->descriptor,
								field);
	char ***list;
	size_t *n;

	if (f == NULL || f->n_values == 0 || fd == NULL ||
	    fd->type != PROTOBUF_C_TYPE_STRING ||
	    fd->label != PROTOBUF_C_LABEL_REPEATED)
		return true;
	/* A value no service keeps is not sent: the facade's own filter
	 * then passes nothing, as it would. */
	for (size_t i = 0; i < f->n_values; i++) {
		size_t len = strlen(f->values[i].text);

		if (len == 0 || len > max_len)
			return true;
	}
	list = (char ***)((char *)in + fd->offset);
	n = (size_t *)((char *)in + fd->quantifier_offset);
	*list = med_arena_alloc(a, f->n_values * sizeof(**list));
	if (*list == NULL)
		return false;
	for (size_t i = 0; i < f->n_values; i++)
		(*list)[i] = (char *)f->values[i].text;
	*n = f->n_values;
	return true;
}

/* set_range sends the search's date bounds as the request's
 * "recorded_from_ms" and "recorded_to_ms" when it has them (0: open);
 * a range that ends before 1970 is sent as [0, 1), which holds nothing
 * charted. */
static void
set_range(ProtobufCMessage *in, const fhir_call *c)
{
	int64_t *from = field_at(in, "recorded_from_ms", PROTOBUF_C_TYPE_INT64);
	int64_t *to = field_at(in, "recorded_to_ms", PROTOBUF_C_TYPE_INT64);

	if (!c->has_range || from == NULL || to == NULL)
		return;
	*from = c->range.lo_ms > 0 ? c->range.lo_ms : 0;
	*to = c->range.hi_ms == INT64_MAX ? 0
	      : c->range.hi_ms > 1	  ? c->range.hi_ms
					  : 1;
}

/* export_request builds src's ExportFhirRequest for one page. */
static ProtobufCMessage *
export_request(const fhir_source *src, const fhir_call *c,
	       const char *patient_id, Smartmed__Common__V1__PageRequest *page)
{
	med_arena *a = c->arena;
	ProtobufCMessage *in =
		med_arena_zalloc(a, src->in_desc->sizeof_message);
	char **pid;
	ProtobufCMessage **pg;

	if (in == NULL)
		return NULL;
	protobuf_c_message_init(src->in_desc, in);
	pid = field_at(in, "patient_id", PROTOBUF_C_TYPE_STRING);
	pg = field_at(in, "page", PROTOBUF_C_TYPE_MESSAGE);
	if (pid == NULL || pg == NULL)
		return NULL;
	*pid = (char *)patient_id;
	*pg = &page->base;
	set_range(in, c);
	return set_types(in, a, src, c->search_type, c->search_types) &&
			       set_values(in, a, "codes", c->search_codes,
					  EXPORT_CODE_MAX) &&
			       set_values(in, a, "statuses", c->search_statuses,
					  EXPORT_STATUS_MAX)
		       ? in
		       : NULL;
}

/* export_reply reads bundle_json and the next page token of a reply. */
static bool
export_reply(const ProtobufCMessage *out, const char **bundle,
	     const char **next)
{
	char **b = field_at(out, "bundle_json", PROTOBUF_C_TYPE_STRING);
	Smartmed__Common__V1__PageResponse **pg =
		field_at(out, "page", PROTOBUF_C_TYPE_MESSAGE);

	if (b == NULL || pg == NULL)
		return false;
	*bundle = *b;
	*next = *pg != NULL ? (*pg)->next_page_token : "";
	return true;
}

static med_err
export_one_page(fhir_source *src, fhir_call *c, const char *patient_id,
		Smartmed__Common__V1__PageRequest *page, const char **bundle,
		const char **next, fhir_error *e)
{
	ProtobufCMessage *in = export_request(src, c, patient_id, page);
	ProtobufCMessage *out = NULL;
	med_rpc_status st = {0};

	if (in == NULL)
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "%s: ExportFhir request shape", src->service);
	if (src->pages_read != NULL)
		med_counter_add(src->pages_read, 1);
	if (fhir_call_unary(c, src->ch, src->path, in, src->out_desc, &out,
			    &st) != MED_OK) {
		if (st.code == MED_GRPC_NOT_FOUND &&
		    (src->not_found_is_empty || c->patient_known)) {
			*bundle = NULL;
			*next = "";
			return MED_OK;
		}
		return fhir_fail_upstream(e, src->service, &st);
	}
	if (!export_reply(out, bundle, next))
		return fhir_fail(e, MED_GRPC_INTERNAL,
				 "%s: ExportFhir reply shape", src->service);
	return MED_OK;
}

med_err
fhir_export_from(fhir_source *src, fhir_call *c, const char *patient_id,
		 const char *token, fhir_export_at_fn on_page, void *ctx,
		 fhir_error *e)
{
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	const char *bundle = NULL, *next = "";
	med_err err;

	page.page_size = EXPORT_PAGE_SIZE;
	page.page_token = (char *)(token ? token : "");
	for (int i = 0; i < EXPORT_PAGES_MAX; i++) {
		err = export_one_page(src, c, patient_id, &page, &bundle, &next,
				      e);
		if (err == MED_OK && bundle != NULL)
			err = on_page(ctx, page.page_token, next, bundle, e);
		if (err != MED_OK || next == NULL || next[0] == '\0')
			return err;
		page.page_token = (char *)next;
	}
	return fhir_fail(e, MED_GRPC_RESOURCE_EXHAUSTED,
			 "%s: more than %d export pages of %d in one request; "
			 "page with _count and the next links",
			 src->service, EXPORT_PAGES_MAX, EXPORT_PAGE_SIZE);
}

/* every_page - fhir_export_all's callback, without the tokens. */
typedef struct every_page {
	fhir_export_page_fn fn;
	void *ctx;
} every_page;

static med_err
on_every_page(void *arg, const char *token, const char *next,
	      const char *bundle_json, fhir_error *e)
{
	every_page *p = arg;

	(void)token;
	(void)next;
	return p->fn(p->ctx, bundle_json, e);
}

med_err
fhir_export_all(fhir_source *src, fhir_call *c, const char *patient_id,
		fhir_export_page_fn on_page, void *ctx, fhir_error *e)
{
	every_page p = {on_page, ctx};

	return fhir_export_from(src, c, patient_id, "", on_every_page, &p, e);
}

med_err
fhir_list_break_glass(fhir_facade *f, fhir_call *c, const char *patient_id,
		      const char *page_token,
		      Smartmed__Identity__V1__ListBreakGlassResponse **out,
		      fhir_error *e)
{
	Smartmed__Identity__V1__ListBreakGlassRequest in =
		SMARTMED__IDENTITY__V1__LIST_BREAK_GLASS_REQUEST__INIT;
	Smartmed__Common__V1__PageRequest page =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	ProtobufCMessage *reply = NULL;
	med_rpc_status st = {0};
	med_err err;

	in.patient_id = (char *)patient_id;
	page.page_size = BREAK_GLASS_PAGE_SIZE;
	page.page_token = (char *)page_token;
	in.page = &page;
	err = fhir_call_unary(
		c, f->identity, "/smartmed.identity.v1.Identity/ListBreakGlass",
		&in.base,
		&smartmed__identity__v1__list_break_glass_response__descriptor,
		&reply, &st);
	if (err != MED_OK)
		return fhir_fail_upstream(e, "identity", &st);
	*out = (Smartmed__Identity__V1__ListBreakGlassResponse *)reply;
	return MED_OK;
}
