# services/: one process per service.  Everything of a service but its
# main.c is the archive $(BUILD)/lib/lib<service>.a, so that the unit tests
# in tests/unit/<service>/ link the service's own rules; the binary is
# main.o + lib<service>.a + libmed + the generated protobuf archives.
# A service's subfolders (identity/face/) are on its include path.

SERVICES := identity records dosage diagnosis audit hl7

# svc_libs NAME: what a binary that uses service NAME's code links, in order.
svc_libs = $(BUILD)/lib/lib$(1).a $(LIBMED) $(PB_LIBS)
# svc_dep_libs NAME: the third-party libraries only service NAME links
# (<name>_DEP_LIBS): dosage's ward time zone is ICU's (services/dosage/zone.c).
dosage_DEP_LIBS := $(shell pkg-config --libs icu-i18n icu-uc 2>/dev/null || \
	echo -licui18n -licuuc -licudata)
# diagnosis reads studies from the PACS over HTTP (services/diagnosis/pacs.c).
diagnosis_DEP_LIBS := $(shell pkg-config --libs libcurl 2>/dev/null || \
	echo -lcurl)
# imgstow: diagnosis writes the DICOM Secondary Capture of its overlay
# with GDCM (services/diagnosis/stow_dicom.cc, C++; Debian's libgdcm-dev
# ships no pkg-config file): only its DSED and Common libraries, which
# need nothing the service does not map already but libstdc++.  The
# writer is a shared object of its own (DICOM_WRITER) that the service
# loads only when the write-back is on (stow_writer.c): a read-only
# deployment neither maps GDCM nor needs it installed.
DICOM_WRITER_LIBS := -lgdcmDSED -lgdcmCommon -lstdc++
# records' note reader reads traditional Chinese as simplified with
# OpenCC's table (services/records/notes/hant.c).
records_DEP_LIBS := $(shell pkg-config --libs opencc 2>/dev/null || \
	echo -lopencc)
$(BUILD)/obj/services/records/notes/hant.o: CFLAGS += $(patsubst -I%,-isystem %,\
	$(shell pkg-config --cflags opencc 2>/dev/null || \
	echo -I/usr/include/opencc))
svc_dep_libs = $($(1)_DEP_LIBS)

define service_template
$(1)_SRCS := $$(sort $$(shell find services/$(1) -name '*.c'))
$(1)_LIB_OBJS := $$(patsubst %.c,$$(BUILD)/obj/%.o,\
	$$(filter-out services/$(1)/main.c,$$($(1)_SRCS)))
$(1)_MAIN_OBJ := $$(BUILD)/obj/services/$(1)/main.o
$(1)_INC := $$(patsubst %/,-I%,$$(sort $$(dir $$($(1)_SRCS))))
ALL_OBJS += $$($(1)_LIB_OBJS) $$($(1)_MAIN_OBJ)
BINS += $$(BUILD)/bin/smartmed-$(1)
$$($(1)_LIB_OBJS) $$($(1)_MAIN_OBJ): CFLAGS += $$($(1)_INC)
$$(BUILD)/lib/lib$(1).a: $$($(1)_LIB_OBJS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
$$(BUILD)/bin/smartmed-$(1): $$($(1)_MAIN_OBJ) $$(call svc_libs,$(1))
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS) $$(call svc_dep_libs,$(1))
endef

$(foreach s,$(SERVICES),$(eval $(call service_template,$(s))))

# dosage's shipped interaction knowledge base is built into the service
# (services/dosage/knowledge/starter.c, .incbin): the object follows the
# file.
$(BUILD)/obj/services/dosage/knowledge/starter.o: \
	services/dosage/knowledge/interactions.csv

