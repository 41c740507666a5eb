//! NAME arguments as people type them (docs/design.md §7): a beginning of
//! the peer name in any case, the authority alone, `authority-prefix.classifier-prefix`,
//! or a friendly name; an ambiguous one lists the candidates (exit 5), an
//! unknown one says "did you mean" (exit 3); `--json` keeps exact names.

use crate::support::env::Env;

/// The shortest beginning of `name`'s authority that no other name shares.
fn unique_prefix(name: &str, others: &[&str]) -> String {
    (1..=40)
        .map(|n| name[..n].to_owned())
        .find(|p| others.iter().all(|o| !o.starts_with(p.as_str())))
        .unwrap()
}

#[test]
fn every_command_takes_a_prefix_the_authority_or_a_friendly_name() {
    let env = Env::new();
    let laptop = env.create(&["--classifier", "laptop", "--friendly-name", "Work laptop"]);
    let phone = env.create(&["--classifier", "phone"]);
    let prefix = unique_prefix(&laptop, &[&phone]);
    let authority = &laptop[..40];
    let abbreviated = format!("{}.lap", &laptop[..8]);
    for arg in [
        prefix.clone(),
        prefix.to_uppercase(),
        authority.to_owned(),
        authority.to_uppercase(),
        abbreviated,
        "Work laptop".to_owned(),
        laptop.clone(),
    ] {
        let shown = env.json(&["show", &arg]);
        assert_eq!(shown["peer_name"], laptop.as_str(), "{arg}");
        // Text output and the other commands resolve the same way.
        assert!(env.ok(&["show", &arg]).contains(&laptop), "{arg}");
        assert_eq!(env.json(&["xml", &arg])["peer_name"], laptop.as_str());
        assert_eq!(
            env.json(&["friendly-name", &arg])["friendly_name"],
            "Work laptop"
        );
    }
    let p = unique_prefix(&phone, &[&laptop]);
    assert_eq!(env.ok(&["default", "--set", &p]).trim_end(), phone);
    assert_eq!(env.ok(&["rename", &p, "Phone"]), "");
    assert_eq!(env.ok(&["friendly-name", "Phone"]).trim_end(), "Phone");
    let made = env.ok(&["peer-name", "--identity", "Phone", "--classifier", "chat"]);
    assert_eq!(made.trim_end(), format!("{}.chat", &phone[..40]));
    let exported = env.json(&[
        "export",
        &p,
        "--iterations",
        "1000",
        "--password-file",
        &env.pw_arg(),
    ]);
    assert_eq!(exported["peer_name"], phone.as_str());
    env.ok(&["delete", "--yes", "Phone"]);
    assert_eq!(env.ok(&["list"]).lines().count(), 1);
}

#[test]
fn an_ambiguous_name_lists_the_candidates_and_exits_5() {
    let env = Env::new();
    let a = env.create(&["--classifier", "a", "--friendly-name", "twin"]);
    let b = env.create(&["--classifier", "b", "--friendly-name", "twin\u{1b}[31m"]);
    env.ok(&["rename", &b, "twin"]);
    let (code, stderr, doc) = env.fails(&["show", "twin"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.starts_with(
            "peerid: error: \"twin\" could be any of 2 identities in this store; give more of the peer name:\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("\n  {a}  twin")), "{stderr}");
    assert!(stderr.contains(&format!("\n  {b}  twin")), "{stderr}");
    assert_eq!(doc["error"]["code"], "E_INVALIDARG");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains(&a) && message.contains(&b), "{message}");

    // The one-character prefix both names may share, or every name's
    // first digit: whichever prefix is shared, it is refused.
    if a[..1] == b[..1] {
        let (code, stderr, _) = env.fails(&["show", &a[..1]]);
        assert_eq!(code, 5, "{stderr}");
    }
    // A hostile friendly name in a candidate is shown escaped.
    env.ok(&["rename", &b, "twin\u{1b}[2J"]);
    let c = env.create(&["--classifier", "c", "--friendly-name", "twin\u{1b}[2J"]);
    let (code, stderr, doc) = env.fails(&["show", "twin\u{1b}[2J"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains(&format!("\n  {c}  twin\\u{{1b}}[2J")),
        "{stderr}"
    );
    // JSON keeps the exact text.
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("twin\u{1b}[2J"),
        "{doc}"
    );
}

#[test]
fn at_most_ten_candidates_are_listed() {
    let env = Env::new();
    for i in 0..12 {
        env.create(&["--classifier", &format!("n{i}"), "--friendly-name", "many"]);
    }
    let (code, stderr, _) = env.fails(&["show", "many"]);
    assert_eq!(code, 5);
    assert_eq!(stderr.lines().count(), 1 + 10 + 1, "{stderr}");
    assert!(stderr.ends_with("\n  ... and 2 more\n"), "{stderr}");
}

#[test]
fn an_unknown_name_is_exit_3_with_did_you_mean() {
    let env = Env::new();
    let laptop = env.create(&["--classifier", "laptop", "--friendly-name", "Work laptop"]);
    let (code, stderr, doc) = env.fails(&["show", "Work lpatop"]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "peerid: error: no identity named \"Work lpatop\" in this store; did you mean \"Work laptop\" ({laptop})?\n"
        )
    );
    assert_eq!(doc["error"]["code"], "PEER_E_NOT_FOUND");
    // Nothing close: where to look instead.
    let (code, stderr, _) = env.fails(&["show", "zz"]);
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        "peerid: error: no identity named \"zz\" in this store (see `peerid list`)\n"
    );
    // A full peer name that is not there is not found, even when a
    // neighbour begins the same way: no guessing.
    let (code, stderr, _) = env.fails(&["show", &format!("{}.lapto", &laptop[..40])]);
    assert_eq!(code, 3, "{stderr}");
    assert!(!stderr.contains("did you mean"), "{stderr}");
    // Any text may be a friendly name, so what is not a peer name is not
    // found (exit 3), no longer an invalid argument (exit 5).
    for arg in ["not-a-peer-name", "0.unsecured"] {
        let (code, _, doc) = env.fails(&["show", arg]);
        assert_eq!(code, 3, "{arg}");
        assert_eq!(doc["error"]["code"], "PEER_E_NOT_FOUND");
    }
    // And for every command that takes a NAME.
    for args in [
        vec!["delete", "--yes", "nope"],
        vec!["friendly-name", "nope"],
        vec!["default", "--set", "nope"],
        vec!["xml", "nope"],
        vec!["export", "nope", "--password-file", "/nonexistent"],
        vec!["peer-name", "--identity", "nope"],
    ] {
        let (code, _, _) = env.fails(&args);
        assert_eq!(code, 3, "{args:?}");
    }
    assert_eq!(env.ok(&["list"]).lines().count(), 1);
}
