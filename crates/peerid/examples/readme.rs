//! The README's Rust example as a program a reader can run as it is:
//! `cargo run -p peerid --example readme`. It uses a store of its own in the
//! system's temporary directory and removes it, so the user's real store
//! (`Store::open_default()`) is never touched. Built by `cargo test`, so the
//! README's code keeps compiling against the library.

use peerid::secrecy::SecretString;
use peerid::transfer::{self, ExportParams, ImportOptions};
use peerid::{Classifier, FriendlyName, Identity, KeyType, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An identity, and what it is for: signatures anyone can check against its peer name.
    let alice = Identity::generate(
        KeyType::Ed25519,
        Classifier::new("chat")?,
        FriendlyName::new("Alice")?,
    )?;
    let signature = alice.sign(b"hello")?;
    alice.public_key().verify(b"hello", &signature)?;
    assert_eq!(
        &alice.public_key().authority(),
        alice.peer_name().authority()
    );

    // Moved between machines as a password-protected export document...
    let password = SecretString::from("correct horse battery staple".to_owned());
    let document = transfer::export(&alice, &password, &ExportParams::default())?;
    let imported = transfer::import(document.as_bytes(), &password, &ImportOptions::default())?;

    // ...and kept in a store: here a temporary one (a user's own is
    // Store::open_default()).
    let dir = std::env::temp_dir().join(format!("peerid-readme-{}", std::process::id()));
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        let store = Store::open(&dir)?;
        store.insert(&imported.identity)?;
        assert_eq!(
            store.get(alice.peer_name())?.public_key(),
            alice.public_key()
        );
        println!("{} is in {}", alice.peer_name(), store.dir().display());
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
