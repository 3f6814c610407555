"""Image helpers for the diagnosis tests: PNG written with zlib (8- and
16-bit grey), JPEG through OpenCV, real chest X-rays from PneumoniaMNIST's
test split (../shared/data/medmnist; a test that needs one is skipped
cleanly without it), and the shipped model's reference cases (synthetic
images and torch's outputs, written by tools/train/pneumonia.py).

AnalyzeImage guards uploads (MED_DIAGNOSIS_GUARD_UPLOADS, on by default):
a synthetic image is refused by the guard (REFUSED), so a test
that needs a finding sends a real chest X-ray (chest_png), and the
synthetic reference cases only reach the classifier where a test turns
the guard off for uploads."""

import io
import json
import os
import struct
import zlib

from harness import paths

MODEL_DIR = os.path.join(paths.REPO_ROOT, "services", "diagnosis", "models")
MODEL_ID = "pneumonia_cxr224_v4"
MODEL_VERSION = "4.0.0"
MODEL_PATH = os.path.join(MODEL_DIR, MODEL_ID + ".onnx")
REF_PATH = os.path.join(MODEL_DIR, MODEL_ID + ".ref.json")
GUARD_PATH = os.path.join(MODEL_DIR, "chest_guard_v1.onnx")
MEDMNIST = os.path.join(os.path.dirname(paths.REPO_ROOT), "shared", "data",
                        "medmnist", "pneumoniamnist.npz")
KERMANY = os.path.join(os.path.dirname(paths.REPO_ROOT), "shared", "data",
                       "chest", "kermany224")
# The guard says only what it knows: it also fails to place real chest
# films, so it never says "not a frontal chest radiograph".
REFUSED = ("image: the guard cannot place this image: not read by the "
           "model: send for a radiologist's read")
# PneumoniaMNIST test images 0..39 are all taken by chest_guard_v1 for
# chest X-rays (p(chest) >= 0.64); the split's 3 it refuses are 133, 268
# and 304 (its card's 0.64 %).
N_CHEST = 40

_chest = []


def _chunk(kind, data):
    body = kind + data
    return (struct.pack(">I", len(data)) + body +
            struct.pack(">I", zlib.crc32(body) & 0xffffffff))


def png_grey(rows, depth=8):
    """rows: list of lists of ints (0..255 or 0..65535)."""
    h, w = len(rows), len(rows[0])
    raw = b""
    for r in rows:
        if depth == 8:
            raw += b"\x00" + bytes(r)
        else:
            raw += b"\x00" + b"".join(struct.pack(">H", v) for v in r)
    return (b"\x89PNG\r\n\x1a\n" +
            _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 0, 0, 0,
                                        0)) +
            _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))


def png_header_only(w, h):
    """A PNG that declares w x h and stops after IHDR."""
    return (b"\x89PNG\r\n\x1a\n" +
            _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))


def ref_cases():
    with open(REF_PATH) as f:
        return json.load(f)


def case_rows(case, scale=None):
    """The case's 28x28 pixels as rows, each pixel repeated scale x scale
    (by default the case's own "scale": a reference case is stored at
    28x28 and fed to the 224 px model at 8x, 1 for anything else)."""
    if scale is None:
        scale = case.get("scale", 1)
    px = case["pixels"]
    rows = [px[y * 28:(y + 1) * 28] for y in range(28)]
    out = []
    for r in rows:
        wide = [v for v in r for _ in range(scale)]
        out += [wide] * scale
    return out


def chest_split():
    """PneumoniaMNIST's test split: (images uint8 [n, 28, 28], labels [n]);
    skips the calling test when ../shared is absent."""
    import pytest
    if not os.path.exists(MEDMNIST):
        pytest.skip("%s absent (../shared/data not available)" % MEDMNIST)
    np = pytest.importorskip("numpy")
    if not _chest:
        with np.load(MEDMNIST) as d:
            _chest.append((d["test_images"], d["test_labels"].ravel()))
    return _chest[0]


