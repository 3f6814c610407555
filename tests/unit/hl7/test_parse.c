/*
 * test_parse.c - the HL7 v2 parser (services/hl7/parse.c): encoding
 * characters from MSH-1/2, escapes, repetitions and components, MSH-18
 * character sets; the header and ACK builder (ack.c); the MLLP framer
 * (mllp.c).
 */
#include "testlib.h"

#include "hl7.h"

static hl7_segment segs[64];

static med_err
parse(const char *text, hl7_msg *m, hl7_problem *p)
{
	memset(m, 0, sizeof(*m));
	m->seg = segs;
	m->cap_seg = 64;
	return hl7_parse(text, strlen(text), m, p);
}

static const char *
get(const hl7_msg *m, const char *seg, int field, int rep, int comp, int sub)
{
	static char out[512];
	const hl7_segment *s = hl7_find(m, seg, 1);

	MT_TRUE(s != NULL);
	MT_OK(hl7_get(m, s, field, rep, comp, sub, out, sizeof(out)));
	return out;
}

#define ADT                                                                    \
	"MSH|^~\\&|ADT|HOSP|SMARTMED|HOSP|20260101120000||ADT^A01^ADT_A01|"    \
	"MSG1|P|2.5.1\r"                                                       \
	"EVN|A01|20260101120000\r"                                             \
	"PID|1||MRN1^^^HOSP^MR~NHS9^^^NHS^NH||O\\S\\Brien^Mary^J||19800102|"   \
	"F\r"                                                                  \
	"PV1|1|I|W3^12^B^HOSP||||dr.who^Who^John\r"

static void
test_fields_and_components(void)
{
	hl7_msg m;
	hl7_problem p;

	MT_OK(parse(ADT, &m, &p));
	MT_EQ_INT(m.n_seg, 4);
	MT_EQ_STR(get(&m, "MSH", 1, 0, 0, 0), "|");
	MT_EQ_STR(get(&m, "MSH", 2, 0, 0, 0), "^~\\&");
	MT_EQ_STR(get(&m, "MSH", 9, 0, 2, 0), "A01");
	MT_EQ_STR(get(&m, "MSH", 10, 0, 0, 0), "MSG1");
	MT_EQ_STR(get(&m, "PID", 3, 0, 1, 0), "MRN1");
	MT_EQ_STR(get(&m, "PID", 3, 1, 4, 0), "NHS");
	MT_EQ_INT(hl7_reps(&m, hl7_find(&m, "PID", 1), 3), 2);
	MT_EQ_STR(get(&m, "PID", 5, 0, 1, 0), "O^Brien");
	MT_EQ_STR(get(&m, "PID", 5, 0, 2, 0), "Mary");
	MT_EQ_STR(get(&m, "PID", 7, 0, 1, 0), "19800102");
	MT_EQ_STR(get(&m, "PV1", 3, 0, 2, 0), "12");
	MT_EQ_STR(get(&m, "PV1", 99, 0, 1, 0), "");
	MT_EQ_STR(get(&m, "PID", 3, 5, 1, 0), "");
}

static void
test_own_encoding_characters(void)
{
	hl7_msg m;
	hl7_problem p;

	MT_OK(parse("MSH*:#!$*A*B*C*D*2026**ADT:A08*X9*P*2.4\r"
		    "PID*1**M7:::H#M8**Sm!F!ith:Ann$x\r",
		    &m, &p));
	MT_EQ_INT(m.d.field, '*');
	MT_EQ_INT(m.d.comp, ':');
	MT_EQ_STR(get(&m, "MSH", 9, 0, 2, 0), "A08");
	MT_EQ_STR(get(&m, "PID", 3, 1, 1, 0), "M8");
	MT_EQ_STR(get(&m, "PID", 5, 0, 1, 0), "Sm*ith");
	MT_EQ_STR(get(&m, "PID", 5, 0, 2, 1), "Ann");
	MT_EQ_STR(get(&m, "PID", 5, 0, 2, 2), "x");
}

