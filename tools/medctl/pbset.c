/*
 * pbset.c - sets protobuf-c message fields from command-line text, driven
 * by the message descriptors, so medctl needs no code per method.
 */
#include <med/util.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medctl.h"

/* field_by_flag finds the field named like the flag: dashes as _. */
static const ProtobufCFieldDescriptor *
field_by_flag(const ProtobufCMessageDescriptor *desc, const char *name,
	      size_t len)
{
	char buf[128];

	if (len >= sizeof(buf))
		return NULL;
	for (size_t i = 0; i < len; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[len] = '\0';
	return protobuf_c_message_descriptor_get_field_by_name(desc, buf);
}

static bool
parse_i64(const char *s, int64_t *v)
{
	char *end = NULL;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

static bool
parse_u64(const char *s, uint64_t *v)
{
	char *end = NULL;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-';
}

static bool
parse_double(const char *s, double *v)
{
	char *end = NULL;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0';
}

static bool
parse_enum(const ProtobufCEnumDescriptor *e, const char *s, int32_t *v)
{
	const ProtobufCEnumValue *ev =
		protobuf_c_enum_descriptor_get_value_by_name(e, s);
	int64_t n;

	if (ev != NULL) {
		*v = ev->value;
		return true;
	}
	if (!parse_i64(s, &n) || n < INT32_MIN || n > INT32_MAX ||
	    protobuf_c_enum_descriptor_get_value(e, (int)n) == NULL)
		return false;
	*v = (int32_t)n;
	return true;
}

size_t
pb_value_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* parse_integer stores an integer field's value at dst. */
static bool
parse_integer(const ProtobufCFieldDescriptor *f, const char *text, void *dst)
{
	int64_t i;
	uint64_t u;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (!parse_i64(text, &i) || i < INT32_MIN || i > INT32_MAX)
			return false;
		*(int32_t *)dst = (int32_t)i;
		return true;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (!parse_u64(text, &u) || u > UINT32_MAX)
			return false;
		*(uint32_t *)dst = (uint32_t)u;
		return true;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return parse_u64(text, dst);
	default:
		return parse_i64(text, dst);
	}
}

/* parse_value stores text as f's type at dst; false if it does not parse. */
static bool
parse_value(med_arena *a, const ProtobufCFieldDescriptor *f, const char *text,
	    void *dst)
{
	double d;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		*(char **)dst = med_arena_strdup(a, text);
		return *(char **)dst != NULL;
	case PROTOBUF_C_TYPE_BOOL:
		if (strcmp(text, "true") && strcmp(text, "false"))
			return false;
		*(protobuf_c_boolean *)dst = strcmp(text, "true") == 0;
		return true;
	case PROTOBUF_C_TYPE_ENUM:
		return parse_enum(f->descriptor, text, dst);
	case PROTOBUF_C_TYPE_FLOAT:
		if (!parse_double(text, &d))
			return false;
		*(float *)dst = (float)d;
		return true;
	case PROTOBUF_C_TYPE_DOUBLE:
		return parse_double(text, dst);
	case PROTOBUF_C_TYPE_MESSAGE:
		return false;
	default:
		return parse_integer(f, text, dst);
	}
}

/* slot_for returns where the next value of f goes in msg. */
static void *
slot_for(med_arena *a, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	char *base = (char *)msg;
	size_t sz = pb_value_size(f->type);

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t *n = (size_t *)(base + f->quantifier_offset);
		void **arr = (void **)(base + f->offset);
		char *grown = med_arena_alloc(a, (*n + 1) * sz);
		if (grown == NULL)
			return NULL;
		if (*n)
			memcpy(grown, *arr, *n * sz);
		*arr = grown;
		return grown + (*n)++ * sz;
	}
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)(base + f->quantifier_offset) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
		 f->quantifier_offset != 0 && f->type != PROTOBUF_C_TYPE_STRING)
		*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	return base + f->offset;
}

/* submessage returns the nested message of f, creating it when unset. */
static ProtobufCMessage *
submessage(med_arena *a, ProtobufCMessage *msg,
	   const ProtobufCFieldDescriptor *f)
{
	ProtobufCMessage **slot =
		(ProtobufCMessage **)((char *)msg + f->offset);
	const ProtobufCMessageDescriptor *d = f->descriptor;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	if (*slot == NULL) {
		*slot = med_arena_alloc(a, d->sizeof_message);
		if (*slot == NULL)
			return NULL;
		protobuf_c_message_init(d, *slot);
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			*(uint32_t *)((char *)msg + f->quantifier_offset) =
				f->id;
	}
	return *slot;
}

/* set_field sets path in msg; flag is the whole flag, for messages. */
static med_err
set_field(med_arena *a, ProtobufCMessage *msg, const char *flag,
	  const char *path, const char *text, char *err, size_t errlen)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	const ProtobufCFieldDescriptor *f =
		field_by_flag(msg->descriptor, path, len);
	void *slot;

	if (f == NULL) {
		snprintf(err, errlen, "--%.*s: no such field in %s",
			 (int)(path - flag + len), flag, msg->descriptor->name);
		return MED_ERR_INVALID;
	}
	if (dot != NULL) {
		ProtobufCMessage *sub = f->type == PROTOBUF_C_TYPE_MESSAGE
						? submessage(a, msg, f)
						: NULL;
		if (sub == NULL) {
			snprintf(err, errlen, "--%.*s: has no sub-fields",
				 (int)(path - flag + len), flag);
			return MED_ERR_INVALID;
		}
		return set_field(a, sub, flag, dot + 1, text, err, errlen);
	}
	slot = slot_for(a, msg, f);
	if (slot != NULL && f->type == PROTOBUF_C_TYPE_BYTES)
		return pbfile_bytes(a, flag, text, slot, err, errlen);
	if (slot == NULL || !parse_value(a, f, text, slot)) {
		snprintf(err, errlen, "--%s: '%s' is not a valid %s", flag,
			 text,
			 f->type == PROTOBUF_C_TYPE_MESSAGE ? "value (set its "
							      "sub-fields)"
							    : "value");
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

med_err
pbset_field(med_arena *a, ProtobufCMessage *msg, const char *path,
	    const char *text, char *err, size_t errlen)
{
	return set_field(a, msg, path, path, text, err, errlen);
}
