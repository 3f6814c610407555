# plugins/: inference backends (docs/plugin-abi.md), each a shared object in
# $(BUILD)/plugins exporting one symbol, plus the fixture backends the host's
# unit tests load from $(BUILD)/tests/fixtures/plugins and the ONNX test
# graphs tests/plugins/gen_graphs.py writes into $(BUILD)/tests/plugins.
# The cuda backend (plugins/cuda/module.mk) is built when nvcc is found.

PLUGIN_DIR := $(BUILD)/plugins
FIXTURE_DIR := $(BUILD)/tests/fixtures/plugins
PLUGIN_CFLAGS := -fvisibility=hidden
PLUGIN_LDFLAGS := -shared -Wl,-z,defs -Wl,-z,now

# onnx.proto (proto2) comes from Debian, never from the repository:
# libonnx-dev's copy, else python3-onnx's (the same file).
ONNX_PROTO := $(firstword $(wildcard /usr/include/onnx/onnx.proto \
	/usr/lib/python3/dist-packages/onnx/onnx.proto))
ONNX_GEN := $(BUILD)/gen/plugins
ONNX_PB_C := $(ONNX_GEN)/onnx.pb-c.c
ONNX_PB_H := $(ONNX_GEN)/onnx.pb-c.h
ONNX_PB_O := $(BUILD)/obj/gen/plugins/onnx.pb-c.o

$(ONNX_PB_C) $(ONNX_PB_H): $(ONNX_PROTO)
	@mkdir -p $(ONNX_GEN)
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)test -n "$(ONNX_PROTO)" || { echo "onnx.proto not found: install python3-onnx" >&2; exit 1; }
	$(Q)protoc-c -I$(dir $(ONNX_PROTO)) --c_out=$(ONNX_GEN) $(ONNX_PROTO)

$(ONNX_PB_O): $(ONNX_PB_C) $(ONNX_PB_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GEN_CFLAGS) $(PLUGIN_CFLAGS) -c -o $@ $<

# cpu: ONNX graphs on OpenBLAS, Haar cascades, the LBP embedder.
BLAS_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags openblas 2>/dev/null))
BLAS_LIBS := $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
CPU_SRCS := $(sort $(filter-out plugins/cpu/fuzz_%.c,$(wildcard plugins/cpu/*.c)))
CPU_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CPU_SRCS))
CPU_SO := $(PLUGIN_DIR)/cpu.so

$(CPU_OBJS): CFLAGS += $(PLUGIN_CFLAGS) -isystem $(ONNX_GEN) $(BLAS_CFLAGS) -O3
$(CPU_OBJS): | $(ONNX_PB_H)

$(CPU_SO): $(CPU_OBJS) $(ONNX_PB_O)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(PLUGIN_LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs libprotobuf-c) $(BLAS_LIBS) -lm -lpthread
	$(Q)chmod go-w $@

# Fixture backends: one source, a -D set per fixture.
FX_SRC := plugins/fixtures/fixture.c
FX_good := -DFX_NAME='"fx_cpu"'
FX_gpu := -DFX_NAME='"fx_gpu"' -DFX_GPUS=1 \
	-DFX_DEVICES='(MED_DEVICE_BIT(MED_DEVICE_CPU)|MED_DEVICE_BIT(MED_DEVICE_GPU))'
FX_nogpu := -DFX_NAME='"fx_nogpu"' -DFX_GPUS=0 \
	-DFX_DEVICES='MED_DEVICE_BIT(MED_DEVICE_GPU)'
FX_badmajor := -DFX_NAME='"fx_badmajor"' -DFX_MAJOR=99
FX_newminor := -DFX_NAME='"fx_newminor"' -DFX_MINOR=99
FX_nosym := -DFX_NAME='"fx_nosym"' -DFX_NO_SYMBOL
FX_initfail := -DFX_NAME='"fx_initfail"' -DFX_INIT_FAILS
FIXTURES := good gpu nogpu badmajor newminor nosym initfail
FIXTURE_SOS := $(patsubst %,$(FIXTURE_DIR)/fx_%.so,$(FIXTURES))

$(FIXTURE_DIR)/fx_%.so: $(FX_SRC) common/include/med/plugin.h
	@mkdir -p $(dir $@) $(BUILD)/obj
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(PLUGIN_CFLAGS) $(FX_$*) $(LDFLAGS) \
		$(PLUGIN_LDFLAGS) -MF $(BUILD)/obj/fx_$*.d -o $@ $<
	$(Q)chmod go-w $@

# Test graphs and their numpy references (make rule, so tests only read).
GRAPH_DIR := $(BUILD)/tests/plugins/graphs
GRAPH_STAMP := $(GRAPH_DIR)/manifest.txt
$(GRAPH_STAMP): tests/plugins/gen_graphs.py
	@mkdir -p $(GRAPH_DIR)
	@$(if $(Q),echo "  GEN     $(GRAPH_DIR)")
	$(Q)/usr/bin/python3 tests/plugins/gen_graphs.py $(GRAPH_DIR)

PLUGIN_SOS := $(CPU_SO)
include plugins/cuda/module.mk
all: $(PLUGIN_SOS) $(FIXTURE_SOS) $(GRAPH_STAMP)

# Optional: libFuzzer target for the ONNX loader (clang only; not in test).
FUZZ_BIN := $(BUILD)/fuzz/fuzz_onnx
.PHONY: fuzz-onnx
fuzz-onnx: $(FUZZ_BIN)
$(FUZZ_BIN): plugins/cpu/fuzz_onnx.c $(CPU_SRCS) $(ONNX_PB_C) $(ONNX_PB_H)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-D_GNU_SOURCE -Icommon/include -isystem $(ONNX_GEN) $(BLAS_CFLAGS) \
		-o $@ plugins/cpu/fuzz_onnx.c $(CPU_SRCS) $(ONNX_PB_C) \
		$(shell pkg-config --libs libprotobuf-c) $(BLAS_LIBS) -lm -lpthread
