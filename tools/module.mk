# tools/: medctl (the operator CLI) and the benchmarks.

# tool_template NAME SOURCES [SERVICE]: a binary in $(BUILD)/bin linked with
# libmed and the protobuf archives; with SERVICE also with that service's
# archive and include path (a benchmark of one service's own code).
define tool_template
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,$(2))
$(1)_LIBS := $$(if $(strip $(3)),$$(BUILD)/lib/lib$(strip $(3)).a) $$(LIBMED) $$(PB_LIBS)
ALL_OBJS += $$($(1)_OBJS)
BINS += $$(BUILD)/bin/$(1)
$$($(1)_OBJS): CFLAGS += $$(if $(strip $(3)),$$($(strip $(3))_INC))
$$(BUILD)/bin/$(1): $$($(1)_OBJS) $$($(1)_LIBS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS) \
		$$(if $(strip $(3)),$$(call svc_dep_libs,$(strip $(3))))
endef

# Every folder tools/NAME/ with C sources is one tool, build/bin/NAME.
TOOL_DIRS := $(sort $(filter-out bench dev notes,\
	$(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*.c))))))
$(foreach t,$(TOOL_DIRS),\
	$(eval $(call tool_template,$(t),$(sort $(wildcard tools/$(t)/*.c)))))

# Benchmarks, one source each; the gallery bench measures identity's face
# gallery, so it links identity's archive.
BENCH_SERVICE_gallery := identity
# 1:N at group scale (issue 54) runs the same gallery as the index does.
BENCH_SERVICE_identify_scale := identity
# The interaction rules' own cost (issue 47) runs dosage's code.
BENCH_SERVICE_ddi_eval := dosage
$(foreach b,$(patsubst tools/bench/%.c,%,$(wildcard tools/bench/*.c)),\
	$(eval $(call tool_template,bench-$(b),tools/bench/$(b).c,\
	$(BENCH_SERVICE_$(b)))))
# The note reader's features of each finding, for the context model's
# trainer (tools/notes/train.py): the reader's own code.
$(eval $(call tool_template,notes-features,tools/notes/features.c,records))
include tools/facemodels/module.mk
