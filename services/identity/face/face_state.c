/*
 * face_state.c - what face recognition was set up with (face.c reads the
 * settings into an identity_face): its model, threshold, keys and index,
 * read by the rest of face/ and by the handlers.  In a file of its own
 * so that index.c and templates.c, which face.c calls, read them without
 * calling back up into face.c.
 */
#include "face_internal.h"

size_t
identity_face_dim(const identity_face *f)
{
	return f->dim;
}

double
identity_face_threshold(const identity_face *f)
{
	return f->threshold;
}

const char *
identity_face_model(const identity_face *f)
{
	return f->model;
}

const char *
identity_face_device(const identity_face *f)
{
	return f->device;
}

int64_t
identity_face_ttl_ms(const identity_face *f)
{
	return f->ttl_ms;
}

const uint8_t *
identity_face_template_key(const identity_face *f)
{
	return f->tkey;
}

const uint8_t *
identity_face_signing_seed(const identity_face *f)
{
	return f->seed;
}

const uint8_t *
identity_face_public_key(const identity_face *f)
{
	return f->pk;
}

const char *
identity_face_key_id(const identity_face *f)
{
	return f->key_id;
}

const char *
identity_face_describe(const identity_face *f)
{
	return f->describe;
}

identity_index *
identity_face_index(identity_face *f)
{
	return f->index;
}
