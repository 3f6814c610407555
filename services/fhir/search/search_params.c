/*
 * search_params.c - a search's parameters (R4 3.1.1) into a fhir_query:
 * those of the query string and of a POST's form-encoded body, each
 * value split at its commas (OR) and each repetition a further filter
 * (AND).  Anything the facade does not serve - a parameter, a modifier,
 * an _include - is refused with 400 naming it, never ignored: a client
 * must not take an unfiltered list for the answer (R4's strict handling).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <med/codec.h>
#include <med/fhir.h>
#include <med/names.h>
#include <med/util.h>

#include "search.h"

#define NOMEM 8

/* --- the parameters of a request ------------------------------------- */

static bool
is_form(const char *content_type)
{
	static const char form[] = "application/x-www-form-urlencoded";

	return content_type != NULL &&
	       strncasecmp(content_type, form, sizeof(form) - 1) == 0 &&
	       (content_type[sizeof(form) - 1] == '\0' ||
		content_type[sizeof(form) - 1] == ';');
}

/* add_body_params appends the pairs of a form-encoded body to ps. */
static med_err
add_body_params(const fhir_request *req, fhir_param *ps, size_t *n,
		fhir_error *e)
{
	char *copy, *save = NULL;

	if (!is_form(req->body_type))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "Content-Type: a search's body must be "
				 "application/x-www-form-urlencoded");
	copy = med_arena_strdup(req->arena, req->body);
	if (copy == NULL)
		return fhir_fail(e, NOMEM, "out of memory");
	for (char *kv = strtok_r(copy, "&", &save); kv != NULL;
	     kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (*n == FHIR_PARAMS_MAX * 2)
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "at most %d parameters in all",
					 FHIR_PARAMS_MAX * 2);
		if (eq != NULL)
			*eq = '\0';
		if (!med_form_decode(kv) ||
		    (eq != NULL && !med_form_decode(eq + 1)))
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "body: not form-encoded (a bad %% "
					 "escape or a NUL)");
		ps[*n].key = kv;
		ps[(*n)++].value = eq != NULL ? eq + 1 : "";
	}
	return MED_OK;
}

med_err
fhir_params_collect(const fhir_request *req, fhir_query *q, fhir_error *e)
{
	fhir_param *ps =
		med_arena_zalloc(req->arena, 2 * FHIR_PARAMS_MAX * sizeof(*ps));
	size_t n = req->n_params;

	if (ps == NULL)
		return fhir_fail(e, NOMEM, "out of memory");
	if (req->too_many_params)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "at most %d query parameters",
				 FHIR_PARAMS_MAX);
	memcpy(ps, req->params, n * sizeof(*ps));
	if (req->body != NULL && req->body_len > 0) {
		med_err err = add_body_params(req, ps, &n, e);

		if (err != MED_OK)
			return err;
	}
	q->params = ps;
	q->n_params = n;
	return MED_OK;
}

/* --- values ------------------------------------------------------------ */

/* split_values cuts v at its commas (R4's OR; "\," is a comma inside a
 * value) into f's values, each handed to parse. */
typedef med_err (*value_fn)(fhir_value *out, char *text, const char *key,
			    fhir_error *e);

static med_err
split_values(med_arena *a, const char *key, const char *v, value_fn parse,
	     fhir_filter *f, fhir_error *e)
{
	char *copy = med_arena_strdup(a, v), *start, *out;

	if (copy == NULL)
		return fhir_fail(e, NOMEM, "out of memory");
	start = out = copy;
	for (char *p = copy;; p++) {
		bool last = *p == '\0';
		med_err err;

		if (*p == '\\' && p[1] == ',') {
			*out++ = ',';
			p++;
			continue;
		}
		if (*p != ',' && *p != '\0') {
			*out++ = *p;
			continue;
		}
		*out = '\0';
		if (f->n_values == FHIR_OR_MAX)
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "%.40s: at most %d values", key,
					 FHIR_OR_MAX);
		if (start[0] == '\0')
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "%.40s: an empty value", key);
		err = parse(&f->values[f->n_values], start, key, e);
		if (err != MED_OK)
			return err;
		f->n_values++;
		if (last)
			return MED_OK;
		start = out = p + 1;
	}
}

