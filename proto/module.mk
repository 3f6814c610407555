# proto/: C code from protoc-c and Python modules from protoc, generated
# into $(BUILD)/gen and never committed.

PROTOS := $(shell find proto -name '*.proto' | sort)
PROTO_REL := $(patsubst proto/%.proto,%,$(PROTOS))
GEN_SRCS := $(patsubst %,$(BUILD)/gen/%.pb-c.c,$(PROTO_REL))
GEN_HDRS := $(patsubst %,$(BUILD)/gen/%.pb-c.h,$(PROTO_REL))
GEN_OBJS := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_SRCS))
PY_GEN_STAMP := $(BUILD)/gen/python/.stamp

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