static void
test_escapes(void)
{
	static const hl7_delims d = {'|', '^', '~', '\\', '&'};
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"a\\F\\b", "a|b"},	    {"\\S\\\\T\\\\R\\\\E\\", "^&~\\"},
		{"\\X4142\\", "AB"},	    {"x\\.br\\y", "x\ny"},
		{"\\H\\bold\\N\\", "bold"}, {"", ""},
	};
	static const char *const bad[] = {
		"\\", "a\\F", "\\Q\\", "\\X4\\", "\\X00\\", "\\XZZ\\", "\\\\"};
	char out[64];
	size_t n;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		MT_OK(hl7_unescape(&d, ok[i].in, strlen(ok[i].in), out,
				   sizeof(out), &n));
		MT_EQ_STR(out, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MT_EQ_INT(hl7_unescape(&d, bad[i], strlen(bad[i]), out,
				       sizeof(out), &n),
			  MED_ERR_INVALID);
	MT_EQ_INT(hl7_unescape(&d, "abcdef", 6, out, 4, &n), MED_ERR_LIMIT);
	MT_OK(hl7_escape(&d, "a|b^c~d\\e&f\rg", out, sizeof(out)));
	MT_EQ_STR(out, "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\.br\\g");
	MT_EQ_INT(hl7_escape(&d, "a|b", out, 4), MED_ERR_LIMIT);
}

static void
test_bad_escape_names_field(void)
{
	hl7_msg m;
	hl7_problem p;

	MT_EQ_INT(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5\r"
			"PID|1||M1||Bad\\Q\\Name\r",
			&m, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.ack, "AE");
	MT_EQ_INT(p.code, HL7_E_DATA_TYPE);
	MT_EQ_STR(p.segment, "PID");
	MT_EQ_INT(p.field, 5);
}

static void
test_charsets(void)
{
	hl7_msg m;
	hl7_problem p;
	const char latin1[] = "MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5|||||"
			      "|8859/1\rPID|1||M1||M\xfcller\r";

	MT_OK(parse(latin1, &m, &p));
	MT_EQ_INT(m.charset, HL7_CHARSET_LATIN1);
	MT_EQ_STR(get(&m, "PID", 5, 0, 1, 0), "M\xc3\xbcller");
	MT_OK(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5||||||UNICODE "
		    "UTF-8\rPID|1||M1||M\xc3\xbcller^\\XC3BC\\\r",
		    &m, &p));
	MT_EQ_STR(get(&m, "PID", 5, 0, 1, 0), "M\xc3\xbcller");
	MT_EQ_STR(get(&m, "PID", 5, 0, 2, 0), "\xc3\xbc");
	MT_EQ_INT(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5|||||"
			"|ISO IR87\r",
			&m, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.ack, "AR");
	MT_EQ_INT(p.code, HL7_E_TABLE_VALUE);
	MT_EQ_INT(p.field, 18);
	/* UTF-8 declared, Latin-1 sent: the value does not read. */
	MT_OK(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5||||||UNICODE "
		    "UTF-8\rPID|1||M1||M\xfcller\r",
		    &m, &p));
	{
		char out[64];

		MT_EQ_INT(hl7_get(&m, hl7_find(&m, "PID", 1), 5, 0, 1, 0, out,
				  sizeof(out)),
			  MED_ERR_INVALID);
	}
}

/* A GB 18030 ADT: 王芳 (CD F5, B7 BC), 北京市朝阳区 in PID-11, and 亅 (81 7C:
 * its second byte is the field separator) in PID-5's middle name. */
#define GB_MSH                                                                 \
	"MSH|^~\\&|HIS|HOSP|SMARTMED|HOSP|2026||ADT^A01|C1|P|2.5||||||"        \
	"GB 18030-2000\r"
#define GB_PID                                                                 \
	"PID|1||M1^^^HOSP^MR||\xcd\xf5^\xb7\xbc^\x81\x7c||19800102|F|||"       \
	"\xb1\xb1\xbe\xa9\xca\xd0\xb3\xaf\xd1\xf4\xc7\xf8\r"

