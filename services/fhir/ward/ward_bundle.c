/*
 * ward_bundle.c - the searchset Bundle the ward's searches answer with
 * (its self and next links, its entries) and an upstream failure as an
 * error: what ward.c, ward_audit.c and ward_mar.c share.  It calls
 * nothing of theirs.
 */
#include <stdio.h>
#include <string.h>

#include <med/codec.h>
#include <med/fhir.h>
#include <med/util.h>

#include "ward.h"

/* --- links ------------------------------------------------------------------
 */

/* write_link writes self or next: the request's parameters, _cursor
 * replaced. */
static void
write_link(ward_req *x, const char *relation, const char *cursor)
{
	char url[WARD_LINK_MAX];

	snprintf(url, sizeof(url), "%s%s", x->f->base_url,
		 x->req->path + strlen(x->f->base_path));
	for (size_t i = 0; i < x->req->n_params; i++)
		if (strcmp(x->req->params[i].key, "_cursor") != 0)
			med_url_query_add(url, sizeof(url),
					  x->req->params[i].key,
					  x->req->params[i].value);
	if (cursor != NULL)
		med_url_query_add(url, sizeof(url), "_cursor", cursor);
	med_json_begin(&x->w, NULL, '{');
	med_json_str(&x->w, "relation", relation);
	med_json_str(&x->w, "url", url);
	med_json_end(&x->w, '}');
}

void
fhir_ward_searchset_begin(ward_req *x, const char *next)
{
	med_json_begin(&x->w, NULL, '{');
	med_json_str(&x->w, "resourceType", "Bundle");
	med_json_str(&x->w, "type", "searchset");
	med_fhir_instant(&x->w, "timestamp", med_now_ms());
	med_json_begin(&x->w, "link", '[');
	write_link(x, "self", x->cursor);
	if (next != NULL && next[0] != '\0')
		write_link(x, "next", next);
	med_json_end(&x->w, ']');
	med_json_begin(&x->w, "entry", '[');
}

void
fhir_ward_searchset_end(ward_req *x)
{
	med_json_end(&x->w, ']');
	med_json_end(&x->w, '}');
}

void
fhir_ward_entry_raw(ward_req *x, const char *type, const char *id,
		    const char *raw, size_t len, const char *mode)
{
	char url[WARD_LINK_MAX];

	snprintf(url, sizeof(url), "%s/%s/%s", x->f->base_url, type, id);
	med_json_begin(&x->w, NULL, '{');
	med_json_str(&x->w, "fullUrl", url);
	med_json_raw(&x->w, "resource", raw, len);
	med_json_begin(&x->w, "search", '{');
	med_json_str(&x->w, "mode", mode);
	med_json_end(&x->w, '}');
	med_json_end(&x->w, '}');
	x->n++;
}

med_err
fhir_ward_upstream_failed(ward_req *x, const char *service,
			  const med_rpc_status *st)
{
	return fhir_fail_upstream(&x->e, service, st);
}
