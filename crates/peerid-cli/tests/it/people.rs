//! Safe by default, quiet when asked: `delete` and `export -o` over a file
//! ask at a terminal and need `--yes` / `--force` elsewhere; `default` and
//! `create` say what they made; the password prompt asks again after a
//! mismatch and takes Ctrl-D as "no password"; export warns about
//! iteration counts. The terminal cases run on a real pseudo-terminal.

use std::fs;

use crate::support::env::Env;
use crate::support::terminal::{on_terminal, typing};

#[test]
fn delete_needs_yes_off_a_terminal() {
    let env = Env::new();
    let name = env.create(&[]);
    let (code, stderr, doc) = env.fails(&["delete", &name]);
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "peerid: error: not deleting {name} without confirmation: stdin is not a terminal; pass --yes\n"
        )
    );
    assert_eq!(doc["error"]["code"], "E_INVALIDARG");
    assert_eq!(env.ok(&["list"]).lines().count(), 1, "nothing deleted");
    env.ok(&["delete", "-y", &name]);
    assert_eq!(env.ok(&["list"]), "");
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn delete_asks_at_a_terminal() {
    let env = Env::new();
    let name = env.create(&["--friendly-name", "Work laptop"]);
    for no in ["n", "", "nope"] {
        let (code, screen) = on_terminal(&env, &["delete", &name[..8]], &[("[y/N]", no)]);
        assert_eq!(code, 5, "{screen}");
        assert!(
            screen.contains(&format!("Delete {name} (Work laptop)?")),
            "{screen}"
        );
        assert!(
            screen.contains("not confirmed; nothing was changed"),
            "{screen}"
        );
        assert_eq!(env.ok(&["list"]).lines().count(), 1, "{no:?} deleted it");
    }
    // Ctrl-D is no too.
    let (code, screen) = typing(&env, &["delete", &name], &[("[y/N]", "\x04")]);
    assert_eq!(code, 5, "{screen}");
    assert_eq!(env.ok(&["list"]).lines().count(), 1);
    let (code, screen) = on_terminal(&env, &["delete", "Work laptop"], &[("[y/N]", "y")]);
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.ok(&["list"]), "");
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn export_over_an_existing_file_needs_force_or_a_yes() {
    let env = Env::new();
    let name = env.create(&[]);
    let out = env.path("id.peerid");
    fs::write(&out, "keep me\n").unwrap();
    let out_s = out.to_str().unwrap();
    let pw = env.pw_arg();
    let export = [
        "export",
        &name,
        "--iterations",
        "10000",
        "--password-file",
        &pw,
        "-o",
        out_s,
    ];
    let (code, stderr, _) = env.fails(&export);
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(
        stderr,
        format!("peerid: error: {out_s} exists; pass --force to replace it\n")
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "keep me\n");

    let (code, screen) = on_terminal(&env, &export, &[("Replace it? [y/N]", "n")]);
    assert_eq!(code, 5, "{screen}");
    // The question itself is shown as <prompt>.
    assert!(
        screen.contains(&format!("{out_s} exists. <prompt>")),
        "{screen}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "keep me\n");

    let (code, screen) = on_terminal(&env, &export, &[("Replace it? [y/N]", "yes")]);
    assert_eq!(code, 0, "{screen}");
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .contains("PEERIDENTITYEXPORT")
    );

    fs::write(&out, "keep me\n").unwrap();
    let mut forced = export.to_vec();
    forced.push("--force");
    env.ok(&forced);
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .contains("PEERIDENTITYEXPORT")
    );
    // --force means nothing without -o.
    let (code, _, _) = env.fails(&["export", &name, "--force", "--password-file", &pw]);
    assert_eq!(code, 2);
}

#[test]
fn default_says_when_it_made_a_new_identity() {
    let env = Env::new();
    let first = env.run(&["default"]);
    let name = String::from_utf8(first.stdout).unwrap();
    let name = name.trim_end();
    let stderr = String::from_utf8(first.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "peerid: the store had no default identity; created {name} (ed25519) in {}\n",
            env.store.display()
        )
    );
    let again = env.run(&["default"]);
    assert!(again.stderr.is_empty(), "said twice");
    env.ok(&["delete", "--yes", name]);
    let after = env.run(&["default"]);
    assert!(
        String::from_utf8_lossy(&after.stderr).contains("created"),
        "after the delete"
    );
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn create_prints_the_name_and_at_a_terminal_what_it_made() {
    let env = Env::new();
    let out = env.run(&["create", "--friendly-name", "Work laptop"]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "quiet off a terminal");
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1);
    let (code, screen) = on_terminal(
        &env,
        &["create", "--friendly-name", "Home", "--key", "p256"],
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("friendly name: Home"), "{screen}");
    assert!(screen.contains("key type:      p256"), "{screen}");
    assert!(
        screen.contains(&format!("store:         {}", env.store.display())),
        "{screen}"
    );
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn ctrl_d_at_the_password_prompt_is_no_password() {
    let env = Env::new();
    let name = env.create(&[]);
    let out = env.path("typed.peerid");
    let args = [
        "export",
        &name,
        "--iterations",
        "1000",
        "-o",
        out.to_str().unwrap(),
    ];
    let (code, screen) = typing(&env, &args, &[("New password", "\x04")]);
    assert_eq!(code, 5, "{screen}");
    assert!(
        screen.contains("peerid: error: no password given"),
        "{screen}"
    );
    assert!(!screen.contains("cannot ask"), "{screen}");
    assert!(!out.exists());
    let doc = env.path("doc.peerid");
    fs::write(&doc, env.export(&name)).unwrap();
    let (code, screen) = typing(
        &env,
        &["import", doc.to_str().unwrap()],
        &[("Password", "\x04")],
    );
    assert_eq!(code, 5, "{screen}");
    assert!(screen.contains("no password given"), "{screen}");
}

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
fn a_mismatch_asks_again() {
    let env = Env::new();
    let name = env.create(&[]);
    let out = env.path("typed.peerid");
    let args = [
        "export",
        &name,
        "--iterations",
        "1000",
        "-o",
        out.to_str().unwrap(),
    ];
    let (code, screen) = on_terminal(
        &env,
        &args,
        &[
            ("New password", "one"),
            ("Same password", "two"),
            ("New password", "tty-secret"),
            ("Same password", "tty-secret"),
        ],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("The passwords differ; try again."),
        "{screen}"
    );
    let imported = env.path("pw2");
    fs::write(&imported, "tty-secret\n").unwrap();
    env.ok(&["delete", "--yes", &name]);
    let (code, _, err) = env.import(&fs::read(&out).unwrap(), &imported);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn export_warns_about_weak_and_unreadable_iteration_counts() {
    let env = Env::new();
    let name = env.create(&[]);
    let pw = env.pw_arg();
    let run = |n: &str| {
        let out = env.run(&["export", &name, "--iterations", n, "--password-file", &pw]);
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    assert_eq!(
        run("1000"),
        "peerid: warning: --iterations 1000 is below 10000: anyone with the file can try passwords quickly\n"
    );
    assert_eq!(run("10000"), "");
    assert_eq!(run("1000000"), "");
    assert_eq!(
        run("1000001"),
        "peerid: warning: --iterations 1000001 is above the 1000000 that `peerid import` accepts by default: the reader will need `peerid import --max-iterations 1000001`\n"
    );
}