static med_err
date_value(fhir_value *out, char *text, const char *key, fhir_error *e)
{
	static const char *const prefixes[] = {"eq", "ne", "gt", "lt", "ge",
					       "le", "sa", "eb", "ap"};
	const char *v = text;

	out->prefix = FHIR_EQ;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		if (strncmp(v, prefixes[i], 2) == 0) {
			out->prefix = (fhir_date_prefix)i;
			v += 2;
			break;
		}
	}
	/* A '+' of a zone that the client did not percent-encode arrives
	 * as a space. */
	for (char *sp = strchr(text, ' '); sp != NULL; sp = strchr(sp, ' '))
		*sp = '+';
	out->text = v;
	if (!fhir_date_range(v, &out->range))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: want [eq|ne|gt|lt|ge|le|sa|eb|ap] and "
				 "YYYY, YYYY-MM, YYYY-MM-DD or "
				 "YYYY-MM-DDThh:mm[:ss[.sss]][Z|+hh:mm], got "
				 "'%.40s'",
				 key, text);
	return MED_OK;
}

/* token_value reads [system|]code: "|code" has no system, "code" any. */
static med_err
token_value(fhir_value *out, char *text, const char *key, fhir_error *e)
{
	char *bar = strchr(text, '|');

	out->system = NULL;
	out->text = text;
	if (bar != NULL) {
		*bar = '\0';
		out->system = text;
		out->text = bar + 1;
	}
	if (out->text[0] == '\0' || !med_fhir_string_ok(out->text, false) ||
	    (out->system != NULL && !med_fhir_string_ok(out->system, false)))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: want [system|]code, got "
				 "'%.40s'",
				 key, text);
	return MED_OK;
}

static med_err
code_value(fhir_value *out, char *text, const char *key, fhir_error *e)
{
	if (strchr(text, '|') != NULL || !med_fhir_id_ok(text))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: not a code, got '%.40s'", key, text);
	out->text = text;
	return MED_OK;
}

static med_err
string_value(fhir_value *out, char *text, const char *key, fhir_error *e)
{
	if (!med_fhir_string_ok(text, false) || strlen(text) > 64)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: 1..64 characters, no control character",
				 key);
	out->text = text;
	return MED_OK;
}

static med_err
gender_value(fhir_value *out, char *text, const char *key, fhir_error *e)
{
	static const char *const genders[] = {"male", "female", "other",
					      "unknown"};

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(text, genders[i]) == 0) {
			out->text = genders[i];
			return MED_OK;
		}
	}
	return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
			 "%s: male, female, other or unknown, got '%.40s'", key,
			 text);
}

static med_err
add_filter(fhir_query *q, med_arena *a, fhir_filter_kind kind,
	   const fhir_param *p, value_fn parse, fhir_error *e)
{
	fhir_filter *f;

	if (q->n_filters == FHIR_AND_MAX)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "at most %d search parameters", FHIR_AND_MAX);
	f = &q->filters[q->n_filters];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->name = p->key;
	if (split_values(a, p->key, p->value, parse, f, e) != MED_OK)
		return MED_ERR_INVALID;
	q->n_filters++;
	return MED_OK;
}

/* --- the patient reference --------------------------------------------- */

