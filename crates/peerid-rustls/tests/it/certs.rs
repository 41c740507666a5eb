//! Certificates that are not (or not quite) IDCs, made with rcgen, and
//! configurations presenting them.

use std::sync::Arc;

use peerid::{FriendlyName, Idc, Identity, PeerName, PrivateKey};
use peerid_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use peerid_rustls::rustls::sign::{CertifiedKey, SigningKey, SingleCertAndKey};
use peerid_rustls::rustls::{ClientConfig, ServerConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, OtherNameValue, SanType,
};

/// The peer-name otherName type of the IDC's SubjectAltName (§2).
const PEER_NAME_OID: [u64; 10] = [1, 3, 6, 1, 4, 1, 311, 44, 0, 2];

/// A fresh rcgen key pair (ring makes it).
pub fn key(alg: &'static rcgen::SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).unwrap()
}

/// rustls's own signing key (ring) for an rcgen key.
pub fn ring_signer(key: &KeyPair) -> Arc<dyn SigningKey> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    peerid_rustls::rustls::crypto::ring::sign::any_supported_type(&der).unwrap()
}

/// peerid's key for an rcgen key.
pub fn peerid_key(key: &KeyPair) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.serialize_der()).unwrap()
}

fn params(
    common_name: &str,
    peer_name: Option<&str>,
    ekus: Vec<ExtendedKeyUsagePurpose>,
) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.extended_key_usages = ekus;
    if let Some(name) = peer_name {
        params.subject_alt_names = vec![SanType::OtherName((
            PEER_NAME_OID.to_vec(),
            OtherNameValue::Utf8String(name.to_owned()),
        ))];
    }
    params
}

/// A self-signed certificate over `key`, naming `peer_name` in the
/// SubjectAltName as an IDC does (whether or not it is the key's), with
/// the extended key usages `ekus`.
pub fn self_signed(
    key: &KeyPair,
    peer_name: Option<&str>,
    ekus: Vec<ExtendedKeyUsagePurpose>,
) -> CertificateDer<'static> {
    params("self-signed", peer_name, ekus)
        .self_signed(key)
        .unwrap()
        .der()
        .clone()
}

/// A CA and a leaf it issued over `leaf_key`, the leaf naming `peer_name`
/// (its own key's, so that only the issuer is wrong): `(ca, leaf)`.
pub fn ca_and_leaf(
    ca_key: KeyPair,
    leaf_key: &KeyPair,
    peer_name: &str,
) -> (CertificateDer<'static>, CertificateDer<'static>) {
    let mut ca_params = params("test CA", None, vec![]);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap().der().clone();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = params(
        "leaf",
        Some(peer_name),
        vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ],
    )
    .signed_by(leaf_key, &issuer)
    .unwrap()
    .der()
    .clone();
    (ca, leaf)
}

/// The peer name `key`'s IDC would carry with `classifier`.
pub fn name_of(key: &KeyPair, classifier: &str) -> PeerName {
    PeerName::parse(&format!("{}.{classifier}", peerid_key(key).authority())).unwrap()
}

/// An identity on an rcgen key with an rcgen-made certificate (which
/// peerid must accept as an IDC), signing through peerid.
pub fn identity_with(key: &KeyPair, cert: &CertificateDer<'_>, classifier: &str) -> Identity {
    let idc = Idc::from_der(cert.as_ref()).unwrap();
    Identity::from_parts(
        name_of(key, classifier),
        peerid_key(key),
        idc,
        FriendlyName::default(),
    )
    .unwrap()
}

/// `config` presenting `chain` and signing with `key` instead.
pub fn client_presenting(
    mut config: ClientConfig,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
) -> ClientConfig {
    config.client_auth_cert_resolver =
        Arc::new(SingleCertAndKey::from(CertifiedKey::new(chain, key)));
    config
}

/// `config` presenting `chain` and signing with `key` instead.
pub fn server_presenting(
    mut config: ServerConfig,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
) -> ServerConfig {
    config.cert_resolver = Arc::new(SingleCertAndKey::from(CertifiedKey::new(chain, key)));
    config
}
