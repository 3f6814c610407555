/*
 * page.c - paging of records' reads (AIP-158): page sizes and page tokens.
 *
 * A token is a cursor (the key of the last item returned: version 1's
 * time and entry id in lists, the version number in History), so a page
 * never repeats or skips an entry when others are written meanwhile.  It
 * is bound to the request it continues: a BLAKE2b tag over the method, the
 * request's other fields and the cursor; a token from another request, or
 * edited, fails the tag.  The tag has no key: a client who forges a
 * cursor only chooses where its own list continues, and every page is
 * authorised on its own.  The encoding (URL-safe base64) is not a promise.
 */
#include <med/check.h>
#include <med/codec.h>

#include <sodium.h>
#include <string.h>

#include "records.h"

#define TOKEN_FORMAT 1
#define TAG_BYTES    16
/* format, key (8 bytes, big-endian), id length, id, tag */
#define TOKEN_MAX_BYTES (1 + 8 + 1 + MED_UUID_LEN + TAG_BYTES)
#define TOKEN_MAX_CHARS 128

static const char scope_domain[] = "smartmed.records.v1.page-scope";
static const char tag_domain[] = "smartmed.records.v1.page-token";

/* absorb hashes one length-prefixed field, so fields cannot run together. */
static void
absorb(crypto_generichash_state *st, const void *data, size_t len)
{
	unsigned char prefix[8];

	for (int i = 0; i < 8; i++)
		prefix[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	crypto_generichash_update(st, prefix, sizeof(prefix));
	if (len > 0)
		crypto_generichash_update(st, data, len);
}

void
records_page_scope(unsigned char scope[16], const char *method,
		   const char *const *fields, size_t n_fields)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 16);
	absorb(&st, scope_domain, sizeof(scope_domain) - 1);
	absorb(&st, method, strlen(method));
	for (size_t i = 0; i < n_fields; i++)
		absorb(&st, fields[i], strlen(fields[i]));
	crypto_generichash_final(&st, scope, 16);
}

static void
token_tag(unsigned char tag[TAG_BYTES], const unsigned char scope[16],
	  const unsigned char *body, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, TAG_BYTES);
	absorb(&st, tag_domain, sizeof(tag_domain) - 1);
	absorb(&st, scope, 16);
	absorb(&st, body, len);
	crypto_generichash_final(&st, tag, TAG_BYTES);
}

/* token_body writes format, key and id; returns its length. */
static size_t
token_body(unsigned char *out, const records_cursor *c)
{
	size_t id_len = strlen(c->id), n = 0;

	out[n++] = TOKEN_FORMAT;
	for (int i = 0; i < 8; i++)
		out[n++] = (unsigned char)((uint64_t)c->key >> (56 - 8 * i));
	out[n++] = (unsigned char)id_len;
	memcpy(out + n, c->id, id_len);
	return n + id_len;
}

char *
records_token_encode(med_arena *arena, const unsigned char scope[16],
		     const records_cursor *c)
{
	unsigned char raw[TOKEN_MAX_BYTES];
	size_t len = token_body(raw, c);
	size_t chars = MED_B64_URL_LEN(TOKEN_MAX_BYTES);
	char *out = med_arena_alloc(arena, chars);

	if (out == NULL)
		return NULL;
	token_tag(raw + len, scope, raw, len);
	return med_b64_encode(out, chars, raw, len + TAG_BYTES, MED_B64_URL);
}

/* id_ok: "" (History) or an entry id's characters and length. */
static bool
id_ok(const unsigned char *id, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (strchr("0123456789abcdef-", id[i]) == NULL || id[i] == 0)
			return false;
	return len == 0 || len == MED_UUID_LEN;
}

bool
records_token_decode(const char *token, const unsigned char scope[16],
		     records_cursor *out)
{
	unsigned char raw[TOKEN_MAX_BYTES], tag[TAG_BYTES];
	size_t len = 0, id_len;
	uint64_t key = 0;

	if (strlen(token) > TOKEN_MAX_CHARS ||
	    med_b64_decode(token, strlen(token), MED_B64_URL, raw, sizeof(raw),
			   &len) != MED_OK)
		return false;
	if (len < 10 + TAG_BYTES || raw[0] != TOKEN_FORMAT)
		return false;
	id_len = raw[9];
	if (len != 10 + id_len + TAG_BYTES || !id_ok(raw + 10, id_len))
		return false;
	token_tag(tag, scope, raw, len - TAG_BYTES);
	if (sodium_memcmp(tag, raw + len - TAG_BYTES, TAG_BYTES) != 0)
		return false;
	for (int i = 0; i < 8; i++)
		key = key << 8 | raw[1 + i];
	out->set = true;
	out->key = (int64_t)key;
	memcpy(out->id, raw + 10, id_len);
	out->id[id_len] = '\0';
	return true;
}

/* cursor_fits: a token's cursor must be of the kind the method pages by
 * (the tag has no key, so a made-up token can reach here). */
static bool
cursor_fits(const records_cursor *c, records_cursor_kind kind)
{
	if (kind == RECORDS_CURSOR_ENTRY)
		return strlen(c->id) == MED_UUID_LEN;
	return c->id[0] == '\0' && c->key >= 1 && c->key <= UINT32_MAX;
}

med_err
records_page_parse(med_call *call, const Smartmed__Common__V1__PageRequest *req,
		   uint32_t default_size, const unsigned char scope[16],
		   records_cursor_kind kind, records_page *out)
{
	Smartmed__Common__V1__PageRequest size_only =
		SMARTMED__COMMON__V1__PAGE_REQUEST__INIT;
	records_page p = {.size = default_size};
	med_page shared;
	med_err err;

	memcpy(p.scope, scope, sizeof(p.scope));
	/* The page size follows the rule every list shares. */
	size_only.page_size = req != NULL ? req->page_size : 0;
	if ((err = med_page_parse(call, &size_only, &shared)) != MED_OK)
		return err;
	if (size_only.page_size > 0)
		p.size = shared.size;
	if (req != NULL && req->page_token[0] != '\0' &&
	    (!records_token_decode(req->page_token, scope, &p.after) ||
	     !cursor_fits(&p.after, kind)))
		return med_call_fail(call, MED_ERR_INVALID,
				     "page.page_token: not a token from a "
				     "previous page of this request (every "
				     "field but page must stay the same)");
	*out = p;
	return MED_OK;
}

Smartmed__Common__V1__PageResponse *
records_page_respond(med_call *call, const records_page *page,
		     const records_cursor *next)
{
	med_arena *a = med_call_arena(call);
	Smartmed__Common__V1__PageResponse *r = med_arena_alloc(a, sizeof(*r));

	if (r == NULL)
		return NULL;
	smartmed__common__v1__page_response__init(r);
	if (next == NULL)
		return r;
	r->next_page_token = records_token_encode(a, page->scope, next);
	return r->next_page_token ? r : NULL;
}
