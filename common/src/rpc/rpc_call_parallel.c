/*
 * rpc_call_parallel.c - a handler's independent outbound calls run at
 * once (med_call_parallel): each extra task on a thread of its own with a
 * task call, a copy of what the call's contracts read (service, principal,
 * request id, deadline, patient) and an arena of its own.
 */
#include <med/arena.h>
#include <med/db.h>
#include <med/log.h>
#include <med/util.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_internal.h"

/* A task call's arena cap: a reply of the service's largest message,
 * decoded, with room to spare (as a call's own, rpc_call.c). */
#define TASK_ARENA_MIN (4u << 20)

typedef struct task_slot {
	const med_call_task *task;
	med_call *call; /* the task call; NULL for the first task */
	med_err err;
	pthread_t thread;
	bool started;
} task_slot;

static size_t
task_arena_cap(const med_call *parent)
{
	size_t cap = TASK_ARENA_MIN;

	if (parent->srv != NULL && parent->srv->opts.max_message_bytes > 0 &&
	    4 * (size_t)parent->srv->opts.max_message_bytes > cap)
		cap = 4 * (size_t)parent->srv->opts.max_message_bytes;
	return cap;
}

/* task_call_new makes the call a task runs with: what contracts read of
 * parent, copied (the patient already decided is not asked about again);
 * nothing of the server's call state (no gRPC call, no audit). */
static med_call *
task_call_new(const med_call *parent)
{
	med_call *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->arena = med_arena_new(task_arena_cap(parent))) == NULL) {
		free(c);
		return NULL;
	}
	c->srv = parent->srv;
	c->rm = parent->rm; /* what the call's log lines name */
	c->local = parent->local;
	c->deadline = parent->deadline;
	c->principal = parent->principal;
	c->secure = parent->secure;
	memcpy(c->request_id, parent->request_id, sizeof(c->request_id));
	memcpy(c->patient_id, parent->patient_id, sizeof(c->patient_id));
	c->care_decided = parent->care_decided;
	memcpy(c->care_patient, parent->care_patient, sizeof(c->care_patient));
	c->care_err = parent->care_err;
	c->purpose_of_use = parent->purpose_of_use;
	return c;
}

static void *
task_run(void *arg)
{
	task_slot *s = arg;

	med_log_set_request_id(s->call->request_id);
	s->err = s->task->fn(s->call, s->task->ctx);
	med_log_set_request_id(NULL);
	return NULL;
}

/* task_start starts slot s's task on a thread; false leaves it to run
 * on this one. */
static bool
task_start(med_call *parent, task_slot *s)
{
	if ((s->call = task_call_new(parent)) == NULL)
		return false;
	s->started = pthread_create(&s->thread, NULL, task_run, s) == 0;
	return s->started;
}

/* task_merge gives parent what the task call gathered: its audit details
 * and a care refusal (should a task have named another patient). */
static void
task_merge(med_call *parent, const med_call *c)
{
	for (size_t i = 0; i < c->n_audit_details; i++) {
		if (parent->n_audit_details == MED_AUDIT_MAX_DETAILS) {
			med_log_error("audit: detail %s of a task of %s not "
				      "recorded",
				      c->audit_details[i].key,
				      med__call_action(parent));
			continue;
		}
		parent->audit_details[parent->n_audit_details++] =
			c->audit_details[i];
	}
	if (c->care_err != MED_OK && parent->care_err == MED_OK) {
		parent->care_err = c->care_err;
		memcpy(parent->care_msg, c->care_msg, sizeof(parent->care_msg));
	}
}

/* task_join ends slot s: its arena, details and care refusal join
 * parent's, and its failure becomes parent's when no earlier task failed
 * (*first). */
static void
task_join(med_call *parent, task_slot *s, med_err *first)
{
	if (s->started)
		pthread_join(s->thread, NULL);
	else if (s->call != NULL)
		s->err = s->task->fn(s->call, s->task->ctx);
	else
		s->err = MED_ERR_NOMEM; /* no task call could be made */
	if (s->err != MED_OK && *first == MED_OK) {
		*first = s->err;
		if (s->call != NULL && s->call->fail_err != MED_OK) {
			parent->fail_err = s->call->fail_err;
			memcpy(parent->fail_msg, s->call->fail_msg,
			       sizeof(parent->fail_msg));
		}
	}
	if (s->call != NULL) {
		task_merge(parent, s->call);
		med_arena_absorb(parent->arena, s->call->arena);
		free(s->call);
		s->call = NULL;
	}
}

med_err
med_call_parallel(med_call *call, const med_call_task *tasks, size_t n)
{
	task_slot slots[MED_CALL_TASKS_MAX];
	med_err first = MED_OK;

	if (call == NULL || tasks == NULL || n > MED_CALL_TASKS_MAX ||
	    med_db_in_tx())
		return MED_ERR_INVALID;
	if (n == 0)
		return MED_OK;
	memset(slots, 0, sizeof(slots));
	for (size_t i = 0; i < n; i++)
		slots[i].task = &tasks[i];
	for (size_t i = 1; i < n; i++)
		(void)task_start(call, &slots[i]);
	slots[0].err = tasks[0].fn(call, tasks[0].ctx);
	if (slots[0].err != MED_OK)
		first = slots[0].err;
	for (size_t i = 1; i < n; i++)
		task_join(call, &slots[i], &first);
	return first;
}
