//! The command line as a user runs it: every command, every error path, the
//! exit codes of docs/design.md §5 and the JSON of §7. Every test uses its own
//! store directory; none touches the real home directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

struct Env {
    _tmp: tempfile::TempDir,
    store: PathBuf,
    home: PathBuf,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path().join("store");
        let home = tmp.path().join("home");
        fs::create_dir(&home).unwrap();
        Env {
            _tmp: tmp,
            store,
            home,
        }
    }

    /// `peerid --store <dir> args...`, with HOME pointed away from the real one.
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("peerid").unwrap();
        c.env_remove("PEERID_STORE")
            .env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join("data"));
        c.arg("--store").arg(&self.store);
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "peerid {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs a failing command; returns (exit code, stderr, JSON error object).
    fn fails(&self, args: &[&str]) -> (i32, String, Value) {
        let out = self.cmd().args(args).output().unwrap();
        let plain_code = out.status.code().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.stdout.is_empty(), "stdout on failure: {:?}", out.stdout);
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmd().args(&all).output().unwrap();
        assert_eq!(
            out.status.code().unwrap(),
            plain_code,
            "--json changed the exit code"
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
        (plain_code, stderr, doc)
    }

    fn create(&self, extra: &[&str]) -> String {
        let mut args = vec!["create"];
        args.extend_from_slice(extra);
        self.ok(&args).trim_end().to_owned()
    }
}

fn is_authority(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

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
    env.ok(&["delete", &name]);
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

    env.ok(&["delete", &other]);
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
        raw(&["delete", &second]),
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
        vec!["show", "not-a-peer-name"],
        vec!["show", "0.unsecured"],
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

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn open_store_permissions_are_exit_6_with_the_fix() {
    let env = Env::new();
    env.create(&[]);
    chmod(&env.store, 0o755);
    let (code, stderr, doc) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert_eq!(doc["error"]["code"], "PEER_E_NO_KEY_ACCESS");
    assert_eq!(doc["error"]["hresult"], "0x80630203");
    assert!(stderr.contains("chmod 700"), "{stderr}");
    assert!(stderr.contains(env.store.to_str().unwrap()), "{stderr}");
    chmod(&env.store, 0o700);

    let db = env.store.join("peerid.sqlite3");
    chmod(&db, 0o640);
    let (code, stderr, _) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

/// The library names the store and what is wrong with it; the command
/// line adds how to choose another.
#[test]
fn a_store_that_cannot_be_used_names_the_flag_that_chooses_one() {
    let env = Env::new();
    fs::write(&env.store, "not a directory").unwrap();
    let (code, stderr, doc) = env.fails(&["list"]);
    assert_eq!(code, 6);
    assert_eq!(doc["error"]["code"], "PEER_E_NO_KEY_ACCESS");
    let store = env.store.display();
    let message = format!(
        "cannot access the identity store at {store}: {store} is not a directory; \
         a store can be chosen with --store DIR"
    );
    assert_eq!(stderr, format!("peerid: error: {message}\n"));
    assert_eq!(doc["error"]["message"], message.as_str());
}

#[test]
fn unreadable_store_is_exit_6() {
    let env = Env::new();
    env.create(&[]);
    let db = env.store.join("peerid.sqlite3");
    if rustix_is_root() {
        // Root reads anything: run peerid as an unprivileged user on a
        // store that user owns, whose database it cannot open.
        let nobody = 65534;
        std::os::unix::fs::chown(&env.store, Some(nobody), Some(nobody)).unwrap();
        chmod(&env.store, 0o700);
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(assert_cmd::cargo::cargo_bin("peerid"))
            .arg("--store")
            .arg(&env.store)
            .arg("list")
            .env("HOME", &env.home)
            .output()
            .expect("setpriv (util-linux) is needed to test as root");
        assert_eq!(
            out.status.code(),
            Some(6),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        chmod(&db, 0o000);
        let (code, _, _) = env.fails(&["list"]);
        assert_eq!(code, 6);
    }
}

fn rustix_is_root() -> bool {
    // SAFETY-free check: the owner of a file we just made is our euid.
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::MetadataExt::uid(&tmp.as_file().metadata().unwrap()) == 0
}

#[test]
fn corrupt_or_foreign_database_is_exit_7() {
    let env = Env::new();
    env.create(&[]);
    let db = env.store.join("peerid.sqlite3");
    for f in ["peerid.sqlite3-wal", "peerid.sqlite3-shm"] {
        let _ = fs::remove_file(env.store.join(f));
    }
    fs::write(&db, vec![0xA5; 16384]).unwrap();
    let (code, _, doc) = env.fails(&["list"]);
    assert_eq!(code, 7);
    assert_eq!(doc["error"]["code"], "PEER_E_CERT_STORE_CORRUPTED");
    assert_eq!(doc["error"]["hresult"], "0x80630801");
}

#[test]
fn damaged_pages_are_exit_7_not_a_panic() {
    let env = Env::new();
    for i in 0..40 {
        env.create(&["--classifier", &format!("c{i}")]);
    }
    env.ok(&["list"]); // checkpoint happens at close
    let db = env.store.join("peerid.sqlite3");
    let mut bytes = fs::read(&db).unwrap();
    // Keep the header (so it is still SQLite), scramble the rest.
    for (i, b) in bytes.iter_mut().enumerate().skip(100) {
        *b = (i as u8).wrapping_mul(31);
    }
    fs::write(&db, bytes).unwrap();
    for f in ["peerid.sqlite3-wal", "peerid.sqlite3-shm"] {
        let _ = fs::remove_file(env.store.join(f));
    }
    let out = env.cmd().arg("list").output().unwrap();
    let code = out.status.code().unwrap();
    assert_eq!(code, 7, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn store_comes_from_the_environment_when_not_given() {
    let env = Env::new();
    let mut c = Command::cargo_bin("peerid").unwrap();
    let out = c
        .env("PEERID_STORE", &env.store)
        .env("HOME", &env.home)
        .args(["create", "--classifier", "envstore"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(env.ok(&["list"]).contains(".envstore"));
    assert!(
        !env.home.join(".local").exists(),
        "must not touch the home directory"
    );
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

#[test]
fn store_files_are_private() {
    let env = Env::new();
    env.create(&[]);
    assert_eq!(
        fs::metadata(&env.store).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for e in fs::read_dir(&env.store).unwrap() {
        let mode = e.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0);
    }
}
