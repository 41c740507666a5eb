"""Writes a hostile PEERIDENTITYEXPORT document: a PFX, written byte by byte
as DER here (no library), whose every work factor is at the default cap of
1,000,000 iterations and whose MAC cannot verify under any password (its
value is random), with random ciphertexts, padded to just under the 1 MiB
limit of an export document. With any password, peerid must refuse it after
at most one MAC derivation per password form (docs/design.md §4 steps 3 and 4).

    hostile_pfx.py SHAPE OUT

SHAPE is one of
    many           HMAC-SHA-512 MAC, 31 encrypted SafeContents and 32 shrouded
                   key bags, alternating PBES2 (PBKDF2-HMAC-SHA-512, AES-256)
                   and PBES1 (pbeWithSHAAnd3-KeyTripleDES-CBC): 64 x the cap
    budget-sha512  HMAC-SHA-512 MAC, one PBES2-SHA-512 encrypted SafeContents,
                   one PBES1 shrouded key bag: exactly the file budget, 3 x
                   the cap, so only the MAC refuses it
    budget-sha1    the same with an HMAC-SHA-1 MAC and PBKDF2-HMAC-SHA-1
"""
import base64
import os
import sys

N = 1_000_000
DOC_LIMIT = 1 << 20


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body


def seq(*items):
    return tlv(0x30, b"".join(items))


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, out)


def integer(n):
    return tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def octets(b):
    return tlv(0x04, b)


def explicit0(b):
    return tlv(0xA0, b)


NULL = b"\x05\x00"
DATA = "1.2.840.113549.1.7.1"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
PBE_SHA1_3DES = "1.2.840.113549.1.12.1.3"
PBES2 = "1.2.840.113549.1.5.13"
PBKDF2 = "1.2.840.113549.1.5.12"
HMAC = {"sha1": "1.2.840.113549.2.7", "sha512": "1.2.840.113549.2.11"}
DIGEST = {"sha1": ("1.3.14.3.2.26", 20), "sha512": ("2.16.840.1.101.3.4.2.3", 64)}
AES_256_CBC = "2.16.840.1.101.3.4.1.42"


def pbes2(prf):
    kdf = seq(oid(PBKDF2), seq(octets(os.urandom(16)), integer(N), seq(oid(HMAC[prf]), NULL)))
    return seq(oid(PBES2), seq(kdf, seq(oid(AES_256_CBC), octets(os.urandom(16)))))


def pbes1():
    return seq(oid(PBE_SHA1_3DES), seq(octets(os.urandom(20)), integer(N)))


def encrypted_safe(alg, size):
    eci = seq(oid(DATA), alg, tlv(0x80, os.urandom(size)))
    return seq(oid(ENCRYPTED_DATA), explicit0(seq(integer(0), eci)))


def shrouded_bag(alg, size):
    return seq(oid(SHROUDED_KEY_BAG), explicit0(seq(alg, octets(os.urandom(size)))))


def data_safe(bags):
    return seq(oid(DATA), explicit0(octets(seq(*bags))))


def pfx(safes, digest):
    auth_safe = seq(*safes)
    digest_oid, size = DIGEST[digest]
    mac = seq(seq(seq(oid(digest_oid), NULL), octets(os.urandom(size))), octets(os.urandom(20)), integer(N))
    return seq(integer(3), seq(oid(DATA), explicit0(octets(auth_safe))), mac)


def document(der):
    name = "0123456789abcdef0123456789abcdef01234567.hostile"
    return ('<PEERIDENTITYEXPORT VERSION="1.0">\r\n   <IDENTITY>%s</IDENTITY>\r\n'
            '   <IDENTITYDATA xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">%s'
            "</IDENTITYDATA>\r\n</PEERIDENTITYEXPORT>" % (name, base64.b64encode(der).decode()))


def build(shape, pad):
    """The PFX of SHAPE, with `pad` bytes (multiples of 16) of ciphertext spread over it."""
    if shape == "many":
        each = pad // 64 // 16 * 16 + 16
        algs = [pbes2("sha512") if i % 2 == 0 else pbes1() for i in range(64)]
        safes = [encrypted_safe(a, each) for a in algs[:31]]
        safes.append(data_safe([shrouded_bag(a, each) for a in algs[31:63]]))
        return pfx(safes, "sha512")
    digest = shape.split("-")[1]
    safes = [encrypted_safe(pbes2(digest), pad // 16 * 16 + 16),
             data_safe([shrouded_bag(pbes1(), 160)])]
    return pfx(safes, digest)


def main():
    shape, out = sys.argv[1], sys.argv[2]
    if shape not in ("many", "budget-sha512", "budget-sha1"):
        sys.exit("unknown shape " + shape)
    # The largest padding whose document still fits the limit.
    pad = DOC_LIMIT * 3 // 4
    while len(document(build(shape, pad))) > DOC_LIMIT - 64:
        pad -= 4096
    with open(out, "w") as f:
        f.write(document(build(shape, pad)))


if __name__ == "__main__":
    main()
