//! The compression functions of SHA-1 and SHA-2, as `sha1` and `sha2`
//! expose them (SHA-NI or ARMv8 when the CPU has it, detected at run time),
//! behind one trait, with the message padding of FIPS 180-4 §5.1.

use zeroize::Zeroize;

/// One hash function at the level of its compression function.
pub(crate) trait Engine {
    /// The block length in bytes (the `v` of RFC 7292 B.2).
    const BLOCK: usize;
    /// The digest length in bytes (the `u` of RFC 7292 B.2).
    const OUT: usize;
    /// The length of the message-length field that ends the padding.
    const LEN_BYTES: usize;
    /// The chaining state.
    type State: Clone + Zeroize;
    /// One message block.
    type Block: Clone + Zeroize + AsRef<[u8]> + AsMut<[u8]>;

    /// The initial state (FIPS 180-4 §5.3).
    fn iv() -> Self::State;
    /// An all-zero block.
    fn zero_block() -> Self::Block;
    /// Process one block.
    fn compress(state: &mut Self::State, block: &Self::Block);
    /// Write the first [`Self::OUT`] bytes of the state, big-endian, to
    /// `out`, which is [`Self::OUT`] bytes long.
    fn output(state: &Self::State, out: &mut [u8]);
    /// An all-zero state: the start of PBKDF2's running sum.
    fn zero_state() -> Self::State;
    /// `acc ^= state`, word by word. XOR commutes with the big-endian
    /// output, so PBKDF2's sum is kept as state words and written out once:
    /// summing the output bytes instead made the compiler store each
    /// iteration's message as single bytes, which the next compression
    /// then loaded as 16-byte words (a store-forwarding stall on the
    /// critical path, about 4 ns of every 61 ns compression).
    fn xor(acc: &mut Self::State, state: &Self::State);
}

/// SHA-1.
pub(crate) enum Sha1 {}
/// SHA-224.
pub(crate) enum Sha224 {}
/// SHA-256.
pub(crate) enum Sha256 {}
/// SHA-384.
pub(crate) enum Sha384 {}
/// SHA-512.
pub(crate) enum Sha512 {}

/// `out` gets the big-endian bytes of the words in `state`, as many as fit.
/// `zero_state` and `xor` for a state of `n` words.
macro_rules! words {
    ($n:expr) => {
        fn zero_state() -> Self::State {
            [0; $n]
        }
        #[inline(always)]
        fn xor(acc: &mut Self::State, state: &Self::State) {
            for (a, s) in acc.iter_mut().zip(state) {
                *a ^= s;
            }
        }
    };
}

macro_rules! output_words {
    ($state:expr, $out:expr) => {
        for (chunk, word) in $out
            .chunks_exact_mut(size_of_val(&$state[0]))
            .zip($state.iter())
        {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
    };
}

impl Engine for Sha1 {
    const BLOCK: usize = 64;
    const OUT: usize = 20;
    const LEN_BYTES: usize = 8;
    type State = [u32; 5];
    type Block = [u8; 64];
    words!(5);
    fn iv() -> Self::State {
        [
            0x6745_2301,
            0xefcd_ab89,
            0x98ba_dcfe,
            0x1032_5476,
            0xc3d2_e1f0,
        ]
    }
    fn zero_block() -> Self::Block {
        [0; 64]
    }
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha1::block_api::compress(state, std::slice::from_ref(block));
    }
    #[inline(always)]
    fn output(state: &Self::State, out: &mut [u8]) {
        output_words!(state, out);
    }
}

impl Engine for Sha224 {
    const BLOCK: usize = 64;
    const OUT: usize = 28;
    const LEN_BYTES: usize = 8;
    type State = [u32; 8];
    type Block = [u8; 64];
    words!(8);
    fn iv() -> Self::State {
        [
            0xc105_9ed8,
            0x367c_d507,
            0x3070_dd17,
            0xf70e_5939,
            0xffc0_0b31,
            0x6858_1511,
            0x64f9_8fa7,
            0xbefa_4fa4,
        ]
    }
    fn zero_block() -> Self::Block {
        [0; 64]
    }
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress256(state, std::slice::from_ref(block));
    }
    #[inline(always)]
    fn output(state: &Self::State, out: &mut [u8]) {
        output_words!(state, out);
    }
}

impl Engine for Sha256 {
    const BLOCK: usize = 64;
    const OUT: usize = 32;
    const LEN_BYTES: usize = 8;
    type State = [u32; 8];
    type Block = [u8; 64];
    words!(8);
    fn iv() -> Self::State {
        [
            0x6a09_e667,
            0xbb67_ae85,
            0x3c6e_f372,
            0xa54f_f53a,
            0x510e_527f,
            0x9b05_688c,
            0x1f83_d9ab,
            0x5be0_cd19,
        ]
    }
    fn zero_block() -> Self::Block {
        [0; 64]
    }
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress256(state, std::slice::from_ref(block));
    }
    #[inline(always)]
    fn output(state: &Self::State, out: &mut [u8]) {
        output_words!(state, out);
    }
}

