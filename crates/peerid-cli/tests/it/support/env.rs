//! `Env`: one user's world for the tests that run `peerid` command by
//! command: a scratch directory with the password file (`Scratch`), a store
//! in it, and a HOME of its own so that nothing reaches the real one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::Scratch;

pub struct Env {
    /// The scratch directory and its password file (`PASSWORD`).
    pub s: Scratch,
    pub store: PathBuf,
    pub home: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let s = Scratch::new();
        let store = s.path("store");
        let home = s.path("home");
        fs::create_dir(&home).unwrap();
        Env { s, store, home }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.s.path(name)
    }

    /// `peerid --store <dir> args...`, with HOME pointed away from the real one.
    pub fn cmd(&self) -> Command {
        let mut c = self.s.cmd(&self.store);
        c.env("HOME", &self.home)
            .env("XDG_DATA_HOME", self.home.join("data"));
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "peerid {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs a failing command; returns (exit code, stderr, JSON error object).
    pub fn fails(&self, args: &[&str]) -> (i32, String, Value) {
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

    pub fn create(&self, extra: &[&str]) -> String {
        let mut args = vec!["create"];
        args.extend_from_slice(extra);
        self.ok(&args).trim_end().to_owned()
    }

    /// The password file's path, as an argument.
    pub fn pw_arg(&self) -> String {
        self.s.pw.to_str().unwrap().to_owned()
    }

    /// `peerid export NAME` at 1,000 iterations with the password file;
    /// returns the document.
    pub fn export(&self, name: &str) -> String {
        self.ok(&[
            "export",
            name,
            "--iterations",
            "1000",
            "--password-file",
            &self.pw_arg(),
        ])
    }

    /// Imports `doc`; returns (exit code, stdout, stderr).
    pub fn import(&self, doc: &[u8], password_file: &Path) -> (i32, String, String) {
        let f = self.path("incoming.xml");
        fs::write(&f, doc).unwrap();
        let out = self.run(&[
            "import",
            f.to_str().unwrap(),
            "--password-file",
            password_file.to_str().unwrap(),
        ]);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Everything a user can see of the store, to check that a refused
    /// import changed nothing.
    pub fn snapshot(&self) -> String {
        let list = self.ok(&["--json", "list"]);
        let docs: Vec<Value> = serde_json::from_str(&list).unwrap();
        let mut all = list.clone();
        for d in docs {
            all.push_str(&self.ok(&["xml", d["peer_name"].as_str().unwrap()]));
        }
        all
    }
}

pub fn is_authority(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
