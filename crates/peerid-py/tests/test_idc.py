"""The identity certificate as cryptography.x509 reads it, and the peer
name of a certificate."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import peerid

PEER_NAME_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.44.0.2")
PEER_AUTH_EKU = x509.ObjectIdentifier("1.3.6.1.4.1.311.44.3.4")


@pytest.mark.parametrize("key", ["ed25519", "p256", "rsa2048"])
def test_cryptography_reads_the_idc(store: peerid.Store, key: str) -> None:
    ident = store.create(classifier="chat", key=key)
    cert = x509.load_der_x509_certificate(ident.certificate())
    assert cert.issuer == cert.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == ident.authority

    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    (other,) = san.get_values_for_type(x509.OtherName)
    assert other.type_id == PEER_NAME_OID
    # The value is a DER UTF8String holding the peer name.
    assert other.value[0] == 0x0C and other.value[2:].decode() == ident.peer_name

    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [PEER_AUTH_EKU, ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]

    ku_ext = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku_ext.critical and ku_ext.value.digital_signature
    assert ku_ext.value.key_encipherment == (key == "rsa2048")

    # The authority is the SHA-1 of the public key bits: the SubjectKeyIdentifier.
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest.hex() == ident.authority
    assert x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest == ski.digest

    assert peerid.peer_name_of_certificate(ident.certificate()) == ident.peer_name
    # The same certificate in the info document.
    assert peerid.peer_name_of_certificate(cert.public_bytes(serialization.Encoding.DER)) == ident.peer_name


def _self_signed(san: bool) -> tuple[bytes, str]:
    """A self-signed Ed25519 certificate with no peer name, and its key's authority."""
    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    authority = hashlib.sha1(raw).hexdigest()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, authority)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("example.org")]), False)
    return builder.sign(key, None).public_bytes(serialization.Encoding.DER), authority


@pytest.mark.parametrize("san", [False, True])
def test_certificate_without_peer_name_proves_authority_dot(san: bool) -> None:
    # As the peer book and TLS name it (docs/design.md §10, §11): the key's
    # authority with the empty classifier.
    der, authority = _self_signed(san=san)
    assert peerid.peer_name_of_certificate(der) == authority + "."


def test_not_an_idc() -> None:
    with pytest.raises(peerid.InvalidArgument):
        peerid.peer_name_of_certificate(b"not a certificate")
    with pytest.raises(peerid.InvalidArgument):
        peerid.peer_name_of_certificate(b"\x30" + b"\x00" * 70_000)
    # Another issuer: not self-issued.
    issuer_key = ed25519.Ed25519PrivateKey.generate()
    key = ed25519.Ed25519PrivateKey.generate()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a CA")]))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(issuer_key, None)
    )
    with pytest.raises(peerid.InvalidArgument):
        peerid.peer_name_of_certificate(cert.public_bytes(serialization.Encoding.DER))
