//! Signatures in OpenSSH's SSHSIG format (docs/design.md §9, OpenSSH's
//! `PROTOCOL.sshsig`), the format `ssh-keygen -Y sign` writes and git's
//! `gpg.format ssh` uses:
//!
//! ```text
//! -----BEGIN SSH SIGNATURE-----
//! base64 of:
//!     byte[6]   MAGIC_PREAMBLE "SSHSIG"
//!     uint32    SIG_VERSION 1
//!     string    publickey
//!     string    namespace
//!     string    reserved ("")
//!     string    hash_algorithm ("sha512")
//!     string    signature
//! -----END SSH SIGNATURE-----
//! ```
//!
//! where `signature` is over
//! `"SSHSIG" || string namespace || string reserved || string hash_algorithm || string H(message)`.
//! The message is only ever hashed, in 64 KiB pieces, so it is never held
//! in memory.

use std::io::Read;

use ssh_key::{HashAlg, LineEnding, SshSig};

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::key::{KeyType, PublicKey};
use crate::name::PeerName;

/// The largest armoured signature read: an RSA-8192 signature with its key
/// is about 3.5 KiB of text.
pub const MAX_SSH_SIGNATURE_LEN: usize = 16 * 1024;

/// How much of the message is hashed at a time.
const CHUNK: usize = 64 * 1024;

/// An SSH signature: the signer's public key, the namespace, and the
/// signature over the hash of a message (`PROTOCOL.sshsig`). Made by
/// [`Identity::sign_ssh`], read by [`SshSignature::from_armored`], checked
/// by [`verify`] or [`Store::verify`](crate::Store::verify).
#[derive(Clone)]
pub struct SshSignature {
    sig: SshSig,
    public_key: PublicKey,
}

impl std::fmt::Debug for SshSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshSignature")
            .field("namespace", &self.namespace())
            .field("key_type", &self.public_key.key_type())
            .field("authority", &self.public_key.authority())
            .finish_non_exhaustive()
    }
}

fn malformed(reason: impl std::fmt::Display) -> Error {
    Error::SignatureInvalid {
        reason: format!("not a valid SSH signature ({reason})"),
    }
}

impl SshSignature {
    /// Reads an armoured signature (`-----BEGIN SSH SIGNATURE-----`), as
    /// `ssh-keygen -Y sign` writes it.
    ///
    /// # Errors
    /// [`Error::InputTooLarge`] above [`MAX_SSH_SIGNATURE_LEN`];
    /// [`Error::SignatureInvalid`] for anything that is not an SSHSIG
    /// version 1 with a non-empty namespace, hash `sha512` or `sha256`, and
    /// a key of a type an identity may have (Ed25519, ECDSA P-256/P-384,
    /// RSA of 1024 to 8192 bits) whose signature algorithm fits it.
    pub fn from_armored(text: &str) -> Result<SshSignature> {
        check_len(text.len())?;
        Self::from_sshsig(SshSig::from_pem(text.trim()).map_err(malformed)?)
    }

    /// Reads the binary form (the armour's base64 decoded).
    ///
    /// # Errors
    /// As [`SshSignature::from_armored`].
    pub fn from_bytes(blob: &[u8]) -> Result<SshSignature> {
        use ssh_key::encoding::Decode;
        check_len(blob.len())?;
        let mut reader = blob;
        let sig = SshSig::decode(&mut reader).map_err(malformed)?;
        if !reader.is_empty() {
            return Err(malformed("bytes after the signature"));
        }
        Self::from_sshsig(sig)
    }

    fn from_sshsig(sig: SshSig) -> Result<SshSignature> {
        if sig.version() != SshSig::VERSION {
            return Err(malformed(format!("version {}", sig.version())));
        }
        if !matches!(sig.hash_alg(), HashAlg::Sha512 | HashAlg::Sha256) {
            return Err(malformed(format!("hash {}", sig.hash_alg())));
        }
        let public_key = PublicKey::from_ssh_key_data(sig.public_key())
            .map_err(|e| malformed(format!("its key: {e}")))?;
        Ok(SshSignature { sig, public_key })
    }