static void
test_multibyte_charsets(void)
{
	const char msg[] = GB_MSH GB_PID;
	char name[32], out[512], back[512];
	size_t n = 0, back_len = 0;
	hl7_msg m;
	hl7_problem p;

	MT_EQ_STR(hl7_wire_charset(msg, strlen(msg), name, sizeof(name)),
		  "GB18030");
	MT_EQ_STR(name, "GB 18030-2000");
	MT_TRUE(hl7_wire_charset(ADT, strlen(ADT), name, sizeof(name)) == NULL);
	MT_OK(hl7_decode("GB18030", name, msg, strlen(msg), out, sizeof(out),
			 &n, &p));
	MT_OK(parse(out, &m, &p));
	MT_EQ_INT(m.charset, HL7_CHARSET_DECODED);
	MT_EQ_STR(get(&m, "PID", 5, 0, 1, 0), "王");
	MT_EQ_STR(get(&m, "PID", 5, 0, 2, 0), "芳");
	MT_EQ_STR(get(&m, "PID", 5, 0, 3, 0), "亅");
	MT_EQ_STR(get(&m, "PID", 7, 0, 0, 0), "19800102");
	MT_EQ_STR(get(&m, "PID", 11, 0, 0, 0), "北京市朝阳区");
	/* The ACK goes back in the set, and reads back the same. */
	MT_OK(hl7_encode(hl7_charset_encoder("gbk"), "王芳|ok",
			 strlen("王芳|ok"), back, sizeof(back), &back_len));
	MT_EQ_INT(back_len, 7);
	MT_TRUE(memcmp(back, "\xcd\xf5\xb7\xbc|ok", 7) == 0);
	MT_TRUE(hl7_charset_encoder("UNICODE UTF-8") == NULL);
}

