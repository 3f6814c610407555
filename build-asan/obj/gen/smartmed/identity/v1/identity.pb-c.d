build-asan/obj/gen/smartmed/identity/v1/identity.pb-c.o: \
 build-asan/gen/smartmed/identity/v1/identity.pb-c.c \
 build-asan/gen/smartmed/identity/v1/identity.pb-c.h \
 build-asan/gen/smartmed/common/v1/common.pb-c.h
build-asan/gen/smartmed/identity/v1/identity.pb-c.h:
build-asan/gen/smartmed/common/v1/common.pb-c.h:
