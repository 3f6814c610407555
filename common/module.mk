# common/: libmed, the library every service links, one folder per layer
# (docs/architecture.md has the table): base/ rpc/ db/ auth/ audit/ infer/
# ops/ contracts/.  Public headers are common/include/med/*.h; a header in a
# layer's folder is private to that folder.

MED_SRCS := $(sort $(wildcard common/src/*/*.c))
MED_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(MED_SRCS))

# The Han character -> pinyin table of base/names.c, generated from the
# Unihan database of Debian's unicode-data (Unicode licence; docs/names.md).
UNIHAN_READINGS ?= /usr/share/unicode/Unihan_Readings.txt.bz2
MED_PINYIN_SRC := $(BUILD)/gen/med_pinyin_table.c
MED_OBJS += $(BUILD)/obj/gen/med_pinyin_table.o

$(MED_PINYIN_SRC): tools/dev/gen-pinyin.py $(UNIHAN_READINGS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)/usr/bin/python3 tools/dev/gen-pinyin.py $(UNIHAN_READINGS) $@.tmp
	$(Q)mv $@.tmp $@
ALL_OBJS += $(MED_OBJS)

$(LIBMED): $(MED_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
