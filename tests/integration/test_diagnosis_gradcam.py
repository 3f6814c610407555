"""Grad-CAM of the served classifier (issue 38, item 4): pneumonia_cxr224_v4's
second output `cam` (tools/train/gradcam_graph.py), the overlay the
service makes from it, and the occlusion map kept for a model without one.

- The plugin host's `cam` (onnxrun, cpu backend) equals an independent
  reference: OpenCV's DNN output of the last Relu (fusion off, so the
  layer is there to read) times the Gemm's weights read from the ONNX
  initializers, over the map's pixel count; 1e-5 absolute (float32 both
  sides, maps of about 0.1-1).  Each map plus the Gemm's bias sums to
  OpenCV's logit of its label (Grad-CAM of a pooled linear head is an
  exact split of the score), and the first output still equals OpenCV's
  probabilities.
- AnalyzeImage's overlay is that reference map of the top label, ReLU,
  bilinear to the 224x224 input (OpenCV's INTER_LINEAR, half-pixel
  centres like the service's med_image_resize), scaled to [0, 1] and
  blended red over the input (1x), within one grey level per channel; the
  overlays counter
  says grad-cam.
- The same weights without the `cam` output (stripped here) still get an
  overlay, from the occlusion map, counted as occlusion, and the same
  probabilities.

Inputs: the six synthetic cases of pneumonia_cxr224_v4.ref.json (always,
sent at 8x: 224x224), and PneumoniaMNIST test images (28x28, grown by the
service) when ../shared is present.
"""

import os
import subprocess
import sys
import uuid

import pytest

from harness import metrics, paths

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")
onnx = pytest.importorskip("onnx")
from onnx import helper, numpy_helper  # noqa: E402

from test_face_models import read_medt, write_medt  # noqa: E402

SVC = "diagnosis"
TOL_CAM = 1e-5
TOL_P = 1e-4
SIDE = 224  # the model's input; the overlay is the input at 1x
CAM = 7  # the cam output's side: 224 / 32 (MobileNetV2's last map)

pytestmark = pytest.mark.stack(services=("audit", SVC))


def _inputs():
    """[(name, rows)]: the reference cases, then real chest X-rays."""
    out = [("ref case %d" % i, dximages.case_rows(c))
           for i, c in enumerate(dximages.ref_cases()["cases"])]
    if os.path.exists(dximages.MEDMNIST):
        out += [("chest %d" % i, dximages.chest_rows(i)) for i in range(12)]
    return out


class Head:
    """The classifier's pooled linear head, read from the ONNX file: the
    feature map's OpenCV layer, the Gemm's layer, weights and bias."""

    def __init__(self, path):
        g = onnx.load(path).graph
        gap = [n for n in g.node if n.op_type == "GlobalAveragePool"][0]
        relu = [n for n in g.node if gap.input[0] in n.output][0]
        gemm = [n for n in g.node if n.op_type == "Gemm"][0]
        a = {t.name: helper.get_attribute_value(t) for t in gemm.attribute}
        init = {t.name: numpy_helper.to_array(t).astype(np.float64)
                for t in g.initializer}
        w = init[gemm.input[1]]
        self.w = (w if a.get("transB", 0) else w.T) * a.get("alpha", 1.0)
        self.b = init[gemm.input[2]] * a.get("beta", 1.0)
        self.layers = [_layer(relu), _layer(gemm)]


def _layer(node):
    """OpenCV's name for an ONNX node's layer: by the node's name, or by
    its first output when it has none (the 4.0.0 export names none)."""
    if node.name:
        return "onnx_node!" + node.name
    return "onnx_node_output_0!" + node.output[0]


def reference(path, head, x):
    """(cam [K, H, W], logits [K], probs [K]) by OpenCV and numpy."""
    net = cv2.dnn.readNetFromONNX(path)
    net.enableFusion(False)
    net.setInput(x)
    feat, y = net.forward(head.layers)
    a = feat[0].astype(np.float64)
    cam = np.einsum("kc,chw->khw", head.w, a) / (a.shape[1] * a.shape[2])
    return cam, y.reshape(-1), np.array(dximages.opencv_probs(path, x))


