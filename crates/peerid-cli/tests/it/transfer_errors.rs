//! What a refused import says and what the terminal prompt does: a wrong
//! password and a changed byte say the same, a hostile document is quoted
//! escaped, and the prompt asks twice, echoes nothing and refuses a mismatch.

use std::fs;
use std::process::Command as Proc;

use crate::support::env::Env;
use crate::support::interop::{envelope, pfx_of};

#[test]
fn wrong_password_and_changed_byte_say_the_same() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env.export(&name);
    env.ok(&["delete", &name]);
    let before = env.snapshot();

    let wrong = env.path("wrong");
    fs::write(&wrong, "Correct horse").unwrap();
    let (code, _, wrong_err) = env.import(doc.as_bytes(), &wrong);
    assert_eq!(code, 5);
    assert!(
        wrong_err.contains("wrong password, or the data was changed"),
        "{wrong_err}"
    );
    assert!(!wrong_err.contains("Correct horse"));

    let mut pfx = pfx_of(&doc);
    let mid = pfx.len() / 2;
    pfx[mid] ^= 0x01;
    let (code, _, flipped_err) = env.import(envelope(&name, &pfx).as_bytes(), &env.s.pw);
    assert_eq!(code, 5);
    assert_eq!(flipped_err, wrong_err);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn error_messages_quoting_a_hostile_document_are_escaped() {
    let env = Env::new();
    // U+061C (ARABIC LETTER MARK) is a bidirectional control that XML allows
    // in element names; the error message quotes the root element's name.
    let doc = "<a\u{61C}b VERSION=\"1.0\"/>";
    let (code, out, err) = env.import(doc.as_bytes(), &env.s.pw);
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("the root element is <a\\u{61c}b>"), "{err:?}");
    assert!(!err.contains('\u{61C}'), "{err:?}");
}

/// Runs `peerid args` on a pseudo-terminal (util-linux `script`), typing each
/// answer only once its prompt has appeared; returns (exit code, screen).
fn on_terminal(env: &Env, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    let bin = assert_cmd::cargo::cargo_bin("peerid");
    let mut line = format!("{} --store {}", bin.display(), env.store.display());
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    let mut child = Proc::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HOME", env.s.tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs the command on a terminal");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let mut stdin = child.stdin.take().unwrap();
    for (prompt, answer) in answers {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !screen.contains(prompt) {
            let wait = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = rx
                .recv_timeout(wait)
                .unwrap_or_else(|_| panic!("no prompt {prompt:?}: {screen}"));
            screen.push_str(&String::from_utf8_lossy(&chunk));
        }
        // Typed after the prompt, so the terminal's echo setting is peerid's.
        std::thread::sleep(std::time::Duration::from_millis(100));
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        screen = screen.replace(prompt, "<prompt>");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_secs(2)) {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status.code().unwrap_or(-1), screen)
}

#[test]
fn terminal_prompt_asks_twice_hides_the_password_and_refuses_a_mismatch() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let out = env.path("typed.peerid");
    let out_s = out.to_str().unwrap();
    let (code, screen) = on_terminal(
        &env,
        &["export", &name, "--iterations", "1000", "-o", out_s],
        &[
            ("New password", "tty-secret-1"),
            ("Same password", "tty-secret-1"),
        ],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("tty-secret-1"),
        "the password was echoed: {screen}"
    );
    assert!(out.exists());

    let other = env.path("mismatch.peerid");
    let (code, screen) = on_terminal(
        &env,
        &[
            "export",
            &name,
            "--iterations",
            "1000",
            "-o",
            other.to_str().unwrap(),
        ],
        &[("New password", "one"), ("Same password", "two")],
    );
    assert_eq!(code, 5, "{screen}");
    assert!(screen.contains("differ"), "{screen}");
    assert!(!other.exists(), "nothing may be written after a mismatch");

    env.ok(&["delete", &name]);
    let (code, screen) = on_terminal(&env, &["import", out_s], &[("Password", "tty-secret-1")]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(&name), "{screen}");
    assert!(!screen.contains("tty-secret-1"), "{screen}");
}
