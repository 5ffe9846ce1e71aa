/*
 * cli/serve.c - `mlmd serve`: the store's RPCs over gRPC until SIGTERM or
 * SIGINT (server/server.h, docs/server.md).
 *
 * The signals are blocked before the server starts, so every thread it and
 * gRPC create inherits the mask and the main thread alone takes them with
 * sigwait(); SIGPIPE is ignored (a client gone mid-write is gRPC's error to
 * report, not a reason to die).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "cli.h"
#include "server/server.h"

/* Counts -v, -vv, ... and --verbose in argv (up to "--") and removes them,
 * since the option table takes long options only. Returns the new argc. */
static int take_verbosity(int argc, char **argv, int *verbosity)
{
	int n = 0, options = 1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options && !strcmp(a, "--"))
			options = 0;
		if (options && !strcmp(a, "--verbose")) {
			(*verbosity)++;
			continue;
		}
		if (options && a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
			*verbosity += (int)strlen(a + 1);
			continue;
		}
		argv[n++] = argv[i];
	}
	return n;
}

int cmd_serve(int argc, char **argv)
{
	const char *host = "127.0.0.1", *cert = NULL, *key = NULL, *client_ca = NULL;
	int64_t port = 8080, threads = 0, max_bytes = 4194304, grace = 10;
	bool upgrade = false, verbose_flag = false;
	int verbosity = 0;
	const cli_opt opts[] = {
		CLI_STR("--host", "ADDR", "the address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every one)", &host),
		CLI_INT("--port", "N", "the port (default 8080; 0: a free one the system picks)", &port, 0, 65535),
		CLI_INT("--threads", "N", "worker threads, each with its own store handle (default: the online CPUs, at least 2)",
			&threads, 1, 256),
		CLI_STR("--tls-cert", "FILE", "serve TLS with this PEM certificate (chain); needs --tls-key", &cert),
		CLI_STR("--tls-key", "FILE", "the PEM private key of --tls-cert", &key),
		CLI_STR("--tls-client-ca", "FILE",
			"require client certificates signed by this PEM CA (mutual TLS; a call's writes are by its "
			"certificate's common name)", &client_ca),
		CLI_INT("--max-message-bytes", "N", "the largest request or response (default 4194304)", &max_bytes, 1,
			INT_MAX),
		CLI_INT("--grace-seconds", "N", "at SIGTERM, how long calls in flight may finish before they are cancelled "
			"(default 10)", &grace, 0, 86400),
		CLI_FLAG("--upgrade", "migrate an older store schema at start", &upgrade),
		CLI_FLAG("--verbose", "(-v) one access-log line per call on stderr; -vv also a line when a call starts",
			 &verbose_flag),
		CLI_END
	};
	const cli_cmd cmd = { "serve", NULL, 0, 0,
		"Serves the store over gRPC: Google MLMD's ml_metadata.MetadataStoreService at its method paths, this\n"
		"library's own services, and grpc.health.v1.Health/Check. Prints 'mlmd serve: listening on HOST:PORT'\n"
		"on stdout once it listens. SIGTERM or SIGINT stops it: calls in flight get the grace period; then calls\n"
		"not started are refused, the ones the store is running are answered, the rest cancelled; exit 0.\n"
		"See docs/server.md.",
		true, opts };
	argc = take_verbosity(argc, argv, &verbosity);
	int nargs, rc = cli_parse(&cmd, argc, argv, NULL, &nargs);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!cert != !key)
		return cli_usage("serve: %s needs %s too", cert ? "--tls-cert" : "--tls-key", cert ? "--tls-key" : "--tls-cert");
	if (client_ca && !cert)
		return cli_usage("serve: --tls-client-ca needs --tls-cert and --tls-key");
	const char *uri = cli_g.store;
	if (!uri || !uri[0])
		uri = getenv("MLMD_STORE");
	if (!uri || !uri[0])
		uri = "sqlite:mlmd.db";

	srv_config cfg = SRV_CONFIG_INIT;
	cfg.store_uri = uri;
	cfg.upgrade = upgrade;
	cfg.actor = cli_g.actor;
	cfg.host = host;
	cfg.port = (int)port;
	cfg.threads = (int)threads;
	cfg.tls_cert_file = cert;
	cfg.tls_key_file = key;
	cfg.tls_client_ca_file = client_ca;
	cfg.max_message_bytes = (size_t)max_bytes;
	cfg.grace_ms = grace ? (int)grace * 1000 : -1;
	cfg.verbosity = verbosity;

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv *s;
	char err[1024];
	if (srv_start(&cfg, &s, err, sizeof err))
		return cli_failed("serve: %s", err);
	if (strchr(host, ':') && host[0] != '[')
		printf("mlmd serve: listening on [%s]:%d\n", host, srv_port(s));
	else
		printf("mlmd serve: listening on %s:%d\n", host, srv_port(s));
	fflush(stdout);
	char shown[1024];
	srv_redact_uri(uri, shown, sizeof shown);
	fprintf(stderr, "mlmd serve: store %s, %s%s\n", shown, client_ca ? "mutual TLS" : cert ? "TLS" : "plaintext",
		verbosity ? ", access log on stderr" : "");

	int sig = 0;
	while (sigwait(&set, &sig))
		;
	srv_stop_accepting(s);
	fprintf(stderr, "mlmd serve: %s: draining calls in flight (up to %lld s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
		(long long)grace);
	int cancelled = srv_stop(s);
	srv_free(s);
	fprintf(stderr, "mlmd serve: stopped (%d call%s cancelled)\n", cancelled, cancelled == 1 ? "" : "s");
	return 0;
}
