/*
 * store/ids.c - the id fields of a request or response, found by name: what
 * the audit record (store/audit.c) and the listeners' change
 * (store/listen.c) both take from a writing call.
 */
#include <string.h>
#include "store_private.h"

/* "id", "<x>_id" or "<x>_ids". */
static int is_id_field(const char *name)
{
	size_t n = strlen(name);
	return !strcmp(name, "id") || (n > 3 && !strcmp(name + n - 3, "_id")) ||
		(n > 4 && !strcmp(name + n - 4, "_ids"));
}

static void walk(const ProtobufCMessage *m, const char *prefix, int depth, mlmd__id_visit visit, void *ctx)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;
		size_t count = 1;
		const void *vals = base;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *)((const char *)m + f->quantifier_offset);
			vals = *(void *const *)base;
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
			   (f->type == PROTOBUF_C_TYPE_INT64) &&
			   !*(const protobuf_c_boolean *)((const char *)m + f->quantifier_offset)) {
			continue;
		}
		if (f->type == PROTOBUF_C_TYPE_INT64 && is_id_field(f->name)) {
			char name[64];
			mlmd__snprintf(name, sizeof name, "%s%s", prefix, f->name);
			for (size_t k = 0; k < count; k++)
				visit(ctx, name, m, f->name, ((const int64_t *)vals)[k]);
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth == 0) {
			char sub[64];
			mlmd__snprintf(sub, sizeof sub, "%s.", f->name);
			for (size_t k = 0; k < count; k++) {
				const ProtobufCMessage *c = ((const ProtobufCMessage *const *)vals)[k];
				if (c)
					walk(c, sub, 1, visit, ctx);
			}
		}
	}
}

void mlmd__ids_walk(const ProtobufCMessage *m, mlmd__id_visit visit, void *ctx)
{
	walk(m, "", 0, visit, ctx);
}
