//! What needs a private key works on a sealed store unlocked by
//! `PEERID_PASSPHRASE_FILE` (docs/design.md §12): `peerid sign` checked by
//! the real `ssh-keygen -Y verify`, git commit signing through peerid's
//! ssh-keygen mode, and a `tls serve` / `tls connect` pairing of two sealed
//! stores. Without a passphrase source git's signing fails with the hint.

use std::fs;
use std::path::Path;
use std::process::{Command as Proc, Output};

use crate::support::env::Env;
use crate::support::peerid_bin;
use crate::support::running::Running;
use crate::support::seal::{PASSPHRASE, passphrase_file, seal, with_pp};

/// A sealed store with one identity of `key`; returns it, its name and the
/// passphrase file.
fn sealed_user(key: &str, classifier: &str) -> (Env, String, std::path::PathBuf) {
    let env = Env::new();
    let name = env.create(&["--key", key, "-c", classifier]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
    (env, name, pp)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs ssh-keygen, a Linux program a Windows process under Wine cannot start"
)]
fn peerid_sign_on_a_sealed_store_verifies_with_ssh_keygen() {
    let (env, name, pp) = sealed_user("ed25519", "signer");
    let msg = env.path("msg");
    fs::write(&msg, b"signed while sealed\n").unwrap();
    let out = with_pp(&env, &pp)
        .args(["sign", &name, "-n", "file"])
        .stdin(fs::File::open(&msg).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sig = env.path("msg.sig");
    fs::write(&sig, &out.stdout).unwrap();
    let allowed = env.path("allowed");
    fs::write(&allowed, env.ok(&["allowed-signers"])).unwrap();
    let v = Proc::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", &name, "-n", "file", "-s"])
        .arg(&sig)
        .stdin(fs::File::open(&msg).unwrap())
        .output()
        .expect("ssh-keygen");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
}

fn git(env: &Env, repo: &Path, pp: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Proc::new("git");
    c.current_dir(repo)
        .args(args)
        .env("HOME", &env.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", env.home.join("gitconfig"))
        .env("PEERID_STORE", &env.store)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .env_remove("PEERID_PASSPHRASE_FILE")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.invalid")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.invalid");
    if let Some(pp) = pp {
        c.env("PEERID_PASSPHRASE_FILE", pp);
    }
    c.output().expect("git (scripts/test.sh installs it)")
}

fn git_ok(env: &Env, repo: &Path, pp: Option<&Path>, args: &[&str]) -> String {
    let out = git(env, repo, pp, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
#[cfg_attr(
    windows,
    ignore = "runs git and ssh-keygen, Linux programs a Windows process under Wine cannot start"
)]
fn git_signs_commits_with_a_sealed_identity_given_the_passphrase_file() {
    let (env, name, pp) = sealed_user("ed25519", "git");
    fs::write(env.home.join("gitconfig"), "").unwrap();
    let allowed = env.path("allowed_signers");
    fs::write(&allowed, env.ok(&["allowed-signers"])).unwrap();
    let repo = env.path("repo");
    fs::create_dir(&repo).unwrap();
    git_ok(&env, &repo, None, &["init", "-q"]);
    let key = format!("key::{}", env.ok(&["ssh-key", &name]).trim_end());
    for (k, v) in [
        ("gpg.format", "ssh"),
        ("gpg.ssh.program", peerid_bin()),
        ("user.signingkey", &key),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
    ] {
        git_ok(&env, &repo, None, &["config", k, v]);
    }
    fs::write(repo.join("f"), "x").unwrap();
    git_ok(&env, &repo, None, &["add", "f"]);
    // No passphrase source: the commit is refused, with the hint.
    let out = git(&env, &repo, None, &["commit", "-q", "-S", "-m", "signed"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PEERID_PASSPHRASE_FILE"), "{err}");
    git_ok(
        &env,
        &repo,
        Some(&pp),
        &["commit", "-q", "-S", "-m", "signed"],
    );
    for program in [peerid_bin(), "ssh-keygen"] {
        git_ok(&env, &repo, None, &["config", "gpg.ssh.program", program]);
        let out = git_ok(&env, &repo, None, &["verify-commit", "-v", "HEAD"]);
        assert!(
            out.contains(&format!("Good \"git\" signature for {name} with")),
            "via {program}: {out}"
        );
    }
}

#[test]
fn tls_serve_and_connect_between_two_sealed_stores() {
    let (alice, a, a_pp) = sealed_user("ed25519", "alice");
    let (bob, b, b_pp) = sealed_user("p256", "bob");
    for (me, other, other_name, friendly) in
        [(&alice, &bob, &b, "Bob"), (&bob, &alice, &a, "Alice")]
    {
        let f = me.path(&format!("{friendly}.xml"));
        fs::write(&f, other.ok(&["xml", other_name])).unwrap();
        me.ok(&["peer", "add", f.to_str().unwrap(), "-f", friendly]);
    }
    let mut serve = with_pp(&alice, &a_pp);
    serve.args(["tls", "serve", &a, "--listen", "127.0.0.1:0", "--once"]);
    let mut server = Running::start("peerid tls serve (sealed)", serve);
    let line = server.wait_stderr_line("listening on");
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut connect = with_pp(&bob, &b_pp);
    connect.args([
        "tls",
        "connect",
        &b,
        &format!("127.0.0.1:{port}"),
        "--peer",
        "Alice",
    ]);
    let mut client = Running::start("peerid tls connect (sealed)", connect);
    client.write(b"hello from bob\n");
    server.wait_stdout("hello from bob\n");
    server.write(b"hello from alice\n");
    client.wait_stdout("hello from alice\n");
    client.close_stdin();
    server.close_stdin();
    let (status, _, err) = client.finish();
    assert!(status.success(), "client: {err}");
    assert!(err.contains(&format!("connected to {a}")), "{err}");
    let (status, _, err) = server.finish();
    assert!(status.success(), "server: {err}");
}
