/*
 * tests/grpc_client.h - a small blocking unary gRPC client on gRPC's C core,
 * for tests/test_server.c and bench/bench_server.c: open a channel (plain or
 * TLS, with or without a client certificate), make one call with a deadline,
 * read the status, the message and the response bytes.
 *
 * (Contract placeholder: tests/test_server.c's owner writes it.)
 */
#ifndef MLMD_TESTS_GRPC_CLIENT_H
#define MLMD_TESTS_GRPC_CLIENT_H
#endif
