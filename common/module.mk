# common/: libmed, the library every service links.

MED_SRCS := $(sort $(wildcard common/src/*.c))
MED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MED_SRCS))
ALL_OBJS += $(MED_OBJS)

$(LIBMED): $(MED_OBJS) $(GEN_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