def kermany_split(split="test"):
    """The 224 x 224 PNG files of a split of ../shared's kermany224 copy
    (the model's own data), as [(bytes, label 0 normal / 1 pneumonia)] in
    manifest order; skips the calling test when ../shared is absent."""
    import csv
    import pytest
    manifest = os.path.join(KERMANY, "manifest.csv")
    if not os.path.exists(manifest):
        pytest.skip("%s absent (../shared/data not available)" % manifest)
    out = []
    with open(manifest, newline="") as f:
        for r in csv.DictReader(f):
            if r["split"] == split:
                with open(os.path.join(KERMANY, r["file"]), "rb") as img:
                    out.append((img.read(), int(r["label"] == "pneumonia")))
    return out


def chest_rows(i=0, scale=8):
    """Test image i (< N_CHEST, one the guard takes) as rows of 0..255,
    each pixel repeated scale x scale: by default 224 x 224, the model's
    input (the service refuses an image under half its side,
    MED_DIAGNOSIS_MIN_IMAGE_SIDE)."""
    assert 0 <= i < N_CHEST
    px = [int(v) for v in chest_split()[0][i].reshape(-1)]
    return case_rows({"pixels": px}, scale)


def chest_png(i=0, scale=8):
    """Test image i as an 8-bit grey PNG."""
    return png_grey(chest_rows(i, scale))


def chest_phantom_rows():
    """A drawn chest, no patient data: a body ellipse at grey 160, two dark
    lung fields (50), a bright spine (220), six faint ribs, blurred
    (Gaussian, sigma 6 px) so that no edge is sharper than a film's.
    Rows of 0..255 at 224 x 224.  The 4.0.0 model calls it normal
    (p(pneumonia) about 0.29), every plain or patterned frame pneumonia:
    the tests that need a score under the operating point use it."""
    import numpy as np
    yy, xx = np.mgrid[0:224, 0:224].astype(float)
    body = (xx - 112) ** 2 / 100 ** 2 + (yy - 130) ** 2 / 110 ** 2 < 1
    a = np.where(body, 160.0, 0.0)
    for cx in (70, 154):
        a[(xx - cx) ** 2 / 38 ** 2 + (yy - 115) ** 2 / 70 ** 2 < 1] = 50
    a[(abs(xx - 112) < 10) & body] = 220
    for k in range(6):
        a[(abs(yy - (60 + 22 * k + 0.15 * abs(xx - 112))) < 3) & body] += 30
    t = np.arange(-18, 19)
    g = np.exp(-t * t / 72.0)
    g /= g.sum()
    for axis in (0, 1):
        pad = [(18, 18) if i == axis else (0, 0) for i in (0, 1)]
        a = np.apply_along_axis(lambda v: np.convolve(v, g, "valid"), axis,
                                np.pad(a, pad, mode="reflect"))
    return np.clip(np.rint(a), 0, 255).astype(int).tolist()


def chest_heart_phantom_rows():
    """chest_phantom_rows with a heart and diaphragm, no patient data: a
    body ellipse at grey 159, lung fields at 39 darkening upward
    (12 per 70 px), a spine (222), a heart shadow (133) left of the
    spine, the diaphragm's dome (179) and faint ribs (+10), blurred as
    there.  Its parameters were searched to bring the 4.0.0 model's
    p(pneumonia) under the card's operating point 0.115 (about 0.09):
    the tests that need a negative finding at that point use it."""
    import numpy as np
    yy, xx = np.mgrid[0:224, 0:224].astype(float)
    body = (xx - 112) ** 2 / 100 ** 2 + (yy - 130) ** 2 / 110 ** 2 < 1
    a = np.where(body, 159.0, 0.0)
    for cx in (70, 154):
        m = (xx - cx) ** 2 / 36 ** 2 + (yy - 115) ** 2 / 60 ** 2 < 1
        a[m] = 39 + 12 * (yy[m] - 115) / 70
    a[(abs(xx - 112) < 10) & body] = 222
    a[(xx - 120) ** 2 / 39 ** 2 + (yy - 146) ** 2 / 38 ** 2 < 1] = 133
    a[(yy > 193 + 0.004 * (xx - 112) ** 2) & body] = 179
    for k in range(6):
        a[(abs(yy - (60 + 22 * k + 0.15 * abs(xx - 112))) < 3) & body] += 10
    t = np.arange(-18, 19)
    g = np.exp(-t * t / 72.0)
    g /= g.sum()
    for axis in (0, 1):
        pad = [(18, 18) if i == axis else (0, 0) for i in (0, 1)]
        a = np.apply_along_axis(lambda v: np.convolve(v, g, "valid"), axis,
                                np.pad(a, pad, mode="reflect"))
    return np.clip(np.rint(a), 0, 255).astype(int).tolist()


