/*
 * store/wire_read.c - the wire handlers of the node reads (store/wire.h).
 */
#include "wire.h"

mlmd__wire_fn mlmd__wire_read_select(const char *rpc, const ProtobufCMessage *rq)
{
	(void)rpc; /* not written yet: every node read is packed from its struct response */
	(void)rq;
	return NULL;
}
