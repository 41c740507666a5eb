//! git signs and verifies commits with an identity (docs/design.md §9):
//! `gpg.format ssh`, `gpg.ssh.program` = peerid (which answers git's
//! `ssh-keygen -Y` calls), `user.signingkey` = the identity's `ssh-key`
//! line (literal `key::...`, or a file), and `git verify-commit` with
//! `gpg.ssh.allowedSignersFile` from `peerid allowed-signers`, checked
//! both through peerid and through the real ssh-keygen. Runs the real git
//! in a temporary repository; without git or ssh-keygen it fails.

use std::fs;
use std::path::Path;
use std::process::{Command as Proc, Output};

use crate::support::env::Env;
use crate::support::peerid_bin;

fn git(env: &Env, repo: &Path, args: &[&str]) -> Output {
    Proc::new("git")
        .current_dir(repo)
        .args(args)
        .env("HOME", &env.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", env.home.join("gitconfig"))
        .env("PEERID_STORE", &env.store)
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.invalid")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.invalid")
        .output()
        .expect("git is needed for these tests (scripts/test.sh installs it)")
}

fn git_ok(env: &Env, repo: &Path, args: &[&str]) -> String {
    let out = git(env, repo, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn git_commits_signed_by_an_identity_verify_through_peerid_and_ssh_keygen() {
    let env = Env::new();
    fs::write(env.home.join("gitconfig"), "").unwrap();
    for (kt, literal) in [
        ("ed25519", true),
        ("ed25519", false),
        ("p256", true),
        ("rsa2048", false),
    ] {
        let name = env.create(&["--key", kt]);
        let key_line = env.ok(&["ssh-key", &name]);
        let allowed = env.path("allowed_signers");
        fs::write(&allowed, env.ok(&["allowed-signers"])).unwrap();
        let repo = env.path(&format!("repo-{kt}-{literal}"));
        fs::create_dir(&repo).unwrap();
        git_ok(&env, &repo, &["init", "-q"]);
        let signing_key = if literal {
            format!("key::{}", key_line.trim_end())
        } else {
            let f = env.path(&format!("{name}.pub"));
            fs::write(&f, &key_line).unwrap();
            f.to_str().unwrap().to_owned()
        };
        for (k, v) in [
            ("gpg.format", "ssh"),
            ("gpg.ssh.program", peerid_bin()),
            ("user.signingkey", &signing_key),
            ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
        ] {
            git_ok(&env, &repo, &["config", k, v]);
        }
        fs::write(repo.join("f"), kt).unwrap();
        git_ok(&env, &repo, &["add", "f"]);
        git_ok(&env, &repo, &["commit", "-q", "-S", "-m", "signed"]);
        let raw = git_ok(&env, &repo, &["cat-file", "commit", "HEAD"]);
        assert!(raw.contains("-----BEGIN SSH SIGNATURE-----"), "{raw}");

        for program in [peerid_bin(), "ssh-keygen"] {
            git_ok(&env, &repo, &["config", "gpg.ssh.program", program]);
            let out = git_ok(&env, &repo, &["verify-commit", "-v", "HEAD"]);
            assert!(
                out.contains(&format!("Good \"git\" signature for {name} with")),
                "{kt} via {program}: {out}"
            );
            let shown = git_ok(&env, &repo, &["log", "-1", "--format=%G? %GS"]);
            assert_eq!(shown.trim_end(), format!("G {name}"), "{kt} via {program}");
        }

        // An allowed signers file without the identity: not a good signature.
        fs::write(&allowed, "").unwrap();
        for program in [peerid_bin(), "ssh-keygen"] {
            git_ok(&env, &repo, &["config", "gpg.ssh.program", program]);
            let out = git(&env, &repo, &["verify-commit", "HEAD"]);
            assert!(
                !out.status.success(),
                "{kt} via {program}: verified without being allowed"
            );
        }
    }
}
