//! A command run on a pseudo-terminal, as a person runs it: util-linux
//! `script` gives it one, and each answer is typed once its prompt shows.

use std::process::Command as Proc;

use super::env::Env;

/// Runs `peerid args` on a pseudo-terminal (util-linux `script`), typing each
/// answer only once its prompt has appeared; returns (exit code, screen).
pub fn on_terminal(env: &Env, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
    let lines: Vec<(&str, String)> = answers
        .iter()
        .map(|(p, a)| (*p, format!("{a}\n")))
        .collect();
    let steps: Vec<(&str, &str)> = lines.iter().map(|(p, a)| (*p, a.as_str())).collect();
    typing(env, args, &steps)
}

/// As [`on_terminal`], typing each text exactly as given (`"\x04"` is
/// Ctrl-D at the start of a line).
pub fn typing(env: &Env, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
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
        // As Scratch::cmd: no passphrase file, and no user keyring.
        .env_remove(peerid::PASSPHRASE_FILE_ENV)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
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
        stdin.write_all(answer.as_bytes()).unwrap();
        screen = screen.replace(prompt, "<prompt>");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    while let Ok(chunk) = rx.recv_timeout(std::time::Duration::from_secs(2)) {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status.code().unwrap_or(-1), screen)
}
