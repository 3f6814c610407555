/*
 * rpc_stream.c - server-streaming calls: a slot under max_streams, the
 * handler on its own thread, RECV_CLOSE_ON_SERVER to see the client go, and
 * med_call_send, one message at a time.
 */
#include <stdlib.h>
#include <string.h>

#include <med/log.h>

#include "rpc_internal.h"

static void *
stream_main(void *arg)
{
	med_call *c = arg;
	med_server *s = c->srv;
	rpc_zombie *z = malloc(sizeof(*z));
	med_err err;

	med__rpc_handler_enter(c);
	err = c->rm->m->stream(c, c->in);
	med__rpc_handler_leave();
	med__rpc_complete(c, err, NULL);
	pthread_mutex_lock(&s->mu);
	s->active_streams--;
	if (z != NULL) {
		z->thread = pthread_self();
		z->next = s->zombies;
		s->zombies = z;
	} else {
		pthread_detach(pthread_self());
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	med__rpc_call_unref(c);
	return NULL;
}

static bool
stream_slot_take(med_server *s)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = s->active_streams < s->opts.max_streams;
	if (ok)
		s->active_streams++;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* watch_close asks the core to report the end of the call at any time. */
static bool
watch_close(med_call *c)
{
	grpc_op op = {.op = GRPC_OP_RECV_CLOSE_ON_SERVER};

	op.data.recv_close_on_server.cancelled = &c->close_cancelled;
	med__rpc_call_ref(c);
	if (grpc_call_start_batch(c->call, &op, 1, &c->tag_close, NULL) ==
	    GRPC_CALL_OK)
		return true;
	med__rpc_call_unref(c);
	return false;
}

void
med__rpc_start_stream(med_call *c)
{
	pthread_t t;

	med__rpc_join_zombies(c->srv);
	if (!stream_slot_take(c->srv)) {
		med__rpc_reject(c, MED_ERR_LIMIT,
				"too many concurrent streams");
		return;
	}
	if (!watch_close(c))
		goto release_slot;
	med__rpc_call_ref(c);
	if (pthread_create(&t, NULL, stream_main, c) == 0)
		return;
	med__rpc_call_unref(c);
release_slot:
	pthread_mutex_lock(&c->srv->mu);
	c->srv->active_streams--;
	pthread_mutex_unlock(&c->srv->mu);
	med__rpc_reject(c, MED_ERR_NOMEM, "cannot start stream");
}

void
med__rpc_on_close(med_call *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->close_cancelled)
		atomic_store(&c->cancelled, true);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	med__rpc_call_unref(c);
}

void
med__rpc_on_send(med_call *c, bool ok)
{
	pthread_mutex_lock(&c->mu);
	c->send_busy = false;
	c->send_ok = ok;
	if (!ok)
		atomic_store(&c->cancelled, true);
	grpc_byte_buffer_destroy(c->send_bb);
	c->send_bb = NULL;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	med__rpc_call_unref(c);
}

/* start_send starts one SEND_MESSAGE batch; called with c->mu held. */
static med_err
start_send(med_call *c, grpc_byte_buffer *bb)
{
	grpc_op ops[2], *op = ops;

	memset(ops, 0, sizeof(ops));
	if (!c->md_sent) {
		med__rpc_initial_md(c, op);
		op++;
		c->md_sent = true;
	}
	op->op = GRPC_OP_SEND_MESSAGE;
	op->data.send_message.send_message = bb;
	op++;
	c->send_bb = bb;
	c->send_busy = true;
	med__rpc_call_ref(c);
	if (grpc_call_start_batch(c->call, ops, (size_t)(op - ops),
				  &c->tag_send, NULL) == GRPC_CALL_OK)
		return MED_OK;
	c->send_busy = false;
	c->send_bb = NULL;
	atomic_fetch_sub(&c->refs, 1); /* the caller still holds one */
	grpc_byte_buffer_destroy(bb);
	return MED_ERR_CANCELLED;
}

med_err
med_call_send(med_call *call, const ProtobufCMessage *msg)
{
	grpc_byte_buffer *bb;
	med_err err;

	if (call->rm == NULL || call->rm->m->kind != MED_RPC_SERVER_STREAM)
		return MED_ERR_PRECONDITION;
	if (atomic_load(&call->cancelled))
		return MED_ERR_CANCELLED;
	if (call->care_err != MED_OK)
		return call->care_err;
	err = med__rpc_pack(call, msg, &bb);
	if (err != MED_OK)
		return err;
	pthread_mutex_lock(&call->mu);
	err = start_send(call, bb);
	while (err == MED_OK && call->send_busy)
		pthread_cond_wait(&call->cv, &call->mu);
	if (err == MED_OK && !call->send_ok)
		err = MED_ERR_CANCELLED;
	pthread_mutex_unlock(&call->mu);
	return err;
}
