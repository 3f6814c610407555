#!/usr/bin/python3
"""OpenCV DNN half of tools/bench/infer_yunet.sh.

usage: infer_yunet_opencv.py THREADS RUNS MODEL

Runs MODEL with cv2.dnn (Debian python3-opencv 4.6) on the same synthetic
image bench-infer_yunet uses and prints "run_ms_median X" (median of RUNS
after one warm-up run).
"""
import sys
import time

import cv2
import numpy as np


def main():
    threads, runs, model = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(model)
    names = net.getUnconnectedOutLayersNames()
    i = np.arange(3 * 640 * 640, dtype=np.int64)
    img = ((i * 7919 + (i >> 9) * 104729) % 256).astype(np.float32)
    blob = img.reshape(1, 3, 640, 640)
    ms = []
    for r in range(runs + 1):
        t0 = time.perf_counter()
        net.setInput(blob)
        net.forward(names)
        if r:
            ms.append((time.perf_counter() - t0) * 1000)
    print("run_ms_median %.3f" % sorted(ms)[runs // 2])


if __name__ == "__main__":
    main()
