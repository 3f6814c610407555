"""Image helpers for the diagnosis tests: PNG written with zlib (8- and
16-bit grey), JPEG through OpenCV, and the shipped model's reference
cases (synthetic images and torch's outputs, written by
tools/train/pneumonia.py)."""

import json
import os
import struct
import zlib

from harness import paths

MODEL_DIR = os.path.join(paths.REPO_ROOT, "services", "diagnosis", "models")
MODEL_PATH = os.path.join(MODEL_DIR, "pneumonia_cnn_v1.onnx")
REF_PATH = os.path.join(MODEL_DIR, "pneumonia_cnn_v1.ref.json")


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


def case_rows(case, scale=1):
    """The case's 28x28 pixels as rows, each pixel repeated scale x scale."""
    px = case["pixels"]
    rows = [px[y * 28:(y + 1) * 28] for y in range(28)]
    out = []
    for r in rows:
        wide = [v for v in r for _ in range(scale)]
        out += [wide] * scale
    return out
