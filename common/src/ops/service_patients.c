/*
 * service_patients.c - the med_service_def.start and .stop of services that
 * check patient ids and care relationships against identity (med/patients.h):
 * the service's configuration handed down to the contracts, which never
 * reach up for a service themselves.
 */
#include <med/patients.h>
#include <med/service.h>

med_err
med_patients_service_start(struct med_service *svc)
{
	return med_patients_process_start(med_service_config(svc));
}

void
med_patients_service_stop(struct med_service *svc)
{
	(void)svc;
	med_patients_process_stop();
}
