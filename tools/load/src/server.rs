//! The server under test: the real `wargame` binary as a child process, and how the
//! tool stops it on every way out.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::SCENARIOS;

/// A running `wargame serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub port: u16,
    pub log: PathBuf,
    spawned: Instant,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Server {
    /// Starts `wargame serve` under `timeout`, so the server cannot outlive `limit`
    /// even if this tool is killed before it can stop it.
    pub fn spawn(bin: &Path, db: &Path, log: &Path, limit: Duration) -> Server {
        let port = free_port();
        let log_file = std::fs::File::create(log).expect("server log file");
        let spawned = Instant::now();
        let mut child = Command::new("timeout")
            .args(["-s", "KILL", &format!("{}s", limit.as_secs().max(1))])
            .arg(bin)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db"])
            .arg(db)
            .arg("--scenarios")
            .arg(SCENARIOS)
            // One address creates every session and seat: no per-address limits.
            .env("WARGAME_SESSIONS_PER_ADDRESS", "0")
            .env("WARGAME_PLAYERS_PER_SESSION", "0")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(log_file.try_clone().expect("server log file"))
            .stderr(log_file)
            .spawn()
            .expect("start the wargame binary (under `timeout`)");
        // The server is the only child of `timeout`.
        let tpid = child.id();
        let children = format!("/proc/{tpid}/task/{tpid}/children");
        let mut pid = None;
        for _ in 0..2000 {
            pid = std::fs::read_to_string(&children)
                .ok()
                .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()));
            if pid.is_some() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                fail(&format!(
                    "`timeout wargame serve` exited at once ({status})"
                ));
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let Some(pid) = pid else {
            let _ = child.kill();
            let _ = child.wait();
            fail("cannot find the server process under `timeout`");
        };
        RUNNING_SERVER.store(pid, Ordering::SeqCst);
        Server {
            child,
            pid,
            port,
            log: log.to_path_buf(),
            spawned,
        }
    }

    /// Polls `/healthz` until it answers 200; returns the time since spawn.
    pub fn wait_healthy(&mut self, limit: Duration) -> Result<Duration, String> {
        while self.spawned.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the server exited ({status}); its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            if healthz(self.port) {
                return Ok(self.spawned.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Err(format!("no answer from /healthz within {limit:?}"))
    }

    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            kill_pid(self.pid);
            let _ = self.child.wait();
        }
        let _ = RUNNING_SERVER.compare_exchange(self.pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One blocking `GET /healthz`; true on a 200 answer.
fn healthz(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_nodelay(true);
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    let mut got = 0;
    while got < 12 {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    buf[..got].starts_with(b"HTTP/1.1 200")
}

/// The server this tool is running, if any, so `fail` can stop it first.
static RUNNING_SERVER: AtomicU32 = AtomicU32::new(0);

fn kill_pid(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// Stops the server, if one runs, prints `msg` and exits with status 1.
pub fn fail(msg: &str) -> ! {
    let pid = RUNNING_SERVER.swap(0, Ordering::SeqCst);
    if pid != 0 {
        kill_pid(pid);
    }
    eprintln!("load: {msg}");
    std::process::exit(1);
}
