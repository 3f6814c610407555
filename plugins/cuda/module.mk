# plugins/cuda: ONNX graphs on an NVIDIA GPU (CUDA kernels + cuBLAS),
# included by plugins/module.mk.  $(BUILD)/plugins/cuda.so is built only when
# nvcc is found (on PATH, else /usr/local/cuda/bin/nvcc); NVCC=path picks
# one, CUDA=0 turns the backend off.  The ONNX loader, shape inference,
# constant folding and memory plan are the cpu backend's own objects,
# linked in again (CUDA_CORE_OBJS), not copies.
#
# Linking: the CUDA runtime statically (cuda.so then needs only the
# driver, which the runtime dlopens itself); cuBLAS is dlopen'ed at probe
# time by soname, else from CU_CUBLAS_DIR, the toolkit's library directory
# next to nvcc, so cuda.so loads where /usr/local/cuda/lib64 is not in
# ld.so.conf and on machines without CUDA at all (it then reports no GPU).
#
# The kernel emulation test (tests/unit/test_cuda_kernels.c) compiles
# graph.cu as plain C++ with CU_EMU; it needs no nvcc and is always built.

CUDA ?= 1
NVCC ?= $(or $(shell command -v nvcc 2>/dev/null),$(wildcard /usr/local/cuda/bin/nvcc))
NVCC := $(NVCC)
ifeq ($(CUDA),0)
override NVCC :=
endif
CXX ?= g++

CUDA_CORE_SRCS := $(filter-out plugins/cpu/backend.c plugins/cpu/classic.c \
	plugins/cpu/haar.c plugins/cpu/lbp.c plugins/cpu/xml.c,$(CPU_SRCS))
CUDA_CORE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CUDA_CORE_SRCS))
CUDA_INC := -Icommon/include -Iplugins/cpu -Iplugins/cuda

# The emulation object: graph.cu through the host C++ compiler.
CUDA_EMU_O := $(BUILD)/obj/plugins/cuda/graph_emu.o
CUDA_CXXFLAGS := -std=c++17 -O2 -g -fPIC -MMD -MP -DCU_EMU $(CUDA_INC) \
	-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wimplicit-fallthrough
ifneq ($(SANITIZER),)
CUDA_CXXFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
endif

$(CUDA_EMU_O): plugins/cuda/graph.cu
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CUDA_CXXFLAGS) -x c++ -c -o $@ $<

CUDA_EMU_TEST := $(BUILD)/tests/test_cuda_kernels
$(CUDA_EMU_TEST): $(CUDA_EMU_O) $(CUDA_CORE_OBJS) $(ONNX_PB_O)
$(CUDA_EMU_TEST): DEP_LIBS += $(BLAS_LIBS) -lstdc++
$(BUILD)/obj/tests/unit/test_cuda_kernels.o: CFLAGS += -Iplugins/cpu \
	-Iplugins/cuda

# Extra graphs for both cuda tests (tests/plugins/gen_cuda_graphs.py).
CUDA_GRAPH_STAMP := $(BUILD)/tests/plugins/cuda_graphs/manifest.txt
$(CUDA_GRAPH_STAMP): tests/plugins/gen_cuda_graphs.py tests/plugins/gen_graphs.py
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $(dir $@)")
	$(Q)PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 \
		tests/plugins/gen_cuda_graphs.py $(dir $@)
all: $(CUDA_GRAPH_STAMP)

# The toolkit's library directory: the first that holds the static CUDA
# runtime, among the -L directories nvcc itself links with (its -dryrun
# LIBRARIES line; right even when the nvcc found is a wrapper or shim) and
# lib64 / targets/x86_64-linux/lib beside the real nvcc.  nvcc without the
# static runtime builds no cuda.so (one line says so) rather than a link
# that cannot succeed.
ifneq ($(NVCC),)
CUDA_NVCC_REAL := $(realpath $(NVCC))
CUDA_LIB_CANDIDATES := $(shell $(NVCC) -dryrun -o /dev/null none.cu 2>&1 | \
	sed -n 's/^\#\$$ LIBRARIES=//p' | tr ' ' '\n' | \
	sed -n 's/^"\{0,1\}-L\([^"]*\)"\{0,1\}$$/\1/p') \
	$(dir $(CUDA_NVCC_REAL))../lib64 \
	$(dir $(CUDA_NVCC_REAL))../targets/x86_64-linux/lib
CUDA_LIBDIR := $(abspath $(patsubst %/libcudart_static.a,%,$(firstword \
	$(wildcard $(addsuffix /libcudart_static.a,$(CUDA_LIB_CANDIDATES))))))
ifeq ($(CUDA_LIBDIR),)
$(info cuda backend not built: $(NVCC) has no libcudart_static.a beside it)
endif
endif

ifneq ($(CUDA_LIBDIR),)
CUDA_SO := $(PLUGIN_DIR)/cuda.so
CUDA_CU_OBJS := $(BUILD)/obj/plugins/cuda/graph.cu.o \
	$(BUILD)/obj/plugins/cuda/runtime.cu.o
CUDA_C_OBJS := $(BUILD)/obj/plugins/cuda/backend.o
# sm_90 code for H100/H200, plus compute_90 PTX the driver can compile for
# later GPUs.
NVCC_FLAGS := -std=c++17 -O3 $(CUDA_INC) \
	-gencode arch=compute_90,code=sm_90 \
	-gencode arch=compute_90,code=compute_90 \
	-DCU_CUBLAS_DIR='"$(CUDA_LIBDIR)"' -Werror all-warnings \
	-Xcompiler -fPIC,-fvisibility=hidden,-Wall,-Wextra,-Werror

$(CUDA_C_OBJS): CFLAGS += $(PLUGIN_CFLAGS) -Iplugins/cpu -O3

$(BUILD)/obj/plugins/cuda/%.cu.o: plugins/cuda/%.cu
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NVCC    $<")
	$(Q)$(NVCC) $(NVCC_FLAGS) -MD -MP -MF $(@:.o=.d) -c -o $@ $<

$(CUDA_SO): $(CUDA_C_OBJS) $(CUDA_CU_OBJS) $(CUDA_CORE_OBJS) $(ONNX_PB_O)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(PLUGIN_LDFLAGS) -o $@ $^ \
		$(shell pkg-config --libs libprotobuf-c) $(BLAS_LIBS) \
		-L$(CUDA_LIBDIR) -lcudart_static -lstdc++ -ldl -lrt -lm \
		-lpthread
	$(Q)chmod go-w $@

PLUGIN_SOS += $(CUDA_SO)
endif
