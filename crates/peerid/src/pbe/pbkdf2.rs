//! PBKDF2 with HMAC (RFC 8018 §5.2, RFC 2104), iterating on the keyed
//! inner and outer states.

use zeroize::{Zeroize, Zeroizing};

use super::engine::{self, Engine};
use super::jobs::{CHECK_EVERY, Cancel, Cancelled};

/// The HMAC key as the two states left after absorbing `K ^ ipad` and
/// `K ^ opad`: every HMAC under the key starts from one of them.
struct Keyed<E: Engine> {
    inner: E::State,
    outer: E::State,
}

impl<E: Engine> Keyed<E> {
    fn new(key: &[u8]) -> Self {
        // K0: the key, or its hash if longer than a block, zero-padded (RFC 2104 §2).
        let mut k0 = E::zero_block();
        if key.len() > E::BLOCK {
            let mut state = E::iv();
            engine::finish::<E>(&mut state, 0, key, &mut k0.as_mut()[..E::OUT]);
            state.zeroize();
        } else {
            k0.as_mut()[..key.len()].copy_from_slice(key);
        }
        let mut keyed = Self {
            inner: E::iv(),
            outer: E::iv(),
        };
        for (pad, state) in [(0x36u8, &mut keyed.inner), (0x5c, &mut keyed.outer)] {
            let mut block = k0.clone();
            block.as_mut().iter_mut().for_each(|b| *b ^= pad);
            E::compress(state, &block);
            block.zeroize();
        }
        k0.zeroize();
        keyed
    }
}

