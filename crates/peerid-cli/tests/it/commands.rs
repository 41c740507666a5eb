//! The command line as a user runs it, command by command: create, list,
//! show, friendly-name, delete, default, xml and peer-name. Every test uses
//! its own store directory; none touches the real home directory.

use crate::support::env::{Env, is_authority};

#[test]
fn create_prints_a_secure_peer_name_and_list_shows_it() {
    let env = Env::new();
    let plain = env.create(&[]);
    let (auth, class) = plain.split_once('.').unwrap();
    assert!(is_authority(auth), "{plain}");
    assert_eq!(class, "");
    let named = env.create(&["--classifier", "laptop", "--friendly-name", "Work laptop"]);
    assert!(named.ends_with(".laptop"));

    let list = env.ok(&["list"]);
    let mut expected = vec![format!("{plain}\t{plain}"), format!("{named}\tWork laptop")];
    expected.sort();
    assert_eq!(list.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn every_key_type_is_created_and_shown() {
    let env = Env::new();
    for key in ["ed25519", "p256", "rsa2048"] {
        let name = env.create(&["--key", key, "--classifier", key]);
        let shown = env.json(&["show", &name]);
        assert_eq!(shown["key_type"], key);
        assert_eq!(shown["classifier"], key);
        assert_eq!(shown["authority"], name.split('.').next().unwrap());
    }
}

#[test]
fn show_prints_every_field() {
    let env = Env::new();
    let name = env.create(&["--classifier", "c", "--friendly-name", "F"]);
    let text = env.ok(&["show", &name]);
    for needle in [&name[..], "F", "ed25519", &name[..40], "default:       no"] {
        assert!(text.contains(needle), "{needle:?} missing from {text}");
    }
    let json = env.json(&["show", &name]);
    assert_eq!(json["peer_name"], name.as_str());
    assert_eq!(json["friendly_name"], "F");
    assert_eq!(json["is_default"], false);
}

#[test]
fn uppercase_authority_and_lone_authority_are_accepted() {
    let env = Env::new();
    let name = env.create(&[]);
    let auth = &name[..40];
    assert_eq!(
        env.json(&["show", &auth.to_uppercase()])["peer_name"],
        name.as_str()
    );
    assert_eq!(env.json(&["show", auth])["peer_name"], name.as_str());
}

/// Names may come from someone else's export: what is printed for a person
/// must not drive the terminal or disguise one name as another, and `--json`
/// must still give the exact text.
#[test]
fn names_that_would_drive_the_terminal_print_escaped() {
    let env = Env::new();
    let classifier = "cv.\u{202E}fdp";
    let friendly = "\x1b[2J\x1b]0;owned\x07 Ünïcode\tok";
    let created = env.json(&[
        "create",
        "--classifier",
        classifier,
        "--friendly-name",
        friendly,
    ]);
    let name = created["peer_name"].as_str().unwrap().to_owned();
    assert!(name.ends_with(classifier));
    let auth = name.split('.').next().unwrap();
    let shown_name = format!("{auth}.cv.\\u{{202e}}fdp");
    let shown_friendly = "\\u{1b}[2J\\u{1b}]0;owned\\u{7} Ünïcode\\u{9}ok";

    assert_eq!(
        env.ok(&["list"]),
        format!("{shown_name}\t{shown_friendly}\n")
    );
    let show = env.ok(&["show", &name]);
    assert!(
        show.contains(&format!("peer name:     {shown_name}\n")),
        "{show}"
    );
    assert!(
        show.contains(&format!("friendly name: {shown_friendly}\n")),
        "{show}"
    );
    assert!(show.contains("classifier:    cv.\\u{202e}fdp\n"), "{show}");
    assert_eq!(
        env.ok(&["friendly-name", &name]),
        format!("{shown_friendly}\n")
    );
    let made = env.ok(&[
        "peer-name",
        "--identity",
        &name,
        "--classifier",
        "x\u{202E}",
    ]);
    assert_eq!(made, format!("{auth}.x\\u{{202e}}\n"));
    for out in [env.ok(&["list"]), show] {
        assert!(
            !out.contains('\x1b') && !out.contains('\u{202E}'),
            "{out:?}"
        );
    }

    // The exact text is still there for programs.
    assert_eq!(env.json(&["show", &name])["friendly_name"], friendly);
    assert_eq!(env.json(&["list"])[0]["peer_name"], name.as_str());
}

#[test]
fn friendly_name_get_set_reset() {
    let env = Env::new();
    let name = env.create(&["--classifier", "x"]);
    assert_eq!(env.ok(&["friendly-name", &name]).trim_end(), name);
    env.ok(&["friendly-name", &name, "Home ☃"]);
    assert_eq!(env.ok(&["friendly-name", &name]).trim_end(), "Home ☃");
    env.ok(&["friendly-name", &name, "--reset"]);
    assert_eq!(env.ok(&["friendly-name", &name]).trim_end(), name);
    env.ok(&["friendly-name", &name, ""]);
    assert_eq!(
        env.json(&["friendly-name", &name])["friendly_name"],
        name.as_str()
    );
}

#[test]
fn delete_removes_and_second_delete_is_not_found() {
    let env = Env::new();
    let name = env.create(&[]);
    env.ok(&["delete", "--yes", &name]);
    assert_eq!(env.ok(&["list"]), "");
    let (code, stderr, doc) = env.fails(&["delete", &name]);
    assert_eq!(code, 3);
    assert!(stderr.contains("peerid list"), "{stderr}");
    assert_eq!(
        stderr,
        format!("peerid: error: no identity named {name:?} in this store (see `peerid list`)\n")
    );
    assert_eq!(
        doc["error"]["message"],
        format!("no identity named {name:?} in this store (see `peerid list`)")
    );
    assert_eq!(doc["error"]["code"], "PEER_E_NOT_FOUND");
    assert_eq!(doc["error"]["hresult"], "0x80070490");
}

#[test]
fn default_is_created_once_moved_and_cleared() {
    let env = Env::new();
    let d1 = env.ok(&["default"]);
    assert_eq!(env.ok(&["default"]), d1, "default must be stable");
    let d1 = d1.trim_end();
    assert!(d1.ends_with('.'));
    assert_eq!(env.json(&["show", d1])["is_default"], true);

    let other = env.create(&["--classifier", "o"]);
    env.ok(&["default", "--set", &other]);
    assert_eq!(env.ok(&["default"]).trim_end(), other);
    assert_eq!(env.json(&["show", d1])["is_default"], false);

    env.ok(&["delete", "--yes", &other]);
    let d2 = env.ok(&["default"]);
    assert_ne!(d2.trim_end(), other);
    assert_eq!(env.json(&["list"]).as_array().unwrap().len(), 2);
}

#[test]
fn xml_prints_the_identity_info_document() {
    let env = Env::new();
    let name = env.create(&["--classifier", "x"]);
    let xml = env.ok(&["xml", &name]);
    assert!(
        xml.starts_with("<PEERIDENTITYINFO VERSION=\"1.0\">"),
        "{xml}"
    );
    assert!(xml.contains("dt:dt=\"bin.base64\""));
    assert_eq!(
        env.ok(&["xml", &name]),
        xml,
        "the document is deterministic"
    );
    // Without a name: the default identity's.
    let default = env.ok(&["default"]);
    let doc = env.json(&["xml"]);
    assert_eq!(doc["peer_name"], default.trim_end());
}

#[test]
fn peer_name_secure_and_unsecured() {
    let env = Env::new();
    let id = env.create(&["--classifier", "main"]);
    let made = env.ok(&["peer-name", "--identity", &id, "--classifier", "chat"]);
    assert_eq!(made.trim_end(), format!("{}.chat", &id[..40]));
    assert_eq!(
        env.ok(&["peer-name", "--classifier", "printer"]).trim_end(),
        "0.printer"
    );
    let (code, _, _) = env.fails(&[
        "peer-name",
        "--identity",
        &format!("{}.nope", "ab".repeat(20)),
    ]);
    assert_eq!(code, 3);
}

#[test]
fn unsecured_peer_name_does_not_create_a_store() {
    let env = Env::new();
    env.ok(&["peer-name", "--classifier", "x"]);
    assert!(!env.store.exists());
}

#[test]
fn list_of_many_is_sorted_and_tab_separated() {
    let env = Env::new();
    let mut names: Vec<String> = (0..5)
        .map(|i| env.create(&["--classifier", &format!("n{i}")]))
        .collect();
    names.sort();
    let out = env.ok(&["list"]);
    let got: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(got, names);
    assert!(out.lines().all(|l| l.matches('\t').count() == 1));
}
