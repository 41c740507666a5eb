//! `peerid -Y ...`: peerid answering the `ssh-keygen -Y` calls git makes of
//! `gpg.ssh.program` (git's gpg-interface.c; ssh-keygen(1)), so that git
//! signs commits with an identity and checks them against an
//! allowed_signers file:
//!
//! ```text
//! -Y sign -n NS -f KEYFILE [-U] [-O hashalg=sha512] [FILE...]   FILE.sig (stdin to stdout without FILE)
//! -Y verify -n NS -f ALLOWED -I PRINCIPAL -s SIG [-O verify-time=T] [-O print-pubkey] [-r REVOKED]  message on stdin
//! -Y find-principals -f ALLOWED -s SIG [-O verify-time=T]
//! -Y check-novalidate -n NS -s SIG [-O verify-time=T] [-O print-pubkey]   message on stdin
//! ```
//!
//! KEYFILE holds an identity's `ssh-key` line (what git writes for a
//! `key::` signing key and passes with `-U`, or the file `user.signingkey`
//! names); the identity with that key signs, from the store of
//! `$PEERID_STORE` or the default one. The success lines are ssh-keygen's,
//! which git parses: `Good "NS" signature for PRINCIPAL with ED25519 key
//! SHA256:...`. Options are parsed as OpenSSH's getopt does (`-ngit` is
//! `-n git`); anything else is refused by name. The argument list is
//! bounded.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use peerid::{KeyType, PeerName, PublicKey, SshSignature, Store};

use crate::allowed_signers::{self, Time};
use crate::commands::{open_data, read_signature};
use crate::error::{Error, Result};

/// The most arguments read.
const MAX_ARGS: usize = 64;
/// The longest argument.
const MAX_ARG_LEN: usize = 4096;
/// The largest key file read.
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// The operation of `-Y`.
#[derive(Debug, PartialEq, Eq)]
enum Op {
    Sign,
    Verify,
    FindPrincipals,
    CheckNovalidate,
}

/// The parsed command line.
#[derive(Debug, Default)]
struct Args {
    op: Option<Op>,
    namespace: Option<String>,
    file: Option<PathBuf>,
    principal: Option<String>,
    signature: Option<PathBuf>,
    revoked: Option<PathBuf>,
    verify_time: Option<Time>,
    print_pubkey: bool,
    files: Vec<PathBuf>,
}

fn usage(reason: impl Into<String>) -> Error {
    Error::SshKeygenUsage {
        reason: reason.into(),
    }
}

/// Parses `argv` (without the program name).
fn parse(argv: &[OsString]) -> Result<Args> {
    if argv.len() > MAX_ARGS {
        return Err(usage(format!("more than {MAX_ARGS} arguments")));
    }
    let mut args = Args::default();
    let mut i = 0;
    while i < argv.len() {
        let a = argv[i]
            .to_str()
            .ok_or_else(|| usage("an argument is not UTF-8"))?;
        i += 1;
        if a.len() > MAX_ARG_LEN {
            return Err(usage(format!(
                "an argument is longer than {MAX_ARG_LEN} bytes"
            )));
        }
        // git passes its `-Overify-time=...` buffer even when it is empty.
        if a.is_empty() {
            continue;
        }
        let Some(opt) = a.strip_prefix('-').filter(|o| !o.is_empty()) else {
            args.files.push(PathBuf::from(a));
            continue;
        };
        let mut chars = opt.chars();
        let flag = chars.next().unwrap_or('-');
        let attached = chars.as_str();
        if flag == 'U' && attached.is_empty() {
            // The key is "in the agent": for peerid, KEYFILE is a public key.
            continue;
        }
        if !matches!(flag, 'Y' | 'n' | 'f' | 'I' | 's' | 'O' | 'r') {
            return Err(usage(format!(
                "option -{flag} is not one peerid takes in ssh-keygen mode"
            )));
        }
        let value = if attached.is_empty() {
            let v = argv
                .get(i)
                .ok_or_else(|| usage(format!("-{flag} needs a value")))?
                .to_str()
                .ok_or_else(|| usage("an argument is not UTF-8"))?;
            i += 1;
            if v.len() > MAX_ARG_LEN {
                return Err(usage(format!(
                    "an argument is longer than {MAX_ARG_LEN} bytes"
                )));
            }
            v.to_owned()
        } else {
            attached.to_owned()
        };
        match flag {
            'Y' => {
                args.op = Some(match value.as_str() {
                    "sign" => Op::Sign,
                    "verify" => Op::Verify,
                    "find-principals" => Op::FindPrincipals,
                    "check-novalidate" => Op::CheckNovalidate,
                    other => return Err(usage(format!("-Y {other} is not supported"))),
                });
            }
            'n' => args.namespace = Some(value),
            'f' => args.file = Some(PathBuf::from(value)),
            'I' => args.principal = Some(value),
            's' => args.signature = Some(PathBuf::from(value)),
            'r' => args.revoked = Some(PathBuf::from(value)),
            _ => option(&mut args, &value)?,
        }
    }
    Ok(args)
}