/* patient_ref takes "id", "Patient/id" or "[base]/Patient/id". */
static med_err
patient_ref(const fhir_facade *f, fhir_query *q, const fhir_param *p,
	    fhir_error *e)
{
	const char *v = p->value;
	size_t blen = strlen(f->base_url);

	if (strncmp(v, f->base_url, blen) == 0 && v[blen] == '/')
		v += blen + 1;
	if (strncmp(v, "Patient/", 8) == 0)
		v += 8;
	if (strchr(p->value, ',') != NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: one patient per search (no "
				 "comma-separated list)",
				 p->key);
	if (!med_fhir_id_ok(v))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: want id, Patient/id or "
				 "%s/Patient/id (id: 1..64 of A-Z a-z 0-9 - .)",
				 p->key, f->base_url);
	if (q->patient_id != NULL && strcmp(q->patient_id, v) != 0)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: one patient per search (given "
				 "twice)",
				 p->key);
	q->patient_id = v;
	return MED_OK;
}

/* --- result parameters -------------------------------------------------- */

static med_err
elements_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	for (const char *c = p->value; *c != '\0'; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') ||
			  (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == ',' || *c == '_';

		if (!ok)
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "_elements: element names separated "
					 "by commas, got '%.40s'",
					 p->value);
	}
	q->elements = p->value;
	return MED_OK;
}

static med_err
include_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	char star[80];

	snprintf(star, sizeof(star), "%s:patient", q->type);
	if (strcmp(p->value, "MedicationRequest:medication") == 0 &&
	    strcmp(q->type, "MedicationRequest") == 0)
		q->includes |= FHIR_INC_MEDICATION;
	else if (strcmp(p->value, "MedicationAdministration:request") == 0 &&
		 strcmp(q->type, "MedicationAdministration") == 0)
		q->includes |= FHIR_INC_REQUEST;
	else if (strcmp(p->value, star) == 0)
		q->includes |= FHIR_INC_PATIENT;
	else
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_include: %.60s is not served for %s (see "
				 "[base]/metadata searchInclude)",
				 p->value, q->type);
	return MED_OK;
}

static med_err
revinclude_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->value, "Provenance:target") != 0 ||
	    !fhir_type_is_served("Provenance"))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_revinclude: %.60s is not served (see "
				 "[base]/metadata searchRevInclude)",
				 p->value);
	q->includes |= FHIR_REV_PROVENANCE;
	return MED_OK;
}

static med_err
sort_param(fhir_query *q, const fhir_type_info *t, const fhir_param *p,
	   fhir_error *e)
{
	if (t == NULL || t->date_elements[0] == NULL ||
	    (strcmp(p->value, "date") != 0 && strcmp(p->value, "-date") != 0))
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_sort: only date or -date, got '%.40s'",
				 p->value);
	q->sort = p->value[0] == '-' ? -1 : 1;
	return MED_OK;
}

static med_err
summary_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->value, "count") == 0)
		q->summary_count = true;
	else if (strcmp(p->value, "false") != 0)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "_summary: only count or false, got '%.40s'",
				 p->value);
	return MED_OK;
}

/* --- per interaction ------------------------------------------------------ */

/* type_param takes a search's own parameters; NOT_FOUND: not one. */
static med_err
type_param(const fhir_facade *f, fhir_query *q, const fhir_type_info *t,
	   med_arena *a, const fhir_param *p, fhir_error *e)
{
	/* subject names the same patient: every type here but
	 * AllergyIntolerance has it in R4, and the facade's subjects are
	 * patients. */
	if (strcmp(p->key, "patient") == 0 ||
	    (strcmp(p->key, "subject") == 0 &&
	     strcmp(t->type, "AllergyIntolerance") != 0))
		return patient_ref(f, q, p, e);
	if (strcmp(p->key, "date") == 0 && t->date_elements[0] != NULL)
		return add_filter(q, a, FHIR_F_DATE, p, date_value, e);
	if (strcmp(p->key, "code") == 0 && t->code_element != NULL)
		return add_filter(q, a, FHIR_F_CODE, p, token_value, e);
	if (strcmp(p->key, "status") == 0 && t->status_element != NULL)
		return add_filter(q, a, FHIR_F_STATUS, p, code_value, e);
	if (strcmp(p->key, "identifier") == 0)
		return add_filter(q, a, FHIR_F_IDENTIFIER, p, token_value, e);
	if (strcmp(p->key, "_sort") == 0)
		return sort_param(q, t, p, e);
	if (strcmp(p->key, "_summary") == 0)
		return summary_param(q, p, e);
	if (strcmp(p->key, "_include") == 0)
		return include_param(q, p, e);
	if (strcmp(p->key, "_revinclude") == 0)
		return revinclude_param(q, p, e);
	return MED_ERR_NOT_FOUND;
}

