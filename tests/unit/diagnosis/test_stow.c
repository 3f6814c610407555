/*
 * test_stow.c - the write-back's pure parts: the Secondary Capture file
 * GDCM writes (stow_dicom.cc: Part 10 preamble, the attributes and the
 * pixels) and the UIDs made from a finding id (stow.c).  The file as a
 * PACS stores it and pydicom reads it is tests/integration/
 * test_diagnosis_stow.py's.
 */
#include "testlib.h"

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

static const mt_case cases[] = {
	{"encodes_a_part10_secondary_capture",
	 test_encodes_a_part10_secondary_capture},
	{"refuses_no_pixels", test_refuses_no_pixels},
	{"uids_from_the_finding", test_uids_from_the_finding},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
