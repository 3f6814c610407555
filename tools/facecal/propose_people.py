#!/usr/bin/python3
"""Propose who is who in an unlabelled folder of face photographs
(tools/facecal/propose_people.py), for a person to check.

    tools/facecal/propose_people.py DIR OUT

A set with identity labels is what calibration needs (calibrate.py), and
many public photo sets come without them.  This tool does the tedious
half of labelling: it starts identity and audit with the models make run
ships, enrols every photograph of DIR as a patient of its own, asks
IdentifyFace for each photograph's 50 nearest others, and groups the
photographs whose mutual scores are high (average linkage down to a
mean score of LINK, 0.93 by default, a little below the shipped
threshold so that one person's harder photographs still join).  It writes

    OUT/proposal.csv        file,person   (person p01.. by group size)
    OUT/sheets/pNN.jpg      a contact sheet of each group, numbered

and a person then looks at every sheet, moves or drops the photographs
that are someone else, and saves the result as the set's labels
(tools/facecal/<set>.people.csv).  The proposal is the model's opinion
and is never itself a label: a set labelled only by the embedder would
measure the embedder against itself.  Photographs the service refuses
to enrol (no face, two faces, low quality) are listed as person "-".
"""

import csv
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "facecal"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from calibrate import IMAGE_EXT, photo_bytes  # noqa: E402

TOP_K = 50
SHEET_COLS, THUMB = 8, 120


def enrol_each(st, pb, files):
    """{file: patient id} for every photograph identity enrols alone."""
    pids = {}
    for i, path in enumerate(files):
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="LABEL-%d" % i, family_name="Label", given_name="P%d" % i,
            birth_date="1970-01-01", sex=pb.ADMINISTRATIVE_SEX_UNKNOWN),
            role="registrar")
        try:
            st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
                patient_id=p.patient_id, images=[photo_bytes(path)]),
                role="registrar", timeout=60)
        except grpc.RpcError as e:
            print("not enrolled: %s: %s" % (os.path.basename(path),
                                            e.details()))
            continue
        pids[path] = p.patient_id
    return pids


def similarities(st, pb, pids):
    """The symmetric matrix of IdentifyFace scores between the enrolled
    photographs (a pair outside each other's 50 nearest scores 0)."""
    import numpy as np
    files = list(pids)
    index = {pid: i for i, pid in enumerate(pids.values())}
    sim = np.zeros((len(files), len(files)))
    for i, path in enumerate(files):
        res = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=photo_bytes(path), top_k=TOP_K), role="registrar",
            timeout=60)
        for c in res.candidates:
            j = index.get(c.patient_id, i)
            if j != i:
                sim[i, j] = sim[j, i] = max(sim[i, j], c.score)
    return sim


def groups(files, sim, link):
    """Average-linkage groups: the two groups whose mean pairwise score
    is highest merge while that mean is at least link (one chance
    resemblance cannot chain two people together, as in single linkage)."""
    import numpy as np
    members = [[i] for i in range(len(files))]
    total = sim.copy()  # sum of scores between groups a and b
    np.fill_diagonal(total, -np.inf)
    alive = np.ones(len(files), bool)
    while True:
        sizes = np.array([max(len(m), 1) for m in members], float)
        mean = total / np.outer(sizes, sizes)
        mean[~alive, :] = mean[:, ~alive] = -np.inf
        a, b = np.unravel_index(np.argmax(mean), mean.shape)
        if mean[a, b] < link:
            break
        members[a] += members[b]
        members[b] = []
        total[a, :] += total[b, :]
        total[:, a] = total[a, :]
        total[a, a] = -np.inf
        alive[b] = False
    found = [[files[i] for i in sorted(m)] for m in members if m]
    return sorted(found, key=lambda g: (-len(g), g[0]))


def contact_sheet(paths, out_path):
    import cv2
    import numpy as np
    rows = -(-len(paths) // SHEET_COLS)
    sheet = np.full((rows * (THUMB + 16), SHEET_COLS * THUMB, 3), 255,
                    np.uint8)
    for i, p in enumerate(paths):
        img = cv2.resize(cv2.imread(p), (THUMB, THUMB))
        y, x = (i // SHEET_COLS) * (THUMB + 16), (i % SHEET_COLS) * THUMB
        sheet[y:y + THUMB, x:x + THUMB] = img
        cv2.putText(sheet, os.path.splitext(os.path.basename(p))[0][-4:],
                    (x + 4, y + THUMB + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 0), 1)
    cv2.imwrite(out_path, sheet)


def write(out, files, pids, found):
    os.makedirs(os.path.join(out, "sheets"), exist_ok=True)
    label = {f: "-" for f in files}
    for i, g in enumerate(found, 1):
        for f in g:
            label[f] = "p%02d" % i
        contact_sheet(g, os.path.join(out, "sheets", "p%02d.jpg" % i))
    with open(os.path.join(out, "proposal.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "person"])
        for path in files:
            w.writerow([os.path.basename(path), label[path]])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: propose_people.py DIR OUT")
    root, out = sys.argv[1], sys.argv[2]
    import numpy as np
    link = float(os.environ.get("LINK", "0.93"))
    files = sorted(os.path.join(root, n) for n in os.listdir(root)
                   if n.lower().endswith(IMAGE_EXT))
    keys = FaceKeys(paths.scratch_dir("smartmed-propose-"))
    env = dict(keys.env(), MED_FACE_COPY_CHECK="off", **face_models_env())
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        pids = enrol_each(st, pb, files)
        sim = similarities(st, pb, pids)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "similarities.npy"), sim)
    found = groups(list(pids), sim, link)
    write(out, files, pids, found)
    print("%d photographs, %d enrolled, %d groups (%d of two or more); "
          "wrote %s" % (len(files), len(pids), len(found),
                        sum(len(g) > 1 for g in found), out))


if __name__ == "__main__":
    main()
