/*
 * rpc_validate.c - checks that protobuf-c leaves to us.
 *
 * protobuf-c 1.4 unpacks without a recursion limit, accepts invalid UTF-8 in
 * string fields, truncates strings at an embedded NUL and stores unknown
 * enum numbers as they are.  med_pb_validate_wire walks the encoded bytes
 * with the descriptor before unpack (so that a hostile nesting never reaches
 * the recursive unpacker) and med_pb_validate_msg checks enum values after.
 * Error messages name the field by its dotted path: "events.actor: invalid
 * UTF-8".
 */
#include <stdio.h>
#include <string.h>

#include <med/rpc.h>
#include <med/util.h>

#include "rpc_internal.h"

#define PATH_MAX_LEN 256

/* wire_ctx - the state of one walk. */
typedef struct wire_ctx {
	int max_depth;
	char path[PATH_MAX_LEN]; /* dotted path of the field being read */
	char *err;
	size_t errlen;
} wire_ctx;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static med_err
wire_fail(wire_ctx *w, const char *reason)
{
	if (w->err != NULL && w->errlen > 0)
		snprintf(w->err, w->errlen, "%s: %s",
			 w->path[0] ? w->path : "request", reason);
	return MED_ERR_INVALID;
}

/* read_varint reads at most 10 bytes; false when truncated or too long. */
static bool
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* path_push appends ".name" to the path; returns the old length. */
static size_t
path_push(wire_ctx *w, const char *name)
{
	size_t old = strlen(w->path);

	snprintf(w->path + old, sizeof(w->path) - old, "%s%s", old ? "." : "",
		 name);
	return old;
}

static med_err walk(wire_ctx *w, const ProtobufCMessageDescriptor *d,
		    const uint8_t *p, const uint8_t *end, int depth);

static med_err
check_string(wire_ctx *w, const uint8_t *p, size_t len)
{
	if (memchr(p, 0, len) != NULL)
		return wire_fail(w, "contains NUL");
	if (!med_utf8_valid((const char *)p, len))
		return wire_fail(w, "invalid UTF-8");
	return MED_OK;
}

/* check_packed checks a packed run of scalars of the given width. */
static med_err
check_packed(wire_ctx *w, const uint8_t *p, size_t len, int width)
{
	const uint8_t *end = p + len;
	uint64_t v;

	if (width > 0)
		return len % (size_t)width ? wire_fail(w, "truncated value")
					   : MED_OK;
	while (p < end)
		if (!read_varint(&p, end, &v))
			return wire_fail(w, "truncated varint");
	return MED_OK;
}

/* scalar_wire returns the wire type of a scalar, and its packed width. */
static int
scalar_wire(ProtobufCType t, int *width)
{
	switch (t) {
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		*width = 4;
		return WT_I32;
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		*width = 8;
		return WT_I64;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		*width = -1;
		return WT_LEN;
	default:
		*width = 0;
		return WT_VARINT;
	}
}

/* check_len_field checks a length-delimited value of a known field. */
static med_err
check_len_field(wire_ctx *w, const ProtobufCFieldDescriptor *f,
		const uint8_t *p, size_t len, int depth, int width)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return check_string(w, p, len);
	case PROTOBUF_C_TYPE_BYTES:
		return MED_OK;
	case PROTOBUF_C_TYPE_MESSAGE:
		if (depth + 1 > w->max_depth)
			return wire_fail(w, "nesting too deep");
		return walk(w, f->descriptor, p, p + len, depth + 1);
	default:
		if (f->label != PROTOBUF_C_LABEL_REPEATED)
			return wire_fail(w, "wrong wire type");
		return check_packed(w, p, len, width);
	}
}

/* skip_value moves *p past one value of wire type wt; *val and *len get
 * the payload of a length-delimited value. */
static med_err
skip_value(wire_ctx *w, int wt, const uint8_t **p, const uint8_t *end,
	   const uint8_t **val, size_t *len)
{
	uint64_t v;

	switch (wt) {
	case WT_VARINT:
		if (!read_varint(p, end, &v))
			return wire_fail(w, "truncated varint");
		return MED_OK;
	case WT_I64:
	case WT_I32:
		*len = wt == WT_I64 ? 8 : 4;
		break;
	case WT_LEN:
		if (!read_varint(p, end, &v))
			return wire_fail(w, "truncated length");
		if (v > (uint64_t)(end - *p))
			return wire_fail(w, "truncated value");
		*len = (size_t)v;
		break;
	default:
		return wire_fail(w, "unsupported wire type");
	}
	if (*len > (size_t)(end - *p))
		return wire_fail(w, "truncated value");
	*val = *p;
	*p += *len;
	return MED_OK;
}

