//! PBKDF2 with HMAC (RFC 8018 §5.2, RFC 2104), iterating on the keyed
//! inner and outer states.

use zeroize::Zeroize;

use super::engine::{self, Engine};

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
/// `rounds` 0 is taken as 1. Everything derived from the password is wiped
/// before it returns.
pub(crate) fn pbkdf2_hmac<E: Engine>(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    let keyed = Keyed::<E>::new(password);
    // Both HMAC messages of an iteration are one digest, after the one
    // block of the keyed state: the padding is the same every time.
    let mut inner_block = engine::padded_block::<E>(E::OUT, E::BLOCK as u64);
    let mut outer_block = engine::padded_block::<E>(E::OUT, E::BLOCK as u64);
    let mut sum = E::zero_block();
    let mut state = keyed.inner.clone();
    let mut message = Vec::with_capacity(salt.len() + 4);
    for (i, chunk) in out.chunks_mut(E::OUT).enumerate() {
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
        sum.as_mut()[..E::OUT].copy_from_slice(&inner_block.as_ref()[..E::OUT]);
        // U_j = PRF(P, U_{j-1}); the sum is U_1 ^ U_2 ^ ... ^ U_c.
        for _ in 1..rounds {
            state.clone_from(&keyed.inner);
            E::compress(&mut state, &inner_block);
            E::output(&state, &mut outer_block.as_mut()[..E::OUT]);
            state.clone_from(&keyed.outer);
            E::compress(&mut state, &outer_block);
            E::output(&state, &mut inner_block.as_mut()[..E::OUT]);
            for (s, u) in sum.as_mut()[..E::OUT]
                .iter_mut()
                .zip(&inner_block.as_ref()[..E::OUT])
            {
                *s ^= u;
            }
        }
        chunk.copy_from_slice(&sum.as_ref()[..chunk.len()]);
    }
    state.zeroize();
    inner_block.zeroize();
    outer_block.zeroize();
    sum.zeroize();
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
        pbkdf2_hmac::<E>(password, salt, rounds, &mut out);
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