/* identity_criterion keeps the first value of a parameter that identity
 * searches by; more values cannot be one identity search. */
static med_err
identity_criterion(const fhir_filter *flt, const char **slot, fhir_error *e)
{
	if (flt->n_values != 1 || *slot != NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%s: one value (identity searches by one)",
				 flt->name);
	*slot = flt->values[0].text;
	return MED_OK;
}

static med_err
identifier_param(const fhir_facade *f, fhir_query *q, med_arena *a,
		 const fhir_param *p, fhir_error *e)
{
	fhir_filter flt = {.name = "identifier"};
	const fhir_value *v = &flt.values[0];

	if (split_values(a, p->key, p->value, token_value, &flt, e) != MED_OK)
		return MED_ERR_INVALID;
	if (identity_criterion(&flt, &q->patients.mrn, e) != MED_OK)
		return MED_ERR_INVALID;
	/* An MRN of another system is nobody's here. */
	if (v->system != NULL && v->system[0] != '\0' &&
	    strcmp(v->system, f->mrn_system) != 0)
		q->patients.mrn = "";
	return MED_OK;
}

/* patient_param takes a Patient search's parameters; NOT_FOUND: not one. */
static med_err
patient_param(const fhir_facade *f, fhir_query *q, med_arena *a,
	      const fhir_param *p, fhir_error *e)
{
	if (strcmp(p->key, "identifier") == 0)
		return identifier_param(f, q, a, p, e);
	if (strcmp(p->key, "name") == 0 || strcmp(p->key, "family") == 0 ||
	    strcmp(p->key, "given") == 0)
		return add_filter(q, a, FHIR_F_STRING, p, string_value, e);
	if (strcmp(p->key, "birthdate") == 0)
		return add_filter(q, a, FHIR_F_DATE, p, date_value, e);
	if (strcmp(p->key, "gender") == 0)
		return add_filter(q, a, FHIR_F_GENDER, p, gender_value, e);
	return MED_ERR_NOT_FOUND;
}

/* everything_param takes $everything's _since and _type. */
static med_err
everything_param(fhir_query *q, const fhir_param *p, fhir_error *e)
{
	fhir_range r;

	if (strcmp(p->key, "_since") == 0) {
		if (!fhir_date_range(p->value, &r))
			return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
					 "_since: want an instant "
					 "(YYYY-MM-DDThh:mm:ss[.sss]Z), got "
					 "'%.40s'",
					 p->value);
		q->has_since = true;
		q->since_ms = r.lo_ms;
		return MED_OK;
	}
	if (strcmp(p->key, "_type") == 0)
		return fhir_types_check(p->value, e) ? MED_OK : MED_ERR_INVALID;
	return MED_ERR_NOT_FOUND;
}

static med_err
format_param(const fhir_param *p, fhir_error *e)
{
	static const char *const ok[] = {"json", "application/json",
					 "application/fhir+json",
					 "application/json+fhir"};
	char v[64];
	char *semi;

	med_strlcpy(v, p->value, sizeof(v));
	semi = strchr(v, ';');
	if (semi != NULL)
		*semi = '\0';
	/* An unencoded '+' arrives as a space. */
	for (char *sp = strchr(v, ' '); sp != NULL; sp = strchr(sp, ' '))
		*sp = '+';
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		if (strcmp(v, ok[i]) == 0)
			return MED_OK;
	return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
			 "_format: only json (application/fhir+json), got "
			 "'%.40s'",
			 p->value);
}