/* walk_field reads one key and value at *p. */
static med_err
walk_field(wire_ctx *w, const ProtobufCMessageDescriptor *d, const uint8_t **p,
	   const uint8_t *end, int depth)
{
	const ProtobufCFieldDescriptor *f;
	const uint8_t *val = NULL;
	uint64_t key;
	size_t len = 0, old;
	int wt, want, width;
	med_err err;

	if (!read_varint(p, end, &key))
		return wire_fail(w, "truncated tag");
	if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
		return wire_fail(w, "invalid field number");
	wt = (int)(key & 7);
	f = protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
	old = f != NULL ? path_push(w, f->name) : strlen(w->path);
	err = skip_value(w, wt, p, end, &val, &len);
	if (err != MED_OK || f == NULL)
		goto restore_path;
	want = scalar_wire(f->type, &width);
	if (wt == WT_LEN)
		err = check_len_field(w, f, val, len, depth, width);
	else if (wt != want)
		err = wire_fail(w, "wrong wire type");
restore_path:
	w->path[old] = '\0';
	return err;
}

static med_err
walk(wire_ctx *w, const ProtobufCMessageDescriptor *d, const uint8_t *p,
     const uint8_t *end, int depth)
{
	while (p < end) {
		med_err err = walk_field(w, d, &p, end, depth);
		if (err != MED_OK)
			return err;
	}
	return MED_OK;
}

med_err
med__pb_validate_wire_depth(const ProtobufCMessageDescriptor *desc,
			    const uint8_t *data, size_t len, int max_depth,
			    char *err, size_t errlen)
{
	wire_ctx w = {.max_depth = max_depth, .err = err, .errlen = errlen};

	if (desc == NULL || (data == NULL && len > 0))
		return MED_ERR_INVALID;
	if (max_depth < 1)
		return wire_fail(&w, "nesting too deep");
	return walk(&w, desc, data, data + len, 1);
}

med_err
med_pb_validate_wire(const ProtobufCMessageDescriptor *desc,
		     const uint8_t *data, size_t len, char *err, size_t errlen)
{
	return med__pb_validate_wire_depth(desc, data, len, MED_PB_MAX_DEPTH,
					   err, errlen);
}

/* --- unpacked messages --------------------------------------------------- */

typedef struct msg_ctx {
	char path[PATH_MAX_LEN];
	char *err;
	size_t errlen;
} msg_ctx;

static med_err check_msg(msg_ctx *mc, const ProtobufCMessage *msg, int depth);

static med_err
msg_fail(msg_ctx *mc, const char *reason)
{
	if (mc->err != NULL && mc->errlen > 0)
		snprintf(mc->err, mc->errlen, "%s: %s",
			 mc->path[0] ? mc->path : "request", reason);
	return MED_ERR_INVALID;
}

/* field_count returns how many values field f holds in msg (0 or more). */
static size_t
field_count(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)msg;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) ==
		       f->id;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		return *(const protobuf_c_boolean *)(base +
						     f->quantifier_offset);
	return 1;
}

/* field_value returns a pointer to value i of field f. */
static const void *
field_value(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
	    size_t i, size_t elem)
{
	const char *base = (const char *)msg + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const char *const *)base + i * elem;
	return base;
}

static med_err
check_field(msg_ctx *mc, const ProtobufCMessage *msg,
	    const ProtobufCFieldDescriptor *f, int depth)
{
	size_t n = field_count(msg, f);

	for (size_t i = 0; i < n; i++) {
		if (f->type == PROTOBUF_C_TYPE_ENUM) {
			const int *v = field_value(msg, f, i, sizeof(int));
			if (protobuf_c_enum_descriptor_get_value(f->descriptor,
								 *v) == NULL)
				return msg_fail(mc, "unknown enum value");
		} else {
			const ProtobufCMessage *const *sub =
				field_value(msg, f, i, sizeof(void *));
			med_err err =
				*sub ? check_msg(mc, *sub, depth + 1) : MED_OK;
			if (err != MED_OK)
				return err;
		}
	}
	return MED_OK;
}

static med_err
check_msg(msg_ctx *mc, const ProtobufCMessage *msg, int depth)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;

	if (depth > MED_PB_MAX_DEPTH)
		return msg_fail(mc, "nesting too deep");
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t old = strlen(mc->path);
		med_err err;

		if (f->type != PROTOBUF_C_TYPE_ENUM &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		snprintf(mc->path + old, sizeof(mc->path) - old, "%s%s",
			 old ? "." : "", f->name);
		err = check_field(mc, msg, f, depth);
		if (err != MED_OK)
			return err;
		mc->path[old] = '\0';
	}
	return MED_OK;
}

med_err
med_pb_validate_msg(const ProtobufCMessage *msg, char *err, size_t errlen)
{
	msg_ctx mc = {.err = err, .errlen = errlen};

	if (msg == NULL || msg->descriptor == NULL)
		return MED_ERR_INVALID;
	return check_msg(&mc, msg, 1);
}
