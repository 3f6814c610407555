/*
 * test_stow.c - the write-back's pure parts: the Secondary Capture file
 * GDCM writes (stow_dicom.cc: Part 10 preamble, the attributes and the
 * pixels) and the UIDs made from a finding id (stow.c), what is stored
 * with a new finding of the write-back (diagnosis_stow_plan) and how its
 * DiagnosticReport names the outcome (fhir.c).  The file as a PACS stores
 * it and pydicom reads it is tests/integration/test_diagnosis_stow.py's.
 */
#include "testlib.h"

#include <med/arena.h>
#include <stdlib.h>

#include "diagnosis.h"
#include "stow.h"

/* contains is true when needle's n bytes appear in hay. */
static bool
contains(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static diagnosis_sc
an_image(const uint8_t *rgb, uint32_t rows, uint32_t cols)
{
	return (diagnosis_sc){
		.study_uid = "1.2.3",
		.series_uid = "2.25.7",
		.sop_uid = "2.25.8",
		.patient_name = "Film^Test",
		.patient_id = "MRN-1",
		.birth_date = "19700102",
		.sex = "F",
		.accession = "ACC1",
		.series_description = "AI saliency pneumonia_cnn_v1 1.0.0",
		.derivation = "AI output, not for diagnosis",
		.content_date = "20260101",
		.content_time = "101500",
		.rows = rows,
		.cols = cols,
		.rgb = rgb,
	};
}

static void
test_encodes_a_part10_secondary_capture(void)
{
	uint8_t rgb[3 * 3 * 3], *file = NULL;
	size_t len = 0;
	diagnosis_sc sc;
	static const char *want[] = {
		DIAGNOSIS_SC_SOP_CLASS,
		"DERIVED\\SECONDARY",
		"RGB ",
		"Film^Test",
		"MRN-1",
		"19700102",
		"1.2.3",
		"2.25.7",
		"2.25.8",
		"1.2.840.10008.1.2.1", /* Explicit VR LE */
	};

	for (size_t i = 0; i < sizeof(rgb); i++)
		rgb[i] = (uint8_t)(i * 9);
	sc = an_image(rgb, 3, 3); /* 27 bytes of pixels: padded to 28 */
	MT_OK(diagnosis_sc_encode(&sc, &file, &len));
	MT_TRUE(len > 132 + sizeof(rgb));
	MT_TRUE(memcmp(file + 128, "DICM", 4) == 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		MT_TRUE(contains(file, len, want[i], strlen(want[i])));
	MT_TRUE(contains(file, len, rgb, sizeof(rgb)));
	free(file);
}

static void
test_refuses_no_pixels(void)
{
	uint8_t rgb[3] = {0}, *file = NULL;
	size_t len = 0;
	diagnosis_sc sc = an_image(rgb, 0, 1);

	MT_EQ_INT(diagnosis_sc_encode(&sc, &file, &len), MED_ERR_INVALID);
	sc = an_image(NULL, 1, 1);
	MT_EQ_INT(diagnosis_sc_encode(&sc, &file, &len), MED_ERR_INVALID);
	sc = an_image(rgb, 70000, 1);
	MT_EQ_INT(diagnosis_sc_encode(&sc, &file, &len), MED_ERR_INVALID);
	MT_TRUE(file == NULL);
}

static void
test_uids_from_the_finding(void)
{
	char a[65], b[65], c[65];

	diagnosis_sc_uid("f-1", ":sc-series", a);
	diagnosis_sc_uid("f-1", ":sc-series", b);
	diagnosis_sc_uid("f-1", ":sc-instance", c);
	MT_EQ_STR(a, b);
	MT_TRUE(strcmp(a, c) != 0);
	MT_TRUE(strncmp(a, "2.25.", 5) == 0);
	MT_TRUE(strlen(a) <= 44 && strlen(a) > 5);
	MT_TRUE(a[5] != '0' || a[6] == '\0'); /* no leading zero */
	MT_TRUE(diagnosis_uid_is_valid(a));
	MT_TRUE(diagnosis_uid_is_valid(c));
}

#define WB(s) SMARTMED__DIAGNOSIS__V1__PACS_WRITEBACK__PACS_WRITEBACK_##s

/* expect_plan_off: a finding (no overlay) planned with writeback on or
 * off is not sent: OFF, no instance named. */
static void
expect_plan_off(bool writeback)
{
	med_arena *a = med_arena_new(1 << 16);
	diagnosis_pacs p = {.writeback = writeback};
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;

	f.finding_id = "f-1";
	MT_OK(diagnosis_stow_plan(a, &p, &f));
	MT_EQ_INT(f.pacs_writeback, WB(OFF));
	MT_EQ_STR(f.writeback_sop_instance_uid, "");
	med_arena_free(a);
}

static void
test_plan_off_stores_off(void)
{
	expect_plan_off(false);
}

/* A negative finding has no overlay: nothing is planned to be sent. */
static void
test_plan_negative_finding_is_off(void)
{
	expect_plan_off(true);
}

static void
test_plan_on_stores_pending_with_the_uids(void)
{
	med_arena *a = med_arena_new(1 << 16);
	diagnosis_pacs p = {.writeback = true};
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char series[65], sop[65];

	f.finding_id = "f-1";
	f.has_overlay = true; /* a positive finding's */
	MT_OK(diagnosis_stow_plan(a, &p, &f));
	diagnosis_sc_uid("f-1", ":sc-series", series);
	diagnosis_sc_uid("f-1", ":sc-instance", sop);
	MT_EQ_INT(f.pacs_writeback, WB(PENDING));
	MT_EQ_STR(f.writeback_series_instance_uid, series);
	MT_EQ_STR(f.writeback_sop_instance_uid, sop);
	MT_EQ_INT(f.writeback_ms, 0);
	med_arena_free(a);
}

static void
test_plan_out_of_memory(void)
{
	med_arena *a = med_arena_new(8);
	diagnosis_pacs p = {.writeback = true};
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;

	f.finding_id = "f-1";
	f.has_overlay = true;
	MT_EQ_INT(diagnosis_stow_plan(a, &p, &f), MED_ERR_NOMEM);
	MT_TRUE(f.pacs_writeback != WB(PENDING));
	med_arena_free(a);
}

/* report_json is the export of one finding f of state s as JSON text. */
static char *
report_json(med_arena *a, diagnosis_finding *f, int s)
{
	diagnosis_finding *list[] = {f};
	diagnosis_export_page page = {.findings = list, .n_findings = 1};
	char *json = NULL;
	uint32_t n = 0;

	f->finding_id = "0b9c2b7e-4a53-4b1e-9d55-0d5d1c1e0f11";
	f->patient_id = "6a7f1c8e-1b2d-4c3e-8f90-a1b2c3d4e5f6";
	f->status =
		SMARTMED__DIAGNOSIS__V1__FINDING_STATUS__FINDING_STATUS_PRELIMINARY;
	f->created_ms = 1767225600000;
	f->model_id = "pneumonia_cnn_v1";
	f->model_version = "1.0.0";
	f->model_sha256 = "ab";
	f->backend = f->device = "cpu";
	f->image_sha256 = "cd";
	f->image_format = "png";
	f->requested_by = "dr.test";
	f->top_label = "normal";
	f->study_instance_uid = "1.2.3";
	f->pacs_writeback = s;
	if (s != WB(UNSPECIFIED) && s != WB(OFF)) {
		f->writeback_series_instance_uid = "2.25.7";
		f->writeback_sop_instance_uid = "2.25.8";
	}
	MT_OK(diagnosis_fhir_bundle(a, f->patient_id, &page, 1 << 16, &json,
				    &n));
	return json;
}

static void
test_report_names_a_stored_capture(void)
{
	med_arena *a = med_arena_new(1 << 20);
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char *j;

	f.writeback_ms = 1767225601000;
	j = report_json(a, &f, WB(STORED));
	MT_TRUE(strstr(j, "/StructureDefinition/pacs-writeback\"") != NULL);
	MT_TRUE(strstr(j, "{\"url\":\"status\",\"valueCode\":\"stored\"}") !=
		NULL);
	MT_TRUE(strstr(j, "{\"url\":\"instance\",\"valueIdentifier\":{"
			  "\"system\":\"urn:dicom:uid\",\"value\":"
			  "\"urn:oid:2.25.8\"}}") != NULL);
	MT_TRUE(strstr(j, "\"valueInstant\":\"2026-01-01T00:00:01") != NULL);
	MT_TRUE(strstr(j, "\"media\":[{") != NULL);
	MT_TRUE(strstr(j, "\"url\":\"error\"") == NULL);
	med_arena_free(a);
}

static void
test_report_says_why_it_failed(void)
{
	med_arena *a = med_arena_new(1 << 20);
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char *j;

	f.writeback_error = "the PACS cannot be reached";
	j = report_json(a, &f, WB(FAILED));
	MT_TRUE(strstr(j, "\"valueCode\":\"failed\"") != NULL);
	MT_TRUE(strstr(j, "{\"url\":\"error\",\"valueString\":\"the PACS "
			  "cannot be reached\"}") != NULL);
	MT_TRUE(strstr(j, "\"media\"") == NULL);
	med_arena_free(a);
}

static void
test_report_of_an_upload_has_none(void)
{
	med_arena *a = med_arena_new(1 << 20);
	diagnosis_finding f = SMARTMED__DIAGNOSIS__V1__FINDING__INIT;
	char *j = report_json(a, &f, WB(UNSPECIFIED));

	MT_TRUE(strstr(j, "pacs-writeback") == NULL);
	MT_TRUE(strstr(j, "\"media\"") == NULL);
	j = report_json(a, &f, WB(OFF));
	MT_TRUE(strstr(j, "\"extension\":[{\"url\":\"status\","
			  "\"valueCode\":\"off\"}]") != NULL);
	med_arena_free(a);
}

static const mt_case cases[] = {
	{"encodes_a_part10_secondary_capture",
	 test_encodes_a_part10_secondary_capture},
	{"refuses_no_pixels", test_refuses_no_pixels},
	{"uids_from_the_finding", test_uids_from_the_finding},
	{"plan_off_stores_off", test_plan_off_stores_off},
	{"plan_on_stores_pending_with_the_uids",
	 test_plan_on_stores_pending_with_the_uids},
	{"plan_out_of_memory", test_plan_out_of_memory},
	{"plan_negative_finding_is_off", test_plan_negative_finding_is_off},
	{"report_names_a_stored_capture", test_report_names_a_stored_capture},
	{"report_says_why_it_failed", test_report_says_why_it_failed},
	{"report_of_an_upload_has_none", test_report_of_an_upload_has_none},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
