/*
 * write_cond.c - conditional create (If-None-Exist; issue 49, item 7).
 *
 * FHIR R4 (http.html#ccreate): a create with If-None-Exist: <query>
 * creates when the query matches nothing (201), answers the one match
 * without creating (200), and refuses when it matches more (412).  The
 * facade serves it where it can answer that query exactly: an
 * Observation (a device reading, header or a Bundle entry's
 * request.ifNoneExist) by its own identifier, which records keeps unique,
 * so that "identifier=<system>|<value>" matches the reading already
 * recorded under it or nothing (never more than one; no 412).  Any other
 * query, or the header on another write, is refused with 400 naming it:
 * a conditional create silently served as a plain one would create the
 * duplicate the client asked us not to.
 */
#include <string.h>

#include "write.h"
#include <med/codec.h>

/* split_identifier cuts "identifier=<system>|<value>" (decoded in place
 * in q) into its system and value; false when q is anything else. */
static bool
split_identifier(char *q, const char **system, const char **value)
{
	static const char key[] = "identifier=";
	char *bar;

	if (strncmp(q, key, sizeof(key) - 1) != 0 || strchr(q, '&') != NULL)
		return false;
	q += sizeof(key) - 1;
	if (!med_form_decode(q) || (bar = strchr(q, '|')) == NULL || bar == q ||
	    bar[1] == '\0' || strchr(bar + 1, '|') != NULL)
		return false;
	*bar = '\0';
	*system = q;
	*value = bar + 1;
	return true;
}

med_err
fhir_write_if_none_exist(fhir_write *x, const char *query,
			 const char *expression, const char *system,
			 const char *value)
{
	const char *name = expression != NULL ? expression : "If-None-Exist";
	char *q = med_arena_strdup(x->req->arena, query);
	const char *qs, *qv;

	if (q == NULL || !split_identifier(q, &qs, &qv))
		return fhir_write_fail(
			x, 400, "not-supported", expression,
			"%s%s'%.80s': only identifier=<system>|<value> is "
			"served (the reading's own identifier)",
			expression != NULL ? "" : name,
			expression != NULL ? "" : ": ", query);
	if (strcmp(qs, system) != 0 || strcmp(qv, value) != 0)
		return fhir_write_fail(
			x, 400, "not-supported", expression,
			"%s%sidentifier %.60s|%.60s is not the reading's own "
			"(%.60s|%.60s): only a reading's own identifier is "
			"searched",
			expression != NULL ? "" : name,
			expression != NULL ? "" : ": ", qs, qv, system, value);
	return MED_OK;
}

med_err
fhir_write_if_none_exist_refuse(fhir_write *x, const char *what)
{
	return fhir_write_fail(x, 400, "not-supported", NULL,
			       "If-None-Exist: no conditional create of %s: "
			       "only an Observation's, by its identifier",
			       what);
}
