/*
 * store/wire.c - choosing a read's wire handler (store/wire.h).
 */
#include "wire.h"

mlmd__wire_fn mlmd__wire_handler(const char *rpc, const ProtobufCMessage *rq)
{
	mlmd__wire_fn fn = mlmd__wire_read_select(rpc, rq);
	return fn ? fn : mlmd__wire_lineage_select(rpc, rq);
}
