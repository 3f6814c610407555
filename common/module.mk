# common/: libmed, the library every service links, one folder per layer
# (docs/architecture.md has the table): base/ rpc/ db/ auth/ audit/ infer/
# ops/ contracts/.  Public headers are common/include/med/*.h; a header in a
# layer's folder is private to that folder.

MED_SRCS := $(sort $(wildcard common/src/*/*.c))
MED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MED_SRCS))
ALL_OBJS += $(MED_OBJS)

$(LIBMED): $(MED_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
