//! **Unstable, not part of the API**: helpers for the library's own
//! integration tests (`tests/it/hostile/`), compiled only with the
//! `testkit` feature, which only the crate's dev-dependency on itself turns
//! on. Nothing here follows semver; do not enable the feature.
//!
//! The hostile-input tests must build PFX files that no honest encoder
//! writes (a MAC stripped, an iteration count of 2^31 - 1, two key bags) and
//! look at what the store holds beneath its public methods. Everything here
//! takes and returns plain bytes, strings and library types, so the PFX's
//! ASN.1 types and the database stay private.
#![allow(missing_docs, clippy::missing_panics_doc)]

use crate::error::Result;
use crate::format::pfx::testkit as kit;
use crate::store::Store;

/// The document formats behind [`crate::transfer`], for the tests that take
/// a PFX or an export document apart (OpenSSL interoperability, tampering)
/// and for `examples/pfx_timing.rs`.
pub use crate::format::{export_document, identity_info, pfx};
/// One identity as the database holds it.
pub use crate::store::db::Record;

/// A bag attribute's type, for [`attribute`].
#[derive(Clone, Copy)]
pub struct AttributeId(der::asn1::ObjectIdentifier);

/// The PKCS#9 `friendlyName` bag attribute.
pub const FRIENDLY_NAME: AttributeId = AttributeId(kit::FRIENDLY_NAME);
/// The PKCS#9 `localKeyId` bag attribute.
pub const LOCAL_KEY_ID: AttributeId = AttributeId(kit::LOCAL_KEY_ID);

/// The same PFX with its MacData removed. Panics if it had none.
pub fn strip_mac(pfx_der: &[u8]) -> Vec<u8> {
    kit::strip_mac(pfx_der)
}

/// The same PFX with the MAC's iteration count set (its value unchanged).
pub fn set_mac_iterations(pfx_der: &[u8], iterations: u64) -> Vec<u8> {
    kit::set_mac_iterations(pfx_der, iterations)
}

/// The same PFX with the shrouded key bag's iteration count set, and a
/// fresh valid MAC under `password`.
pub fn set_key_bag_iterations(pfx_der: &[u8], password: &str, iterations: u64) -> Vec<u8> {
    kit::set_key_bag_iterations(pfx_der, password, iterations)
}

/// The same PFX without its key bag, with a fresh valid MAC.
pub fn remove_key_bag(pfx_der: &[u8], password: &str) -> Vec<u8> {
    kit::remove_key_bag(pfx_der, password)
}

/// The same PFX with its key bag present twice, with a fresh valid MAC.
pub fn duplicate_key_bag(pfx_der: &[u8], password: &str) -> Vec<u8> {
    kit::duplicate_key_bag(pfx_der, password)
}

/// The same PFX with every certificate replaced by `cert_der` in a plain
/// cert bag beside the key bag, with a fresh valid MAC.
pub fn replace_certificates(pfx_der: &[u8], password: &str, cert_der: &[u8]) -> Vec<u8> {
    kit::replace_certificates(pfx_der, password, cert_der)
}

/// A certificate bag, for [`prepend_data_bags`].
#[derive(Clone)]
pub struct CertBag(kit::SafeBag);

/// One bag attribute with one value, for [`cert_bag`].
pub struct BagAttribute(kit::Attribute);

/// An attribute `id` whose one value has DER tag `tag` (one byte, such as
/// 0x0C for UTF8String) and content `value` (under 128 bytes). Panics on
/// an invalid tag.
pub fn attribute(id: AttributeId, tag: u8, value: &[u8]) -> BagAttribute {
    BagAttribute(kit::attribute_of(id.0, tag, value))
}

/// A plain certificate bag holding `cert_der`, with `attributes`.
pub fn cert_bag(cert_der: &[u8], attributes: Vec<BagAttribute>) -> CertBag {
    CertBag(kit::cert_bag(
        cert_der,
        attributes.into_iter().map(|a| a.0).collect(),
    ))
}

/// The same PFX with `bags` first in its plain `data` SafeContents, and a
/// fresh valid MAC under `password`.
pub fn prepend_data_bags(pfx_der: &[u8], password: &str, bags: Vec<CertBag>) -> Vec<u8> {
    kit::prepend_data_bags(pfx_der, password, bags.into_iter().map(|b| b.0).collect())
}

/// The database row of an identity, as [`Store`] keeps it beneath its public
/// methods (the stored friendly name, the exact key and certificate bytes;
/// in a sealed store, the sealed key row).
///
/// # Errors
/// [`crate::Error::NotFound`] and the store's read errors.
pub fn record(store: &Store, peer_name: &str) -> Result<Record> {
    store.db().get(peer_name).map(|(record, _)| record)
}

/// The exact DER of an identity's stored certificate.
///
/// # Errors
/// [`crate::Error::NotFound`] and the store's read errors.
pub fn certificate(store: &Store, peer_name: &str) -> Result<Vec<u8>> {
    store.db().certificate(peer_name)
}

/// The DER of an identity certificate of `key`, honestly self-signed, whose
/// subjectAltName peer name is `peer_name_text`: another key's peer name, or
/// text that is no peer name at all.
///
/// # Errors
/// Signing errors only.
pub fn idc_naming(key: &crate::PrivateKey, peer_name_text: &str) -> Result<Vec<u8>> {
    crate::idc::Idc::der_naming(key, peer_name_text)
}

/// The schema version the store's database is at.
///
/// # Errors
/// The store's read errors.
pub fn schema_version(store: &Store) -> Result<i64> {
    store.db().version()
}

/// Makes `dir` (and any missing parent) a private directory as a store's
/// would be, with no database in it: 0700 on Unix, the private DACL on
/// Windows. For tests that put an old store's files in place.
///
/// # Errors
/// As [`Store::open`].
pub fn private_dir(dir: &std::path::Path) -> Result<()> {
    crate::store::path::StoreDir::open(dir).map(drop)
}

/// Copies `from` to `name` in the private directory `dir`, the copy private
/// as the store's own files (0600, or the private DACL).
///
/// # Errors
/// As [`Store::open`], and reading or writing the files.
pub fn private_copy(from: &std::path::Path, dir: &std::path::Path, name: &str) -> Result<()> {
    let io = |e: std::io::Error| crate::Error::StoreInaccessible {
        path: dir.join(name),
        reason: e.to_string(),
    };
    crate::store::path::StoreDir::open(dir)?.create_file_if_missing(name)?;
    let bytes = std::fs::read(from).map_err(io)?;
    std::fs::write(dir.join(name), bytes).map_err(io)
}
