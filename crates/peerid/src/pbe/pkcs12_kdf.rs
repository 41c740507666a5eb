//! The PKCS#12 key-derivation function of RFC 7292 Appendix B.2, and the
//! password encodings the PKCS#12 schemes use.
//!
//! ```text
//! D = ID repeated to v bits      (ID 1 = key, 2 = IV, 3 = MAC key)
//! I = S || P                     (salt and password, each repeated to a multiple of v bits)
//! A_i = H^r(D || I); I_j = (I_j + (A_i repeated to v bits) + 1) mod 2^v
//! ```

use zeroize::{Zeroize, Zeroizing};

use super::engine::{self, Engine};
use super::jobs::{CHECK_EVERY, Cancel, Cancelled};

/// The purpose byte `ID` of RFC 7292 B.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// ID 1: key material for encryption or decryption.
    Key = 1,
    /// ID 2: an initialisation vector.
    Iv = 2,
    /// ID 3: an integrity (MAC) key.
    Mac = 3,
}

/// The PKCS#12 password form: BMPString big-endian UTF-16 with a trailing
/// `00 00` (RFC 7292 B.1). The empty password is just `00 00`.
pub(crate) fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The iteration count a derivation actually runs for a `declared` one.
///
/// Under `cfg(fuzzing)` (cargo-fuzz builds only) it is at most
/// [`FUZZING_ROUNDS`], as BoringSSL does, so that a fuzzer spends its time in
/// the decoders rather than in hash loops. The cap against the caller's
/// `max_iterations` still sees the declared count.
pub(crate) fn effective_rounds(declared: u32) -> u32 {
    if cfg!(fuzzing) {
        declared.min(FUZZING_ROUNDS)
    } else {
        declared
    }
}

/// The most iterations any derivation runs under `cfg(fuzzing)`. Seeds for
/// the fuzz targets are exported with this count so that they decrypt.
pub(crate) const FUZZING_ROUNDS: u32 = 1;

/// Derive `n` bytes with hash `E`, `r` = `iterations`, from the already
/// encoded password bytes (see [`bmp_password`]).
///
/// The caller bounds `iterations` before calling: this function always does
/// the work it is asked to. Each of the `r - 1` rounds `A = H(A)` after the
/// first is one compression of a block padded once, before the loop
/// (`crate::pbe`). Every [`CHECK_EVERY`] rounds it looks at `cancel` and
/// stops if it is set. Everything derived from the password is wiped before
/// it returns: the working value `I`, every block `A` (the last one
/// included) and the hash state.
pub(crate) fn derive<E: Engine>(
    password: &[u8],
    salt: &[u8],
    purpose: Purpose,
    iterations: u32,
    n: usize,
    cancel: &Cancel,
) -> Result<Zeroizing<Vec<u8>>, Cancelled> {
    let v = E::BLOCK;
    let u = E::OUT;

    let mut d = E::zero_block();
    d.as_mut().fill(purpose as u8);
    let stretch = |input: &[u8]| -> Zeroizing<Vec<u8>> {
        // An empty input stays empty (RFC 7292 B.2 step 2 and 3 with s or p = 0).
        let len = input.len().div_ceil(v) * v;
        Zeroizing::new(input.iter().copied().cycle().take(len).collect())
    };
    let s = stretch(salt);
    let p = stretch(password);
    let mut i = Zeroizing::new([s.as_slice(), p.as_slice()].concat());

    let mut out = Zeroizing::new(Vec::with_capacity(n.div_ceil(u) * u));
    // A at its start, then the padding of a u-byte message: H(A) is one
    // compression of this block.
    let mut a = engine::padded_block::<E>(u, 0);
    let mut state = E::iv();
    let mut result = Ok(());
    'blocks: while out.len() < n {
        // A_1 = H(D || I): D is one block.
        state = E::iv();
        E::compress(&mut state, &d);
        engine::finish::<E>(&mut state, v as u64, &i, &mut a.as_mut()[..u]);
        let mut left = iterations.saturating_sub(1);
        while left > 0 {
            if cancel.is_set() {
                result = Err(Cancelled);
                break 'blocks;
            }
            let rounds = left.min(CHECK_EVERY);
            for _ in 0..rounds {
                state = E::iv();
                E::compress(&mut state, &a);
                E::output(&state, &mut a.as_mut()[..u]);
            }
            left -= rounds;
        }
        let a = &a.as_ref()[..u];
        out.extend_from_slice(a);
        if out.len() >= n {
            break;
        }
        // B = A repeated to v bytes; each v-byte block I_j += B + 1 (big-endian).
        let b: Zeroizing<Vec<u8>> = Zeroizing::new(a.iter().copied().cycle().take(v).collect());
        for block in i.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    state.zeroize();
    a.zeroize();
    d.zeroize();
    out.truncate(n);
    result.map(|()| out)
}

