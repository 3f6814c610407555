# services/: one process per service, each linked against libmed.

SERVICES := identity records dosage diagnosis audit

define service_template
$(1)_SRCS := $$(sort $$(wildcard services/$(1)/*.c))
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$($(1)_SRCS))
ALL_OBJS += $$($(1)_OBJS)
BINS += $$(BUILD)/bin/smartmed-$(1)
$$(BUILD)/bin/smartmed-$(1): $$($(1)_OBJS) $$(LIBMED)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $$(LIBMED) $$(DEP_LIBS)
endef

$(foreach s,$(SERVICES),$(eval $(call service_template,$(s))))
