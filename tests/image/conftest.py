"""The image tests' stack: the five gRPC services (identity to audit; not
hl7) and the FHIR facade from their images (containers.ContainerStack),
once per session; skipped with the reason
when podman cannot run containers on this machine."""

import pytest

from harness import protos
from harness.faces import FaceKeys
from harness.fixtures import running

import containers


@pytest.fixture(scope="session")
def cstack():
    why = containers.cannot_run_containers()
    if why:
        pytest.skip(why)
    missing = [containers.image_name(s) for s in protos.SERVICES + ("fhir",)
               if not containers.image_exists(s)]
    assert not missing, "images not built (make images): %s" % missing
    keys = FaceKeys()
    # identity's settings as the chart's values.yaml gives them: the deep
    # face models in the image; dosage checks identity's tokens.
    env = dict(keys.env(public_key=True),
               MED_FACE_DETECTOR=containers.FACE_DIR +
               "/face-api-tiny-detector-v1.onnx",
               MED_FACE_LANDMARKS=containers.FACE_DIR +
               "/face-landmarks-68-v1.onnx",
               MED_FACE_EMBEDDER=containers.FACE_DIR + "/dlib-resnet-v1.onnx",
               MED_DIAGNOSIS_MODEL=containers.MODEL_DIR +
               "/pneumonia_cxr224_v4.onnx",
               MED_DIAGNOSIS_GUARD_MODEL=containers.MODEL_DIR +
               "/chest_guard_v1.onnx")
    # fhir=True: the facade's image too, in front of the five.
    with running(containers.ContainerStack(extra_env=env, fhir=True,
                                           patient_checks=True)) as st:
        yield st