/// One `-O` option.
fn option(args: &mut Args, value: &str) -> Result<()> {
    match value.split_once('=') {
        Some(("verify-time", t)) => {
            args.verify_time =
                Some(Time::parse(t).map_err(|_| {
                    usage(format!("-O verify-time={t}: not YYYYMMDD[HHMM[SS]][Z]"))
                })?);
        }
        Some(("hashalg", "sha512")) => {}
        None if value == "print-pubkey" => args.print_pubkey = true,
        _ => return Err(usage(format!("-O {value} is not supported"))),
    }
    Ok(())
}

fn need<'a, T>(v: &'a Option<T>, what: &str) -> Result<&'a T> {
    v.as_ref()
        .ok_or_else(|| usage(format!("{what} is required")))
}

/// Runs one `-Y` call; `argv` is the whole command line.
///
/// # Errors
/// Whatever failed, for main to report.
pub fn run(argv: &[OsString]) -> Result<()> {
    let args = parse(argv.get(1..).unwrap_or_default())?;
    match need(&args.op, "-Y")? {
        Op::Sign => sign(&args),
        Op::Verify => verify(&args),
        Op::FindPrincipals => find_principals(&args),
        Op::CheckNovalidate => check_novalidate(&args),
    }
}

fn open_store() -> Result<Store> {
    Ok(match std::env::var_os(peerid::STORE_ENV) {
        Some(dir) => Store::open(dir)?,
        None => Store::open_default()?,
    })
}

/// Reads a small text file.
fn read_text(path: &Path, limit: u64) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|source| Error::OpeningDocument {
        path: path.to_owned(),
        source,
    })?;
    let mut text = String::new();
    file.take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|source| Error::ReadingDocument { source })?;
    if text.len() as u64 > limit {
        return Err(usage(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(text)
}

fn sign(args: &Args) -> Result<()> {
    let namespace = need(&args.namespace, "-n NAMESPACE")?;
    let key_file = need(&args.file, "-f KEYFILE")?;
    let text = read_text(key_file, MAX_KEY_FILE_LEN)?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    if line.starts_with("-----BEGIN") {
        return Err(usage(format!(
            "{} holds a private key; peerid signs with the identities in its store: give a file holding an identity's `peerid ssh-key NAME` line",
            key_file.display()
        )));
    }
    let key = PublicKey::from_openssh(line)?;
    let mut store = open_store()?;
    let Some(name) = store.identities_with_key(&key)?.into_iter().next() else {
        return Err(Error::NoIdentityWithKey {
            fingerprint: key.openssh_fingerprint(),
        });
    };
    crate::commands::not_dumpable()?;
    // git gives no --passphrase-file: a sealed store is unlocked from the
    // keyring, $PEERID_PASSPHRASE_FILE or the terminal.
    let passphrase_file = crate::unlock::passphrase_file(None);
    crate::unlock::unlock(&mut store, passphrase_file.as_deref())?;
    let identity = store.get(&name)?;
    if args.files.is_empty() {
        let sig = identity.sign_ssh(namespace, open_data(None)?)?;
        return write_stdout(sig.to_armored().as_bytes());
    }
    crate::interrupt::install()?;
    for file in &args.files {
        let sig = identity.sign_ssh(namespace, open_data(Some(file))?)?;
        if file.as_os_str() == "-" {
            write_stdout(sig.to_armored().as_bytes())?;
        } else {
            let mut out = file.as_os_str().to_owned();
            out.push(".sig");
            crate::outfile::write(Path::new(&out), sig.to_armored().as_bytes(), &store)?;
        }
    }
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| Error::WritingOutput { source })
}

/// ssh-keygen's name of a key type in its messages (`sshkey_type`).
fn ssh_type(kt: KeyType) -> &'static str {
    match kt {
        KeyType::Ed25519 => "ED25519",
        KeyType::P256 | KeyType::P384 => "ECDSA",
        KeyType::Rsa(_) => "RSA",
    }
}

