# tests/unit: one binary per libmed module, each a table of named cases
# (tests/unit/testlib.h) run one process per case with a timeout.

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_OBJ := $(BUILD)/obj/tests/unit/testlib.o
ALL_OBJS += $(TESTLIB_OBJ) $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS))

define unit_template
TEST_BINS += $$(BUILD)/tests/$(1)
$$(BUILD)/tests/$(1): $$(BUILD)/obj/tests/unit/$(1).o $$(TESTLIB_OBJ) $$(LIBMED)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS)
endef

$(foreach t,$(patsubst tests/unit/%.c,%,$(UNIT_SRCS)),\
	$(eval $(call unit_template,$(t))))
