# proto/: C code from protoc-c and Python modules from protoc, generated
# into $(BUILD)/gen and never committed.

PROTOS := $(shell find proto -name '*.proto' | sort)
PROTO_REL := $(patsubst proto/%.proto,%,$(PROTOS))
GEN_SRCS := $(patsubst %,$(BUILD)/gen/%.pb-c.c,$(PROTO_REL))
GEN_HDRS := $(patsubst %,$(BUILD)/gen/%.pb-c.h,$(PROTO_REL))
GEN_OBJS := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_SRCS))
PY_GEN_STAMP := $(BUILD)/gen/python/.stamp

# Generated code is never part of libmed: each service's API is an archive
# of its own, $(BUILD)/lib/libpb-<service>.a, and the messages every
# service speaks (health, common, audit events) are libpb-common.a.  A
# binary links them after libmed, common last (PB_LIBS is in that order);
# static linking pulls only the objects it uses.
PB_SERVICES := $(patsubst proto/smartmed/%/v1,%,$(filter-out \
	proto/smartmed/common/v1,$(patsubst %/,%,$(sort $(dir \
	$(wildcard proto/smartmed/*/v1/*.proto))))))
PB_SERVICE_OBJS = $(filter $(BUILD)/obj/gen/smartmed/$(1)/%,$(GEN_OBJS))
COMMON_GEN_OBJS := $(filter-out $(foreach s,$(PB_SERVICES),\
	$(call PB_SERVICE_OBJS,$(s))),$(GEN_OBJS))
PB_LIBS := $(patsubst %,$(BUILD)/lib/libpb-%.a,$(PB_SERVICES) common)

define pb_lib_template
$$(BUILD)/lib/libpb-$(1).a: $$(call PB_SERVICE_OBJS,$(1))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach s,$(PB_SERVICES),$(eval $(call pb_lib_template,$(s))))

$(BUILD)/lib/libpb-common.a: $(COMMON_GEN_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)protoc-c -Iproto --c_out=$(BUILD)/gen $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(PY_GEN_STAMP): $(PROTOS)
	@mkdir -p $(BUILD)/gen/python
	@$(if $(Q),echo "  PROTOC  python")
	$(Q)protoc -Iproto --python_out=$(BUILD)/gen/python $(PROTOS)
	$(Q)touch $@