static void
test_multibyte_bad_bytes_name_field(void)
{
	/* FF is no GB 18030 byte: the AE names PID-11, the second PID. */
	const char msg[] = GB_MSH GB_PID "PID|1||M2||X^Y|||F|||\xb1\xff\r";
	const char bad_msh[] = "MSH|^~\\&|\x81\x20|H|||2026||ADT^A01|1|P|2.5";
	char out[512];
	size_t n = 0;
	hl7_problem p;

	MT_EQ_INT(hl7_decode("GB18030", "GB 18030-2000", msg, strlen(msg), out,
			     sizeof(out), &n, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.ack, "AE");
	MT_EQ_INT(p.code, HL7_E_DATA_TYPE);
	MT_EQ_STR(p.segment, "PID");
	MT_EQ_INT(p.seq, 2);
	MT_EQ_INT(p.field, 11);
	MT_TRUE(strstr(p.text, "PID-11: bytes B1 FF") != NULL);
	/* In the MSH, the field counts from MSH-1. */
	MT_EQ_INT(hl7_decode("GBK", "GBK", bad_msh, strlen(bad_msh), out,
			     sizeof(out), &n, &p),
		  MED_ERR_INVALID);
	MT_EQ_STR(p.segment, "MSH");
	MT_EQ_INT(p.field, 3);
}

static void
test_structure_refused(void)
{
	hl7_msg m;
	hl7_problem p;

	MT_EQ_INT(parse("PID|1||M1\r", &m, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.ack, "AR");
	MT_EQ_STR(p.segment, "MSH");
	MT_EQ_INT(parse("MSH|^~|A\r", &m, &p), MED_ERR_INVALID);
	MT_EQ_INT(p.field, 2);
	MT_EQ_INT(parse("MSH|^^\\&|A\r", &m, &p), MED_ERR_INVALID);
	MT_EQ_INT(parse("MSH|^~\\&|A|B\rpid|1\r", &m, &p), MED_ERR_INVALID);
	/* CR LF and LF end segments too. */
	MT_OK(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A08|1|P|2.5\r\nPID|1||M1\n",
		    &m, &p));
	MT_EQ_INT(m.n_seg, 2);
}

static void
test_long_field(void)
{
	static char text[20000];
	hl7_msg m;
	hl7_problem p;
	char out[16];
	int n = snprintf(text, sizeof(text),
			 "MSH|^~\\&|A|B|C|D|2026||ORU^R01|1|P|2.5\rNTE|1||");

	/* A long text field (a report) is checked without a cap; only the
	 * fields this service reads have one. */
	memset(text + n, 'x', 16000);
	memcpy(text + n + 16000, "\\F\\\r", 5);
	MT_OK(parse(text, &m, &p));
	MT_EQ_INT(hl7_get(&m, hl7_find(&m, "NTE", 1), 3, 0, 0, 0, out,
			  sizeof(out)),
		  MED_ERR_LIMIT);
	text[n + 16001] = 'Q';
	MT_EQ_INT(parse(text, &m, &p), MED_ERR_INVALID);
	MT_EQ_STR(p.segment, "NTE");
	MT_EQ_INT(p.field, 3);
}

static void
test_header(void)
{
	hl7_msg m;
	hl7_problem p;
	hl7_header h;

	MT_OK(parse(ADT, &m, &p));
	MT_OK(hl7_header_read(&m, &h, &p));
	MT_EQ_STR(h.sending_app, "ADT");
	MT_EQ_STR(h.type, "ADT");
	MT_EQ_STR(h.trigger, "A01");
	MT_EQ_STR(h.control_id, "MSG1");
	MT_EQ_INT(h.sent_ms, 1767268800000LL);
	MT_OK(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.1\r", &m, &p));
	MT_EQ_INT(hl7_header_read(&m, &h, &p), MED_ERR_INVALID);
	MT_EQ_INT(p.code, HL7_E_UNSUPPORTED_VERSION);
	MT_EQ_INT(p.field, 12);
	MT_OK(parse("MSH|^~\\&|A|B|C|D|2026||ADT^A01||P|2.5\r", &m, &p));
	MT_EQ_INT(hl7_header_read(&m, &h, &p), MED_ERR_INVALID);
	MT_EQ_INT(p.field, 10);
}

static void
test_times(void)
{
	int64_t ms;
	char out[20];

	MT_OK(hl7_time_parse("20260101120000", &ms));
	MT_EQ_INT(ms, 1767268800000LL);
	MT_OK(hl7_time_parse("202601011300+0100", &ms));
	MT_EQ_INT(ms, 1767268800000LL);
	MT_OK(hl7_time_parse("20260101120000.25", &ms));
	MT_EQ_INT(ms, 1767268800250LL);
	MT_OK(hl7_time_parse("2026", &ms));
	MT_EQ_INT(hl7_time_parse("20261301", &ms), MED_ERR_INVALID);
	MT_EQ_INT(hl7_time_parse("2026010", &ms), MED_ERR_INVALID);
	MT_EQ_INT(hl7_time_parse("x", &ms), MED_ERR_INVALID);
	MT_EQ_INT(hl7_time_parse("20260101+99", &ms), MED_ERR_INVALID);
	hl7_time_format(1767268800000LL, out);
	MT_EQ_STR(out, "20260101120000+0000");
}

static void
test_ack(void)
{
	hl7_msg m;
	hl7_problem p;
	hl7_header h;
	char out[1024];
	size_t n;

	MT_OK(parse(ADT, &m, &p));
	MT_OK(hl7_header_read(&m, &h, &p));
	MT_OK(hl7_ack_build(&h, NULL, 1767268800000LL, out, sizeof(out), &n));
	MT_EQ_STR(out, "MSH|^~\\&|SMARTMED|HOSP|ADT|HOSP|20260101120000+0000||"
		       "ACK^A01^ACK|MSG1|P|2.5.1\rMSA|AA|MSG1\r");
	MT_EQ_INT(n, strlen(out));
	(void)hl7_problem_set(&p, "AE", HL7_E_REQUIRED_MISSING, "PID", 1, 3,
			      "PID-3: a|b");
	MT_OK(hl7_ack_build(&h, &p, 1767268800000LL, out, sizeof(out), &n));
	MT_TRUE(strstr(out, "\rMSA|AE|MSG1|PID-3: a\\F\\b\r") != NULL);
	MT_TRUE(strstr(out, "\rERR||PID^1^3|101^PID-3: a\\F\\b^HL70357|E||||"
			    "PID-3: a\\F\\b\r") != NULL);
	/* The ACK parses as HL7 itself. */
	MT_OK(parse(out, &m, &p));
	MT_EQ_STR(get(&m, "MSA", 1, 0, 0, 0), "AE");
	MT_EQ_STR(get(&m, "ERR", 2, 0, 3, 0), "3");
	MT_OK(hl7_ack_build(NULL, &p, 0, out, sizeof(out), &n));
	MT_TRUE(strncmp(out, "MSH|^~\\&|SMARTMED|", 18) == 0);
	MT_EQ_INT(hl7_ack_build(&h, &p, 0, out, 40, &n), MED_ERR_LIMIT);
}

static void
test_framer(void)
{
	char buf[16], wire[64];
	hl7_framer f;
	size_t used, n;
	const char *in = "\x0b"
			 "ABC\x1c\r\r\n\x0b"
			 "DE\x1c\r";

	hl7_framer_init(&f, buf, sizeof(buf));
	MT_EQ_INT(hl7_framer_feed(&f, in, strlen(in), &used),
		  HL7_FRAME_MESSAGE);
	MT_EQ_INT(used, 6);
	MT_EQ_INT(f.len, 3);
	MT_TRUE(memcmp(f.buf, "ABC", 3) == 0);
	hl7_framer_next(&f);
	/* Whitespace between frames, then the second message a byte at a
	 * time. */
	in += used;
	for (size_t i = 0; i < 7; i++)
		MT_EQ_INT(hl7_framer_feed(&f, in + i, 1, &used),
			  i == 6 ? HL7_FRAME_MESSAGE : HL7_FRAME_MORE);
	MT_EQ_INT(f.len, 2);
	hl7_framer_next(&f);
	MT_EQ_INT(hl7_framer_feed(&f, "MSH", 3, &used), HL7_FRAME_BROKEN);
	hl7_framer_next(&f);
	MT_EQ_INT(hl7_framer_feed(&f,
				  "\x0b"
				  "A\x1cX",
				  4, &used),
		  HL7_FRAME_BROKEN);
	hl7_framer_next(&f);
	MT_EQ_INT(hl7_framer_feed(&f,
				  "\x0b"
				  "A\x0b",
				  3, &used),
		  HL7_FRAME_BROKEN);
	hl7_framer_next(&f);
	/* Too long: the head is kept, the whole is counted. */
	MT_EQ_INT(hl7_framer_feed(&f,
				  "\x0b"
				  "0123456789abcdefXYZ\x1c\r",
				  22, &used),
		  HL7_FRAME_MESSAGE);
	MT_TRUE(f.oversize);
	MT_EQ_INT(f.total, 19);
	MT_EQ_INT(f.len, 16);
	MT_OK(hl7_frame_wrap("AB", 2, wire, sizeof(wire), &n));
	MT_EQ_INT(n, 5);
	MT_TRUE(memcmp(wire,
		       "\x0b"
		       "AB\x1c\r",
		       5) == 0);
	MT_EQ_INT(hl7_frame_wrap("AB", 2, wire, 4, &n), MED_ERR_LIMIT);
}

/* The content digest: MSH-7 and the terminators' form do not count,
 * every other byte does. */
static void
test_content_digest(void)
{
	static const char a[] = "MSH|^~\\&|PAS|HOSP|SM|HOSP|20260101120000||"
				"ADT^A28|C1|P|2.5.1\rPID|1||M1^^^HOSP^MR\r";
	static const char later[] = "MSH|^~\\&|PAS|HOSP|SM|HOSP|20260101120500"
				    "||ADT^A28|C1|P|2.5.1\r\nPID|1||M1^^^HOSP"
				    "^MR\n";
	static const char other[] = "MSH|^~\\&|PAS|HOSP|SM|HOSP|20260101120000"
				    "||ADT^A28|C1|P|2.5.1\rPID|1||M2^^^HOSP"
				    "^MR\r";
	static const char app[] = "MSH|^~\\&|PAX|HOSP|SM|HOSP|20260101120000||"
				  "ADT^A28|C1|P|2.5.1\rPID|1||M1^^^HOSP^MR\r";
	unsigned char da[HL7_DIGEST_LEN], db[HL7_DIGEST_LEN];

	hl7_content_digest(a, strlen(a), da);
	hl7_content_digest(later, strlen(later), db);
	MT_TRUE(memcmp(da, db, sizeof(da)) == 0);
	hl7_content_digest(other, strlen(other), db);
	MT_TRUE(memcmp(da, db, sizeof(da)) != 0);
	hl7_content_digest(app, strlen(app), db);
	MT_TRUE(memcmp(da, db, sizeof(da)) != 0);
	/* A message cut short of MSH-7 still has a digest of its own. */
	hl7_content_digest("MSH|^~\\&|PAS", 13, db);
	MT_TRUE(memcmp(da, db, sizeof(da)) != 0);
}

/* The listener's read deadlines: first message, one message, silence. */
static void
test_read_timeout(void)
{
	hl7_deadlines d = {.first_message_ms = 10000,
			   .message_ms = 30000,
			   .idle_ms = 600000};

	/* Before the first message: what is left of its deadline. */
	MT_EQ_INT(hl7_read_timeout(&d, false, HL7_FRAME_IDLE, 1000, 0, 1000),
		  10000);
	MT_EQ_INT(hl7_read_timeout(&d, false, HL7_FRAME_IDLE, 1000, 0, 9000),
		  2000);
	MT_TRUE(hl7_read_timeout(&d, false, HL7_FRAME_IDLE, 1000, 0, 11000) <=
		0);
	/* A first frame begun late still ends by the first deadline. */
	MT_EQ_INT(hl7_read_timeout(&d, false, HL7_FRAME_BODY, 0, 9000, 9500),
		  500);
	/* Afterwards: a frame has message_ms from its first byte ... */
	MT_EQ_INT(hl7_read_timeout(&d, true, HL7_FRAME_BODY, 0, 50000, 60000),
		  20000);
	MT_TRUE(hl7_read_timeout(&d, true, HL7_FRAME_END, 0, 50000, 80001) <=
		0);
	/* ... and the silence between messages idle_ms. */
	MT_EQ_INT(hl7_read_timeout(&d, true, HL7_FRAME_IDLE, 0, 0, 999999),
		  600000);
}

/* The pending pool's choice for a newcomer: never a connection younger
 * than the grace, else of the address holding the most, its oldest. */
static void
test_pending_victim(void)
{
	/* Slot 0 is the honest sender, accepted last; the rest come from
	 * many addresses, one or two each. */
	hl7_waiting w[6];
	hl7_waiting fill[] = {
		{"127.0.0.1", 9800, 0}, {"127.1.0.1", 1000, 1},
		{"127.1.0.2", 2000, 2}, {"127.1.0.2", 3000, 3},
		{"127.1.0.3", 500, 4},	{"", 4000, 5},
	};

	memcpy(w, fill, sizeof(w));
	/* At 10000 with a grace of 5000: 127.1.0.2 holds two, its oldest
	 * (slot 2) goes before the older single ones. */
	MT_EQ_INT(hl7_pending_victim(w, 6, 10000, 5000), 2);
	/* A grace of 8500: only slots 1 and 4 are old enough, both alone on
	 * their address: the older (slot 4). */
	memcpy(w, fill, sizeof(w));
	MT_EQ_INT(hl7_pending_victim(w, 6, 10000, 8500), 4);
	/* The honest sender, 200 ms in, is never taken while it is young,
	 * even when it is all there is. */
	memcpy(w, fill, sizeof(w));
	MT_EQ_INT(hl7_pending_victim(w, 1, 10000, 5000), -1);
	/* Everyone younger than the grace: the newcomer is refused. */
	memcpy(w, fill, sizeof(w));
	MT_EQ_INT(hl7_pending_victim(w, 6, 10000, 9600), -1);
}

/* Who may send as whom: bindings read, checked by peer, sender, type. */
static void
test_bindings(void)
{
	hl7_binding b[4];
	size_t n = 0;
	char why[400] = "";
	const char *pas[] = {"pas.hospital", "addr:10.1.2.3"};
	const char *lab[] = {"lab", "addr:10.1.2.4"};

	MT_OK(hl7_bindings_parse(" pas.hospital = PAS@HOSP:ADT ; lab=LAB@HOSP:"
				 "ORU,ADT;addr:10.9.9.9=PAS@HOSP;",
				 b, 4, &n, why, sizeof(why)));
	MT_EQ_INT((int)n, 3);
	MT_EQ_STR(b[0].peer, "pas.hospital");
	MT_EQ_STR(b[0].sender, "PAS@HOSP");
	MT_EQ_STR(b[0].types, "ADT");
	MT_EQ_STR(b[2].peer, "addr:10.9.9.9");
	MT_EQ_STR(b[2].types, "");
	MT_TRUE(hl7_binding_check(b, n, pas, 2, "PAS@HOSP", "ADT", why,
				  sizeof(why)));
	MT_TRUE(!hl7_binding_check(b, n, pas, 2, "PAS@HOSP", "ORU", why,
				   sizeof(why)));
	MT_TRUE(strstr(why, "only ADT messages, not ORU") != NULL);
	MT_TRUE(!hl7_binding_check(b, n, lab, 2, "PAS@HOSP", "ADT", why,
				   sizeof(why)));
	MT_TRUE(strstr(why, "not bound to the sender PAS@HOSP") != NULL);
	/* the refusal names the binding to add, under the peer's first
	 * name */
	MT_TRUE(strstr(why, "add the binding lab=PAS@HOSP:ADT to "
			    "MED_HL7_SENDERS") != NULL);
	MT_TRUE(hl7_binding_check(b, n, lab, 2, "LAB@HOSP", "ADT", why,
				  sizeof(why)));
	/* No bindings: nobody may send (issue 74). */
	MT_TRUE(!hl7_binding_check(b, 0, lab, 2, "PAS@HOSP", "ADT", why,
				   sizeof(why)));
	MT_TRUE(strstr(why, "no sender is bound") != NULL &&
		strstr(why, "lab=PAS@HOSP:ADT") != NULL);
	MT_OK(hl7_bindings_parse("", b, 4, &n, why, sizeof(why)));
	MT_EQ_INT((int)n, 0);
	MT_EQ_INT(hl7_bindings_parse("pas=PAS", b, 4, &n, why, sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "entry 1") != NULL);
	MT_EQ_INT(hl7_bindings_parse("a=A@B;=PAS@HOSP", b, 4, &n, why,
				     sizeof(why)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(why, "entry 2") != NULL);
	MT_EQ_INT(hl7_bindings_parse("a=A@B;b=A@B;c=A@B;d=A@B;e=A@B", b, 4, &n,
				     why, sizeof(why)),
		  MED_ERR_INVALID);
}

/* A merge a person would question: sex, birth date, both names. */
static void
test_merge_disagrees(void)
{
	hl7_person a = {HL7_SEX_FEMALE, "1970-03-04", "Tester", "Hanna"};
	hl7_person typo = {HL7_SEX_FEMALE, "1970-03-04", "Testr", "Hanna"};
	hl7_person unset = {0, "", "TESTER", "hanna"};
	hl7_person other = {HL7_SEX_MALE, "1890-01-01", "Smith", "John"};
	char why[300];

	MT_TRUE(!hl7_merge_disagrees(&a, &typo, why, sizeof(why)));
	MT_TRUE(!hl7_merge_disagrees(&a, &unset, why, sizeof(why)));
	MT_TRUE(hl7_merge_disagrees(&a, &other, why, sizeof(why)));
	MT_TRUE(strstr(why, "sex female vs male") != NULL);
	MT_TRUE(strstr(why, "birth date 1970-03-04 vs 1890-01-01") != NULL);
	MT_TRUE(strstr(why, "names Tester vs Smith") != NULL);
	other.sex = HL7_SEX_FEMALE;
	other.birth_date = "1970-03-04";
	MT_TRUE(hl7_merge_disagrees(&a, &other, why, sizeof(why)));
	MT_EQ_STR(why, "names Tester vs Smith");
}

static const mt_case cases[] = {
	{"merge_disagrees", test_merge_disagrees},
	{"bindings", test_bindings},
	{"read_timeout", test_read_timeout},
	{"pending_victim", test_pending_victim},
	{"content_digest", test_content_digest},
	{"fields_and_components", test_fields_and_components},
	{"own_encoding_characters", test_own_encoding_characters},
	{"escapes", test_escapes},
	{"bad_escape_names_field", test_bad_escape_names_field},
	{"charsets", test_charsets},
	{"multibyte_charsets", test_multibyte_charsets},
	{"multibyte_bad_bytes_name_field", test_multibyte_bad_bytes_name_field},
	{"structure_refused", test_structure_refused},
	{"long_field", test_long_field},
	{"header", test_header},
	{"times", test_times},
	{"ack", test_ack},
	{"framer", test_framer},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