impl<E: Engine> Drop for Keyed<E> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// PBKDF2-HMAC-`E` of `password` and `salt` with `rounds` iterations, filling
/// `out` (at most 2^32 − 1 digest lengths; a longer `out` repeats the
/// counter, which RFC 8018 forbids and no caller asks for).
///
/// `rounds` 0 is taken as 1. Every [`CHECK_EVERY`] iterations the loop looks
/// at `cancel`, and stops if it is set: `out` then holds nothing derived.
/// Everything derived from the password is wiped before it returns.
pub(crate) fn pbkdf2_hmac<E: Engine>(
    password: &[u8],
    salt: &[u8],
    rounds: u32,
    out: &mut [u8],
    cancel: &Cancel,
) -> Result<(), Cancelled> {
    let keyed = Keyed::<E>::new(password);
    // Both HMAC messages of an iteration are one digest, after the one
    // block of the keyed state: the padding is the same every time.
    let mut inner_block = engine::padded_block::<E>(E::OUT, E::BLOCK as u64);
    let mut outer_block = engine::padded_block::<E>(E::OUT, E::BLOCK as u64);
    let mut state = keyed.inner.clone();
    let mut sum = E::zero_state();
    let mut message = Zeroizing::new(Vec::with_capacity(salt.len() + 4));
    let mut result = Ok(());
    'blocks: for (i, chunk) in out.chunks_mut(E::OUT).enumerate() {
        // U_1 = PRF(P, S || INT(i + 1)).
        message.clear();
        message.extend_from_slice(salt);
        message.extend_from_slice(&(i as u32).wrapping_add(1).to_be_bytes());
        state.clone_from(&keyed.inner);
        engine::finish::<E>(
            &mut state,
            E::BLOCK as u64,
            &message,
            &mut outer_block.as_mut()[..E::OUT],
        );
        state.clone_from(&keyed.outer);
        E::compress(&mut state, &outer_block);
        E::output(&state, &mut inner_block.as_mut()[..E::OUT]);
        sum.clone_from(&state);
        // U_j = PRF(P, U_{j-1}); the sum is U_1 ^ U_2 ^ ... ^ U_c, kept as
        // state words (Engine::xor).
        let mut left = rounds.saturating_sub(1);
        while left > 0 {
            if cancel.is_set() {
                result = Err(Cancelled);
                break 'blocks;
            }
            let n = left.min(CHECK_EVERY);
            for _ in 0..n {
                state.clone_from(&keyed.inner);
                E::compress(&mut state, &inner_block);
                E::output(&state, &mut outer_block.as_mut()[..E::OUT]);
                state.clone_from(&keyed.outer);
                E::compress(&mut state, &outer_block);
                E::output(&state, &mut inner_block.as_mut()[..E::OUT]);
                E::xor(&mut sum, &state);
            }
            left -= n;
        }
        // The sum's bytes, through a block that is wiped below.
        E::output(&sum, &mut outer_block.as_mut()[..E::OUT]);
        chunk.copy_from_slice(&outer_block.as_ref()[..chunk.len()]);
    }
    if result.is_err() {
        out.zeroize();
    }
    state.zeroize();
    sum.zeroize();
    inner_block.zeroize();
    outer_block.zeroize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pbe::engine::{Sha1, Sha224, Sha256, Sha384, Sha512};
    use proptest::prelude::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn derive<E: Engine>(password: &[u8], salt: &[u8], rounds: u32, len: usize) -> String {
        let mut out = vec![0u8; len];
        pbkdf2_hmac::<E>(password, salt, rounds, &mut out, &Cancel::new()).expect("not cancelled");
        hex(&out)
    }

    /// RFC 6070 §2: PBKDF2-HMAC-SHA1. The 16,777,216-iteration vector is
    /// left out (about a second in a release build, much more in tests).
    #[test]
    #[allow(clippy::type_complexity)]
    fn rfc6070_sha1() {
        let cases: &[(&[u8], &[u8], u32, usize, &str)] = &[
            (
                b"password",
                b"salt",
                1,
                20,
                "0c60c80f961f0e71f3a9b524af6012062fe037a6",
            ),
            (
                b"password",
                b"salt",
                2,
                20,
                "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
            ),
            (
                b"password",
                b"salt",
                4096,
                20,
                "4b007901b765489abead49d926f721d065a429c1",
            ),
            (
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                25,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            ),
            (
                b"pass\0word",
                b"sa\0lt",
                4096,
                16,
                "56fa6aa75548099dcc37d7f03425e0c3",
            ),
        ];
        for (p, s, c, len, expected) in cases {
            assert_eq!(derive::<Sha1>(p, s, *c, *len), *expected, "c={c}");
        }
    }

    /// RFC 7914 §11: PBKDF2-HMAC-SHA256 (the two vectors of that section).
    #[test]
    fn rfc7914_sha256() {
        assert_eq!(
            derive::<Sha256>(b"passwd", b"salt", 1, 64),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
        assert_eq!(
            derive::<Sha256>(b"Password", b"NaCl", 80000, 64),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
             a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
        );
    }

    /// PBKDF2-HMAC-SHA512, which no RFC gives vectors for: OpenSSL 3.0's
    /// own, `openssl kdf -keylen N -kdfopt digest:SHA512 -kdfopt pass:P
    /// -kdfopt salt:S -kdfopt iter:C PBKDF2`, with RFC 6070's inputs (the
    /// last one over more than one 64-byte block).
    #[test]
    fn openssl_sha512() {
        assert_eq!(
            derive::<Sha512>(b"password", b"salt", 1, 64),
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
             c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"
        );
        assert_eq!(
            derive::<Sha512>(b"password", b"salt", 4096, 64),
            "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5\
             143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5"
        );
        assert_eq!(
            derive::<Sha512>(
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                80
            ),
            "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71\
             115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8\
             04f75bdd41494fa324cab24bcc680fb3"
        );
    }

    /// The same function as the `pbkdf2` crate (RustCrypto `hmac` and
    /// `digest`), for every PRF, with keys on both sides of the block length
    /// and outputs of several blocks.
    fn same_as_pbkdf2_crate(password: &[u8], salt: &[u8], rounds: u32, len: usize) {
        fn theirs<D: hmac::EagerHash>(
            password: &[u8],
            salt: &[u8],
            rounds: u32,
            len: usize,
        ) -> String {
            let mut out = vec![0u8; len];
            ::pbkdf2::pbkdf2_hmac::<D>(password, salt, rounds, &mut out);
            hex(&out)
        }
        assert_eq!(
            derive::<Sha1>(password, salt, rounds, len),
            theirs::<sha1::Sha1>(password, salt, rounds, len)
        );
        assert_eq!(
            derive::<Sha224>(password, salt, rounds, len),
            theirs::<sha2::Sha224>(password, salt, rounds, len)
        );
        assert_eq!(
            derive::<Sha256>(password, salt, rounds, len),
            theirs::<sha2::Sha256>(password, salt, rounds, len)
        );
        assert_eq!(
            derive::<Sha384>(password, salt, rounds, len),
            theirs::<sha2::Sha384>(password, salt, rounds, len)
        );
        assert_eq!(
            derive::<Sha512>(password, salt, rounds, len),
            theirs::<sha2::Sha512>(password, salt, rounds, len)
        );
    }

    /// Keys of every length around both block lengths (64 and 128 bytes),
    /// where RFC 2104 switches to hashing the key, and salts around the
    /// padding boundary of `S || INT(i)`.
    #[test]
    fn key_and_salt_lengths_at_the_block_boundaries() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 200] {
            same_as_pbkdf2_crate(&bytes[..len], b"salt", 3, 70);
            same_as_pbkdf2_crate(b"password", &bytes[..len], 3, 70);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn matches_pbkdf2_crate(
            password in proptest::collection::vec(any::<u8>(), 0..300),
            salt in proptest::collection::vec(any::<u8>(), 0..200),
            rounds in 1u32..3000,
            len in 1usize..150,
        ) {
            same_as_pbkdf2_crate(&password, &salt, rounds, len);
        }
    }
}
