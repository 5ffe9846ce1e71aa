/*
 * store/wire.c - choosing a read's wire handler (store/wire.h).
 */
#include "wire.h"

mlmd__wire_fn mlmd__wire_handler(const char *rpc, const ProtobufCMessage *rq)
{
	mlmd__wire_fn fn = mlmd__wire_read_select(rpc, rq);
	return fn ? fn : mlmd__wire_lineage_select(rpc, rq);
}

void mlmd__store_set_no_wire(mlmd_store *s, int on)
{
	if (s)
		s->no_wire = on != 0;
}
