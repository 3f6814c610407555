/*
 * pbjson.c - prints protobuf-c messages as JSON by walking descriptors:
 * proto field names, 64-bit integers as strings (as the proto3 JSON mapping
 * does, since JSON numbers lose precision past 2^53), enums by name, bytes
 * in base64.  Unset oneof members and unset messages are left out; other
 * fields are printed even when zero, so output always has the same shape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <med/codec.h>

#include "medctl.h"

typedef struct json_out {
	FILE *f;
	bool pretty;
	int depth;
} json_out;

static void print_message(json_out *o, const ProtobufCMessage *msg);

static void
newline(json_out *o)
{
	if (!o->pretty)
		return;
	fputc('\n', o->f);
	for (int i = 0; i < o->depth; i++)
		fputs("  ", o->f);
}

static void
print_string(json_out *o, const char *s)
{
	fputc('"', o->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(o->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(o->f, "\\u%04x", *p);
		else
			fputc(*p, o->f);
	}
	fputc('"', o->f);
}

static void
print_bytes(json_out *o, const ProtobufCBinaryData *b)
{
	size_t n = MED_B64_STD_LEN(b->len);
	char *buf = malloc(n);

	if (buf == NULL) {
		fputs("null", o->f);
		return;
	}
	med_b64_encode(buf, n, b->data, b->len, MED_B64_STD);
	print_string(o, buf);
	free(buf);
}

static void
print_double(json_out *o, double d)
{
	if (isnan(d))
		fputs("\"NaN\"", o->f);
	else if (isinf(d))
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", o->f);
	else
		fprintf(o->f, "%.17g", d);
}

static void
print_enum(json_out *o, const ProtobufCFieldDescriptor *f, int v)
{
	const ProtobufCEnumValue *ev =
		protobuf_c_enum_descriptor_get_value(f->descriptor, v);

	if (ev != NULL)
		print_string(o, ev->name);
	else
		fprintf(o->f, "%d", v);
}

/* print_value prints the value of f stored at p. */
static void
print_value(json_out *o, const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(o->f, "%d", *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(o->f, "%u", *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(o->f, "\"%lld\"", (long long)*(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(o->f, "\"%llu\"",
			(unsigned long long)*(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		print_double(o, *(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		print_double(o, *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "true" : "false", o->f);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		print_enum(o, f, *(const int *)p);
		break;
	case PROTOBUF_C_TYPE_STRING:
		print_string(o, *(char *const *)p ? *(char *const *)p : "");
		break;
	case PROTOBUF_C_TYPE_BYTES:
		print_bytes(o, p);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		print_message(o, *(ProtobufCMessage *const *)p);
		break;
	}
}

static void
print_repeated(json_out *o, const ProtobufCFieldDescriptor *f, const char *base)
{
	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const char *arr = *(char *const *)(base + f->offset);

	fputc('[', o->f);
	o->depth++;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', o->f);
		newline(o);
		print_value(o, f, arr + i * pb_value_size(f->type));
	}
	o->depth--;
	if (n)
		newline(o);
	fputc(']', o->f);
}

/* is_present is false for an unset oneof member or message. */
static bool
is_present(const ProtobufCFieldDescriptor *f, const char *base)
{
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
		return false;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
	    f->label != PROTOBUF_C_LABEL_REPEATED)
		return *(void *const *)(base + f->offset) != NULL;
	return true;
}

static void
print_message(json_out *o, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;
	bool first = true;

	fputc('{', o->f);
	o->depth++;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!is_present(f, base))
			continue;
		if (!first)
			fputc(',', o->f);
		first = false;
		newline(o);
		fprintf(o->f, o->pretty ? "\"%s\": " : "\"%s\":", f->name);
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			print_repeated(o, f, base);
		else
			print_value(o, f, base + f->offset);
	}
	o->depth--;
	if (!first)
		newline(o);
	fputc('}', o->f);
}

void
pbjson_print(FILE *out, const ProtobufCMessage *msg, bool pretty)
{
	json_out o = {out, pretty, 0};

	print_message(&o, msg);
	fputc('\n', out);
}

static const char *
type_name(const ProtobufCFieldDescriptor *f)
{
	static const char *const names[] = {
		"int32",    "sint32",  "sfixed32", "int64",  "sint64",
		"sfixed64", "uint32",  "fixed32",  "uint64", "fixed64",
		"float",    "double",  "bool",	   "enum",   "string",
		"bytes",    "message",
	};

	if (f->type == PROTOBUF_C_TYPE_ENUM)
		return ((const ProtobufCEnumDescriptor *)f->descriptor)->name;
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return "bytes (text or @FILE)";
	return (unsigned)f->type < sizeof(names) / sizeof(names[0])
		       ? names[f->type]
		       : "?";
}

static void
kebab(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '_' ? '-' : *s, out);
}

void
pbhelp_fields(FILE *out, const ProtobufCMessageDescriptor *desc,
	      const char *prefix)
{
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    f->label != PROTOBUF_C_LABEL_REPEATED) {
			char sub[128];
			snprintf(sub, sizeof(sub), "%s%s.", prefix, f->name);
			pbhelp_fields(out, f->descriptor, sub);
			continue;
		}
		fputs("      --", out);
		kebab(out, prefix);
		kebab(out, f->name);
		fprintf(out, " %s%s\n", type_name(f),
			f->label == PROTOBUF_C_LABEL_REPEATED ? " (repeatable)"
							      : "");
	}
}
