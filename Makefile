# mlmd - one non-recursive Makefile.
#   make            build libmlmd.a, libmlmd.so and mlmd.pc
#   make check      all tests, plainly and under ASan+UBSan
#   make demo       run the example pipeline on a file store
#   make bench      benchmarks (not tests)
#   make bench-scale  cost curves to ten million artifacts (many minutes; not in bench)
#   make install / uninstall   (DESTDIR PREFIX BINDIR LIBDIR INCLUDEDIR PKGCONFIGDIR MANDIR)

MAJOR := 0
VERSION := 0.1.0
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# Debian's /usr/bin/python3 also reads $(PREFIX)/lib/python3/dist-packages.
PYTHONDIR ?= $(PREFIX)/lib/python3/dist-packages
PYTHON ?= /usr/bin/python3
DESTDIR ?=

CC ?= cc
B := build
GEN := $(B)/gen
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
CFLAGS ?= -O2 -g
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden \
	-Iinclude -I$(GEN) -Ilib $(PG_CFLAGS)
GEN_CFLAGS := -std=c11 -O2 -g -fPIC -fvisibility=hidden -include $(GEN)/mlmd_export_descriptors.h -I$(GEN) -Iinclude
LIBS := -lprotobuf-c -lsqlite3 -lpq -lcurl -lcrypto -lexpat -lpthread -lm
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC := $(wildcard lib/*/*.c)
GEN_SRC := $(GEN)/google/protobuf/any.pb-c.c $(GEN)/google/protobuf/struct.pb-c.c \
	$(GEN)/google/protobuf/field_mask.pb-c.c $(GEN)/ml_metadata/proto/metadata_store.pb-c.c \
	$(GEN)/ml_metadata/proto/metadata_store_service.pb-c.c $(GEN)/onnx_min.pb-c.c $(GEN)/mlmd_tracking.pb-c.c \
	$(GEN)/mlmd_governance.pb-c.c $(GEN)/mlmd_testing.pb-c.c
GEN_HDR := $(GEN_SRC:.c=.h)
HDRS := $(wildcard include/*.h include/mlmd/*.h include/mlmd/sys/*.h lib/*.h lib/*/*.h)

OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o) $(GEN_SRC:$(GEN)/%.c=$(B)/obj/gen/%.o)
SOBJ := $(LIB_SRC:%.c=$(B)/san/%.o) $(GEN_SRC:$(GEN)/%.c=$(B)/san/gen/%.o)
TOBJ := $(LIB_SRC:%.c=$(B)/tsan/%.o) $(GEN_SRC:$(GEN)/%.c=$(B)/tsan/gen/%.o)
# The sanitizer suites again with clang, whose UBSan checks more (pointer
# arithmetic on NULL, for one) than gcc's.
CLANG ?= clang
COBJ := $(LIB_SRC:%.c=$(B)/san-clang/%.o) $(GEN_SRC:$(GEN)/%.c=$(B)/san-clang/gen/%.o)
TSAN := -fsanitize=thread -fno-omit-frame-pointer

TESTS := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))

.PHONY: bench-scale all deps check check-plain check-san check-san-clang check-tsan check-fuzz check-python check-install check-backends pg-cleanup python fuzz demo bench install uninstall clean headertest symbols symbols-update check-includes
.SECONDARY:

all: deps $(B)/libmlmd.a $(B)/libmlmd.so $(B)/mlmd.pc $(B)/mlmd python

deps:
	@sh scripts/deps.sh

$(GEN)/.stamp: proto/metadata_store.proto proto/metadata_store_service.proto proto/onnx_min.proto \
		proto/mlmd_tracking.proto proto/mlmd_governance.proto proto/mlmd_testing.proto scripts/gen-proto-c.sh
	@sh scripts/deps.sh
	sh scripts/gen-proto-c.sh $(B)
	@touch $@
$(GEN_SRC) $(GEN_HDR): $(GEN)/.stamp

$(B)/obj/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c $< -o $@
$(B)/san/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) $(SAN) -c $< -o $@
$(B)/tsan/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) $(TSAN) -c $< -o $@
$(B)/san-clang/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CLANG) $(GEN_CFLAGS) $(SAN) -Wno-deprecated-declarations -c $< -o $@
$(B)/san-clang/%.o: %.c $(HDRS) $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CLANG) $(ALL_CFLAGS) $(SAN) -c $< -o $@
$(B)/tsan/%.o: %.c $(HDRS) $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN) -c $< -o $@
$(B)/obj/%.o: %.c $(HDRS) $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(B)/san/%.o: %.c $(HDRS) $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -c $< -o $@