fn allowed(args: &Args) -> Result<Vec<allowed_signers::Entry>> {
    let path = need(&args.file, "-f ALLOWED_SIGNERS")?;
    allowed_signers::parse(&read_text(path, allowed_signers::MAX_FILE_LEN as u64)?)
}

/// Refuses a key listed in the `-r` file (public key lines; `#` comments).
fn check_revoked(args: &Args, key: &PublicKey) -> Result<()> {
    let Some(path) = &args.revoked else {
        return Ok(());
    };
    let text = read_text(path, allowed_signers::MAX_FILE_LEN as u64)?;
    for (n, line) in text.lines().map(str::trim).enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // A line that is not a public key (a KRL, a line with options or a
        // principal in front) fails closed, as ssh-keygen refuses then: a
        // revocation that cannot be read must not let the key through.
        let Ok(revoked) = PublicKey::from_openssh(line) else {
            return Err(peerid::Error::SignatureInvalid {
                reason: format!(
                    "line {} of the revoked keys file {} is not an OpenSSH public key line (KRL files are not supported)",
                    n + 1,
                    path.display()
                ),
            }
            .into());
        };
        if &revoked == key {
            return Err(peerid::Error::SignatureInvalid {
                reason: format!("the key {} is revoked", key.openssh_fingerprint()),
            }
            .into());
        }
    }
    Ok(())
}

fn good_line(args: &Args, namespace: &str, who: &str, sig: &SshSignature) -> Result<()> {
    let key = sig.public_key();
    let mut out = format!(
        "Good \"{namespace}\" signature{who} with {} key {}\n",
        ssh_type(key.key_type()),
        key.openssh_fingerprint()
    );
    if args.print_pubkey {
        out.push_str(&key.to_openssh());
        out.push('\n');
    }
    write_stdout(out.as_bytes())
}

fn verify(args: &Args) -> Result<()> {
    let namespace = need(&args.namespace, "-n NAMESPACE")?;
    let principal = need(&args.principal, "-I PRINCIPAL")?;
    let sig = read_signature(need(&args.signature, "-s SIGNATURE")?)?;
    let entries = allowed(args)?;
    let key = sig.public_key();
    check_revoked(args, key)?;
    let mut listed = false;
    for e in &entries {
        if allowed_signers::match_list(principal, &e.principals)
            && e.allows(key, Some(namespace), args.verify_time.as_ref())
        {
            listed = true;
            break;
        }
    }
    if !listed {
        return Err(peerid::Error::NotAuthenticated {
            peer_name: principal.clone(),
            reason: format!(
                "the allowed signers file does not let the key {} sign as it in the namespace {namespace:?}",
                key.openssh_fingerprint()
            ),
        }
        .into());
    }
    // A secure peer name is self-certifying: its key must also hash to it.
    // A principal that begins like one (40 hex digits and a dot) but does
    // not parse is refused, not checked as a plain name: git would show it
    // as that authority's signer.
    match PeerName::parse_secure(principal) {
        Ok(peer) => peerid::verify(&peer, namespace, std::io::stdin().lock(), &sig, None)?,
        Err(e) if looks_like_peer_name(principal) => {
            return Err(peerid::Error::SignatureInvalid {
                reason: format!("the principal is not a valid peer name: {e}"),
            }
            .into());
        }
        Err(_) => sig.check(namespace, std::io::stdin().lock())?,
    }
    good_line(args, namespace, &format!(" for {principal}"), &sig)
}