impl Engine for Sha384 {
    const BLOCK: usize = 128;
    const OUT: usize = 48;
    const LEN_BYTES: usize = 16;
    type State = [u64; 8];
    type Block = [u8; 128];
    words!(8);
    fn iv() -> Self::State {
        [
            0xcbbb_9d5d_c105_9ed8,
            0x629a_292a_367c_d507,
            0x9159_015a_3070_dd17,
            0x152f_ecd8_f70e_5939,
            0x6733_2667_ffc0_0b31,
            0x8eb4_4a87_6858_1511,
            0xdb0c_2e0d_64f9_8fa7,
            0x47b5_481d_befa_4fa4,
        ]
    }
    fn zero_block() -> Self::Block {
        [0; 128]
    }
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress512(state, std::slice::from_ref(block));
    }
    #[inline(always)]
    fn output(state: &Self::State, out: &mut [u8]) {
        output_words!(state, out);
    }
}

impl Engine for Sha512 {
    const BLOCK: usize = 128;
    const OUT: usize = 64;
    const LEN_BYTES: usize = 16;
    type State = [u64; 8];
    type Block = [u8; 128];
    words!(8);
    fn iv() -> Self::State {
        [
            0x6a09_e667_f3bc_c908,
            0xbb67_ae85_84ca_a73b,
            0x3c6e_f372_fe94_f82b,
            0xa54f_f53a_5f1d_36f1,
            0x510e_527f_ade6_82d1,
            0x9b05_688c_2b3e_6c1f,
            0x1f83_d9ab_fb41_bd6b,
            0x5be0_cd19_137e_2179,
        ]
    }
    fn zero_block() -> Self::Block {
        [0; 128]
    }
    #[inline(always)]
    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress512(state, std::slice::from_ref(block));
    }
    #[inline(always)]
    fn output(state: &Self::State, out: &mut [u8]) {
        output_words!(state, out);
    }
}

/// Write the padding of FIPS 180-4 §5.1 into `block`, after a message tail
/// of `tail` bytes already at its start, for a message of `total` bytes in
/// all. The caller checked that the padding fits (`tail + 1 + LEN_BYTES <=
/// BLOCK`). The rest of the block is zeroed.
fn pad<E: Engine>(block: &mut [u8], tail: usize, total: u64) {
    block[tail..].fill(0);
    block[tail] = 0x80;
    let bits = u128::from(total) * 8;
    let len = &bits.to_be_bytes()[16 - E::LEN_BYTES..];
    block[E::BLOCK - E::LEN_BYTES..].copy_from_slice(len);
}

/// A block holding a message of `msg` bytes at its start (zero for now)
/// followed by the padding for a message of `prefix + msg` bytes: the
/// pre-padded blocks of the iteration loops, where only the first `msg`
/// bytes change. `msg` is at most a digest length.
pub(crate) fn padded_block<E: Engine>(msg: usize, prefix: u64) -> E::Block {
    let mut block = E::zero_block();
    pad::<E>(block.as_mut(), msg, prefix + msg as u64);
    block
}

/// Finish a hash: absorb `data` into `state`, which has already absorbed
/// `prefix` bytes (a multiple of the block length), pad, and write the
/// digest to `out` ([`Engine::OUT`] bytes). The working block is wiped.
pub(crate) fn finish<E: Engine>(state: &mut E::State, prefix: u64, data: &[u8], out: &mut [u8]) {
    let mut block = E::zero_block();
    let mut chunks = data.chunks_exact(E::BLOCK);
    for chunk in &mut chunks {
        block.as_mut().copy_from_slice(chunk);
        E::compress(state, &block);
    }
    let tail = chunks.remainder();
    let b = block.as_mut();
    b[..tail.len()].copy_from_slice(tail);
    if tail.len() + 1 + E::LEN_BYTES > E::BLOCK {
        b[tail.len()..].fill(0);
        b[tail.len()] = 0x80;
        E::compress(state, &block);
        block.as_mut().fill(0);
        pad::<E>(block.as_mut(), 0, prefix + data.len() as u64);
        // The 0x80 is already in the previous block.
        block.as_mut()[0] = 0;
    } else {
        pad::<E>(b, tail.len(), prefix + data.len() as u64);
    }
    E::compress(state, &block);
    E::output(state, out);
    block.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// `finish` from the initial state is the hash, at every length around
    /// the block and padding boundaries.
    fn check<E: Engine, D: Digest>() {
        let data: Vec<u8> = (0..=300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let mut state = E::iv();
            let mut out = vec![0u8; E::OUT];
            finish::<E>(&mut state, 0, &data[..len], &mut out);
            assert_eq!(out, D::digest(&data[..len]).to_vec(), "length {len}");
        }
    }

    #[test]
    fn finish_is_the_hash() {
        check::<Sha1, sha1::Sha1>();
        check::<Sha224, sha2::Sha224>();
        check::<Sha256, sha2::Sha256>();
        check::<Sha384, sha2::Sha384>();
        check::<Sha512, sha2::Sha512>();
    }
}