$(B)/libmlmd.a: $(OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libmlmd-san.a: $(SOBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libmlmd-san-clang.a: $(COBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libmlmd-tsan.a: $(TOBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libmlmd.so: $(OBJ)
	$(CC) -shared -Wl,-soname,libmlmd.so.$(MAJOR) -Wl,--no-undefined -o $@ $^ $(LIBS)

# Regenerated every build (FORCE is phony: `.SECONDARY:` above would otherwise let make skip the
# rule), so `make install PREFIX=...` installs a file naming that prefix. protobuf-c is a public
# dependency (the API's types are its messages); the rest are private, listed as plain -l flags
# because libpq's .pc would add static-only libraries (-lpgcommon -lpgport) that do not link.
$(B)/mlmd.pc: FORCE
	@mkdir -p $(B)
	@printf 'prefix=%s\nlibdir=%s\nincludedir=%s\n\nName: mlmd\nDescription: embeddable ML metadata store (MLMD-compatible)\nVersion: %s\nRequires: libprotobuf-c\nCflags: -I$${includedir} -I$${includedir}/mlmd/proto\nLibs: -L$${libdir} -lmlmd\nLibs.private: -lsqlite3 -lpq -lcurl -lcrypto -lexpat -lpthread -lm\n' \
		'$(PREFIX)' '$(LIBDIR)' '$(INCLUDEDIR)' '$(VERSION)' > $@
.PHONY: FORCE
FORCE:

# ---- tests -------------------------------------------------------------------
SERVER_SRC := $(wildcard server/*.c)
SERVER_HDR := $(wildcard server/*.h)
TEST_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -O1 -g -Iinclude -I$(GEN) -Ilib -Itests -I. $(PG_CFLAGS)
TEST_LIBS := -lcmocka $(LIBS)

# test_scorer counts the library's allocations through these wrappers.
TEST_LDFLAGS_test_scorer := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=aligned_alloc -lpthread
# test_pmml measures the library's live and peak heap bytes (load caps, no allocation per row).
TEST_LDFLAGS_test_pmml := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=aligned_alloc \
	-Wl,--wrap=free
# test_server runs the server in process (server/*.c, compiled with the test, so the
# sanitizers see it) and talks to it with gRPC's C core client (tests/grpc_client.h).
TEST_SRC_test_server = $(SERVER_SRC)
TEST_LDFLAGS_test_server = $(GRPC_LIBS) -lpthread
# test_server_hostile: the same, against hostile request bytes.
TEST_SRC_test_server_hostile = $(SERVER_SRC)
TEST_LDFLAGS_test_server_hostile = $(GRPC_LIBS) -lpthread
# test_server_tls: the same, with TLS (certificates made by the test with `openssl`) and size limits.
# test_server_abuse: the same, against raw connections; and `mlmd serve`'s redaction of store passwords.
TEST_SRC_test_server_abuse = $(SERVER_SRC)
TEST_LDFLAGS_test_server_abuse = $(GRPC_LIBS) -lpthread
# test_server_slow: the same, with the server's limit on a slow client at 400 ms instead of
# 60 s (the -D goes with the link flags: a test compiles and links in one command).
TEST_SRC_test_server_slow = $(SERVER_SRC)
TEST_LDFLAGS_test_server_slow = -DSRV_IO_LIMIT_MS=400 $(GRPC_LIBS) -lpthread
TEST_SRC_test_server_tls = $(SERVER_SRC)
TEST_LDFLAGS_test_server_tls = $(GRPC_LIBS) -lpthread
TEST_SRC_test_server_load = $(SERVER_SRC)
TEST_LDFLAGS_test_server_load = $(GRPC_LIBS) -lpthread
# test_server_drain (calls in flight at srv_stop, deadlines) and test_server_process
# (`mlmd serve` run as a program): the same, sharing tests/server_drain.h.
TEST_SRC_test_server_drain = $(SERVER_SRC)
TEST_LDFLAGS_test_server_drain = $(GRPC_LIBS) -lpthread
TEST_SRC_test_server_process = $(SERVER_SRC)
TEST_LDFLAGS_test_server_process = $(GRPC_LIBS) -lpthread
TEST_LDFLAGS_test_serving := -lpthread
TEST_LDFLAGS_test_explain := -lpthread
TEST_LDFLAGS_test_scorer_batch := -lpthread
TEST_LDFLAGS_test_serving_drift := -lpthread
# test_nodes counts the library's string comparisons (cost per property).
TEST_LDFLAGS_test_nodes := -Wl,--wrap=strcmp
# tests/backend_custom.c: a storage backend written as a host would, on the
# public headers only (no -Ilib), linked into every suite (MLMD_TEST_BACKEND=custom).
CUSTOM_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -g -Iinclude -I$(GEN)
CUSTOM_DEPS := tests/backend_custom.c tests/backend_custom.h $(wildcard include/*.h include/mlmd/*.h include/mlmd/sys/*.h) \
	$(GEN)/.stamp
$(B)/tests-obj/backend_custom.o: $(CUSTOM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CUSTOM_CFLAGS) -c $< -o $@
$(B)/tests-obj/san/backend_custom.o: $(CUSTOM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CUSTOM_CFLAGS) $(SAN) -c $< -o $@
$(B)/tests-obj/san-clang/backend_custom.o: $(CUSTOM_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CUSTOM_CFLAGS) $(SAN) -c $< -o $@
TEST_HDRS := tests/helpers.h tests/dg_helpers.h tests/ol_helpers.h tests/onnx_build.h tests/serving_helpers.h tests/backend_custom.h \
	tests/grpc_client.h tests/server_fixture.h $(SERVER_HDR)
# TEST_SRC_name: sources outside the library a test compiles with itself.
.SECONDEXPANSION:
$(B)/tests/%: tests/%.c $(TEST_HDRS) $(B)/libmlmd.a $(B)/tests-obj/backend_custom.o $$(TEST_SRC_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $< $(TEST_SRC_$*) $(B)/tests-obj/backend_custom.o -o $@ $(B)/libmlmd.a $(TEST_LIBS) $(TEST_LDFLAGS_$*)
$(B)/tests-san/%: tests/%.c $(TEST_HDRS) $(B)/libmlmd-san.a $(B)/tests-obj/san/backend_custom.o $$(TEST_SRC_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(SAN) $< $(TEST_SRC_$*) $(B)/tests-obj/san/backend_custom.o -o $@ $(B)/libmlmd-san.a $(TEST_LIBS) $(TEST_LDFLAGS_$*)

check: all check-includes check-plain check-san check-san-clang check-tsan check-backends check-fuzz check-python check-install headertest symbols
	@$(MAKE) -s pg-cleanup
	@echo "check: all suites passed (C plain and ASan+UBSan, Python), store suites on every backend (and on tests/backend_custom.c), fuzz corpus replayed, include, header and symbol checks passed"

# Every suite sees the German locale test_locale needs (built here, no root
# needed) and LeakSanitizer's list of leaks that are not ours.
TEST_ENV := MLMD_TEST_TMP=$(B)/tmp LOCPATH=$(CURDIR)/$(B)/locale LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	MLMD_CLI=$(CURDIR)/$(B)/mlmd
$(B)/locale/de_DE.UTF-8:
	@mkdir -p $(B)/locale
	localedef -i de_DE -f UTF-8 $@ || { echo "check: localedef failed (Debian package: locales)"; exit 1; }

check-plain: $(addprefix $(B)/tests/,$(TESTS)) $(B)/locale/de_DE.UTF-8
	@set -e; for t in $(TESTS); do echo "== $$t"; $(TEST_ENV) $(B)/tests/$$t; done

check-san: $(addprefix $(B)/tests-san/,$(TESTS)) $(B)/locale/de_DE.UTF-8
	@set -e; for t in $(TESTS); do echo "== $$t (asan+ubsan)"; \
		ASAN_OPTIONS=detect_leaks=1 $(TEST_ENV) $(B)/tests-san/$$t; done

$(B)/tests-san-clang/%: tests/%.c $(TEST_HDRS) $(B)/libmlmd-san-clang.a $(B)/tests-obj/san-clang/backend_custom.o $$(TEST_SRC_$$*)
	@mkdir -p $(dir $@)
	$(CLANG) $(TEST_CFLAGS) -Wno-deprecated-declarations $(SAN) $< $(TEST_SRC_$*) $(B)/tests-obj/san-clang/backend_custom.o -o $@ \
		$(B)/libmlmd-san-clang.a $(TEST_LIBS) $(TEST_LDFLAGS_$*)
check-san-clang: $(addprefix $(B)/tests-san-clang/,$(TESTS)) $(B)/locale/de_DE.UTF-8
	@set -e; for t in $(TESTS); do echo "== $$t (clang asan+ubsan)"; \
		ASAN_OPTIONS=detect_leaks=1 $(TEST_ENV) $(B)/tests-san-clang/$$t; done

# Hot swap under load, built with ThreadSanitizer (the swap test of test_serving).
$(B)/tests-tsan/test_serving: tests/test_serving.c tests/onnx_build.h $(B)/libmlmd-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
# Several threads explaining with one explainer (test_explain), likewise.
$(B)/tests-tsan/test_explain: tests/test_explain.c tests/onnx_build.h $(B)/libmlmd-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
$(B)/tests-tsan/test_scorer_batch: tests/test_scorer_batch.c $(B)/libmlmd-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
# PMML tree ensembles scored on three threads, against the row path (test_pmml_batch).
$(B)/tests-tsan/test_pmml_batch: tests/test_pmml_batch.c $(B)/libmlmd-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
$(B)/tests-tsan/test_treeshap: tests/test_treeshap.c $(B)/libmlmd-tsan.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
# Drift counted by contexts on threads and summed by the flush (test_serving_drift).
$(B)/tests-obj/tsan/backend_custom.o: $(CUSTOM_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(CUSTOM_CFLAGS) $(TSAN) -c $< -o $@
$(B)/tests-tsan/test_serving_drift: tests/test_serving_drift.c $(TEST_HDRS) $(B)/libmlmd-tsan.a $(B)/tests-obj/tsan/backend_custom.o
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< $(B)/tests-obj/tsan/backend_custom.o -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
# The OpenLineage transport's sender threads, its receiver thread and two handles on one queue.
$(B)/tests-tsan/test_openlineage_transport: tests/test_openlineage_transport.c $(TEST_HDRS) $(B)/libmlmd-tsan.a $(B)/tests-obj/tsan/backend_custom.o
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< $(B)/tests-obj/tsan/backend_custom.o -o $@ $(B)/libmlmd-tsan.a $(TEST_LIBS) -lpthread
# The server's workers under load and at the drain, in process. gRPC's C core is not built with
# TSan: tests/tsan.supp drops reports with a gRPC or abseil frame, never ours.
$(B)/tests-tsan/test_server_%: tests/test_server_%.c $(TEST_HDRS) $(SERVER_SRC) $(B)/libmlmd-tsan.a $(B)/tests-obj/tsan/backend_custom.o
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TSAN) $< $(SERVER_SRC) $(B)/tests-obj/tsan/backend_custom.o -o $@ $(B)/libmlmd-tsan.a \
		$(TEST_LIBS) $(GRPC_LIBS) -lpthread $(TEST_LDFLAGS_test_server_$*)
check-tsan: $(B)/tests-tsan/test_serving $(B)/tests-tsan/test_explain $(B)/tests-tsan/test_treeshap $(B)/tests-tsan/test_serving_drift \
		$(B)/tests-tsan/test_openlineage_transport \
		$(B)/tests-tsan/test_server_load $(B)/tests-tsan/test_server_drain $(B)/tests-tsan/test_server_slow \
		$(B)/tests-tsan/test_server_abuse $(B)/tests-tsan/test_scorer_batch \
		$(B)/tests-tsan/test_pmml_batch
	@echo "== test_scorer_batch (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_scorer_batch
	@echo "== test_pmml_batch generated ensembles (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_pmml_batch 'g*'
	@echo "== test_serving swap (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_serving swap
	@echo "== test_explain (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_explain
	@echo "== test_treeshap (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_treeshap
	@echo "== test_serving_drift threads (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_serving_drift '*_exactly'
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_serving_drift concurrent_flushes_lose_nothing
	@echo "== test_openlineage_transport (tsan)"
	@TSAN_OPTIONS=halt_on_error=1 $(TEST_ENV) $(B)/tests-tsan/test_openlineage_transport
	@echo "== test_server_load, test_server_drain, test_server_slow, test_server_abuse (tsan, tests/tsan.supp)"
	@set -e; for t in load drain slow abuse; do \
		TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" $(TEST_ENV) $(B)/tests-tsan/test_server_$$t; done

# The store's conformance suites on the other backends: an SQLite file
# always, the backend of tests/backend_custom.c (outside the library, opened
# with mlmd_store_open_backend) always, PostgreSQL when MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT names
# a server where tests may create databases (scripts/pg-throwaway.sh starts one;
# with MLMD_TEST_POSTGRES_DIR set to its directory the fault tests also crash
# and restart it).
CONFORMANCE := test_types test_nodes test_arena test_edges test_subgraph_events test_list test_filter test_lineage test_concurrency test_concurrency_shared test_concurrency_locks test_concurrency_order test_faults test_plans \
	test_locale test_files test_limits test_txn test_tracking test_tracking_api test_audit test_registry \
	test_serving_registry test_serving_restart test_serving_gate test_serving_drift test_registry_api test_delete test_retention test_impact test_labels \
	test_datagov_api test_profile_store test_drift_window_rpc test_listener test_openlineage_export test_openlineage_import test_openlineage_hostile test_report \
	test_server test_server_hostile test_server_tls test_server_abuse test_server_slow test_server_load test_server_drain test_server_process test_deadline \
	test_notation test_testing test_wire test_wire_lineage
check-backends: $(addprefix $(B)/tests/,$(CONFORMANCE)) $(B)/locale/de_DE.UTF-8
	@set -e; for t in $(CONFORMANCE); do echo "== $$t (sqlite-file)"; \
		MLMD_TEST_BACKEND=sqlite-file $(TEST_ENV) $(B)/tests/$$t; done
	@set -e; for t in $(CONFORMANCE); do echo "== $$t (custom backend, tests/backend_custom.c)"; \
		MLMD_TEST_BACKEND=custom $(TEST_ENV) $(B)/tests/$$t; done
	@if [ -z "$$MLMD_TEST_POSTGRES" ]; then \
		echo "check: PostgreSQL SKIPPED: set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT (e.g. from scripts/pg-throwaway.sh start)"; \
	else set -e; for t in $(CONFORMANCE); do echo "== $$t (postgresql)"; \
		MLMD_TEST_BACKEND=postgresql $(TEST_ENV) $(B)/tests/$$t; done; fi

# Drops the databases the PostgreSQL suites created (named mlmd_t_*).
pg-cleanup:
	@if [ -n "$$MLMD_TEST_POSTGRES" ] && command -v psql >/dev/null; then \
		for d in $$(psql "$$MLMD_TEST_POSTGRES/postgres" -Atc \
			"SELECT datname FROM pg_database WHERE datname LIKE 'mlmd\_t\_%'"); do \
			psql "$$MLMD_TEST_POSTGRES/postgres" -qc "DROP DATABASE \"$$d\"" || true; done; fi

# Fuzz targets: `make check` replays each seed corpus under ASan+UBSan with
# a plain driver; `make fuzz` builds the libFuzzer binaries with clang
# (Debian: clang libclang-rt-14-dev) and runs each for FUZZ_SECONDS.
FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_MAXLEN_model := 16384
FUZZ_MAXLEN_rpc := 4096
FUZZ_MAXLEN_search := 4096
# A target that fuzzes code outside the library (the CLI's readers) names
# those sources here, e.g. FUZZ_SRC_csv := cli/csv.c
FUZZ_SRC_csv := cli/csv.c
FUZZ_MAXLEN_csv := 4096
FUZZ_SRC_import := cli/import.c cli/importer.c cli/import_dg.c cli/util.c
FUZZ_MAXLEN_import := 8192
FUZZ_SRC_time := cli/util.c
FUZZ_MAXLEN_time := 256
FUZZ_MAXLEN_profile := 8192
FUZZ_MAXLEN_openlineage := 8192
FUZZ_MAXLEN_notation := 4096
.SECONDEXPANSION:
$(B)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(B)/libmlmd-san.a $$(FUZZ_SRC_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Icli $(SAN) tests/fuzz/fuzz_$*.c $(FUZZ_SRC_$*) tests/fuzz/replay.c -o $@ $(B)/libmlmd-san.a $(LIBS)
check-fuzz: $(addprefix $(B)/fuzz-replay/,$(FUZZERS))
	@set -e; for f in $(FUZZERS); do echo "== fuzz corpus $$f (asan+ubsan)"; \
		ASAN_OPTIONS=detect_leaks=1 $(B)/fuzz-replay/$$f tests/fuzz/corpus/$$f; done

FUZZ_CC ?= clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1 -Wno-deprecated-declarations
FUZZ_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/obj/%.o) $(GEN_SRC:$(GEN)/%.c=$(B)/fuzz/obj/gen/%.o)
$(B)/fuzz/obj/gen/%.o: $(GEN)/%.c $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(GEN_CFLAGS) -fsanitize=address,undefined -g -O1 -c $< -o $@
$(B)/fuzz/obj/%.o: %.c $(HDRS) $(GEN)/.stamp
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) -Wno-unused-command-line-argument -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -g -O1 -c $< -o $@
$(B)/fuzz/bin/%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) $$(FUZZ_SRC_$$*)
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) not found; install clang libclang-rt-14-dev"; exit 1; }
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(TEST_CFLAGS) -Icli $(FUZZ_FLAGS) $< $(FUZZ_SRC_$*) $(FUZZ_OBJ) -o $@ $(LIBS)
# make fuzz [FUZZERS="model rpc"] [FUZZ_SECONDS=600]: new inputs go to $(B)/fuzz/corpus-NAME,
# crashes to $(B)/fuzz/; the seed corpus is tests/fuzz/corpus/NAME.
# FUZZ_MAXLEN_NAME sets a target's largest input (default 512 bytes).
fuzz: $(addprefix $(B)/fuzz/bin/,$(FUZZERS))
	@set -e; $(foreach f,$(FUZZERS),mkdir -p $(B)/fuzz/corpus-$(f); \
		echo "== fuzzing $(f) for $(FUZZ_SECONDS)s (new inputs in $(B)/fuzz/corpus-$(f), crashes in $(B)/fuzz/)"; \
		$(B)/fuzz/bin/$(f) -max_total_time=$(FUZZ_SECONDS) -max_len=$(or $(FUZZ_MAXLEN_$(f)),512) \
			-artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus-$(f) tests/fuzz/corpus/$(f);)

# ---- Python: the ml_metadata package ---------------------------------------------
# `make` generates its _pb2 modules and puts a copy of the library next to
# it, so it imports from the source tree; `make check` runs tests/python.
PY_PKG := bindings/python/ml_metadata
PY_TRACK := bindings/python/mlmd
PY_GEN := $(PY_PKG)/proto/metadata_store_pb2.py $(PY_PKG)/proto/metadata_store_service_pb2.py \
	$(PY_PKG)/proto/metadata_store_service_pb2_grpc.py \
	$(PY_PKG)/simple_types/proto/simple_types_pb2.py \
	$(PY_TRACK)/proto/mlmd_tracking_pb2.py $(PY_TRACK)/proto/mlmd_governance_pb2.py $(PY_TRACK)/proto/mlmd_testing_pb2.py
python: $(PY_GEN) $(PY_PKG)/libmlmd.so
$(PY_GEN) &: proto/metadata_store.proto proto/metadata_store_service.proto proto/simple_types.proto \
		proto/mlmd_tracking.proto proto/mlmd_governance.proto proto/mlmd_testing.proto scripts/gen-proto-py.sh
	sh scripts/gen-proto-py.sh $(B) bindings/python
$(PY_PKG)/libmlmd.so: $(B)/libmlmd.so
	cp $< $@
# The C++ message accelerator (bindings/python/ml_metadata/_cpp_messages.cc, docs/python.md):
# protoc's C++ classes of the same .proto files as the _pb2 modules (same names under the
# same include root, so the descriptors are byte for byte the same; ml_metadata/_cpp.py
# checks it at import), linked against libprotobuf, so python3-protobuf's cpp backend
# parses MLMD's messages with generated code. Built when g++, Python's headers and
# libprotobuf's exist; the package works without it (then a stale copy is removed).
PY_CONF := $(shell $(PYTHON) -c "import sysconfig as s; print(s.get_config_var('EXT_SUFFIX') or '', s.get_paths()['include'])" 2>/dev/null)
PY_EXT_SUFFIX := $(word 1,$(PY_CONF))
PY_INCLUDE := $(word 2,$(PY_CONF))
PY_ACCEL := $(PY_PKG)/_cpp_messages$(PY_EXT_SUFFIX)
PY_ACCEL_DIR := $(B)/py-accel
PY_ACCEL_PB := $(PY_ACCEL_DIR)/ml_metadata/proto/metadata_store.pb $(PY_ACCEL_DIR)/ml_metadata/proto/metadata_store_service.pb
PY_ACCEL_OBJ := $(PY_ACCEL_DIR)/_cpp_messages.o $(PY_ACCEL_PB:=.o)
PY_ACCEL_CXXFLAGS := -std=c++17 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Werror -I$(PY_ACCEL_DIR) -I$(PY_INCLUDE) \
	$(shell pkg-config --cflags protobuf 2>/dev/null)
PY_ACCEL_OK := $(and $(PY_EXT_SUFFIX),$(shell command -v $(CXX) 2>/dev/null),$(wildcard $(PY_INCLUDE)/Python.h),$(shell pkg-config --exists protobuf && echo yes))
ifneq ($(PY_ACCEL_OK),)
python: $(PY_ACCEL)
else
python: python-accel-skipped
endif
.PHONY: python-accel-skipped
python-accel-skipped:
	@rm -f $(PY_PKG)/_cpp_messages*.so
	@echo "python: the C++ message accelerator is not built (it needs $(CXX), python3-dev and libprotobuf-dev): ml_metadata works without it, parsing by reflection"
$(PY_ACCEL_PB:=.cc) $(PY_ACCEL_PB:=.h) &: proto/metadata_store.proto proto/metadata_store_service.proto
	@mkdir -p $(PY_ACCEL_DIR)/src/ml_metadata/proto
	cp proto/metadata_store.proto proto/metadata_store_service.proto $(PY_ACCEL_DIR)/src/ml_metadata/proto/
	protoc -I$(PY_ACCEL_DIR)/src -I/usr/include --cpp_out=$(PY_ACCEL_DIR) \
		$(PY_ACCEL_DIR)/src/ml_metadata/proto/metadata_store.proto $(PY_ACCEL_DIR)/src/ml_metadata/proto/metadata_store_service.proto
$(PY_ACCEL_DIR)/%.pb.o: $(PY_ACCEL_DIR)/%.pb.cc $(PY_ACCEL_PB:=.h)
	$(CXX) $(PY_ACCEL_CXXFLAGS) -c $< -o $@
$(PY_ACCEL_DIR)/_cpp_messages.o: $(PY_PKG)/_cpp_messages.cc $(PY_ACCEL_PB:=.h)
	$(CXX) $(PY_ACCEL_CXXFLAGS) -c $< -o $@
$(PY_ACCEL): $(PY_ACCEL_OBJ)
	$(CXX) -shared -o $@ $(PY_ACCEL_OBJ) $(shell pkg-config --libs protobuf 2>/dev/null || echo -lprotobuf) -ldl
# The Python files run a second time through `mlmd serve` (tests/python/conftest.py's
# server mode: each test's store is a real server on 127.0.0.1, port 0): those that
# exercise MLMD's API through the `store` fixture. SQLite always, PostgreSQL when
# MLMD_TEST_POSTGRES is set.
# mlmd.testing's suites go through the server on SQLite only: on PostgreSQL each of their many
# small tests pays for a database of its own, and the C suites test_notation and test_testing
# already hold the same RPCs to every backend.
PY_SERVER_TESTS_PG := test_metadata_store.py test_mlmd_types.py test_limits.py
PY_SERVER_TESTS := $(PY_SERVER_TESTS_PG) test_testing_build.py test_testing_assert.py test_testing_snapshot.py
check-python: python $(B)/mlmd $(B)/examples/pipeline $(B)/locale/de_DE.UTF-8
	@echo "== python (tests/python, $(PYTHON) -m pytest)"
	cd tests/python && PYTHONPATH=$(CURDIR)/bindings/python MLMD_TEST_TMP=$(CURDIR)/$(B)/tmp MLMD_CLI=$(CURDIR)/$(B)/mlmd LOCPATH=$(CURDIR)/$(B)/locale \
		$(PYTHON) -m pytest -q -p no:cacheprovider .
	@echo "== python: the pytest plugin alone (-p mlmd.testing, no conftest): tests/python_plugin, examples/test_clean_step.py"
	PYTHONPATH=$(CURDIR)/bindings/python MLMD_TEST_TMP=$(CURDIR)/$(B)/tmp MLMD_CLI=$(CURDIR)/$(B)/mlmd LOCPATH=$(CURDIR)/$(B)/locale \
		$(PYTHON) -m pytest -q -p no:cacheprovider --noconftest -p mlmd.testing tests/python_plugin examples/test_clean_step.py
	@echo "== python through mlmd serve on sqlite ($(PY_SERVER_TESTS))"
	cd tests/python && PYTHONPATH=$(CURDIR)/bindings/python MLMD_TEST_TMP=$(CURDIR)/$(B)/tmp MLMD_CLI=$(CURDIR)/$(B)/mlmd LOCPATH=$(CURDIR)/$(B)/locale \
		MLMD_TEST_SERVER=sqlite $(PYTHON) -m pytest -q -p no:cacheprovider $(PY_SERVER_TESTS)
	@if [ -z "$$MLMD_TEST_POSTGRES" ]; then \
		echo "check-python: through mlmd serve on PostgreSQL SKIPPED: set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT"; \
	else echo "== python through mlmd serve on postgresql ($(PY_SERVER_TESTS_PG))"; \
		cd tests/python && PYTHONPATH=$(CURDIR)/bindings/python MLMD_TEST_TMP=$(CURDIR)/$(B)/tmp MLMD_CLI=$(CURDIR)/$(B)/mlmd \
		LOCPATH=$(CURDIR)/$(B)/locale MLMD_TEST_SERVER=postgresql $(PYTHON) -m pytest -q -p no:cacheprovider $(PY_SERVER_TESTS_PG); fi

# What a new user does: `make install` into a scratch prefix, then the README's "Twenty lines of C"
# built with pkg-config against it and run, linked with the shared library and, with the shared
# library removed and --static flags, with the static one.
check-install: all
	@set -e; d=$$(mktemp -d $(CURDIR)/$(B)/check-install.XXXXXX); p=$$d/prefix; \
	echo "== install into a scratch prefix ($$p), README example with pkg-config"; \
	$(MAKE) -s --no-print-directory install PREFIX=$$p > $$d/install.log; \
	grep -qx "prefix=$$p" $$p/lib/pkgconfig/mlmd.pc || { echo "check-install: mlmd.pc does not name $$p:"; \
		cat $$p/lib/pkgconfig/mlmd.pc; exit 1; }; \
	sed -n '/^## Twenty lines of C/,/^## [^T]/p' README.md | sed -n '/^```c$$/,/^```$$/p' | sed '1d;$$d' > $$d/demo.c; \
	grep -q 'mlmd_store_open' $$d/demo.c || { echo "check-install: no example found in README.md"; exit 1; }; \
	export PKG_CONFIG_PATH=$$p/lib/pkgconfig; \
	$(CC) $$d/demo.c -o $$d/demo-shared $$(pkg-config --cflags --libs mlmd); \
	(cd $$d && LD_LIBRARY_PATH=$$p/lib ./demo-shared) | grep -q '^type id 1$$' || { echo "check-install: shared build failed"; exit 1; }; \
	sed -n '/^## Record a run in C/,/^## [^R]/p' README.md | sed -n '/^```c$$/,/^```$$/p' | sed '1d;$$d' > $$d/track.c; \
	grep -q 'mlmd_run_begin' $$d/track.c || { echo "check-install: no tracking example found in README.md"; exit 1; }; \
	test $$(wc -l < $$d/track.c) -lt 25 || { echo "check-install: the README's tracking example has 25 lines or more"; exit 1; }; \
	$(CC) -std=c11 -Wall -Werror $$d/track.c -o $$d/track-shared $$(pkg-config --cflags --libs mlmd); \
	(cd $$d && LD_LIBRARY_PATH=$$p/lib ./track-shared) | grep -q '^run 1: recorded$$' || { echo "check-install: tracking example (shared) failed"; exit 1; }; \
	rm -f $$p/lib/libmlmd.so*; \
	$(CC) $$d/demo.c -o $$d/demo-static $$(pkg-config --static --cflags --libs mlmd); \
	rm -f $$d/metadata.db; \
	(cd $$d && ./demo-static) | grep -q '^type id 1$$' || { echo "check-install: static build failed"; exit 1; }; \
	$(CC) -std=c11 -Wall -Werror $$d/track.c -o $$d/track-static $$(pkg-config --static --cflags --libs mlmd); \
	(cd $$d && ./track-static) | grep -q '^run 2: recorded$$' || { echo "check-install: tracking example (static) failed"; exit 1; }; \
	echo "check-install: pkg-config --libs and --static --libs both build and run the README examples (twenty lines, record a run)"; \
	rm -rf $$d

# The folder-level include graph of lib/ has no cycle and every folder keeps its rule (scripts/check-includes.py, docs/architecture.md).
check-includes:
	@$(PYTHON) scripts/check-includes.py

# The public header alone, as C and as C++, pedantic; then the headers a
# host may include without protobuf-c.
headertest: $(GEN)/.stamp
	@mkdir -p $(B)
	@printf '#include <mlmd.h>\nint main(void) { return mlmd_schema_version() > 0 ? 0 : 1; }\n' > $(B)/headertest.c
	$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -I$(GEN) -fsyntax-only $(B)/headertest.c
	@if command -v g++ >/dev/null 2>&1; then \
		echo "g++ -x c++ -pedantic -Werror $(B)/headertest.c"; \
		g++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -I$(GEN) -fsyntax-only $(B)/headertest.c; fi
	@# mlmd/serving.h, mlmd/tracking.h, mlmd/json.h, mlmd/registry.h and mlmd/audit.h alone, with only include/ on the path (no
	@# generated headers) and protobuf-c never pulled in, so a program that serves models or tracks
	@# runs needs no protobuf-c
	@for h in serving tracking json registry audit; do \
		printf '#include <mlmd/%s.h>\n#ifdef PROTOBUF_C_H\n#error mlmd/%s.h includes protobuf-c\n#endif\nint main(void) { return 0; }\n' \
			$$h $$h > $(B)/headertest-$$h.c; \
		echo "$(CC) -pedantic -Werror -Iinclude $(B)/headertest-$$h.c"; \
		$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only $(B)/headertest-$$h.c || exit 1; \
		if command -v g++ >/dev/null 2>&1; then echo "g++ -x c++ -pedantic -Werror -Iinclude $(B)/headertest-$$h.c"; \
			g++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only $(B)/headertest-$$h.c || exit 1; fi; \
	done
	@# mlmd/scorer.h alone with only include/ on the path (no generated headers), as C and C++, and
	@# none of the headers it pulls in is protobuf-c's: a scorer-only user never sees Mlmd__Pb__*.
	@printf '#include <mlmd/scorer.h>\nint main(void) { return mlmd_dtype_size(MLMD_DTYPE_FLOAT) == 4 ? 0 : 1; }\n' \
		> $(B)/headertest_scorer.c
	$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only $(B)/headertest_scorer.c
	@if $(CC) -std=c11 -Iinclude -M $(B)/headertest_scorer.c | grep protobuf; then \
		echo "headertest: mlmd/scorer.h includes protobuf-c headers"; exit 1; fi
	@if command -v g++ >/dev/null 2>&1; then \
		echo "g++ -x c++ -pedantic -Werror $(B)/headertest_scorer.c (-Iinclude only)"; \
		g++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only $(B)/headertest_scorer.c; fi

# The ABI: libmlmd.so exports exactly the symbols listed in
# tests/abi/libmlmd.so.symbols (mlmd_ functions and MLMD's message
# descriptors); adding or removing one is a decision, so the list is updated
# by hand (`make symbols-update` writes the current one). Every global symbol
# of libmlmd.a starts with mlmd_ (or mlmd__ for internal ones), but for the
# names in tests/abi/libmlmd.a.allow (none today).
symbols: $(B)/libmlmd.so
	@nm -D --defined-only $(B)/libmlmd.so | awk '{print $$3}' | LC_ALL=C sort > $(B)/libmlmd.so.symbols
	@if ! diff -u tests/abi/libmlmd.so.symbols $(B)/libmlmd.so.symbols; then \
		echo "symbols: libmlmd.so exports differ from tests/abi/libmlmd.so.symbols (+ new, - gone)"; exit 1; fi
	@echo "symbols: libmlmd.so exports the $$(wc -l < tests/abi/libmlmd.so.symbols) listed symbols"
	@nm -g --defined-only $(B)/libmlmd.a | awk 'NF == 3 {print $$3}' | grep -v '^mlmd_' | LC_ALL=C sort -u \
		| grep -vxFf tests/abi/libmlmd.a.allow > $(B)/libmlmd.a.foreign || true
	@if [ -s $(B)/libmlmd.a.foreign ]; then echo "symbols: libmlmd.a defines globals without the mlmd_ prefix" \
		"(they can collide in a host's static link; rename them, or list them in tests/abi/libmlmd.a.allow):"; \
		cat $(B)/libmlmd.a.foreign; exit 1; fi
	@echo "symbols: every global of libmlmd.a starts with mlmd_"
symbols-update: $(B)/libmlmd.so
	nm -D --defined-only $(B)/libmlmd.so | awk '{print $$3}' | LC_ALL=C sort > tests/abi/libmlmd.so.symbols

# ---- example, demo, bench -------------------------------------------------------
$(B)/examples/%: examples/%.c $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $< -o $@ $(B)/libmlmd.a $(LIBS)

# The main job: a governed pipeline on build/demo.db. Running it again adds a run.
demo: all $(B)/examples/pipeline
	@mkdir -p $(B)/demo
	$(B)/examples/pipeline $(B)/demo/demo.db examples/data/iris.csv $(B)/demo --govern
	PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) examples/serve.py $(B)/mlmd $(B)/demo/demo.db

# The command-line tool (cli/): one file per command group, on the public
# headers alone (no -Ilib), as any host program would be.
CLI_SRC := $(wildcard cli/*.c)
CLI_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -O2 -g -Iinclude -I$(GEN) -I.
# `mlmd serve` (server/, docs/server.md): gRPC's C core, linked into the program only;
# libmlmd never needs it. SERVER_SRC and SERVER_HDR are set with the tests above (rule
# prerequisites are expanded when read, so they must be defined first).
GRPC_LIBS := $(shell pkg-config --libs grpc 2>/dev/null || echo -lgrpc -lgpr)
$(B)/mlmd: $(CLI_SRC) $(wildcard cli/*.h) $(SERVER_SRC) $(SERVER_HDR) $(B)/libmlmd.a
	$(CC) $(CLI_CFLAGS) $(CLI_SRC) $(SERVER_SRC) -o $@ $(B)/libmlmd.a $(LIBS) $(GRPC_LIBS)

# The benchmarks (bench/), built next to the data they make in $(B)/bench.
$(B)/bench/%: bench/%.c bench/bench.h $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -O2 $< -o $@ $(B)/libmlmd.a $(LIBS)

# The server against in-process calls (server/*.c compiled in, gRPC's C core client);
# -Ilib for bench.h's clock (util/base.h), as every benchmark has it; libpq to drop its database.
$(B)/bench/bench_server: bench/bench_server.c bench/bench.h tests/grpc_client.h $(SERVER_SRC) $(SERVER_HDR) $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -Ilib -Itests $(PG_CFLAGS) $< $(SERVER_SRC) -o $@ $(B)/libmlmd.a $(LIBS) $(GRPC_LIBS)
$(B)/bench/bench_scorer: bench/bench_scorer.c bench/bench.h $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -O2 $< -o $@ $(B)/libmlmd.a $(LIBS) -lxgboost
$(B)/bench/bench_explain: bench/bench_explain.c bench/bench.h $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -O2 $< -o $@ $(B)/libmlmd.a $(LIBS) -lxgboost
$(B)/bench/bench_sql: bench/bench_sql.c bench/bench.h $(B)/libmlmd.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -O2 $< -o $@ $(B)/libmlmd.a $(LIBS)
$(B)/bench/xgb100.json: bench/bench_scorer_model.py
	@mkdir -p $(dir $@)
	$(PYTHON) bench/bench_scorer_model.py $@

# bench_pmml: cPMML's tree ensembles, the batch path against the row-at-a-time path and the node-by-node walk.
PMML_DATA ?= ../shared/conformance/pmml-cpmml
BENCH_PMML_MODELS ?= IrisRandomForest AuditRandomForest HousingRFClassifier HousingGBTRegressor HousingGBTClassifier_PCA
# bench_sql: rows of the 20-column table scored by SQL, the CLI and the batch API.
BENCH_SQL_ROWS ?= 1000000
# bench-scale (not part of bench; it runs for many minutes and needs tens of GB
# of disk): cost curves at 100k, 1M and 10M artifacts on SQLite, and 1M on
# PostgreSQL when MLMD_TEST_POSTGRES is set; one table (docs/performance.md).
BENCH_SCALE_SIZES ?= 100000 1000000 10000000
bench-scale: all $(B)/bench/bench_scale
	@mkdir -p $(B)/bench
	$(B)/bench/bench_scale $(B)/bench $(BENCH_SCALE_SIZES) | tee $(B)/bench/scale.txt
# bench_query: 100k artifacts (about 200k nodes), then 505k artifacts (about 1M nodes).
BENCH_QUERY_SIZES ?= 100000 505000
bench: all $(B)/bench/bench_store $(B)/bench/bench_query $(B)/bench/bench_pg $(B)/bench/bench_pg_writers $(B)/bench/bench_scorer \
		$(B)/bench/bench_serving $(B)/bench/bench_pmml $(B)/bench/bench_tracking $(B)/bench/bench_audit $(B)/bench/bench_registry \
		$(B)/bench/bench_datagov $(B)/bench/bench_labels $(B)/bench/bench_gate $(B)/bench/bench_drift \
		$(B)/bench/bench_explain $(B)/bench/xgb100.json $(B)/bench/bench_listener $(B)/bench/bench_openlineage \
		$(B)/bench/bench_server $(B)/bench/bench_sql
	@mkdir -p $(B)/bench
	$(B)/bench/bench_scorer $(B)/bench/xgb100.json 3 | tee $(B)/bench/scorer.txt
	$(B)/bench/bench_explain $(B)/bench/xgb100.json 3 | tee $(B)/bench/explain.txt
	$(B)/bench/bench_sql $(B)/bench/xgb100.json $(B)/bench $(B)/mlmd $(BENCH_SQL_ROWS) | tee $(B)/bench/sql.txt
	@if [ -d $(PMML_DATA) ]; then rm -f $(B)/bench/pmml.txt; for m in $(BENCH_PMML_MODELS); do \
		$(B)/bench/bench_pmml $(PMML_DATA)/models/$$m.xml $(PMML_DATA)/datasets/$$m.csv | tee -a $(B)/bench/pmml.txt \
		|| exit 1; done; else echo "bench: PMML skipped ($(PMML_DATA) not found)"; fi
	$(B)/bench/bench_serving $(B)/bench/xgb100.json $(B)/bench 5 | tee $(B)/bench/serving.txt
	$(B)/bench/bench_store $(B)/bench | tee $(B)/bench/store.txt
	$(B)/bench/bench_tracking $(B)/bench | tee $(B)/bench/tracking.txt
	$(B)/bench/bench_audit $(B)/bench | tee $(B)/bench/audit.txt
	$(B)/bench/bench_listener $(B)/bench | tee $(B)/bench/listener.txt
	$(B)/bench/bench_registry $(B)/bench | tee $(B)/bench/registry.txt
	$(B)/bench/bench_labels $(B)/bench | tee $(B)/bench/labels.txt
	$(B)/bench/bench_gate $(B)/bench tests/fuzz/corpus/model/xgb_binary_logistic.json $(B)/bench/xgb100.json \
		| tee $(B)/bench/gate.txt
	$(B)/bench/bench_datagov $(B)/bench | tee $(B)/bench/datagov.txt
	$(B)/bench/bench_drift $(B)/bench $(B)/mlmd | tee $(B)/bench/drift.txt
	$(B)/bench/bench_openlineage $(B)/bench $(B)/mlmd | tee $(B)/bench/openlineage.txt
	$(B)/bench/bench_server $(B)/bench | tee $(B)/bench/server.txt
	PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/bench_python.py $(B)/bench/store.txt $(B)/bench
	PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/bench_python_tracking.py $(B)/bench | tee $(B)/bench/python-tracking.txt
	@set -e; for n in $(BENCH_QUERY_SIZES); do $(B)/bench/bench_query $(B)/bench $$n; done
	@if [ -n "$$MLMD_TEST_POSTGRES" ]; then $(B)/bench/bench_pg "$$MLMD_TEST_POSTGRES" 20000 && \
		$(B)/bench/bench_pg_writers "$$MLMD_TEST_POSTGRES" | tee $(B)/bench/pg-writers.txt && \
		$(B)/bench/bench_server "$$MLMD_TEST_POSTGRES" | tee $(B)/bench/server-pg.txt; \
	else echo "bench: PostgreSQL skipped (set MLMD_TEST_POSTGRES=postgresql://USER@HOST:PORT)"; fi

# ---- install ------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(B)/mlmd $(DESTDIR)$(BINDIR)/mlmd
	install -m 644 docs/mlmd.1 $(DESTDIR)$(MANDIR)/man1/mlmd.1
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/mlmd/sys $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/mlmd/proto/ml_metadata/proto $(DESTDIR)$(INCLUDEDIR)/mlmd/proto/google/protobuf
	install -m 644 $(B)/libmlmd.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libmlmd.so $(DESTDIR)$(LIBDIR)/libmlmd.so.$(VERSION)
	ln -sf libmlmd.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmlmd.so.$(MAJOR)
	ln -sf libmlmd.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libmlmd.so
	install -m 644 include/mlmd.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/mlmd/*.h $(DESTDIR)$(INCLUDEDIR)/mlmd/
	install -m 644 include/mlmd/sys/*.h $(DESTDIR)$(INCLUDEDIR)/mlmd/sys/
	install -m 644 $(GEN)/ml_metadata/proto/*.h $(DESTDIR)$(INCLUDEDIR)/mlmd/proto/ml_metadata/proto/
	install -m 644 $(GEN)/google/protobuf/*.h $(DESTDIR)$(INCLUDEDIR)/mlmd/proto/google/protobuf/
	install -m 644 $(GEN)/mlmd_tracking.pb-c.h $(GEN)/mlmd_governance.pb-c.h $(GEN)/mlmd_testing.pb-c.h $(DESTDIR)$(INCLUDEDIR)/mlmd/proto/
	install -m 644 $(B)/mlmd.pc $(DESTDIR)$(PKGCONFIGDIR)/
	install -d $(DESTDIR)$(PYTHONDIR)/ml_metadata/proto $(DESTDIR)$(PYTHONDIR)/ml_metadata/metadata_store \
		$(DESTDIR)$(PYTHONDIR)/ml_metadata/simple_types/proto
	install -m 644 $(PY_PKG)/*.py $(DESTDIR)$(PYTHONDIR)/ml_metadata/
	for f in $(PY_PKG)/_cpp_messages*.so; do if [ -f "$$f" ]; then install -m 755 "$$f" $(DESTDIR)$(PYTHONDIR)/ml_metadata/; fi; done
	install -m 644 $(PY_PKG)/proto/*.py $(DESTDIR)$(PYTHONDIR)/ml_metadata/proto/
	install -m 644 $(PY_PKG)/metadata_store/*.py $(DESTDIR)$(PYTHONDIR)/ml_metadata/metadata_store/
	install -m 644 $(PY_PKG)/simple_types/*.py $(DESTDIR)$(PYTHONDIR)/ml_metadata/simple_types/
	install -m 644 $(PY_PKG)/simple_types/proto/*.py $(DESTDIR)$(PYTHONDIR)/ml_metadata/simple_types/proto/
	printf '# Written by make install: where the library was installed.\nLIBDIR = %s\n' "'$(LIBDIR)'" \
		> $(DESTDIR)$(PYTHONDIR)/ml_metadata/_install_paths.py
	install -d $(DESTDIR)$(PYTHONDIR)/mlmd/proto
	install -m 644 $(PY_TRACK)/*.py $(DESTDIR)$(PYTHONDIR)/mlmd/
	install -m 644 $(PY_TRACK)/proto/*.py $(DESTDIR)$(PYTHONDIR)/mlmd/proto/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libmlmd.a $(DESTDIR)$(LIBDIR)/libmlmd.so $(DESTDIR)$(LIBDIR)/libmlmd.so.$(MAJOR) \
		$(DESTDIR)$(LIBDIR)/libmlmd.so.$(VERSION) $(DESTDIR)$(PKGCONFIGDIR)/mlmd.pc $(DESTDIR)$(INCLUDEDIR)/mlmd.h
	rm -rf $(DESTDIR)$(INCLUDEDIR)/mlmd $(DESTDIR)$(PYTHONDIR)/ml_metadata $(DESTDIR)$(PYTHONDIR)/mlmd
	rm -f $(DESTDIR)$(BINDIR)/mlmd $(DESTDIR)$(MANDIR)/man1/mlmd.1

clean:
	rm -rf $(B) $(PY_GEN) $(PY_PKG)/libmlmd.so $(PY_PKG)/_cpp_messages*.so bindings/python/build bindings/python/*.egg-info
	find bindings/python tests/python -name __pycache__ -type d -prune -exec rm -rf {} +
