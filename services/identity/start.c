/*
 * start.c - the service's start hook: the lookup scope's line in the log,
 * the break-glass and face-watch counters at 0 (so that they are scraped
 * before the first grant or photograph), then face recognition
 * (face/face.c).  Below the handlers, which never call it; it calls
 * down into scope.c, break_glass_metrics.c and face/.
 */
#include <med/service.h>

#include "identity.h"

med_err
identity_start(med_service *svc)
{
	struct med_metrics *m = med_service_metrics(svc);

	identity_scope_announce(med_service_config(svc));
	identity_break_glass_metrics(m);
	identity_watch_metrics(m);
	return identity_face_begin(svc);
}
