/*
 * population.c - who and what the model is validated for: the ages, views
 * and modalities its card states ("population" in <model>.card.json), and
 * the decision for one patient and image.  The v4 model was trained and
 * measured on children aged 1-5 only; on anyone else its probability and
 * its card's sensitivity and specificity are not known to hold, so by
 * default such a film is not read by the model at all, and where the
 * hospital chooses (MED_DIAGNOSIS_OUTSIDE_POPULATION=mark) the finding is
 * made but marked, without the card's figures.
 */
#include <jansson.h>
#include <med/arena.h>
#include <med/util.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diagnosis.h"

#define SEND_ON "not read by the model: send for a radiologist's read"

/* read_words copies a JSON array of short strings into words. */
static bool
read_words(json_t *a, char words[][17], size_t max, size_t *n)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > max)
		return false;
	json_array_foreach(a, i, v)
	{
		const char *s = json_string_value(v);

		if (s == NULL || s[0] == '\0' ||
		    med_strlcpy(words[i], s, 17) >= 17)
			return false;
	}
	*n = json_array_size(a);
	return true;
}

/* read_ages reads "age_years": [min, max], whole years, min <= max. */
static bool
read_ages(json_t *a, diagnosis_population *pop)
{
	json_t *lo = json_array_get(a, 0), *hi = json_array_get(a, 1);

	if (!json_is_array(a) || json_array_size(a) != 2 ||
	    !json_is_integer(lo) || !json_is_integer(hi))
		return false;
	pop->age_min = (int)json_integer_value(lo);
	pop->age_max = (int)json_integer_value(hi);
	return pop->age_min >= 0 && pop->age_min <= pop->age_max &&
	       pop->age_max <= 150;
}

/* read_population reads the card's population object into pop. */
static const char *
read_population(json_t *p, diagnosis_population *pop)
{
	const char *who = json_string_value(json_object_get(p, "who"));

	if (!json_is_object(p))
		return "population";
	if (who == NULL || who[0] == '\0' ||
	    med_strlcpy(pop->who, who, sizeof(pop->who)) >= sizeof(pop->who))
		return "population.who";
	if (!read_ages(json_object_get(p, "age_years"), pop))
		return "population.age_years";
	if (!read_words(json_object_get(p, "views"), pop->views,
			DIAGNOSIS_POP_MAX_WORDS, &pop->n_views))
		return "population.views";
	if (!read_words(json_object_get(p, "modalities"), pop->modalities,
			DIAGNOSIS_POP_MAX_WORDS, &pop->n_modalities))
		return "population.modalities";
	return NULL;
}

med_err
diagnosis_population_load(const char *card_path, const char *model_id,
			  diagnosis_population *pop, char *reason, size_t len)
{
	json_t *card = json_load_file(card_path, 0, NULL), *p;
	const char *bad;

	pop->set = false;
	med_strlcpy(pop->model_id, model_id, sizeof(pop->model_id));
	if (card == NULL) {
		snprintf(reason, len, "model card: %s cannot be read",
			 card_path);
		return MED_ERR_INVALID;
	}
	p = json_object_get(card, "population");
	bad = p == NULL ? NULL : read_population(p, pop);
	pop->set = p != NULL && bad == NULL;
	json_decref(card);
	if (bad == NULL)
		return MED_OK;
	snprintf(reason, len, "model card: %s missing or out of range", bad);
	return MED_ERR_INVALID;
}

/* today writes the UTC date now. */
static void
today(int *y, int *m, int *d)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

/* dicom_date reads a DICOM DA "YYYYMMDD"; false when it is not one. */
static bool
dicom_date(const char *s, int *y, int *m, int *d)
{
	if (s == NULL || strlen(s) != 8 || strspn(s, "0123456789") != 8)
		return false;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	     (s[3] - '0');
	*m = (s[4] - '0') * 10 + (s[5] - '0');
	*d = (s[6] - '0') * 10 + (s[7] - '0');
	return *y >= 1900 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

int
diagnosis_age_years(const char *birth_date, const char *at_dicom_date)
{
	int by, bm, bd, y, m, d, age;
	char tail;

	if (birth_date == NULL ||
	    sscanf(birth_date, "%4d-%2d-%2d%c", &by, &bm, &bd, &tail) != 3 ||
	    bm < 1 || bm > 12 || bd < 1 || bd > 31)
		return -1;
	if (!dicom_date(at_dicom_date, &y, &m, &d))
		today(&y, &m, &d);
	age = y - by - ((m < bm || (m == bm && d < bd)) ? 1 : 0);
	return age;
}

/* word_in says whether w is one of the n words. */
static bool
word_in(const char *w, const char words[][17], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

/* join_words writes the n words as "A or B". */
static void
join_words(const char words[][17], size_t n, char *out, size_t len)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++) {
		int k = snprintf(out + at, len - at, "%s%s",
				 i == 0 ? "" : (i + 1 == n ? " or " : ", "),
				 words[i]);
		if (k < 0)
			return;
		at += (size_t)k;
	}
}

