build-asan/obj/gen/grpc/health/v1/health.pb-c.o: \
 build-asan/gen/grpc/health/v1/health.pb-c.c \
 build-asan/gen/grpc/health/v1/health.pb-c.h
build-asan/gen/grpc/health/v1/health.pb-c.h:
