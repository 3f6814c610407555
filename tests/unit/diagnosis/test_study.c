/*
 * test_study.c - the pure parts of AnalyzeStudy and of the saliency map:
 * what a study's DICOM JSON metadata says (study.c: one patient, counts,
 * the image picked, the caps, UIDs, the rendered path with the header's
 * window).  The saliency maps are test_saliency.c's.
 */
#include "testlib.h"

#include <med/util.h>

#include "diagnosis.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* An instance in DICOM JSON (PS3.18 F.2); view and modality vary. */
#define INSTANCE(sop, pid, mod, view, rows)                                    \
	"{\"0020000D\":{\"vr\":\"UI\",\"Value\":[\"1.2.3\"]},"                 \
	"\"0020000E\":{\"vr\":\"UI\",\"Value\":[\"1.2.3.4\"]},"                \
	"\"00080018\":{\"vr\":\"UI\",\"Value\":[\"" sop "\"]},"                \
	"\"00100020\":{\"vr\":\"LO\",\"Value\":[\"" pid "\"]},"                \
	"\"00080050\":{\"vr\":\"SH\",\"Value\":[\"ACC 1 \"]},"                 \
	"\"00080060\":{\"vr\":\"CS\",\"Value\":[\"" mod "\"]},"                \
	"\"00185101\":{\"vr\":\"CS\",\"Value\":[\"" view "\"]},"               \
	"\"00280010\":{\"vr\":\"US\",\"Value\":[" rows "]},"                   \
	"\"00280011\":{\"vr\":\"US\",\"Value\":[100]},"                        \
	"\"00280100\":{\"vr\":\"US\",\"Value\":[16]},"                         \
	"\"00281050\":{\"vr\":\"DS\",\"Value\":[\"1020.5\"]},"                 \
	"\"00281051\":{\"vr\":\"DS\",\"Value\":[2041]}}"

static const diagnosis_pacs caps = {.max_study_bytes = 1000000,
				    .max_instances = 3};

static med_err
read_json(const char *json, diagnosis_study *s)
{
	char msg[256];

	return diagnosis_study_read(json, strlen(json), s, msg, sizeof(msg));
}

static void
test_frontal_picked_over_lateral(void)
{
	diagnosis_study s;
	char msg[256];

	MT_OK(read_json("[" INSTANCE("1.1", "MRN1", "DX", "LL",
				     "200") "," INSTANCE("1.2", "MRN1", "DX",
							 "PA", "200") "]",
			&s));
	MT_EQ_INT(s.n_instances, 2);
	MT_EQ_STR(s.pick.sop_uid, "1.2");
	MT_EQ_STR(s.patient_id, "MRN1");
	MT_EQ_STR(s.accession, "ACC 1"); /* padding trimmed */
	MT_EQ_INT(s.pixel_bytes, 2 * 200 * 100 * 2);
	MT_TRUE(s.pick.has_window);
	MT_NEAR(s.pick.window_center, 1020.5, 1e-9);
	MT_NEAR(s.pick.window_width, 2041, 1e-9);
	MT_OK(diagnosis_study_check(&s, &caps, msg, sizeof(msg)));
}

static void
test_lateral_or_ct_alone_refused(void)
{
	diagnosis_study s;
	char msg[256];

	MT_OK(read_json("[" INSTANCE("1.1", "MRN1", "DX", "LL",
				     "200") "," INSTANCE("1.2", "MRN1", "CT",
							 "", "200") "]",
			&s));
	MT_EQ_INT(diagnosis_study_check(&s, &caps, msg, sizeof(msg)),
		  MED_ERR_PRECONDITION);
	MT_TRUE(strstr(msg, "frontal") != NULL);
}

static void
test_two_patients_refused(void)
{
	diagnosis_study s;

	MT_EQ_INT(read_json("[" INSTANCE("1.1", "MRN1", "DX", "PA",
					 "10") "," INSTANCE("1.2", "MRN2", "DX",
							    "PA", "10") "]",
			    &s),
		  MED_ERR_PRECONDITION);
}

static void
test_caps(void)
{
	diagnosis_study s;
	char msg[256];

	/* 6000 x 100 x 2 bytes = 1.2 MB > the cap. */
	MT_OK(read_json("[" INSTANCE("1.1", "M", "CR", "AP", "6000") "]", &s));
	MT_EQ_INT(diagnosis_study_check(&s, &caps, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "MED_DIAGNOSIS_STUDY_MAX_BYTES") != NULL);
	MT_OK(read_json("[" INSTANCE("1.1", "M", "CR", "AP", "1") "," INSTANCE(
				"1.2", "M", "CR", "AP",
				"1") "," INSTANCE("1.3", "M", "CR", "AP",
						  "1") "," INSTANCE("1.4", "M",
								    "CR", "AP",
								    "1") "]",
			&s));
	MT_EQ_INT(diagnosis_study_check(&s, &caps, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "MED_DIAGNOSIS_STUDY_MAX_INSTANCES") != NULL);
	MT_OK(read_json("[]", &s));
	MT_EQ_INT(diagnosis_study_check(&s, &caps, msg, sizeof(msg)),
		  MED_ERR_NOT_FOUND);
}

static void
test_not_dicom_json(void)
{
	diagnosis_study s;

	MT_EQ_INT(read_json("{\"error\":1}", &s), MED_ERR_UNAVAILABLE);
	MT_EQ_INT(read_json("[", &s), MED_ERR_UNAVAILABLE);
}

static void
test_uids(void)
{
	MT_TRUE(diagnosis_uid_is_valid("1.2.840.10008.5.1.4.1.1.1.1"));
	MT_TRUE(!diagnosis_uid_is_valid(""));
	MT_TRUE(!diagnosis_uid_is_valid("1.2.x"));
	MT_TRUE(!diagnosis_uid_is_valid(".1.2"));
	MT_TRUE(!diagnosis_uid_is_valid("1.2."));
	MT_TRUE(!diagnosis_uid_is_valid("1/../2"));
	MT_TRUE(!diagnosis_uid_is_valid(
		"1."
		"2345678901234567890123456789012345678901234567890123456789012"
		"34"));
}

static void
test_rendered_path(void)
{
	diagnosis_dicom_image im = {
		.study_uid = "1.2", .series_uid = "1.3", .sop_uid = "1.4"};
	char path[256];

	MT_OK(diagnosis_rendered_path(&im, path, sizeof(path)));
	MT_EQ_STR(path, "/studies/1.2/series/1.3/instances/1.4/rendered");
	im.has_window = true;
	im.window_center = 40;
	im.window_width = 400.5;
	MT_OK(diagnosis_rendered_path(&im, path, sizeof(path)));
	MT_EQ_STR(path, "/studies/1.2/series/1.3/instances/1.4/rendered"
			"?window=40,400.5,linear");
	med_strlcpy(im.sop_uid, "1.4/../x", sizeof(im.sop_uid));
	MT_EQ_INT(diagnosis_rendered_path(&im, path, sizeof(path)),
		  MED_ERR_INVALID);
}

static const mt_case cases[] = {
	{"frontal_picked_over_lateral", test_frontal_picked_over_lateral},
	{"lateral_or_ct_alone_refused", test_lateral_or_ct_alone_refused},
	{"two_patients_refused", test_two_patients_refused},
	{"caps", test_caps},
	{"not_dicom_json", test_not_dicom_json},
	{"uids", test_uids},
	{"rendered_path", test_rendered_path},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
