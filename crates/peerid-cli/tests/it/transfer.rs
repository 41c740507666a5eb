//! `peerid export` and `peerid import` as a user runs them: the round
//! trip, the work-factor limit, the document's shape, where the password
//! comes from, and an export that fails writing nothing.

use std::fs;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::support::env::Env;

#[test]
fn round_trip_restores_name_xml_and_friendly_name() {
    let env = Env::new();
    for key in ["ed25519", "p256", "rsa2048"] {
        let name = env.ok(&[
            "create",
            "--key",
            key,
            "--classifier",
            key,
            "--friendly-name",
            "Round ☃ trip",
        ]);
        let name = name.trim_end();
        let xml_before = env.ok(&["xml", name]);
        let file = env.path(&format!("{key}.peerid"));
        env.ok(&[
            "export",
            name,
            "-o",
            file.to_str().unwrap(),
            "--iterations",
            "2048",
            "--password-file",
            &env.pw_arg(),
        ]);
        // Windows: the private DACL, which Wine cannot show (design §6).
        #[cfg(unix)]
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        env.ok(&["delete", "--yes", name]);
        let imported = env.ok(&[
            "import",
            file.to_str().unwrap(),
            "--password-file",
            &env.pw_arg(),
        ]);
        assert_eq!(imported.trim_end(), name);
        assert_eq!(
            env.ok(&["xml", name]),
            xml_before,
            "{key}: the IDC must come back byte for byte"
        );
        assert_eq!(env.ok(&["friendly-name", name]).trim_end(), "Round ☃ trip");
        // A second import of the same identity is PEER_E_ALREADY_EXISTS.
        let out = env.run(&[
            "import",
            file.to_str().unwrap(),
            "--password-file",
            &env.pw_arg(),
        ]);
        assert_eq!(out.status.code(), Some(4));
    }
}

/// The library says what the limit is; the command line says which flag
/// raises it, on stderr and in the JSON error alike.
#[test]
fn a_work_factor_above_the_limit_names_the_flag_that_raises_it() {
    let env = Env::new();
    let name = env.ok(&["create"]);
    let name = name.trim_end();
    let file = env.path("three.peerid");
    let file = file.to_str().unwrap();
    let pw = env.pw_arg();
    env.ok(&[
        "export",
        name,
        "-o",
        file,
        "--iterations",
        "3",
        "--password-file",
        &pw,
    ]);
    env.ok(&["delete", "--yes", name]);
    let import = [
        "import",
        file,
        "--password-file",
        &pw,
        "--max-iterations",
        "2",
    ];
    let out = env.run(&import);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let message = "work factor 3 is above the limit of 2; \
                   if you trust the sender, raise the limit with --max-iterations";
    assert_eq!(stderr, format!("peerid: error: {message}\n"));
    let out = env.run(&[&["--json"][..], &import].concat());
    assert_eq!(out.status.code(), Some(5));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["message"], message);
    assert_eq!(doc["error"]["code"], "E_INVALIDARG");
    // Raised, as the hint says, it imports.
    let imported = env.ok(&[
        "import",
        file,
        "--password-file",
        &pw,
        "--max-iterations",
        "3",
    ]);
    assert_eq!(imported.trim_end(), name);
}

#[test]
fn export_document_has_the_design_shape() {
    let env = Env::new();
    let name = env
        .ok(&["create", "--classifier", "a<&>b"])
        .trim_end()
        .to_owned();
    let doc = env.export(&name);
    assert!(
        doc.starts_with("<PEERIDENTITYEXPORT VERSION=\"1.0\">\n   <IDENTITY>"),
        "{doc}"
    );
    assert!(
        doc.contains(&format!(
            "<IDENTITY>{}.a&lt;&amp;&gt;b</IDENTITY>",
            &name[..40]
        )),
        "{doc}"
    );
    assert!(doc.contains(
        "<IDENTITYDATA xmlns:dt=\"urn:schemas-microsoft-com:datatypes\" dt:dt=\"bin.base64\">"
    ));
    assert!(doc.trim_end().ends_with("</PEERIDENTITYEXPORT>"));
}

#[test]
fn password_from_environment_and_crlf_file() {
    let env = Env::new();
    let name = env.ok(&["create"]).trim_end().to_owned();
    let doc = env
        .cmd()
        .env("PEERID_PW", "correct horse")
        .args([
            "export",
            &name,
            "--iterations",
            "1000",
            "--password-env",
            "PEERID_PW",
        ])
        .output()
        .unwrap();
    assert!(doc.status.success());
    env.ok(&["delete", "--yes", &name]);
    let crlf = env.path("pw-crlf");
    fs::write(&crlf, "correct horse\r\nsecond line ignored\n").unwrap();
    let (code, out, err) = env.import(&doc.stdout, &crlf);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim_end(), name);
}

#[test]
fn no_password_argument_exists() {
    let env = Env::new();
    for flag in ["--password", "--pass", "-p"] {
        let out = env.run(&["export", "x", flag, "secret"]);
        assert_eq!(out.status.code(), Some(2), "{flag} must not be accepted");
        let out = env.run(&["import", flag, "secret"]);
        assert_eq!(out.status.code(), Some(2), "{flag} must not be accepted");
    }
}

#[test]
fn export_of_unknown_identity_writes_nothing() {
    let env = Env::new();
    let out_file = env.path("never.peerid");
    let ghost = format!("{}.x", "ab".repeat(20));
    let out = env.run(&[
        "export",
        &ghost,
        "-o",
        out_file.to_str().unwrap(),
        "--password-file",
        &env.pw_arg(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!out_file.exists());
    assert_eq!(
        fs::read_dir(env.s.tmp.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp")
            })
            .count(),
        0
    );
}
