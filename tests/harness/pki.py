"""Test-time keys, certificates and signed tokens (python3-cryptography).

The stack's own PKI comes from tools/dev/devca.sh; this module makes the
hostile material the security tests need: certificates from another CA or
outside their validity, JWT signing keys and their JWKS, JWTs signed right
or wrong, and break-glass grants.  Nothing leaves the test's directory.
"""

import base64
import datetime
import ipaddress
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def new_ca(cn="other CA"):
    """(key, cert) of a self-signed EC P-256 CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def load_ca(cert_path, key_path):
    """(key, cert) of an existing CA (the stack's development CA)."""
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    return key, cert


def new_leaf(ca, cn, days_from=-1, days_to=30):
    """(key_pem, cert_pem) of a client certificate signed by ca, valid from
    now+days_from to now+days_to (both may lie in the past)."""
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return _pem_key(key), cert.public_bytes(serialization.Encoding.PEM)


def new_server_leaf(ca, cn="127.0.0.1", ips=("127.0.0.1",),
                    dns=("localhost",)):
    """(key_pem, cert_pem) of a server certificate signed by ca for the
    given addresses and names (subjectAltName), valid for 30 days."""
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    alt = ([x509.IPAddress(ipaddress.ip_address(i)) for i in ips] +
           [x509.DNSName(d) for d in dns])
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return _pem_key(key), cert.public_bytes(serialization.Encoding.PEM)


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


# --- JWT ---------------------------------------------------------------------

class JwtKey:
    """A signing key of the identity provider (RS256 or ES256)."""

    def __init__(self, alg, kid):
        self.alg = alg
        self.kid = kid
        if alg == "RS256":
            self.key = rsa.generate_private_key(public_exponent=65537,
                                                key_size=2048)
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())

    def jwk(self):
        pub = self.key.public_key().public_numbers()
        if self.alg == "RS256":
            n = pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")
            e = pub.e.to_bytes((pub.e.bit_length() + 7) // 8, "big")
            return {"kty": "RSA", "kid": self.kid, "use": "sig",
                    "alg": "RS256", "n": b64url(n), "e": b64url(e)}
        return {"kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256",
                "crv": "P-256", "x": b64url(pub.x.to_bytes(32, "big")),
                "y": b64url(pub.y.to_bytes(32, "big"))}

    def public_pem(self):
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        if self.alg == "RS256":
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        der = self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def write_jwks(path, keys):
    with open(path, "w") as f:
        json.dump({"keys": [k.jwk() for k in keys]}, f)


def jwt(key, claims, header=None, alg=None, hmac_secret=None):
    """A compact JWS.  key signs (None: unsigned); alg overrides the header;
    hmac_secret makes an HS256 token keyed with those bytes."""
    h = {"alg": alg or (key.alg if key else "none"), "typ": "JWT"}
    if key is not None:
        h["kid"] = key.kid
    h.update(header or {})
    signing = (b64url(json.dumps(h).encode()) + "." +
               b64url(json.dumps(claims).encode()))
    if hmac_secret is not None:
        m = hmac.HMAC(hmac_secret, hashes.SHA256())
        m.update(signing.encode())
        return signing + "." + b64url(m.finalize())
    if key is None:
        return signing + "."
    return signing + "." + b64url(key.sign(signing.encode()))


# --- break-glass --------------------------------------------------------------

def break_glass_grant(key_path, user, reason="LIFE_THREAT", nbf=None,
                      exp=None, gid="0" * 32):
    """A grant in libmed's format signed with the PEM Ed25519 key at
    key_path (to test expiry and forgery from outside the service)."""
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    now = int(datetime.datetime.now().timestamp())
    nbf = now - 60 if nbf is None else nbf
    exp = now + 600 if exp is None else exp
    payload = ("%s|%s|%d|%d|%s" % (gid, reason, nbf, exp, user)).encode()
    sig = key.sign(b"smartmed-break-glass-v1\0" + payload)
    return "bg1." + b64url(payload) + "." + b64url(sig)


def write(path, data, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path
