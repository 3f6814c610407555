"""MED_GRPC_MAX_CONNECTION_AGE_MS: the server closes old client connections
so that clients behind a Kubernetes Service spread over new pods."""

import subprocess
import threading

import grpc
import pytest

from harness import paths, protos

AGE_MS = 1000


pytestmark = pytest.mark.stack(services=("identity",), extra_env={
    "MED_GRPC_MAX_CONNECTION_AGE_MS": str(AGE_MS)})


def _check(ch):
    # wait_for_ready: on a loaded machine a new connection's TLS handshake
    # can outlast the short test age and be closed; the client then
    # connects again, as any client of an aged-out server does, instead of
    # failing the call at the first transient failure.
    h = protos.health()
    call = ch.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=h.HealthCheckRequest.SerializeToString,
        response_deserializer=h.HealthCheckResponse.FromString)
    return call(h.HealthCheckRequest(), timeout=15,
                wait_for_ready=True).status


def test_old_connection_is_closed_and_calls_go_on(st):
    seen = []
    idle = threading.Event()

    def on_state(state):
        seen.append(state)
        if state == grpc.ChannelConnectivity.IDLE and \
                grpc.ChannelConnectivity.READY in seen:
            idle.set()

    ch = st.new_channel("identity")
    try:
        ch.subscribe(on_state, try_to_connect=False)
        assert _check(ch) == protos.health().HealthCheckResponse.SERVING
        # The server sends GOAWAY once the connection is older than the
        # age (plus jitter and grace); the channel then drops to IDLE.
        assert idle.wait(timeout=10 * AGE_MS / 1000), seen
        # The next call opens a new connection transparently.
        assert _check(ch) == protos.health().HealthCheckResponse.SERVING
    finally:
        ch.close()


def test_age_out_of_range_is_refused(st):
    svc = st.services["identity"]
    env = dict(svc.env, MED_GRPC_MAX_CONNECTION_AGE_MS="-5")
    r = subprocess.run([paths.bin_path("smartmed-identity")], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    assert r.returncode == 2
    assert b"MED_GRPC_MAX_CONNECTION_AGE_MS" in r.stderr