med_err
fhir_search_param(const fhir_facade *f, fhir_query *q, med_arena *a,
		  const fhir_param *p, fhir_error *e)
{
	bool patients = q->what == FHIR_SEARCH && q->type != NULL &&
			strcmp(q->type, "Patient") == 0;
	med_err err = MED_ERR_NOT_FOUND;

	if (strchr(p->key, ':') != NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "%.40s: modifiers are not supported", p->key);
	if (strcmp(p->key, "_format") == 0)
		return format_param(p, e);
	if (strcmp(p->key, "_elements") == 0 && q->what == FHIR_SEARCH &&
	    !patients)
		return elements_param(q, p, e);
	if (patients)
		err = patient_param(f, q, a, p, e);
	else if (q->what == FHIR_SEARCH)
		err = type_param(f, q, fhir_type_find(q->type), a, p, e);
	else if (q->what == FHIR_EVERYTHING)
		err = everything_param(q, p, e);
	if (err == MED_OK && q->what == FHIR_EVERYTHING &&
	    strcmp(p->key, "_type") == 0)
		q->types = p->value;
	if (err != MED_ERR_NOT_FOUND)
		return err;
	return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
			 "%.40s: not a search parameter of %s (see "
			 "[base]/metadata)",
			 p->key,
			 q->what == FHIR_EVERYTHING ? "$everything" : q->type);
}

/* patient_criterion takes a Patient filter identity can search by. */
static med_err
patient_criterion(fhir_patient_criteria *ps, const fhir_filter *flt,
		  fhir_error *e)
{
	const fhir_value *v = &flt->values[0];

	if (flt->kind == FHIR_F_STRING && strcmp(flt->name, "family") == 0)
		return identity_criterion(flt, &ps->family, e);
	if (flt->kind == FHIR_F_STRING && strcmp(flt->name, "name") == 0 &&
	    flt->n_values == 1 && ps->name == NULL)
		ps->name = v->text;
	if (flt->kind == FHIR_F_DATE && flt->n_values == 1 &&
	    v->prefix == FHIR_EQ && strlen(v->text) == 10)
		ps->birth_date = v->text;
	return MED_OK;
}

/* patient_criteria chooses what identity is asked: the MRN, a family
 * name's start, a name's start (family or given), a birth date
 * (birthdate=YYYY-MM-DD); the rest filters its answers. */
static med_err
patient_criteria(fhir_query *q, fhir_error *e)
{
	fhir_patient_criteria *ps = &q->patients;

	for (size_t i = 0; i < q->n_filters; i++)
		if (patient_criterion(ps, &q->filters[i], e) != MED_OK)
			return MED_ERR_INVALID;
	/* One character is a Chinese family name (李); one Latin letter
	 * is too little to search by (docs/names.md). */
	if (ps->family != NULL && !med_name_search_chars_ok(ps->family))
		ps->family = NULL;
	if (ps->name != NULL && !med_name_search_chars_ok(ps->name))
		ps->name = NULL;
	if (ps->mrn == NULL && ps->family == NULL && ps->name == NULL &&
	    ps->birth_date == NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "Patient search: give identifier, family or "
				 "name (2 characters or more, or one Chinese, "
				 "Japanese or Korean character; one value), "
				 "or birthdate=YYYY-MM-DD");
	return MED_OK;
}

med_err
fhir_search_check(fhir_query *q, fhir_error *e)
{
	if (q->what != FHIR_SEARCH)
		return MED_OK;
	if (strcmp(q->type, "Patient") == 0)
		return patient_criteria(q, e);
	if (q->patient_id == NULL)
		return fhir_fail(e, MED_GRPC_INVALID_ARGUMENT,
				 "patient: required (or subject: searches are "
				 "per patient)");
	return MED_OK;
}