/* place_image writes why the image is outside pop, from its DICOM
 * header; an upload says nothing of its view, and is not judged on it. */
static bool
place_image(const diagnosis_population *pop, const diagnosis_dicom_image *im,
	    char *why, size_t len)
{
	char list[DIAGNOSIS_POP_MAX_WORDS * 21];

	if (im == NULL)
		return true;
	if (im->view[0] != '\0' &&
	    !word_in(im->view, pop->views, pop->n_views)) {
		join_words(pop->views, pop->n_views, list, sizeof(list));
		snprintf(why, len,
			 "%s is validated for %s views only; this image's "
			 "ViewPosition (0018,5101) is %s",
			 pop->model_id, list, im->view);
		return false;
	}
	if (im->modality[0] != '\0' &&
	    !word_in(im->modality, pop->modalities, pop->n_modalities)) {
		join_words(pop->modalities, pop->n_modalities, list,
			   sizeof(list));
		snprintf(why, len,
			 "%s is validated for %s images only; this image's "
			 "Modality (0008,0060) is %s",
			 pop->model_id, list, im->modality);
		return false;
	}
	return true;
}

bool
diagnosis_population_place(const diagnosis_population *pop,
			   const char *birth_date,
			   const diagnosis_dicom_image *im, char *why,
			   size_t len)
{
	int age;

	if (pop == NULL || !pop->set)
		return true;
	if (!place_image(pop, im, why, len))
		return false;
	if (!pop->ages_known)
		return true;
	age = diagnosis_age_years(birth_date, im ? im->study_date : NULL);
	if (age < 0)
		snprintf(why, len,
			 "%s is validated for %s; identity has no birth date "
			 "for this patient, so the age is not known",
			 pop->model_id, pop->who);
	else if (age < pop->age_min || age > pop->age_max)
		snprintf(why, len, "%s is validated for %s; this patient is %d",
			 pop->model_id, pop->who, age);
	return age >= pop->age_min && age <= pop->age_max;
}

med_err
diagnosis_population_apply(med_call *call, const diagnosis_population *pop,
			   const char *birth_date,
			   const diagnosis_dicom_image *im, const char **mark)
{
	char why[320] = "";

	*mark = NULL;
	if (diagnosis_population_place(pop, birth_date, im, why, sizeof(why)))
		return MED_OK;
	if (!pop->mark)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "patient_id: %s: " SEND_ON, why);
	*mark = med_arena_strdup(med_call_arena(call), why);
	return *mark != NULL ? MED_OK : MED_ERR_NOMEM;
}

med_err
diagnosis_population_mark(med_arena *a, const char *why, diagnosis_finding *f)
{
	Smartmed__Diagnosis__V1__OperatingPoint *o = f->operating_point;
	char text[400];

	if (why == NULL || o == NULL)
		return MED_OK;
	/* The card's figures were measured inside the population only. */
	o->expected_sensitivity = o->sensitivity_ci_low = 0.0f;
	o->sensitivity_ci_high = o->expected_specificity = 0.0f;
	o->specificity_ci_low = o->specificity_ci_high = 0.0f;
	o->expected_ppv = o->ppv_ci_low = o->ppv_ci_high = 0.0f;
	o->expected_npv = o->npv_ci_low = o->npv_ci_high = 0.0f;
	o->measured_on = "";
	snprintf(text, sizeof(text), "outside the validated population: %s",
		 why);
	o->outside_population = med_arena_strdup(a, text);
	return o->outside_population != NULL ? MED_OK : MED_ERR_NOMEM;
}
