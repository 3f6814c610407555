"""The PKI of a Stack (tests/harness/stack.py): the development CA and
certificates (tools/dev/devca.sh), the break-glass key pair, the facade's
research key, and the TLS settings and credentials made from them."""

import os
import subprocess

import grpc

from . import paths, protos
from .stack_processes import StackError


class StackPki:
    """The part of Stack that holds its certificates and keys."""

    def _init_pki(self, pki_dir):
        """The constructor's PKI option (Stack's docstring)."""
        self.pki_dir = pki_dir or os.path.join(self.workdir, "pki")

    def make_pki(self):
        """Create (once) the CA, certificates and break-glass keys."""
        self.make_identities(*(list(protos.SERVICES) + ["mariadb", "fhir"]))

    def make_identities(self, *names):
        """Create (once; devca.sh keeps existing files) a certificate of
        the stack's CA for each of names (its CN), e.g. a sending system's
        client certificate."""
        r = subprocess.run(["sh", paths.devca_sh(), self.pki_dir]
                           + list(names),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        if r.returncode != 0:
            raise StackError("devca.sh failed (%d):\n%s" % (
                r.returncode, r.stdout.decode("utf-8", "replace")))

    def pki(self, name):
        """(certificate, key) paths of a PKI identity: a service name or
        "operator"."""
        return (os.path.join(self.pki_dir, name + ".pem"),
                os.path.join(self.pki_dir, name + ".key"))

    @property
    def ca_path(self):
        return os.path.join(self.pki_dir, "ca.pem")

    def client_tls_env(self, identity="operator"):
        """MED_TLS_* for medctl: the CA and a client certificate."""
        cert, key = self.pki(identity)
        return {"MED_TLS_CA": self.ca_path, "MED_TLS_CERT": cert,
                "MED_TLS_KEY": key}

    def credentials(self, identity="operator"):
        """grpc channel credentials presenting identity's certificate."""
        def rd(p):
            with open(p, "rb") as f:
                return f.read()
        cert, key = self.pki(identity)
        return grpc.ssl_channel_credentials(
            root_certificates=rd(self.ca_path), private_key=rd(key),
            certificate_chain=rd(cert))

    def _research_key_file(self):
        """A fresh research master key (64 hex digits) for the facade."""
        path = os.path.join(self.pki_dir, "research.key")
        if not os.path.exists(path):
            with open(path, "w", encoding="ascii") as f:
                f.write(os.urandom(32).hex() + "\n")
            os.chmod(path, 0o600)
        return path