def host_output(path, x, i):
    """Output i of the model run by the plugin host's cpu backend."""
    d = paths.scratch_dir("smartmed-gradcam-")
    write_medt(os.path.join(d, "in.bin"), x)
    r = subprocess.run([paths.bin_path("onnxrun"), "--output", str(i), path,
                        os.path.join(d, "in.bin"),
                        os.path.join(d, "out.bin")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return read_medt(os.path.join(d, "out.bin"))


@pytest.fixture(scope="module")
def cases():
    head = Head(dximages.MODEL_PATH)
    out = []
    for name, rows in _inputs():
        x = dximages.model_input(rows)
        cam, logits, probs = reference(dximages.MODEL_PATH, head, x)
        out.append({"name": name, "rows": rows, "x": x, "cam": cam,
                    "logits": logits, "probs": probs, "b": head.b})
    return out


def test_host_cam_matches_opencv_features_times_gemm_weights(cases):
    worst = 0.0
    for c in cases:
        cam = host_output(dximages.MODEL_PATH, c["x"], 1)
        assert cam.shape == (1, 2, CAM, CAM), (c["name"], cam.shape)
        diff = np.abs(cam[0] - c["cam"]).max()
        assert diff <= TOL_CAM, (c["name"], diff)
        worst = max(worst, diff)
        sums = c["cam"].reshape(2, -1).sum(axis=1) + c["b"]
        assert np.abs(sums - c["logits"]).max() <= TOL_P, (c["name"], sums)
        p = host_output(dximages.MODEL_PATH, c["x"], 0).reshape(-1)
        assert np.abs(p - c["probs"]).max() <= TOL_P, (c["name"], p)
    print("cam: worst |host - reference| = %.2g" % worst)


def expected_overlay(c):
    """The overlay the service should make: RGB uint8 [224, 224, 3]."""
    m = np.maximum(c["cam"][int(np.argmax(c["probs"]))], 0)
    m = cv2.resize(m.astype(np.float32), (SIDE, SIDE),
                   interpolation=cv2.INTER_LINEAR).astype(np.float64)
    if m.max() > 0:
        m /= m.max()
    g = np.clip((c["x"][0, 0].astype(np.float64) * 0.5 + 0.5) * 255, 0, 255)
    a = 0.6 * m
    rgb = np.stack([g * (1 - a) + 255 * a, g * (1 - a), g * (1 - a)], -1)
    rgb = np.floor(rgb + 0.5).astype(np.int64)
    return rgb


# The file's own stack (st) ends with the file: no defaults to put back.
def _restart(st, **env):
    """dximages.restart with no minimum image side: the maps are checked
    on 28 px inputs too."""
    dximages.restart(st, MED_DIAGNOSIS_MIN_IMAGE_SIDE="0", **env)


def _analyze(st, pb, rows):
    # The occlusion map runs the model once per square (196 runs): on a
    # busy 2-core machine that took over 30 s, so the bound is generous.
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=str(uuid.uuid4()), image=dximages.png_grey(rows)),
        role="clinician", timeout=120)


def _overlays(st, method):
    s, _ = metrics.scrape(st, SVC)
    return sum(metrics.series(s, "smartmed_diagnosis_overlays_total",
                              method=method).values())


def _decode(png):
    im = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    return im[:, :, ::-1].astype(np.int64)  # BGR -> RGB


def test_overlay_is_the_top_labels_gradcam(st, pb, cases):
    _restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false")
    before = _overlays(st, "grad-cam")
    for c in cases:
        f = _analyze(st, pb, c["rows"])
        got = [p.probability for p in f.probabilities]
        assert np.abs(np.array(got) - c["probs"]).max() <= TOL_P, c["name"]
        assert f.has_overlay and f.overlay_png[:8] == b"\x89PNG\r\n\x1a\n"
        im = _decode(f.overlay_png)
        assert im.shape == (224, 224, 3), (c["name"], im.shape)
        diff = np.abs(im - expected_overlay(c)).max()
        assert diff <= 1, (c["name"], diff)
    assert _overlays(st, "grad-cam") - before == len(cases)
    assert _overlays(st, "occlusion") == 0


def _without_cam(src, dst):
    """src's graph without its `cam` output, node and weights."""
    m = onnx.load(src)
    g = m.graph
    conv = [n for n in g.node if "cam" in n.output][0]
    g.node.remove(conv)
    g.output.remove([o for o in g.output if o.name == "cam"][0])
    g.initializer.remove([t for t in g.initializer
                          if t.name == conv.input[1]][0])
    onnx.save(m, dst)


def test_model_without_cam_gets_the_occlusion_map(st, pb, cases, tmp_path):
    path = str(tmp_path / (dximages.MODEL_ID + ".onnx"))
    _without_cam(dximages.MODEL_PATH, path)
    _restart(st, MED_DIAGNOSIS_MODEL=path,
             MED_DIAGNOSIS_GUARD_UPLOADS="false")
    c = cases[3]  # the reference case the benchmark sends
    f = _analyze(st, pb, c["rows"])
    got = [p.probability for p in f.probabilities]
    assert np.abs(np.array(got) - c["probs"]).max() <= TOL_P
    assert f.has_overlay and _decode(f.overlay_png).shape == (224, 224, 3)
    assert _overlays(st, "occlusion") == 1
    assert _overlays(st, "grad-cam") == 0