def overlay_red(png):
    """The overlay PNG's red over grey per pixel, r - g, as an int array
    [224, 224]: 153 times the saliency map's value there (the service
    blends red at 60 % opacity at the map's peak), 0 where the map is 0.
    Needs numpy and OpenCV; checks the size."""
    import cv2
    import numpy as np
    im = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert im.shape == (224, 224, 3)
    return im[:, :, 2].astype(int) - im[:, :, 1]


def check_overlay_structure(png):
    """The overlay shows where the model looked, not a uniform wash: the
    map reaches its peak somewhere (red minus green near 153), the
    pixels at 80 % of the peak or more are between 1 % and 90 % of the
    image, and the weakest tenth of the pixels is under half the peak.
    (The 4.0.0 model's 7x7 Grad-CAM is broad: on a radiograph most pixels
    carry some positive evidence, so "some pixels grey" would not hold.)"""
    import numpy as np
    d = overlay_red(png)
    strong = (d >= 122).mean()
    weak = float(np.percentile(d, 10))
    assert d.max() >= 150, d.max()
    assert 0.01 < strong < 0.9, strong
    assert weak < 77, weak


# --- independent references: the models' outputs computed without
# smartmed, for the parity tests.  The inputs are preprocessed as the
# service does (grey / 255, area resize, (x - 0.5) / 0.5) with OpenCV's
# INTER_AREA, which equals the service's area averaging for whole-number
# shrink factors (the only ones the tests use).

def model_input(rows, side=224, depth=8):
    """rows (grey ints) as the model's float32 [1, 1, side, side] input:
    shrunk by OpenCV's INTER_AREA (whole factors only), grown by its
    INTER_LINEAR (half-pixel centres, edges clamped, as the service)."""
    import pytest
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")
    x = np.array(rows, dtype=np.float32) / float((1 << depth) - 1)
    if x.shape[0] > side or x.shape[1] > side:
        assert x.shape[0] % side == 0 and x.shape[1] % side == 0, x.shape
        x = cv2.resize(x, (side, side), interpolation=cv2.INTER_AREA)
    elif x.shape != (side, side):
        x = cv2.resize(x, (side, side), interpolation=cv2.INTER_LINEAR)
    return ((x - 0.5) / 0.5).reshape(1, 1, side, side).astype(np.float32)


def opencv_probs(model_path, x):
    """The model's first output (the probabilities) for input x by
    OpenCV's DNN module (cv2.dnn.readNetFromONNX), a float64 list.  Asked
    for by name: with a second output (Grad-CAM's `cam`) forward() alone
    may answer that one."""
    import pytest
    cv2 = pytest.importorskip("cv2")
    onnx = pytest.importorskip("onnx")
    first = onnx.load(model_path).graph.output[0].name
    net = cv2.dnn.readNetFromONNX(model_path)
    net.setInput(x)
    return [float(v) for v in net.forward(first).reshape(-1)]


def numpy_probs(model_path, x):
    """The model's output for input x by a numpy forward pass over the
    ONNX graph (python3-onnx reads it), in float64.  Runs the operators of
    chest_guard_v1 (Flatten, Gemm, Relu, Softmax) with their attributes;
    OpenCV 4.6's importer refuses its Gemm (a weight not transposed)."""
    import pytest
    np = pytest.importorskip("numpy")
    onnx = pytest.importorskip("onnx")
    from onnx import helper, numpy_helper
    m = onnx.load(model_path)
    v = {t.name: numpy_helper.to_array(t).astype(np.float64)
         for t in m.graph.initializer}
    v[m.graph.input[0].name] = np.asarray(x, dtype=np.float64)
    for n in m.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        i = [v[name] for name in n.input]
        if n.op_type == "Flatten":
            k = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:k])), -1)
        elif n.op_type == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2:
                y = y + a.get("beta", 1.0) * i[2]
        elif n.op_type == "Relu":
            y = np.maximum(i[0], 0)
        elif n.op_type == "Softmax":
            z = i[0] - i[0].max(axis=a.get("axis", -1), keepdims=True)
            e = np.exp(z)
            y = e / e.sum(axis=a.get("axis", -1), keepdims=True)
        else:
            raise NotImplementedError("numpy_probs: " + n.op_type)
        v[n.output[0]] = y
    return [float(p) for p in v[m.graph.output[0].name].reshape(-1)]


