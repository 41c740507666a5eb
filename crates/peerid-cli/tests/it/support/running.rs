//! A child process the test talks to while it runs (`peerid tls serve`,
//! `openssl s_server`, ...): its stdin held open until the test closes it,
//! its stdout and stderr collected by threads, every wait bounded so that a
//! hang fails the test instead of hanging CI, and the child killed on drop.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any wait of these tests may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Running {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<u8>>>,
    after: Duration,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let mut buf = [0u8; 4096];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => into.lock().unwrap().extend_from_slice(&buf[..n]),
            }
        }
    })
}

impl Running {
    /// Starts `cmd` with all three streams piped.
    pub fn start(what: &str, cmd: Command) -> Running {
        Running::start_reading_stdout_after(what, cmd, Duration::ZERO)
    }

    /// [`Running::start`], but its stdout read only from `after` on (a
    /// consumer slow to start: the child's writes to stdout block a while).
    pub fn start_reading_stdout_after(what: &str, mut cmd: Command, after: Duration) -> Running {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}"));
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone(), after),
            collect(child.stderr.take().unwrap(), stderr.clone(), Duration::ZERO),
        ];
        Running {
            what: what.to_owned(),
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until `find` finds something in (stdout, stderr); panics with
    /// both after [`TIMEOUT`] or if the child exits first.
    pub fn wait_for<T>(&mut self, looking_for: &str, find: impl Fn(&[u8], &str) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(found) = find(&self.stdout(), &self.stderr()) {
                return found;
            }
            let exited = self.child.try_wait().unwrap();
            if exited.is_some() || start.elapsed() > TIMEOUT {
                // Let the readers take the last of it.
                std::thread::sleep(Duration::from_millis(100));
                if let Some(found) = find(&self.stdout(), &self.stderr()) {
                    return found;
                }
                panic!(
                    "{}: no {looking_for} ({}); stdout: {:?}\nstderr: {}",
                    self.what,
                    match exited {
                        Some(s) => format!("exited {s}"),
                        None => "timed out".into(),
                    },
                    String::from_utf8_lossy(&self.stdout()),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until stdout holds `needle`.
    pub fn wait_stdout(&mut self, needle: &str) {
        let n = needle.as_bytes().to_vec();
        self.wait_for(&format!("{needle:?} on stdout"), |out, _| {
            out.windows(n.len()).any(|w| w == n).then_some(())
        });
    }

    /// Waits until stderr has a line containing `needle`; returns the line.
    pub fn wait_stderr_line(&mut self, needle: &str) -> String {
        self.wait_for(&format!("{needle:?} on stderr"), |_, err| {
            err.lines()
                .find(|l| l.contains(needle) && err.contains(&format!("{l}\n")))
                .map(str::to_owned)
        })
    }

    pub fn write(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin.write_all(data).unwrap();
        stdin.flush().unwrap();
    }

    /// Writes `data` to stdin from a thread of its own, then closes stdin:
    /// two children fed at once really send at the same time.
    pub fn feed(&mut self, data: Vec<u8>) -> JoinHandle<()> {
        let mut stdin = self.stdin.take().expect("stdin already closed");
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        })
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Closes stdin and waits for the exit; returns (status, stdout, stderr).
    pub fn finish(mut self) -> (ExitStatus, Vec<u8>, String) {
        self.close_stdin();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                let out = self.stdout();
                panic!(
                    "{} did not exit within {TIMEOUT:?}; stdout ({} bytes): {:?}\nstderr: {}",
                    self.what,
                    out.len(),
                    String::from_utf8_lossy(&out[..out.len().min(4096)]),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        for r in std::mem::take(&mut self.readers) {
            let _ = r.join();
        }
        (status, self.stdout(), self.stderr())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
