/*
 * bounds.c - the measurements a patient can have (units.h): what the
 * facts read from records and the context a nurse sets are held to.  A
 * value outside is a typing slip or a bad value in the record.
 */
#include <math.h>
#include <stdbool.h>

#include "units.h"

bool
dosage_weight_plausible(double kg)
{
	return isfinite(kg) && kg >= DOSAGE_WEIGHT_MIN_KG &&
	       kg <= DOSAGE_WEIGHT_MAX_KG;
}

bool
dosage_height_plausible(double cm)
{
	return isfinite(cm) && cm >= DOSAGE_HEIGHT_MIN_CM &&
	       cm <= DOSAGE_HEIGHT_MAX_CM;
}

bool
dosage_crcl_plausible(double ml_min)
{
	return ml_min == 0 || (isfinite(ml_min) && ml_min >= DOSAGE_CRCL_MIN &&
			       ml_min <= DOSAGE_CRCL_MAX);
}

bool
dosage_egfr_plausible(double ml_min_173)
{
	return isfinite(ml_min_173) && ml_min_173 >= 0 && ml_min_173 <= 300;
}