def restart(st, **env):
    """Restarts st's diagnosis service with env as its only MED_DIAGNOSIS_*
    settings (none: the defaults)."""
    st.stop_service("diagnosis")
    svc = st.services["diagnosis"]
    for k in [k for k in svc.env if k.startswith("MED_DIAGNOSIS_")]:
        del svc.env[k]
    svc.env.update(env)
    st.start_service("diagnosis")


def dx_file(rows, mrn, accession="ACC1", study_uid=None, body_part=None,
            modality="DX", view="PA", mono1=False, n_frames=1,
            corrupt=False, study_date=None):
    """(Study Instance UID, DICOM Part 10 bytes) of one grey image (rows)
    in a study of its own (or study_uid) for the patient whose MRN is mrn,
    as a modality would send it to the PACS.  Skips without pydicom.

    mono1: 16 bits allocated, 12 stored, MONOCHROME1, slope 0.5 and
    intercept -50, and a window under which the PACS renders the original
    pixels back (value v = 8 (255 - x); window centre 1020.5, width 2041
    maps v to v / 8, and MONOCHROME1 inverts it to x).  n_frames repeats
    the frame; corrupt cuts the pixel data short; study_date sets StudyDate."""
    import pytest
    pydicom = pytest.importorskip("pydicom")
    np = pytest.importorskip("numpy")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"  # DX
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID, ds.AccessionNumber = mrn, accession
    ds.Modality, ds.ViewPosition = modality, view
    if study_date is not None:
        ds.StudyDate = study_date  # "YYYYMMDD": the age is taken there
    if body_part is not None:
        ds.BodyPartExamined = body_part
    ds.Rows, ds.Columns = len(rows), len(rows[0])
    ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
    x = np.array(rows, dtype=np.uint16)
    if n_frames > 1:
        ds.NumberOfFrames = n_frames
    if mono1:
        ds.PhotometricInterpretation = "MONOCHROME1"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
        ds.RescaleSlope, ds.RescaleIntercept = "0.5", "-50"
        ds.WindowCenter, ds.WindowWidth = "1020.5", "2041"
        data = ((255 - x) * 16 + 100).astype("<u2").tobytes()
    else:
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        ds.WindowCenter, ds.WindowWidth = "128", "256"
        data = x.astype(np.uint8).tobytes()
    data *= n_frames
    if corrupt:
        data = data[:len(data) // 3]  # the frame is cut short
    ds.PixelData = data + (b"\0" if len(data) % 2 else b"")
    out = io.BytesIO()
    pydicom.dcmwrite(out, ds, write_like_original=False)
    return ds.StudyInstanceUID, out.getvalue()


def frontal_dx(rows, mrn, accession="ACC1", body_part="CHEST",
               modality="DX"):
    """dx_file of an 8-bit PA view whose header names its body part."""
    return dx_file(rows, mrn, accession, body_part=body_part,
                   modality=modality)


# Real slices of other modalities: the sample files Debian's python3-pydicom
# ships with its tests (pydicom/data/test_files), read where the package
# put them, never copied here.
OTHER_MODALITY_FILES = {"CT slice": "CT_small.dcm", "MR slice": "MR_small.dcm"}


def other_modality_rows(kind, side=224):
    """side x side 8-bit grey rows of a real CT or MR slice (kind, a key of
    OTHER_MODALITY_FILES), windowed to its 1st..99th percentile as a
    viewer's export would be; skips when pydicom or the file is absent."""
    import pytest
    pydicom = pytest.importorskip("pydicom")
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")
    path = os.path.join(os.path.dirname(pydicom.__file__), "data",
                        "test_files", OTHER_MODALITY_FILES[kind])
    if not os.path.exists(path):
        pytest.skip("%s absent (python3-pydicom's sample files)" % path)
    px = pydicom.dcmread(path).pixel_array.astype(np.float32)
    lo, hi = np.percentile(px, 1), np.percentile(px, 99)
    grey = np.clip((px - lo) * 255.0 / max(hi - lo, 1.0), 0, 255)
    grey = cv2.resize(grey, (side, side), interpolation=cv2.INTER_LINEAR)
    return grey.round().astype(int).tolist()