/// `A_1 = H(D || I)` of RFC 7292 B.2, the start of the chain of a key of
/// at most one digest (every MAC key is exactly one): for such a key,
/// `derive(.., r, n)` is the first `n` bytes of [`chain_start`] followed by
/// [`chain_advance`] by `r - 1` rounds, in as many steps as the caller
/// likes, on any thread. A chain is the one value to hand over: `u` bytes.
///
/// # Errors
/// None in fact (one iteration is never cancelled); [`Cancelled`] for the
/// signature's sake.
pub(crate) fn chain_start<E: Engine>(
    password: &[u8],
    salt: &[u8],
    purpose: Purpose,
) -> Result<Zeroizing<Vec<u8>>, Cancelled> {
    derive::<E>(password, salt, purpose, 1, E::OUT, &Cancel::new())
}

/// `A = H^rounds(A)` on a chain from [`chain_start`], looking at `cancel`
/// every [`CHECK_EVERY`] rounds. The working block and state are wiped.
///
/// # Errors
/// [`Cancelled`] if `cancel` was set before the rounds ended (`a` is then
/// part-way along its chain).
pub(crate) fn chain_advance<E: Engine>(
    a: &mut [u8],
    rounds: u32,
    cancel: &Cancel,
) -> Result<(), Cancelled> {
    let len = a.len().min(E::OUT);
    let mut block = engine::padded_block::<E>(E::OUT, 0);
    block.as_mut()[..len].copy_from_slice(&a[..len]);
    let mut state = E::iv();
    let mut result = Ok(());
    let mut left = rounds;
    while left > 0 {
        if cancel.is_set() {
            result = Err(Cancelled);
            break;
        }
        let n = left.min(CHECK_EVERY);
        for _ in 0..n {
            state = E::iv();
            E::compress(&mut state, &block);
            E::output(&state, &mut block.as_mut()[..E::OUT]);
        }
        left -= n;
    }
    a[..len].copy_from_slice(&block.as_ref()[..len]);
    state.zeroize();
    block.zeroize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pbe::engine::{Sha1, Sha224, Sha256, Sha384, Sha512};
    use proptest::prelude::*;
    use sha2::digest::{
        Digest, Output, OutputSizeUser, block_api::BlockSizeUser, typenum::Unsigned,
    };
    use zeroize::ZeroizeOnDrop;

    /// The straightforward form of [`derive`] through `digest`, as it was
    /// before `crate::pbe`, to check [`derive`] against: derive `n` bytes with hash `H`, `r` = `iterations`, from the already
    /// encoded password bytes (see [`bmp_password`]).
    ///
    /// The caller bounds `iterations` before calling: this function always does
    /// the work it is asked to. Everything derived from the password is wiped
    /// before it returns: the working value `I`, every block `A` (the last one
    /// included) and every hasher state (`ZeroizeOnDrop`, required of `H`).
    fn reference<H>(
        password: &[u8],
        salt: &[u8],
        purpose: Purpose,
        iterations: u32,
        n: usize,
    ) -> Zeroizing<Vec<u8>>
    where
        H: Digest + BlockSizeUser + OutputSizeUser + ZeroizeOnDrop,
    {
        let v = <H as BlockSizeUser>::BlockSize::USIZE;
        let u = <H as OutputSizeUser>::OutputSize::USIZE;

        let d = vec![purpose as u8; v];
        let stretch = |input: &[u8]| -> Zeroizing<Vec<u8>> {
            // An empty input stays empty (RFC 7292 B.2 step 2 and 3 with s or p = 0).
            let len = input.len().div_ceil(v) * v;
            Zeroizing::new(input.iter().copied().cycle().take(len).collect())
        };
        let s = stretch(salt);
        let p = stretch(password);
        let mut i = Zeroizing::new([s.as_slice(), p.as_slice()].concat());

        let mut out = Zeroizing::new(Vec::with_capacity(n.div_ceil(u) * u));
        let mut a = Output::<H>::default();
        while out.len() < n {
            let mut hasher = H::new();
            hasher.update(&d);
            hasher.update(i.as_slice());
            hasher.finalize_into(&mut a);
            for _ in 1..iterations {
                // A fresh hasher each round (faster than resetting one); each
                // is wiped when dropped (`ZeroizeOnDrop`).
                a = H::digest(&a);
            }
            out.extend_from_slice(&a);
            if out.len() >= n {
                break;
            }
            // B = A repeated to v bytes; each v-byte block I_j += B + 1 (big-endian).
            let b: Zeroizing<Vec<u8>> = Zeroizing::new(a.iter().copied().cycle().take(v).collect());
            for block in i.chunks_mut(v) {
                let mut carry = 1u16;
                for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                    let sum = u16::from(*x) + u16::from(*y) + carry;
                    *x = sum as u8;
                    carry = sum >> 8;
                }
            }
        }
        a.as_mut_slice().zeroize();
        out.truncate(n);
        out
    }

    /// [`derive`], never cancelled.
    fn ours<E: Engine>(
        password: &[u8],
        salt: &[u8],
        purpose: Purpose,
        iterations: u32,
        n: usize,
    ) -> Zeroizing<Vec<u8>> {
        derive::<E>(password, salt, purpose, iterations, n, &Cancel::new()).expect("not cancelled")
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn bmp_password_encoding() {
        assert_eq!(bmp_password("").as_slice(), &[0, 0]);
        assert_eq!(bmp_password("ab").as_slice(), &[0, b'a', 0, b'b', 0, 0]);
        assert_eq!(bmp_password("é").as_slice(), &[0, 0xe9, 0, 0]);
    }

    /// (hash, password or "<absent>" for the zero-length password, salt, ID,
    /// iterations, n, expected). Made with OpenSSL 3.0's own
    /// `PKCS12_key_gen_uni` (libcrypto), called from Python through ctypes:
    /// `lc.PKCS12_key_gen_uni(pw.encode("utf-16-be") + b"\0\0", len, salt,
    /// len(salt), id, iter, n, out, lc.EVP_get_digestbyname(b"sha1"))`, with
    /// `NULL, 0` as the absent password. The first row is also the well-known
    /// "smeg" vector of OpenSSL's own PKCS#12 KDF tests.
    #[allow(clippy::type_complexity)]
    const KDF_VECTORS: &[(&str, &str, &str, u8, u32, usize, &str)] = &[
        (
            "sha1",
            "smeg",
            "0a58cf64530d823f",
            1,
            1,
            24,
            "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3",
        ),
        (
            "sha1",
            "smeg",
            "0a58cf64530d823f",
            2,
            1,
            8,
            "79993dfe048d3b76",
        ),
        (
            "sha1",
            "queeg",
            "05def6ac0c8ecc17",
            1,
            1000,
            24,
            "1792d7773b2149586ef1fc0b84050faee0e8b2c96b7712cb",
        ),
        (
            "sha1",
            "",
            "3d83c0e4546ac140",
            3,
            2000,
            20,
            "ae6a2ea4b50f0db4769577db03645136fe8199f9",
        ),
        (
            "sha1",
            "<absent>",
            "3d83c0e4546ac140",
            3,
            2000,
            20,
            "0e7eabb246aa353b98da38953136d0bf812ecb32",
        ),
        (
            "sha256",
            "pässwörd",
            "000102030405060708090a0b0c0d0e0f",
            3,
            2048,
            32,
            "0a0e208afac10db15bf02209ee8280213c982e677423beed12cc051207f7a843",
        ),
        (
            "sha256",
            "password",
            "000102030405060708090a0b0c0d0e0f10111213",
            1,
            3,
            100,
            "8ef49158564aeefbbdf99fe4703e74c704d3d1755c58e61e234c87036e986b8b990540ba09d96ea91ea8a7f815816c1da6748b4ff8d1ee1d2386e31b480f0c0779aa7b97b46b8baf30eb3b01f2bfb0672b4975c97a9f3f3291e3738ff03e204a5214ba14",
        ),
        (
            "sha512",
            "password",
            "000102030405060708090a0b0c0d0e0f",
            3,
            7,
            64,
            "4a4ceb36fb299111e5f7b2356ec0ad77d423c392b4616a7cfa024285a4c3df4f14b4ae6dab031b152c1801e6e5fe0109ae658012ddda99aa556e985ef2183fa4",
        ),
    ];

    #[test]
    fn matches_openssl_pkcs12_key_gen() {
        for (hash, pw, salt, id, iter, n, expected) in KDF_VECTORS {
            let pw = if *pw == "<absent>" {
                Zeroizing::new(Vec::new())
            } else {
                bmp_password(pw)
            };
            let salt = hex_decode(salt);
            let purpose = match id {
                1 => Purpose::Key,
                2 => Purpose::Iv,
                _ => Purpose::Mac,
            };
            let got = match *hash {
                "sha1" => ours::<Sha1>(&pw, &salt, purpose, *iter, *n),
                "sha256" => ours::<Sha256>(&pw, &salt, purpose, *iter, *n),
                _ => ours::<Sha512>(&pw, &salt, purpose, *iter, *n),
            };
            assert_eq!(hex(&got), *expected, "{hash} id={id} iter={iter} n={n}");
        }
    }

    fn same_as_reference(password: &[u8], salt: &[u8], purpose: Purpose, rounds: u32, n: usize) {
        let check = |ours: Zeroizing<Vec<u8>>, theirs: Zeroizing<Vec<u8>>, hash| {
            assert_eq!(hex(&ours), hex(&theirs), "{hash}");
        };
        let (p, s, id, r) = (password, salt, purpose, rounds);
        check(
            ours::<Sha1>(p, s, id, r, n),
            reference::<sha1::Sha1>(p, s, id, r, n),
            "sha1",
        );
        check(
            ours::<Sha224>(p, s, id, r, n),
            reference::<sha2::Sha224>(p, s, id, r, n),
            "sha224",
        );
        check(
            ours::<Sha256>(p, s, id, r, n),
            reference::<sha2::Sha256>(p, s, id, r, n),
            "sha256",
        );
        check(
            ours::<Sha384>(p, s, id, r, n),
            reference::<sha2::Sha384>(p, s, id, r, n),
            "sha384",
        );
        check(
            ours::<Sha512>(p, s, id, r, n),
            reference::<sha2::Sha512>(p, s, id, r, n),
            "sha512",
        );
    }

    /// A chain advanced in two steps, split anywhere, is the one-step key.
    fn chain_is_derive<E: Engine>() {
        for rounds in [1u32, 2, 5, 4096, 4097, 9000] {
            let whole = ours::<E>(b"\0p\0w\0\0", b"salt", Purpose::Mac, rounds, E::OUT);
            for first in [0, 1, rounds / 2, rounds - 1]
                .into_iter()
                .filter(|&f| f < rounds)
            {
                let never = Cancel::new();
                let mut a = chain_start::<E>(b"\0p\0w\0\0", b"salt", Purpose::Mac).expect("start");
                chain_advance::<E>(&mut a, first, &never).expect("first part");
                chain_advance::<E>(&mut a, rounds - 1 - first, &never).expect("second part");
                assert_eq!(hex(&a), hex(&whole), "rounds {rounds}, split at {first}");
            }
        }
    }

    #[test]
    fn a_chain_in_steps_is_the_derived_key() {
        chain_is_derive::<Sha1>();
        chain_is_derive::<Sha256>();
        chain_is_derive::<Sha512>();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The compression-level loop is the RFC 7292 B.2 function as the
        /// `digest` API computes it, for every hash, with inputs on both
        /// sides of the block length and several output blocks.
        #[test]
        fn matches_the_digest_form(
            password in proptest::collection::vec(any::<u8>(), 0..300),
            salt in proptest::collection::vec(any::<u8>(), 0..200),
            id in 1u8..=3,
            rounds in 1u32..3000,
            n in 0usize..200,
        ) {
            let purpose = match id {
                1 => Purpose::Key,
                2 => Purpose::Iv,
                _ => Purpose::Mac,
            };
            same_as_reference(&password, &salt, purpose, rounds, n);
        }
    }

    fn hex_decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
