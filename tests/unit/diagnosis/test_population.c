/*
 * test_population.c - the model's validated population (population.c):
 * the age in completed years at a date, and which patient and image are
 * placed inside the card's population and with what reason.
 */
#include <stdio.h>
#include <string.h>

#include "testlib.h"

#include "diagnosis.h"

/* v4's population, as its card states it. */
static diagnosis_population
v4(void)
{
	diagnosis_population p = {.set = true,
				  .ages_known = true,
				  .age_min = 1,
				  .age_max = 5,
				  .who = "children aged 1-5",
				  .model_id = "pneumonia_cxr224_v4",
				  .views = {"AP", "PA"},
				  .n_views = 2,
				  .modalities = {"CR", "DX"},
				  .n_modalities = 2};
	return p;
}

static void
test_age_at_a_date(void)
{
	MT_EQ_INT(diagnosis_age_years("2020-06-15", "20250614"), 4);
	MT_EQ_INT(diagnosis_age_years("2020-06-15", "20250615"), 5);
	MT_EQ_INT(diagnosis_age_years("2020-02-29", "20210228"), 0);
	MT_EQ_INT(diagnosis_age_years("2020-02-29", "20210301"), 1);
	MT_EQ_INT(diagnosis_age_years("1958-03-01", "20261127"), 68);
	/* Not a birth date: the age is not known. */
	MT_TRUE(diagnosis_age_years("", "20250101") < 0);
	MT_TRUE(diagnosis_age_years("2020-13-01", "20250101") < 0);
	MT_TRUE(diagnosis_age_years("2020-01-01x", "20250101") < 0);
	/* Born after the study: not an age. */
	MT_TRUE(diagnosis_age_years("2025-06-01", "20250101") < 0);
	/* Not a DICOM date: today, so an adult's age is large. */
	MT_TRUE(diagnosis_age_years("1958-03-01", "2025-01-01") >= 68);
	MT_TRUE(diagnosis_age_years("1958-03-01", NULL) >= 68);
}

static void
test_ages_placed(void)
{
	diagnosis_population p = v4();
	diagnosis_dicom_image im = {
		.view = "AP", .modality = "DX", .study_date = "20250615"};
	char why[320] = "";

	MT_TRUE(diagnosis_population_place(&p, "2020-06-15", &im, why,
					   sizeof(why)));
	MT_TRUE(diagnosis_population_place(&p, "2024-06-15", &im, why,
					   sizeof(why)));
	MT_TRUE(!diagnosis_population_place(&p, "2024-06-16", &im, why,
					    sizeof(why)));
	MT_EQ_STR(why, "pneumonia_cxr224_v4 is validated for children aged "
		       "1-5; this patient is 0");
	MT_TRUE(!diagnosis_population_place(&p, "1958-01-01", &im, why,
					    sizeof(why)));
	MT_EQ_STR(why, "pneumonia_cxr224_v4 is validated for children aged "
		       "1-5; this patient is 67");
	MT_TRUE(!diagnosis_population_place(&p, "", NULL, why, sizeof(why)));
	MT_TRUE(strstr(why, "identity has no birth date") != NULL);
}

static void
test_views_and_modalities(void)
{
	diagnosis_population p = v4();
	diagnosis_dicom_image im = {.view = "LL", .modality = "DX"};
	char why[320] = "";

	MT_TRUE(!diagnosis_population_place(&p, "2022-01-01", &im, why,
					    sizeof(why)));
	MT_EQ_STR(why, "pneumonia_cxr224_v4 is validated for AP or PA views "
		       "only; this image's ViewPosition (0018,5101) is LL");
	im.view[0] = '\0';
	snprintf(im.modality, sizeof(im.modality), "CT");
	MT_TRUE(!diagnosis_population_place(&p, "2022-01-01", &im, why,
					    sizeof(why)));
	MT_TRUE(strstr(why, "Modality (0008,0060) is CT") != NULL);
	/* A header silent on both is not judged on them. */
	im.modality[0] = '\0';
	MT_TRUE(diagnosis_population_place(&p, "2022-01-01", &im, why,
					   sizeof(why)));
}

static void
test_without_identity_or_card(void)
{
	diagnosis_population p = v4();
	diagnosis_dicom_image im = {.view = "LL"};
	char why[320] = "";

	p.ages_known = false;
	MT_TRUE(diagnosis_population_place(&p, "", NULL, why, sizeof(why)));
	MT_TRUE(!diagnosis_population_place(&p, "", &im, why, sizeof(why)));
	p.set = false;
	MT_TRUE(diagnosis_population_place(&p, "1958-01-01", &im, why,
					   sizeof(why)));
	MT_TRUE(diagnosis_population_place(NULL, "1958-01-01", &im, why,
					   sizeof(why)));
}

/* card writes text to a file under /tmp and loads it. */
static med_err
card(const char *text, diagnosis_population *p, char *reason, size_t len)
{
	char path[] = "/tmp/test_population_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	med_err err;

	if (f == NULL)
		return MED_ERR_IO;
	fputs(text, f);
	fclose(f);
	err = diagnosis_population_load(path, "m", p, reason, len);
	remove(path);
	return err;
}

static void
test_card_read_and_refused(void)
{
	diagnosis_population p;
	char reason[256] = "";

	MT_OK(card("{\"population\": {\"who\": \"children aged 1-5\", "
		   "\"age_years\": [1, 5], \"views\": [\"AP\", \"PA\"], "
		   "\"modalities\": [\"CR\", \"DX\"]}}",
		   &p, reason, sizeof(reason)));
	MT_TRUE(p.set);
	MT_EQ_INT(p.age_min, 1);
	MT_EQ_INT(p.age_max, 5);
	MT_EQ_INT((int)p.n_views, 2);
	MT_EQ_STR(p.modalities[1], "DX");
	MT_OK(card("{}", &p, reason, sizeof(reason)));
	MT_TRUE(!p.set);
	MT_EQ_INT(card("{\"population\": {\"who\": \"x\", \"age_years\": "
		       "[5, 1], \"views\": [\"AP\"], \"modalities\": "
		       "[\"DX\"]}}",
		       &p, reason, sizeof(reason)),
		  MED_ERR_INVALID);
	MT_EQ_STR(reason, "model card: population.age_years missing or out "
			  "of range");
	MT_EQ_INT(card("{\"population\": {\"who\": \"x\", \"age_years\": "
		       "[1, 5], \"views\": [], \"modalities\": [\"DX\"]}}",
		       &p, reason, sizeof(reason)),
		  MED_ERR_INVALID);
	MT_EQ_STR(reason,
		  "model card: population.views missing or out of range");
	MT_TRUE(!p.set);
}

static const mt_case cases[] = {
	{"age_at_a_date", test_age_at_a_date},
	{"ages_placed", test_ages_placed},
	{"views_and_modalities", test_views_and_modalities},
	{"without_identity_or_card", test_without_identity_or_card},
	{"card_read_and_refused", test_card_read_and_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