# imgstow: a service's C++ file (services/diagnosis/stow_dicom.cc) joins
# its archive; the service's warnings, C++17, GDCM's headers.
SVC_CXX_SRCS := $(sort $(wildcard services/diagnosis/*.cc))
SVC_CXX_OBJS := $(patsubst %.cc,$(BUILD)/obj/%.o,$(SVC_CXX_SRCS))
SVC_CXXFLAGS := -std=c++17 -O2 -g -fPIC -MMD -MP -Icommon/include \
	-isystem /usr/include/gdcm-3.0 -Wall -Wextra -Werror -Wshadow \
	-Wformat=2 -Wvla -Wimplicit-fallthrough
ifneq ($(SANITIZER),)
SVC_CXXFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer
endif
ALL_OBJS += $(SVC_CXX_OBJS)
DICOM_WRITER := $(BUILD)/lib/diagnosis-dicom.so
BINS += $(DICOM_WRITER)
$(DICOM_WRITER): $(SVC_CXX_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CXX) -shared -Wl,-z,defs $(filter -fsanitize=%,$(SVC_CXXFLAGS)) \
		-o $@ $^ $(DICOM_WRITER_LIBS)
# The writer's unit test links it directly.
$(BUILD)/tests/diagnosis/test_stow: $(SVC_CXX_OBJS)
$(BUILD)/tests/diagnosis/test_stow: diagnosis_DEP_LIBS += $(DICOM_WRITER_LIBS)
$(BUILD)/obj/services/%.o: services/%.cc
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(SVC_CXXFLAGS) -c -o $@ $<

# services/fhir: the FHIR REST facade.  Not a gRPC service (it runs on
# libmed's process part, med_process_main: no gRPC server, no database), so
# it has its own rule; it links GnuTLS for its HTTPS (libmicrohttpd comes
# with libmed's DEP_LIBS as well).
# Its folders are layers (base/ call/ search/ write/ ward/ dispatch/
# edge/, main.c and facade.c on top: tools/dev/check_layers.py), each on
# its include path.
FHIR_SRCS := $(sort $(shell find services/fhir -name '*.c'))
FHIR_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(FHIR_SRCS))
FHIR_INC := $(patsubst %/,-I%,$(sort $(dir $(FHIR_SRCS))))
FHIR_LIBS := $(shell pkg-config --libs libmicrohttpd gnutls 2>/dev/null || echo -lmicrohttpd -lgnutls)
ALL_OBJS += $(FHIR_OBJS)
BINS += $(BUILD)/bin/smartmed-fhir
$(FHIR_OBJS): CFLAGS += $(FHIR_INC)
$(BUILD)/bin/smartmed-fhir: $(FHIR_OBJS) $(LIBMED) $(PB_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) $(FHIR_LIBS)

# tests/unit/fhir/test_*.c: the facade's pure parts (deid.c, write_time.c,
# target.c, fair.c, search_date.c, smart.c with the types and outcomes it uses,
# news2.c),
# linked with the objects they test rather than a service archive.
FHIR_UNIT_SRCS := $(sort $(wildcard tests/unit/fhir/test_*.c))
ALL_OBJS += $(patsubst %.c,$(BUILD)/obj/%.o,$(FHIR_UNIT_SRCS))
$(patsubst %.c,$(BUILD)/obj/%.o,$(FHIR_UNIT_SRCS)): \
	CFLAGS += $(FHIR_INC) -Itests/unit
define fhir_unit_template
TEST_BINS += $$(BUILD)/tests/fhir/$(1)
$$(BUILD)/tests/fhir/$(1): $$(BUILD)/obj/tests/unit/fhir/$(1).o \
		$$(BUILD)/obj/services/fhir/base/deid.o \
		$$(BUILD)/obj/services/fhir/write/write_time.o \
		$$(BUILD)/obj/services/fhir/edge/target.o \
		$$(BUILD)/obj/services/fhir/edge/fair.o \
		$$(BUILD)/obj/services/fhir/base/search_date.o \
		$$(BUILD)/obj/services/fhir/call/smart.o \
		$$(BUILD)/obj/services/fhir/base/types.o \
		$$(BUILD)/obj/services/fhir/base/outcome.o \
		$$(BUILD)/obj/services/fhir/base/news2.o \
		$$(BUILD)/obj/tests/unit/testlib.o $$(LIBMED) $$(PB_LIBS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS)
endef
$(foreach t,$(patsubst tests/unit/fhir/%.c,%,$(FHIR_UNIT_SRCS)),\
	$(eval $(call fhir_unit_template,$(t))))

# The dosage service builds its anticoagulant switch table in
# (services/dosage/checks/switch.c, .incbin).
$(BUILD)/obj/services/dosage/checks/switch.o: \
	services/dosage/knowledge/anticoagulant_switch.csv

# The dosage service builds its shipped allergy names in
# (services/dosage/catalogue/allergy_starter.c, .incbin).
$(BUILD)/obj/services/dosage/catalogue/allergy_starter.o: \
	services/dosage/knowledge/allergy_synonyms.csv
# ... and its time-critical medicines (catalogue/time_critical.c).
$(BUILD)/obj/services/dosage/catalogue/time_critical.o: \
	services/dosage/knowledge/time_critical.csv

# ... and its shipped substance knowledge base
# (services/dosage/catalogue/substance_kb_starter.c, .incbin).
$(BUILD)/obj/services/dosage/catalogue/substance_kb_starter.o: \
	services/dosage/knowledge/substance_rules.csv

# The records service's note reader builds its word lists in
# (services/records/notes/knowledge.c, .incbin).
$(BUILD)/obj/services/records/notes/knowledge.o: \
	$(wildcard services/records/notes/knowledge/*.csv \
	services/records/notes/knowledge/*.tsv)
