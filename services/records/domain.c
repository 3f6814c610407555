/*
 * domain.c - the rules of record entries and their content hash, free of
 * gRPC and SQL.
 */
#include <med/check.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "records.h"

#define BODY_MAX_CHARS 65536

med_err
records_check_create(med_call *call,
		     const Smartmed__Records__V1__CreateEntryRequest *req)
{
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
	if ((err = med_check_text(call, "title", req->title, 1, 200)) !=
		    MED_OK ||
	    (err = med_check_text(call, "body", req->body, 0,
				  BODY_MAX_CHARS)) != MED_OK)
		return err;
	return MED_OK;
}

static void
hash_field(crypto_hash_sha256_state *st, const void *data, size_t len)
{
	unsigned char prefix[8];

	for (int i = 0; i < 8; i++)
		prefix[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	crypto_hash_sha256_update(st, prefix, sizeof(prefix));
	crypto_hash_sha256_update(st, data, len);
}

static void
hash_text(crypto_hash_sha256_state *st, const char *s)
{
	hash_field(st, s, strlen(s));
}

static void
hash_number(crypto_hash_sha256_state *st, int64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	hash_field(st, buf, (size_t)n);
}

med_err
records_content_hash(med_arena *arena, Smartmed__Records__V1__Entry *e)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char *hex = med_arena_alloc(arena, sizeof(digest) * 2 + 1);

	if (hex == NULL)
		return MED_ERR_NOMEM;
	crypto_hash_sha256_init(&st);
	hash_text(&st, "smartmed.records.v1.Entry");
	hash_text(&st, e->entry_id);
	hash_number(&st, e->version);
	hash_text(&st, e->patient_id);
	hash_number(&st, e->kind);
	hash_text(&st, e->title);
	hash_text(&st, e->body);
	hash_text(&st, e->author);
	hash_number(&st, e->created_ms);
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(hex, sizeof(digest) * 2 + 1, digest, sizeof(digest));
	e->content_sha256 = hex;
	return MED_OK;
}