    /// The armoured form, as `ssh-keygen -Y sign` writes it, ending in a
    /// line end.
    pub fn to_armored(&self) -> String {
        // A signature that was read or made encodes.
        let mut text = self.sig.to_pem(LineEnding::LF).unwrap_or_default();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    /// The binary form (what the armour's base64 holds).
    pub fn to_bytes(&self) -> Vec<u8> {
        use ssh_key::encoding::Encode;
        self.sig.encode_vec().unwrap_or_default()
    }

    /// The signer's public key, as the signature carries it.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The key type of the signer.
    pub fn key_type(&self) -> KeyType {
        self.public_key.key_type()
    }

    /// The namespace the signature was made in (`file`, `git`, ...).
    pub fn namespace(&self) -> &str {
        self.sig.namespace()
    }

    /// Checks that this is a good signature over `data` in `namespace` by the
    /// key it carries, whoever that is (`ssh-keygen -Y check-novalidate`).
    /// [`verify`] also checks who signed.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] for another namespace or message, or a
    /// signature that does not verify; [`Error::Failed`] if reading `data`
    /// fails.
    pub fn check(&self, namespace: &str, data: impl Read) -> Result<()> {
        if namespace != self.namespace() {
            return Err(Error::SignatureInvalid {
                reason: format!(
                    "it was made in the namespace {:?}, not {namespace:?}",
                    self.namespace()
                ),
            });
        }
        let hash = hash_message(self.sig.hash_alg(), data)?;
        let signed = SshSig::signed_data_for_prehash(namespace, self.sig.hash_alg(), &hash)
            .map_err(malformed)?;
        self.public_key.verify_ssh(&signed, self.sig.signature())
    }
}

fn check_len(len: usize) -> Result<()> {
    if len > MAX_SSH_SIGNATURE_LEN {
        return Err(Error::InputTooLarge {
            size: len as u64,
            limit: MAX_SSH_SIGNATURE_LEN as u64,
        });
    }
    Ok(())
}

/// The hash of everything `data` yields, read in 64 KiB pieces: SHA-512,
/// or SHA-256 for a signature that says so. ring's digest (assembly) rather
/// than sha2: this hash is all the work of signing a large file (§9).
fn hash_message(alg: HashAlg, mut data: impl Read) -> Result<Vec<u8>> {
    let mut ctx = ring::digest::Context::new(match alg {
        HashAlg::Sha256 => &ring::digest::SHA256,
        _ => &ring::digest::SHA512,
    });
    let mut buf = vec![0u8; CHUNK];
    loop {
        match data.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::failed("reading the message", e)),
        }
    }
    Ok(ctx.finish().as_ref().to_vec())
}

fn check_namespace(namespace: &str) -> Result<()> {
    if namespace.is_empty() {
        return Err(Error::InvalidArgument(
            "an SSH signature needs a namespace (such as \"file\" or \"git\")".to_owned(),
        ));
    }
    Ok(())
}

impl Identity {
    /// Signs everything `data` yields in `namespace`, as `ssh-keygen -Y
    /// sign -n namespace` does: SSHSIG with hash `sha512`, Ed25519, ECDSA
    /// (P-256 with SHA-256, P-384 with SHA-384) or RSA as `rsa-sha2-512`.
    /// `data` is read in 64 KiB pieces and never held whole.
    ///
    /// ([`Identity::sign`] signs bytes in the key's natural algorithm, as
    /// the IDC is signed.)
    ///
    /// ```
    /// use peerid::{Classifier, FriendlyName, Identity, KeyType, SshSignature};
    ///
    /// # fn main() -> peerid::Result<()> {
    /// let alice = Identity::generate(KeyType::Ed25519, Classifier::empty(), FriendlyName::default())?;
    /// let sig = alice.sign_ssh("file", &b"hello"[..])?;
    /// let text = sig.to_armored();
    /// assert!(text.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
    ///
    /// // Anyone can check it knowing only the peer name: it names its key.
    /// let sig = SshSignature::from_armored(&text)?;
    /// peerid::verify(alice.peer_name(), "file", &b"hello"[..], &sig, None)?;
    /// assert!(peerid::verify(alice.peer_name(), "git", &b"hello"[..], &sig, None).is_err());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty namespace; [`Error::Failed`]
    /// if reading `data`, the random number generator or signing fails.
    pub fn sign_ssh(&self, namespace: &str, data: impl Read) -> Result<SshSignature> {
        check_namespace(namespace)?;
        let hash = hash_message(HashAlg::Sha512, data)?;
        let signed = SshSig::signed_data_for_prehash(namespace, HashAlg::Sha512, &hash)
            .map_err(|e| Error::failed("encoding the signed data", e))?;
        let signature = self.private_key().sign_ssh(&signed)?;
        let public_key = self.public_key().clone();
        let sig = SshSig::new(
            public_key.ssh_key_data(),
            namespace,
            HashAlg::Sha512,
            signature,
        )
        .map_err(|e| Error::failed("encoding the signature", e))?;
        Ok(SshSignature { sig, public_key })
    }
}

/// Checks that `signature` is a good signature by `peer` over everything
/// `data` yields, in `namespace` (docs/design.md §9).
///
/// A peer name is self-certifying: its authority is the SHA-1 of its key's
/// bits, so the key the signature carries must hash to `peer`'s authority;
/// no prior trust is needed for that. When the caller holds `peer`'s key
/// (an identity, a peer-book entry), pass it as `known`: the signature's key
/// must then also be that one. The signer is checked before the message is
/// read.
///
/// # Errors
/// [`Error::SignatureInvalid`] when the signer is not `peer` (or not
/// `known`), the namespace or the message is another, or the signature does
/// not verify; [`Error::Failed`] if reading `data` fails.
pub fn verify(
    peer: &PeerName,
    namespace: &str,
    data: impl Read,
    signature: &SshSignature,
    known: Option<&PublicKey>,
) -> Result<()> {
    let key = signature.public_key();
    if &key.authority() != peer.authority() {
        return Err(Error::SignatureInvalid {
            reason: format!(
                "it was made by the key {} (authority {}), which is not {peer}'s",
                key.openssh_fingerprint(),
                key.authority()
            ),
        });
    }
    // The key itself, whatever DER encoding of it the stored IDC uses.
    if known.is_some_and(|k| k.ssh_key_data() != key.ssh_key_data()) {
        return Err(Error::SignatureInvalid {
            reason: format!("its key is not the one stored for {peer}"),
        });
    }
    signature.check(namespace, data)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
