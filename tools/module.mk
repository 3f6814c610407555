# tools/: medctl (the operator CLI) and the benchmarks.

# tool_template NAME SOURCES: a binary in $(BUILD)/bin linked with libmed.
define tool_template
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,$(2))
ALL_OBJS += $$($(1)_OBJS)
BINS += $$(BUILD)/bin/$(1)
$$(BUILD)/bin/$(1): $$($(1)_OBJS) $$(LIBMED)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $$(LIBMED) $$(DEP_LIBS)
endef

# Every folder tools/NAME/ with C sources is one tool, build/bin/NAME.
TOOL_DIRS := $(sort $(filter-out bench dev,\
	$(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*.c))))))
$(foreach t,$(TOOL_DIRS),\
	$(eval $(call tool_template,$(t),$(sort $(wildcard tools/$(t)/*.c)))))
$(foreach b,$(patsubst tools/bench/%.c,%,$(wildcard tools/bench/*.c)),\
	$(eval $(call tool_template,bench-$(b),tools/bench/$(b).c)))

# The audit bench dials the ingest with libmed's own (private) TLS dialer,
# so it measures the transport every service's emitter uses.
$(BUILD)/obj/tools/bench/audit_ingest.o: CFLAGS += -Icommon/src
