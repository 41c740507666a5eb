#!/usr/bin/env python3
"""Make the committed fuzz vectors: fuzz/seeds/<target>/ and fuzz/regressions/<target>/.

    python3 fuzz/vectors.py           # rewrite every file this script makes
    python3 fuzz/vectors.py --check   # exit 1 if a committed file differs

Three kinds of file, each made once here:

* Made by the `peerid` binary (random keys, so not reproducible byte for
  byte; this script only checks they are present): the export, PFX and
  PEERIDENTITYINFO seeds of three identities, made as fuzz/seed.sh makes its
  fresh ones:

      export PEERID_FUZZ_PASSWORD=fuzz
      peerid --store S create --key KEY --classifier "seed KEY" --friendly-name "Fuzz seed (KEY)"
      peerid --store S xml NAME > seeds/identity_info/seed-KEY.xml
      peerid --store S export NAME --iterations 1 --password-env PEERID_FUZZ_PASSWORD [--legacy] -o DOC
      # seeds/pfx_decode/*.pfx is the base64 of DOC's IDENTITYDATA, decoded

  (ed25519 modern, p256 legacy, rsa2048 modern exports; rsa2048 legacy PFX).
* Written out here: the peer-name seeds, and the Windows 7 identity info
  (its certificate taken from crates/peerid/tests/vectors/windows with
  `openssl`, which must be on PATH).
* Derived here from those: every regression that is a seed with one thing
  changed, and the `ok-*` copies of seeds the replay must accept.
"""

import base64
import pathlib
import re
import subprocess
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
SEEDS = FUZZ / "seeds"
REGRESSIONS = FUZZ / "regressions"
WINDOWS = FUZZ.parent / "crates/peerid/tests/vectors/windows"

MADE_BY_PEERID = [
    "export_document/seed-ed25519-modern.xml",
    "export_document/seed-p256-legacy.xml",
    "export_document/seed-rsa2048-modern.xml",
    "identity_info/seed-ed25519.xml",
    "identity_info/seed-p256.xml",
    "identity_info/seed-rsa2048.xml",
    "pfx_decode/seed-ed25519-modern.pfx",
    "pfx_decode/seed-p256-legacy.pfx",
    "pfx_decode/seed-rsa2048-legacy.pfx",
]

# The authority of the ed25519 seed identity.
AUTH = b"2d6c0908be9895ba1ca6efa437bfd9bb5a6611e5"

PEER_NAMES = {
    "classifier-149": AUTH + b"." + b"x" * 149,
    "classifier-150": AUTH + b"." + b"x" * 150,
    "combining-nfd": AUTH + ".e\u0301te\u0301".encode(),
    "dots-in-classifier": AUTH + b".a.b..c.",
    "emoji-148-units": AUTH + b"." + "\U0001f600".encode() * 74,
    "expands-under-nfc": AUTH + b"." + "\u0344".encode() * 75,
    "friendly-255-bmp": "\u00e9".encode() * 255,
    "lone-authority": AUTH,
    "lone-zero": b"0",
    "nul-in-classifier": AUTH + b".a\x00b",
    "secure-chat": AUTH + b".chat",
    "short-authority": AUTH[:-1] + b".x",
    "trailing-space": AUTH + b".chat  \t",
    "unsecured": b"0.printer",
    "uppercase-authority": AUTH.upper() + b".chat",
}


def wrap_export(peer_name: bytes, pfx: bytes) -> bytes:
    """A PEERIDENTITYEXPORT document, as fuzz/seed.sh's wrap() writes it."""
    return (
        b'<PEERIDENTITYEXPORT VERSION="1.0">\n   <IDENTITY>' + peer_name + b"</IDENTITY>\n"
        b'   <IDENTITYDATA xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">'
        + base64.b64encode(pfx)
        + b"</IDENTITYDATA>\n</PEERIDENTITYEXPORT>\n"
    )


def windows7_info() -> bytes:
    """The Windows 7 identity's certificate as a bare DER <IDC> (not PKCS#7),
    with an XML declaration, CRLF between elements and base64 wrapped at 76
    columns with LF, as MS-PPSEC's examples and `base64` wrap it."""
    pem = subprocess.run(
        ["openssl", "pkcs12", "-in", str(WINDOWS / "boringssl-windows7.p12"),
         "-nokeys", "-passin", "pass:foo", "-legacy"],
        check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    b64 = base64.b64encode(der)
    lines = b"\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\r\n<PEERIDENTITYINFO VERSION="1.0">\r\n'
        b'   <IDC xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">'
        + lines + b"</IDC>\r\n</PEERIDENTITYINFO>"
    )


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


def flip(data: bytes, offset: int, mask: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1:]


def base64_span(doc: bytes) -> tuple[int, int]:
    start = doc.index(b'bin.base64">') + len(b'bin.base64">')
    return start, doc.index(b"<", start)


