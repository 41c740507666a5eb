//! Holding peerid at a system call with strace, to look at it there.

use std::fs;
use std::time::{Duration, Instant};

/// The pid of `parent`'s child that runs peerid, once there is one (strace
/// forks others to probe the kernel first).
pub fn child_of(parent: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            let comm = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            if ppid == Some(parent) && comm.trim_end() == "peerid" {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("process {parent} started no child");
}

/// Whether `pid` is peerid (exec'd) and a thread of it sits in a ptrace
/// stop: with `--seccomp-bpf`, strace stops the tracee only at the syscalls
/// it traces (and briefly around exec and thread creation).
pub fn in_trace_stop(pid: u32) -> bool {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim_end() != "peerid" {
        return false;
    }
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|t| {
        fs::read_to_string(t.path().join("stat"))
            .unwrap_or_default()
            .rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('t'))
    })
}

/// Waits until `pid` sits in a ptrace stop that lasts (the one strace's
/// `delay_enter` holds), not one of the brief ones.
pub fn wait_for_held_stop(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut stopped_since = None;
    loop {
        assert!(
            Instant::now() < deadline,
            "peerid never reached the held system call"
        );
        match (in_trace_stop(pid), stopped_since) {
            (true, None) => stopped_since = Some(Instant::now()),
            (true, Some(t)) if t.elapsed() > Duration::from_millis(300) => return,
            (true, Some(_)) => {}
            (false, _) => stopped_since = None,
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
