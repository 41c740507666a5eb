//! What a refused import says and what the terminal prompt does: a wrong
//! password and a changed byte say the same, a hostile document is quoted
//! escaped, and the prompt asks twice, echoes nothing and refuses a mismatch.

use crate::support::env::Env;
use crate::support::interop::{envelope, pfx_of};
use crate::support::terminal::on_terminal;
use std::fs;

#[test]
fn wrong_password_and_changed_byte_say_the_same() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env.export(&name);
    env.ok(&["delete", "--yes", &name]);
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

#[test]
#[cfg_attr(windows, ignore = "needs a Unix pseudo-terminal: util-linux script(1)")]
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
        &[
            ("New password", "one"),
            ("Same password", "two"),
            ("New password", "three"),
            ("Same password", "four"),
            ("New password", "five"),
            ("Same password", "six"),
        ],
    );
    assert_eq!(code, 5, "{screen}");
    assert_eq!(screen.matches("try again").count(), 2, "{screen}");
    assert!(screen.contains("differed three times"), "{screen}");
    assert!(!other.exists(), "nothing may be written after a mismatch");

    env.ok(&["delete", "--yes", &name]);
    let (code, screen) = on_terminal(&env, &["import", out_s], &[("Password", "tty-secret-1")]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(&name), "{screen}");
    assert!(!screen.contains("tty-secret-1"), "{screen}");
}
