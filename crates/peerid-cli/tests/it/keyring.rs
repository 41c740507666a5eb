//! The OS keyring for real (docs/design.md §12): a private D-Bus session bus
//! (`dbus-run-session`) with gnome-keyring's Secret Service, and
//! `secret-tool` to look at what peerid keeps there. Then a machine
//! without a Secret Service (no bus at all; a bus where nothing provides
//! one): `store seal --keyring` fails quickly with a clear message and
//! leaves the store unsealed. Nothing here reaches the user's own bus.
// The Secret Service over D-Bus is Linux desktops' keyring; Windows'
// Credential Manager is not tested here (design §12).
#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::env::Env;
use crate::support::seal::{
    PASSPHRASE, age_decrypt, hex, key_rows, passphrase_file, seal, unhex, with_pp,
};

/// A session bus of the test's own, alive until dropped (stdin closed:
/// its shell ends, and dbus-run-session takes the bus and what runs on it
/// down with it).
struct Bus {
    child: Child,
    stdin: Option<ChildStdin>,
    address: String,
}

/// A session bus configuration with no service directories: nothing on
/// it can be started on demand, so it has no Secret Service.
const BARE_BUS: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

impl Bus {
    /// Starts a bus; with `keyring`, gnome-keyring-daemon's Secret Service
    /// on it, its login keyring created and unlocked.
    fn start(env: &Env, keyring: bool) -> Bus {
        let run = env.path("xdg-run");
        fs::create_dir_all(&run).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700)).unwrap();
        let mut c = Command::new("dbus-run-session");
        if !keyring {
            let conf = env.path("bare-bus.conf");
            fs::write(&conf, BARE_BUS).unwrap();
            c.arg(format!("--config-file={}", conf.display()));
        }
        let script = if keyring {
            "printf %s 'keyring login password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 7\n\
             echo \"BUS $DBUS_SESSION_BUS_ADDRESS\"\n\
             cat >/dev/null"
        } else {
            "echo \"BUS $DBUS_SESSION_BUS_ADDRESS\"\ncat >/dev/null"
        };
        let mut child = c
            .args(["--", "bash", "-c", script])
            .env("HOME", &env.home)
            .env("XDG_DATA_HOME", env.home.join("data"))
            .env("XDG_CONFIG_HOME", env.home.join("config"))
            .env("XDG_CACHE_HOME", env.home.join("cache"))
            .env("XDG_RUNTIME_DIR", &run)
            // A desktop session's own daemon must never be reached.
            .env_remove("GNOME_KEYRING_CONTROL")
            .env_remove("GNOME_KEYRING_PID")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-run-session (scripts/test.sh installs dbus and gnome-keyring)");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .strip_prefix("BUS ")
            .unwrap_or_else(|| panic!("no bus started: {line:?}"))
            .trim()
            .to_owned();
        Bus {
            child,
            stdin,
            address,
        }
    }

    /// `peerid` on this bus.
    fn peerid(&self, env: &Env) -> Command {
        let mut c = env.cmd();
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        c
    }

    fn secret_tool(&self, env: &Env, args: &[&str], stdin: Option<&str>) -> Output {
        let mut c = Command::new("secret-tool");
        c.args(args)
            .env("HOME", &env.home)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("secret-tool (libsecret-tools)");
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .as_mut()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn export_args<'a>(env: &'a Env, name: &'a str) -> Vec<String> {
    vec![
        "export".into(),
        name.into(),
        "--iterations".into(),
        "1000".into(),
        "--password-file".into(),
        env.pw_arg(),
    ]
}