/// Whether `s` begins as a secure peer name does: 40 hex digits, then a dot
/// or nothing.
fn looks_like_peer_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 40
        && b[..40].iter().all(u8::is_ascii_hexdigit)
        && b.get(40).is_none_or(|&c| c == b'.')
}

fn find_principals(args: &Args) -> Result<()> {
    let sig = read_signature(need(&args.signature, "-s SIGNATURE")?)?;
    let entries = allowed(args)?;
    let mut out = String::new();
    // As OpenSSH's sshsig_find_principals: the namespace is not looked at
    // here (verify checks it), and each principal of a matching line is
    // printed on a line of its own, which git then passes to -Y verify -I.
    for e in &entries {
        if e.allows(sig.public_key(), None, args.verify_time.as_ref()) {
            for p in e.principal_list() {
                out.push_str(p);
                out.push('\n');
            }
        }
    }
    if out.is_empty() {
        return Err(peerid::Error::NotAuthenticated {
            peer_name: sig.public_key().openssh_fingerprint(),
            reason: "no principal in the allowed signers file has this key".to_owned(),
        }
        .into());
    }
    write_stdout(out.as_bytes())
}

fn check_novalidate(args: &Args) -> Result<()> {
    let namespace = need(&args.namespace, "-n NAMESPACE")?;
    let sig = read_signature(need(&args.signature, "-s SIGNATURE")?)?;
    sig.check(namespace, std::io::stdin().lock())?;
    good_line(args, namespace, "", &sig)
}

// A failed unwrap in a test is the test failing, with its location.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn git_command_lines_parse() {
        let a = parse(&argv(&[
            "-Y", "sign", "-n", "git", "-f", "/k", "-U", "/buf",
        ]))
        .unwrap();
        assert_eq!(a.op, Some(Op::Sign));
        assert_eq!(a.namespace.as_deref(), Some("git"));
        assert_eq!(a.files, [PathBuf::from("/buf")]);
        let a = parse(&argv(&[
            "-Y",
            "verify",
            "-n",
            "git",
            "-f",
            "/a",
            "-I",
            "p.x",
            "-s",
            "/s",
            "-Overify-time=20260101120000",
        ]))
        .unwrap();
        assert_eq!(a.op, Some(Op::Verify));
        assert_eq!(a.verify_time.unwrap().digits, "20260101120000");
        let a = parse(&argv(&["-Yfind-principals", "-f/a", "-s", "/s", ""])).unwrap();
        assert_eq!(a.op, Some(Op::FindPrincipals));
        assert_eq!(a.file, Some(PathBuf::from("/a")));
    }

    #[test]
    fn what_begins_as_a_peer_name() {
        let auth = "fd2f1c9a0b3c4d5e6f708192a3b4c5d6e7f80912";
        assert!(looks_like_peer_name(auth));
        assert!(looks_like_peer_name(&format!("{auth}.{}", "x".repeat(200))));
        assert!(looks_like_peer_name(&format!(
            "{}.chat",
            auth.to_uppercase()
        )));
        assert!(!looks_like_peer_name(&format!("{auth}x.chat")));
        assert!(!looks_like_peer_name("alice@example.com"));
        assert!(!looks_like_peer_name(&auth[..39]));
    }

    #[test]
    fn unknown_options_are_refused() {
        for bad in [
            &["-Y", "sign", "-Z", "x"][..],
            &["-Y", "encrypt"],
            &["-Y", "sign", "-O", "hashalg=sha1"],
            &["-Y", "verify", "-Overify-time=yesterday"],
            &["-Y"],
        ] {
            assert!(
                matches!(parse(&argv(bad)), Err(Error::SshKeygenUsage { .. })),
                "{bad:?}"
            );
        }
        let many: Vec<&str> = std::iter::repeat_n("x", MAX_ARGS + 1).collect();
        assert!(parse(&argv(&many)).is_err());
    }
}
