"""Writes two worst-case PFX files with Python's cryptography package (an
implementation nobody here wrote), both MAC'd and encrypted with PASSWORD at
1,000 iterations, each holding one P-256 key and its self-signed certificate:

    OUT/pfx_64_bags.p12    plus 62 copies of the certificate: 64 SafeBags,
                           the most peerid reads
    OUT/pfx_65_bags.p12    plus 63 copies: one bag too many
    OUT/pfx_max_size.p12   plus 62 certificates of ~11.5 KB each (64 bags): as large as
                           a PFX gets inside a 1 MiB export document

    big_pfx.py OUT PASSWORD
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12
from cryptography.x509.oid import NameOID


def cert(key, filler=0):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "worst case")])
    now = datetime.datetime(2024, 1, 1)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key.public_key()).serial_number(1)
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650)))
    if filler:
        oid = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1")
        b = b.add_extension(x509.UnrecognizedExtension(oid, b"\x04\x82" + filler.to_bytes(2, "big") + b"Z" * filler), False)
    return b.sign(key, hashes.SHA256())


def write(path, key, cas, password):
    enc = (PrivateFormat.PKCS12.encryption_builder().kdf_rounds(1000)
           .hmac_hash(hashes.SHA256()).build(password))
    with open(path, "wb") as f:
        f.write(pkcs12.serialize_key_and_certificates(b"worst", key, cert(key), cas, enc))


def main():
    out, password = sys.argv[1], sys.argv[2].encode()
    key = ec.generate_private_key(ec.SECP256R1())
    write(f"{out}/pfx_64_bags.p12", key, [cert(key)] * 62, password)
    write(f"{out}/pfx_65_bags.p12", key, [cert(key)] * 63, password)
    big = cert(key, filler=11500)
    write(f"{out}/pfx_max_size.p12", key, [big] * 62, password)


if __name__ == "__main__":
    main()