#[test]
fn the_store_key_round_trips_through_a_real_secret_service() {
    let env = Env::new();
    let name = env.create(&[]);
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    let bus = Bus::start(&env, true);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = bus.peerid(&env).arg("--json").args(args).output().unwrap();
        serde_json::from_str(&ok(out, &format!("{args:?}"))).unwrap()
    };
    let doc = json(&[
        "--passphrase-file",
        pp.to_str().unwrap(),
        "store",
        "seal",
        "--keyring",
        "--work-factor",
        "10",
    ]);
    assert_eq!(doc["keyring"], true);
    let id = doc["store_id"].as_str().unwrap().to_owned();
    let user = format!("store key {id}");
    let lookup = |bus: &Bus| {
        bus.secret_tool(
            &env,
            &["lookup", "service", "peerid", "username", &user],
            None,
        )
    };
    let kept = ok(lookup(&bus), "secret-tool lookup");
    let kept = kept.trim();
    assert_eq!(kept.len(), 64, "{kept:?}");
    assert!(
        kept.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );

    // The keyring's key is the one the passphrase unwraps.
    let wrapped = env.path("w.age");
    ok(
        bus.peerid(&env)
            .args([
                "store",
                "status",
                "--export-wrapped-key",
                wrapped.to_str().unwrap(),
            ])
            .output()
            .unwrap(),
        "status --export-wrapped-key",
    );
    assert_eq!(hex(&age_decrypt(&env, &wrapped, PASSPHRASE)), kept);
    let st = json(&["store", "status"]);
    assert_eq!(st["keyring_holds_key"], true, "{st}");

    // No passphrase source: the keyring unlocks.
    let export = export_args(&env, &name);
    ok(
        bus.peerid(&env).args(&export).output().unwrap(),
        "export from the keyring",
    );

    // The entry gone: the passphrase is needed again.
    ok(
        bus.secret_tool(
            &env,
            &["clear", "service", "peerid", "username", &user],
            None,
        ),
        "secret-tool clear",
    );
    let out = bus.peerid(&env).args(&export).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("PEERID_PASSPHRASE_FILE"));
    let mut c = bus.peerid(&env);
    c.env("PEERID_PASSPHRASE_FILE", &pp).args(&export);
    ok(c.output().unwrap(), "export with the passphrase file");
    assert_eq!(json(&["store", "status"])["keyring_holds_key"], false);

    // A stale entry (another key) is not used: the passphrase is needed.
    let stale = "00".repeat(32);
    ok(
        bus.secret_tool(
            &env,
            &[
                "store",
                "--label=stale",
                "service",
                "peerid",
                "username",
                &user,
            ],
            Some(&stale),
        ),
        "secret-tool store (stale)",
    );
    let out = bus.peerid(&env).args(&export).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(6),
        "a stale keyring entry was used: {stderr}"
    );
    assert!(stderr.contains("keyring holds no store key"), "{stderr}");

    // Back in the keyring, unseal needs no passphrase and removes it.
    ok(
        bus.secret_tool(
            &env,
            &[
                "store",
                "--label=peerid store key",
                "service",
                "peerid",
                "username",
                &user,
            ],
            Some(kept),
        ),
        "secret-tool store",
    );
    let doc = json(&["store", "unseal"]);
    assert_eq!(doc["sealed"], false);
    let gone = lookup(&bus);
    assert!(
        !gone.status.success() && gone.stdout.is_empty(),
        "unseal left the keyring entry: {:?}",
        String::from_utf8_lossy(&gone.stdout)
    );
    assert!(key_rows(&env.store).iter().all(|(_, _, k)| k[0] == 0x30));

    // Sealed with the keyring, the keyring unreachable: a warning, then the
    // passphrase file.
    let again = json(&[
        "--passphrase-file",
        pp.to_str().unwrap(),
        "store",
        "seal",
        "--keyring",
        "--work-factor",
        "10",
    ]);
    assert_eq!(again["keyring"], true);
    let out = with_pp(&env, &pp).args(&export).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning") && stderr.contains("keyring"),
        "{stderr}"
    );
    let new_key = ok(
        bus.secret_tool(
            &env,
            &[
                "lookup",
                "service",
                "peerid",
                "username",
                &format!("store key {}", again["store_id"].as_str().unwrap()),
            ],
            None,
        ),
        "lookup after the second seal",
    );
    assert_eq!(unhex(&new_key).len(), 32);
}

fn refused_quickly(env: &Env, mut cmd: Command, what: &str) {
    let rows = key_rows(&env.store);
    let pp = passphrase_file(env, "pp", PASSPHRASE);
    let start = Instant::now();
    let out = cmd
        .args([
            "--passphrase-file",
            pp.to_str().unwrap(),
            "store",
            "seal",
            "--keyring",
            "--work-factor",
            "10",
        ])
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{what}: sealed with no Secret Service"
    );
    assert!(took < Duration::from_secs(25), "{what}: took {took:?}");
    assert!(stderr.contains("keyring"), "{what}: {stderr}");
    assert!(stderr.contains("not changed"), "{what}: {stderr}");
    assert_eq!(key_rows(&env.store), rows, "{what}: the rows changed");
    let st: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "store", "status"])).unwrap();
    assert_eq!(st["sealed"], false, "{what}");
}

#[test]
fn without_a_secret_service_seal_keyring_fails_quickly_and_changes_nothing() {
    let env = Env::new();
    env.create(&[]);
    // No bus at all (Env's commands point at /nonexistent).
    refused_quickly(&env, env.cmd(), "no bus");
    // A bus where nothing provides org.freedesktop.secrets.
    let bus = Bus::start(&env, false);
    refused_quickly(&env, bus.peerid(&env), "a bus without a Secret Service");
    drop(bus);
    // Without --keyring the same store seals.
    let pp = passphrase_file(&env, "pp", PASSPHRASE);
    seal(&env, &pp, &[]);
}
