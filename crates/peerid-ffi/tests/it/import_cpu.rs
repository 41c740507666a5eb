//! docs/design.md §4 steps 3 and 4 through the C ABI: `PeerIdentityImport` of any
//! document up to 1 MiB with a wrong password is refused in under 3 s of CPU
//! at the default cap.
//!
//! The exported function is called as a C program calls it (UTF-16
//! NUL-terminated strings, an out-pointer, an HRESULT). The hostile documents come from
//! `peerid-cli/tests/it/support/hostile_pfx.py`. The CPU time is the process's
//! (`CLOCK_PROCESS_CPUTIME_ID`, every thread): this file holds one test, so
//! nothing else runs in the process meanwhile.
#![cfg(target_os = "linux")]
#![allow(unsafe_code)] // calls of the C ABI and of libc
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test that cannot go on should panic

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use peerid_p2p::identity::PeerIdentityImport;
use peerid_p2p::{HRESULT, PWSTR};

const E_INVALIDARG: HRESULT = 0x8007_0057_u32 as i32;
const CPU_LIMIT: Duration = Duration::from_secs(3);

fn utf16z(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

fn process_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[test]
fn peer_identity_import_refuses_any_document_with_a_wrong_password_in_under_3_s_of_cpu() {
    if !crate::support::run_alone(
        "import_cpu::peer_identity_import_refuses_any_document_with_a_wrong_password_in_under_3_s_of_cpu",
    ) {
        return;
    }
    let work =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("import_cpu.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let store = work.join("store");
    // SAFETY: the only test in this process (`run_alone`), so no other
    // thread reads the environment meanwhile.
    unsafe { std::env::set_var("PEERID_STORE", &store) };
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../peerid-cli/tests/it/support/hostile_pfx.py");
    let mut worst = Duration::ZERO;
    for shape in ["many", "budget-sha512", "budget-sha1"] {
        let doc_path = work.join(format!("{shape}.xml"));
        let made = Command::new("python3")
            .arg(&script)
            .arg(shape)
            .arg(&doc_path)
            .status()
            .expect("python3 runs");
        assert!(made.success(), "hostile_pfx.py {shape}");
        let doc = std::fs::read_to_string(&doc_path).unwrap();
        assert!(doc.len() > 1_000_000 && doc.len() <= 1 << 20, "{shape}");
        let xml = utf16z(&doc);
        for password in ["a wrong password", ""] {
            let pw = utf16z(password);
            let mut out: PWSTR = std::ptr::null_mut();
            let before = process_cpu_time();
            // SAFETY: NUL-terminated UTF-16 strings and a writable out-pointer.
            let hr = unsafe { PeerIdentityImport(xml.as_ptr(), pw.as_ptr(), &mut out) };
            let cpu = process_cpu_time() - before;
            eprintln!("{shape}, password {password:?}: {cpu:?} of CPU");
            assert_eq!(hr, E_INVALIDARG, "{shape}");
            assert!(out.is_null(), "out-parameters are written only on success");
            assert!(
                cpu < CPU_LIMIT,
                "{shape}, password {password:?}: {cpu:?} of CPU"
            );
            worst = worst.max(cpu);
        }
    }
    eprintln!("worst: {worst:?} of CPU");
    let _ = std::fs::remove_dir_all(&work);
}
