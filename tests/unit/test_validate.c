/*
 * test_validate.c - the wire and message checks of rpc_validate.c, on
 * crafted bytes: nesting, NUL, bad UTF-8, truncation, wire types, enums.
 */
#include <string.h>

#include <med/rpc.h>

#include "grpc/health/v1/health.pb-c.h"
#include "smartmed/common/v1/audit_event.pb-c.h"
#include "smartmed/common/v1/common.pb-c.h"
#include "testlib.h"

/* The internal entry with a depth limit (common/src/rpc_validate.c). */
med_err med__pb_validate_wire_depth(const ProtobufCMessageDescriptor *desc,
				    const uint8_t *data, size_t len,
				    int max_depth, char *err, size_t errlen);

#define ERR_DETAIL (&smartmed__common__v1__error_detail__descriptor)
#define BATCH	   (&smartmed__common__v1__audit_batch__descriptor)
#define EVENT	   (&smartmed__common__v1__audit_event__descriptor)

static char errbuf[256];

static med_err
wire(const ProtobufCMessageDescriptor *d, const void *p, size_t n)
{
	errbuf[0] = '\0';
	return med_pb_validate_wire(d, p, n, errbuf, sizeof(errbuf));
}

#define WIRE(d, lit) wire(d, lit, sizeof(lit) - 1)

static void
test_valid_message(void)
{
	Smartmed__Common__V1__ErrorDetail m =
		SMARTMED__COMMON__V1__ERROR_DETAIL__INIT;
	uint8_t buf[64];
	size_t n;

	m.field = "mrn";
	m.reason = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	n = protobuf_c_message_pack(&m.base, buf);
	MT_OK(wire(ERR_DETAIL, buf, n));
	MT_OK(wire(ERR_DETAIL, "", 0));
}

static void
test_depth_limit(void)
{
	Smartmed__Common__V1__AuditEvent ev =
		SMARTMED__COMMON__V1__AUDIT_EVENT__INIT;
	Smartmed__Common__V1__AuditEvent *evs[1] = {&ev};
	Smartmed__Common__V1__AuditBatch b =
		SMARTMED__COMMON__V1__AUDIT_BATCH__INIT;
	uint8_t buf[128];
	size_t n;

	ev.action = "/x.Y/Z";
	b.n_events = 1;
	b.events = evs;
	n = protobuf_c_message_pack(&b.base, buf);
	MT_OK(med__pb_validate_wire_depth(BATCH, buf, n, 2, errbuf,
					  sizeof(errbuf)));
	MT_EQ_INT(med__pb_validate_wire_depth(BATCH, buf, n, 1, errbuf,
					      sizeof(errbuf)),
		  MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "events: nesting too deep");
	MT_OK(wire(BATCH, buf, n));
}

static void
test_nul_in_string(void)
{
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0a\x03"
				   "a\0b"),
		  MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "field: contains NUL");
}

static void
test_bad_utf8(void)
{
	/* Overlong '/', a lone surrogate, a truncated sequence, 0xff. */
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x12\x02\xc0\xaf"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "reason: invalid UTF-8");
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x12\x03\xed\xa0\x80"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "reason: invalid UTF-8");
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0a\x02\xe2\x82"), MED_ERR_INVALID);
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0a\x01\xff"), MED_ERR_INVALID);
	MT_OK(WIRE(ERR_DETAIL, "\x0a\x02\xc3\xa9"));
}

static void
test_nested_path(void)
{
	/* AuditBatch{events[0]{actor(5)="\xff"}}. */
	MT_EQ_INT(WIRE(BATCH, "\x0a\x03\x2a\x01\xff"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "events.actor: invalid UTF-8");
}

static void
test_truncated(void)
{
	MT_EQ_INT(WIRE(EVENT, "\x10\x80"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "time_ms: truncated varint");
	MT_EQ_INT(WIRE(EVENT, "\x80"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "request: truncated tag");
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0a\x05"
				   "ab"),
		  MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "field: truncated value");
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff"
				   "\xff\x01"),
		  MED_ERR_INVALID);
	MT_EQ_INT(WIRE(EVENT, "\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
			      "\x01"),
		  MED_ERR_INVALID);
}

static void
test_wrong_wire_type(void)
{
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x08\x01"), MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "field: wrong wire type");
	MT_EQ_INT(WIRE(EVENT, "\x12\x01"
			      "a"),
		  MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "time_ms: wrong wire type");
	/* Groups do not exist in proto3 and field number 0 never does. */
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x0b\x0c"), MED_ERR_INVALID);
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x02\x00"), MED_ERR_INVALID);
}

static void
test_unknown_fields_skipped(void)
{
	/* Field 15 varint, field 16 length-delimited, field 17 fixed32. */
	MT_OK(WIRE(ERR_DETAIL,
		   "\x78\x05\x82\x01\x02zz\x8d\x01\x01\x02\x03\x04"));
	MT_EQ_INT(WIRE(ERR_DETAIL, "\x8d\x01\x01\x02"), MED_ERR_INVALID);
}

static void
test_unknown_enum(void)
{
	Grpc__Health__V1__HealthCheckResponse r =
		GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;

	r.status = 2;
	MT_OK(med_pb_validate_msg(&r.base, errbuf, sizeof(errbuf)));
	r.status = 99;
	MT_EQ_INT(med_pb_validate_msg(&r.base, errbuf, sizeof(errbuf)),
		  MED_ERR_INVALID);
	MT_EQ_STR(errbuf, "status: unknown enum value");
}

static void
test_unknown_enum_unpacked(void)
{
	/* protobuf-c keeps an unknown enum number: the wire check passes it
	 * and the message check refuses it. */
	const uint8_t bytes[] = {0x08, 0x63};
	Grpc__Health__V1__HealthCheckResponse *r;

	MT_OK(wire(&grpc__health__v1__health_check_response__descriptor, bytes,
		   sizeof(bytes)));
	r = grpc__health__v1__health_check_response__unpack(NULL, sizeof(bytes),
							    bytes);
	MT_TRUE(r != NULL);
	MT_EQ_INT(med_pb_validate_msg(&r->base, errbuf, sizeof(errbuf)),
		  MED_ERR_INVALID);
	grpc__health__v1__health_check_response__free_unpacked(r, NULL);
}

static const mt_case cases[] = {
	{"valid_message", test_valid_message},
	{"depth_limit", test_depth_limit},
	{"nul_in_string", test_nul_in_string},
	{"bad_utf8", test_bad_utf8},
	{"nested_path", test_nested_path},
	{"truncated", test_truncated},
	{"wrong_wire_type", test_wrong_wire_type},
	{"unknown_fields_skipped", test_unknown_fields_skipped},
	{"unknown_enum", test_unknown_enum},
	{"unknown_enum_unpacked", test_unknown_enum_unpacked},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
