/*
 * store/wire_lineage.c - the lineage subgraph answered in wire format (store/wire.h).
 */
#include "wire.h"

mlmd__wire_fn mlmd__wire_lineage_select(const char *rpc, const ProtobufCMessage *rq)
{
	(void)rpc; /* not written yet: lineage is packed from its struct response */
	(void)rq;
	return NULL;
}
