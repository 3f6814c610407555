"""Bedside verification tokens as identity signs them after a face or
stated-identifier check, made by build/bin/vtoken: the key pair dosage
trusts (MED_IDENTITY_PUBLIC_KEY_FILE) and a token for a patient.  For the
tests and benchmarks that chart doses without running a face check."""

import os
import subprocess

from . import paths


class VerificationKeys:
    """An identity signing key pair on disk (in d) and a token maker."""

    def __init__(self, d, name="identity"):
        self.priv = os.path.join(d, name + ".key")
        self.pub = os.path.join(d, name + ".pub")
        subprocess.run([paths.bin_path("vtoken"), "keygen", self.priv,
                        self.pub], check=True, stdout=subprocess.PIPE)

    def token(self, patient_id, score=0.93, threshold=0.8, ttl_s=120,
              issued_ms=None):
        args = [paths.bin_path("vtoken"), "sign", "--key", self.priv,
                "--patient-id", patient_id, "--score", str(score),
                "--threshold", str(threshold), "--ttl-s", str(ttl_s),
                "--model", "lbp-v1", "--device", "ward3-bed7"]
        if issued_ms is not None:
            args += ["--issued-ms", str(issued_ms)]
        r = subprocess.run(args, check=True, stdout=subprocess.PIPE)
        return r.stdout.decode().strip()
