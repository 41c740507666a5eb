//! The README's Rust example as a program a reader can run as it is:
//! `cargo run -p peerid --example readme`. It uses a store of its own in the
//! system's temporary directory and removes it, so the user's real store
//! (`Store::open_default()`) is never touched. Built by `cargo test`, so the
//! README's code keeps compiling against the library.

use peerid::secrecy::SecretString;
use peerid::transfer::{self, ExportParams, ImportOptions};
use peerid::{Classifier, FriendlyName, Identity, KeyType, SshSignature, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An identity, and what it is for: signatures anyone can check against
    // its peer name alone, in OpenSSH's format (ssh-keygen -Y verify reads it).
    let alice = Identity::generate(
        KeyType::Ed25519,
        Classifier::new("chat")?,
        FriendlyName::new("Alice")?,
    )?;
    let armored = alice.sign_ssh("file", &b"hello"[..])?.to_armored();
    let signature = SshSignature::from_armored(&armored)?;
    peerid::verify(alice.peer_name(), "file", &b"hello"[..], &signature, None)?;

    // Moved between machines as a password-protected export document...
    let password = SecretString::from("correct horse battery staple".to_owned());
    let document = transfer::export(&alice, &password, &ExportParams::default())?;
    let imported = transfer::import(document.as_bytes(), &password, &ImportOptions::default())?;

    // ...and kept in a store: here a temporary one (a user's own is
    // Store::open_default()), whose peer book keeps Bob's public identity.
    let bob = Identity::generate(KeyType::P256, Classifier::empty(), FriendlyName::default())?;
    let dir = std::env::temp_dir().join(format!("peerid-readme-{}", std::process::id()));
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        let store = Store::open(&dir)?;
        store.insert(&imported.identity)?;
        store.add_peer(
            bob.idc().to_info_xml().as_bytes(),
            Some(FriendlyName::new("Bob")?),
        )?;
        let from_bob = bob.sign_ssh("file", &b"hi Alice"[..])?;
        store.verify(bob.peer_name(), "file", &b"hi Alice"[..], &from_bob)?;
        println!("{} is in {}", alice.peer_name(), store.dir().display());
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