def regressions(seed) -> dict[str, bytes]:
    """Every file of fuzz/regressions/, by its path under it."""
    doc = seed("export_document/seed-p256-legacy.xml")
    pfx = seed("pfx_decode/seed-p256-legacy.pfx")
    info = seed("identity_info/seed-ed25519.xml")
    windows7 = (WINDOWS / "boringssl-windows7.p12").read_bytes()
    start, end = base64_span(doc)
    b64 = doc[start:end]
    authority = re.search(rb"<IDENTITY>([0-9a-f]{40})\.", doc).group(1)
    return {
        # Export documents, all from the P-256 legacy seed.
        "export_document/empty": b"",
        "export_document/ok-ed25519-modern.xml": seed("export_document/seed-ed25519-modern.xml"),
        "export_document/ok-p256-legacy.xml": doc,
        # The base64 loses its last three characters.
        "export_document/base64-truncated.xml": doc[:end - 3] + doc[end:],
        # The base64 wrapped at 76 columns with CRLF, as Windows may wrap it.
        "export_document/base64-wrapped-76.xml": doc[:start]
        + b"\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + doc[end:],
        "export_document/doctype.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + doc,
        # The other spelling, with a declaration and CRLF line ends.
        "export_document/peername-data-spelling-crlf-decl.xml":
            b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
            + doc.replace(b"IDENTITYDATA ", b"DATA ").replace(b"/IDENTITYDATA>", b"/DATA>")
            .replace(b"IDENTITY>", b"PEERNAME>").replace(b"\n", b"\r\n"),
        # The base64 cut to its first 806 characters and padded with "==".
        "export_document/pfx-truncated.xml": doc[:start] + b64[:806] + b"==" + doc[end:],
        "export_document/trailing-whitespace-name.xml": replace_once(doc, b"</IDENTITY>", b" \t </IDENTITY>"),
        "export_document/uppercase-authority.xml": replace_once(doc, authority, authority.upper()),
        "export_document/wrong-authority.xml": replace_once(doc, authority, b"0" * 40),
        "export_document/windows7-wrapped.xml": wrap_export(b"0" * 40 + b".windows", windows7),
        # PFX files, from the P-256 legacy seed.
        "pfx_decode/empty": b"",
        "pfx_decode/ok-ed25519-modern.pfx": seed("pfx_decode/seed-ed25519-modern.pfx"),
        "pfx_decode/ok-p256-legacy.pfx": pfx,
        "pfx_decode/contents-flipped.pfx": flip(pfx, 604, 0x40),
        "pfx_decode/mac-flipped.pfx": flip(pfx, len(pfx) - 5, 0x01),
        "pfx_decode/trailing-garbage.pfx": pfx + b"\x00",
        "pfx_decode/truncated.pfx": pfx[:-40],
        "pfx_decode/windows7.p12": windows7,
        # Identity infos, from the Ed25519 seed.
        "identity_info/empty": b"",
        "identity_info/bom.xml": b"\xef\xbb\xbf" + info,
        "identity_info/pkcs7-one-byte-flipped.xml": info[:814] + b"Y" + info[815:],
        "identity_info/truncated.xml": info[:-60],
        "identity_info/seed-ed25519.xml": info,
        "identity_info/seed-p256.xml": seed("identity_info/seed-p256.xml"),
        "identity_info/seed-rsa2048.xml": seed("identity_info/seed-rsa2048.xml"),
        "identity_info/seed-windows7-bare-der-crlf.xml": windows7_info(),
        # Peer names: every seed, the empty input and one that is not UTF-8.
        "peer_name/empty": b"",
        "peer_name/not-utf8": b"\xff\xfe" + AUTH + b".\xc3",
        **{f"peer_name/{k}": v for k, v in PEER_NAMES.items()},
    }


def main() -> int:
    check = "--check" in sys.argv[1:]
    missing = [p for p in MADE_BY_PEERID if not (SEEDS / p).is_file()]
    if missing:
        print("made by the peerid binary and missing:", *missing, sep="\n  ")
        return 1

    def seed(path: str) -> bytes:
        return (SEEDS / path).read_bytes()

    made = {SEEDS / "identity_info/seed-windows7-bare-der-crlf.xml": windows7_info()}
    made.update({SEEDS / "peer_name" / k: v for k, v in PEER_NAMES.items()})
    regs = regressions(seed)
    made.update({REGRESSIONS / k: v for k, v in regs.items()})
    bad = 0
    for path, data in sorted(made.items()):
        if check:
            if not path.is_file() or path.read_bytes() != data:
                print("differs:", path.relative_to(FUZZ))
                bad += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if check:
        print(f"{len(made) - bad} of {len(made)} files as this script makes them")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
