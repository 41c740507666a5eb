//! The JSON of docs/design.md §7 and the exit codes of §5, as a user meets
//! them: exactly the documented shape, one exit code per kind of failure,
//! and help that teaches with examples.

use std::fs;

use serde_json::Value;

use crate::support::env::Env;

/// docs/design.md §7: the `--json` documents byte for byte, field order
/// included (alphabetical, as the output has always been), with the exact
/// text of every name (a quote, a backslash, a control character escaped
/// the JSON way, never the terminal way).
#[test]
fn json_documents_are_exactly_the_documented_shape() {
    let env = Env::new();
    let friendly = "Quote \" back\\slash \u{1b}[31m";
    let name = env.create(&["--classifier", "lap", "--friendly-name", friendly]);
    let (authority, _) = name.split_once('.').unwrap();
    let raw = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        env.ok(&all)
    };
    let fname = r#""Quote \" back\\slash \u001b[31m""#;
    let identity = |is_default: bool| {
        format!(
            r#"{{"authority":"{authority}","classifier":"lap","friendly_name":{fname},"is_default":{is_default},"key_type":"ed25519","peer_name":"{name}"}}"#
        )
    };
    assert_eq!(raw(&["show", &name]), format!("{}\n", identity(false)));
    assert_eq!(raw(&["list"]), format!("[{}]\n", identity(false)));
    assert_eq!(
        raw(&["friendly-name", &name]),
        format!("{{\"friendly_name\":{fname},\"peer_name\":\"{name}\"}}\n")
    );
    assert_eq!(
        raw(&["default", "--set", &name]),
        format!("{{\"peer_name\":\"{name}\"}}\n")
    );
    assert_eq!(raw(&["list"]), format!("[{}]\n", identity(true)));
    assert_eq!(
        raw(&["peer-name", "--identity", &name, "--classifier", "chat"]),
        format!("{{\"peer_name\":\"{authority}.chat\"}}\n")
    );
    // Plain output adds the line end the document does not have.
    let xml = env.ok(&["xml", &name]);
    let xml_json = serde_json::to_string(xml.strip_suffix('\n').unwrap()).unwrap();
    assert_eq!(
        raw(&["xml", &name]),
        format!("{{\"peer_name\":\"{name}\",\"xml\":{xml_json}}}\n")
    );
    let pw = env.home.join("pw");
    fs::write(&pw, "pw\n").unwrap();
    let file = env.home.join("out.peerid");
    let export = |extra: &[&str]| {
        let mut args = vec!["export", &name, "--iterations", "1", "--password-file"];
        args.push(pw.to_str().unwrap());
        args.extend_from_slice(extra);
        raw(&args)
    };
    let file_json = serde_json::to_string(file.to_str().unwrap()).unwrap();
    assert_eq!(
        export(&["-o", file.to_str().unwrap()]),
        format!("{{\"file\":{file_json},\"peer_name\":\"{name}\"}}\n")
    );
    let exported = export(&[]);
    assert!(
        exported.starts_with(r#"{"document":"<PEERIDENTITYEXPORT VERSION=\"1.0\">\n"#),
        "{exported}"
    );
    assert!(
        exported.ends_with(&format!("\",\"peer_name\":\"{name}\"}}\n")),
        "{exported}"
    );
    let second = env.create(&["--classifier", "two"]);
    let listed = raw(&["list"]);
    let (first_row, second_row) = if name < second {
        (
            identity(true),
            format!(r#"{{"authority":"{}","#, second.split_once('.').unwrap().0),
        )
    } else {
        (
            format!(r#"{{"authority":"{}","#, second.split_once('.').unwrap().0),
            identity(true),
        )
    };
    assert!(listed.starts_with(&format!("[{first_row}")), "{listed}");
    assert!(listed.contains(&format!("}},{second_row}")), "{listed}");
    assert!(listed.ends_with("}]\n"), "{listed}");
    assert_eq!(
        raw(&["delete", "--yes", &second]),
        format!("{{\"deleted\":true,\"peer_name\":\"{second}\"}}\n")
    );
    // An error object, and a usage error, are one line of the same form.
    let out = env
        .cmd()
        .args(["--json", "show", &second])
        .output()
        .unwrap();
    let message = format!("no identity named {second:?} in this store (see `peerid list`)");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{{\"error\":{{\"code\":\"PEER_E_NOT_FOUND\",\"hresult\":\"0x80070490\",\"message\":{}}}}}\n",
            serde_json::to_string(&message).unwrap()
        )
    );
    let out = env
        .cmd()
        .args(["--json", "list", "--bogus"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(r#"{"error":{"code":"USAGE","hresult":"0x80070057","message":"error: "#),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\"}}\n") && stdout.lines().count() == 1,
        "{stdout}"
    );
}

#[test]
fn unknown_identity_is_exit_3_for_every_command() {
    let env = Env::new();
    let ghost = format!("{}.ghost", "0f".repeat(20));
    for args in [
        vec!["show", &ghost],
        vec!["delete", &ghost],
        vec!["friendly-name", &ghost],
        vec!["friendly-name", &ghost, "x"],
        vec!["default", "--set", &ghost],
        vec!["xml", &ghost],
    ] {
        let (code, _, doc) = env.fails(&args);
        assert_eq!(code, 3, "{args:?}");
        assert_eq!(doc["error"]["code"], "PEER_E_NOT_FOUND", "{args:?}");
    }
}

#[test]
fn bad_names_classifiers_and_friendly_names_are_exit_5() {
    let env = Env::new();
    let long_classifier = "c".repeat(150);
    let long_friendly = "😀".repeat(128);
    for args in [
        vec!["create", "--classifier", &long_classifier],
        vec!["create", "--friendly-name", &long_friendly],
        vec!["peer-name", "--classifier", &long_classifier],
    ] {
        let (code, stderr, doc) = env.fails(&args);
        assert_eq!(code, 5, "{args:?}: {stderr}");
        assert_eq!(doc["error"]["code"], "E_INVALIDARG");
        assert_eq!(doc["error"]["hresult"], "0x80070057");
        assert!(!doc["error"]["message"].as_str().unwrap().is_empty());
    }
    // The limit is in UTF-16 units: 149 is fine.
    env.create(&["--classifier", &"c".repeat(149)]);
}

#[test]
fn usage_errors_are_exit_2() {
    let env = Env::new();
    for args in [
        vec!["create", "--key", "dsa"],
        vec!["frobnicate"],
        vec!["show"],
        vec![],
    ] {
        let out = env.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = env
        .cmd()
        .args(["--json", "create", "--key", "dsa"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "USAGE");
}

#[test]
fn help_teaches_with_examples() {
    let env = Env::new();
    let top = env.ok(&["--help"]);
    assert!(
        top.contains("Examples:") && top.contains("Exit codes"),
        "{top}"
    );
    for sub in [
        "create",
        "list",
        "show",
        "delete",
        "friendly-name",
        "default",
        "xml",
        "peer-name",
    ] {
        let help = env.ok(&[sub, "--help"]);
        assert!(help.contains("Example"), "{sub} --help has no example");
    }
}
