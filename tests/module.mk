# tests/unit: one binary per module, each a table of named cases
# (tests/unit/testlib.h) run one process per case with a timeout.
# tests/unit/test_*.c test libmed; tests/unit/<service>/test_*.c test one
# service's rules and link its lib<service>.a (build/tests/<service>/).

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TESTLIB_OBJ := $(BUILD)/obj/tests/unit/testlib.o
ALL_OBJS += $(TESTLIB_OBJ) $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS))

define unit_template
TEST_BINS += $$(BUILD)/tests/$(1)
$$(BUILD)/tests/$(1): $$(BUILD)/obj/tests/unit/$(1).o $$(TESTLIB_OBJ) $$(LIBMED) \
		$$(PB_LIBS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS)
endef

$(foreach t,$(patsubst tests/unit/%.c,%,$(UNIT_SRCS)),\
	$(eval $(call unit_template,$(t))))

# test_db_debug_tx: test_db.c again, with -DMED_DEBUG_TX, against libmed's
# db_tx_guard.c built the same way: the debug assertion (an outbound call,
# an HTTP fetch, a patient lookup or a care decision inside a transaction
# aborts; common/src/db/db_tx_guard.c, docs/internals/database.md) is
# compiled and run by make unit, not only by hand with EXTRA_CFLAGS.  The
# debug object comes before libmed.a, so the linker never takes the
# archive's own db_tx_guard.o.
DEBUG_TX_OBJS := $(BUILD)/obj/debug_tx/tests/unit/test_db.o \
	$(BUILD)/obj/debug_tx/common/src/db/db_tx_guard.o
ALL_OBJS += $(DEBUG_TX_OBJS)
TEST_BINS += $(BUILD)/tests/test_db_debug_tx

$(BUILD)/obj/debug_tx/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (MED_DEBUG_TX)")
	$(Q)$(CC) $(CFLAGS) -DMED_DEBUG_TX -c -o $@ $<

$(BUILD)/tests/test_db_debug_tx: $(DEBUG_TX_OBJS) $(TESTLIB_OBJ) $(LIBMED) \
		$(PB_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# svc_unit_template SERVICE TEST: tests/unit/SERVICE/TEST.c against the
# service's archive, with the service's folders on the include path.
define svc_unit_template
TEST_BINS += $$(BUILD)/tests/$(1)/$(2)
ALL_OBJS += $$(BUILD)/obj/tests/unit/$(1)/$(2).o
$$(BUILD)/obj/tests/unit/$(1)/$(2).o: CFLAGS += $$($(1)_INC) -Itests/unit
$$(BUILD)/tests/$(1)/$(2): $$(BUILD)/obj/tests/unit/$(1)/$(2).o \
		$$(TESTLIB_OBJ) $$(call svc_libs,$(1))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS) $$(call svc_dep_libs,$(1))
endef

$(foreach s,$(SERVICES),$(foreach t,$(patsubst tests/unit/$(s)/%.c,%,\
	$(sort $(wildcard tests/unit/$(s)/test_*.c))),\
	$(eval $(call svc_unit_template,$(s),$(t)))))
