//! Real processes on loopback for the replica tests and the load tool: a
//! `redis-server` of our own on a free port, and `madoguchi serve`
//! replicas. Every process is killed (by its own pid) when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh temporary directory.
pub fn temp_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("madoguchi-{what}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `redis-server` on the PATH (or in /usr/bin, /usr/sbin).
pub fn redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin".into(), "/usr/sbin".into(), "/usr/local/bin".into()])
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

/// `redis-server`, or `None` with a message when it is genuinely absent.
/// With `MADOGUCHI_REQUIRE_REDIS=1` (set by `.ci/run`) absence is a failure.
pub fn require_redis(test: &str) -> Option<PathBuf> {
    match redis_server() {
        Some(p) => Some(p),
        None if std::env::var("MADOGUCHI_REQUIRE_REDIS").is_ok_and(|v| v == "1") => {
            panic!("{test}: redis-server is not installed, and MADOGUCHI_REQUIRE_REDIS=1 (CI installs it: apt-get install redis-server)")
        }
        None => {
            eprintln!("SKIPPED {test}: redis-server is not installed (apt-get install redis-server); CI runs it");
            None
        }
    }
}

/// A `redis-server` of our own: loopback only, no persistence to disk.
pub struct Redis {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl Redis {
    pub fn start(binary: &Path) -> Redis {
        let dir = temp_dir("redis");
        let port = free_port();
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let redis = Redis { child, port, dir };
        let started = Instant::now();
        while !redis.ping() {
            assert!(started.elapsed() < Duration::from_secs(10), "redis-server did not answer on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn ping(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// Resident memory of the Redis process in KiB (from /proc).
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.child.id())
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// VmRSS of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One `madoguchi serve` process.
pub struct Replica {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub log: PathBuf,
    binary: PathBuf,
    args: Vec<String>,
}

impl Replica {
    /// Starts `binary serve --addr 127.0.0.1:0 ARGS…` in the repository
    /// root (for the bundled dictionary) and waits for its address.
    pub fn start(binary: &Path, args: &[String]) -> Replica {
        Self::start_on(binary, args, "127.0.0.1:0")
    }

    fn start_on(binary: &Path, args: &[String], addr: &str) -> Replica {
        let log = temp_dir("replica").join("stderr.log");
        let mut child = Command::new(binary)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("serve")
            .args(["--addr", addr])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start madoguchi serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("madoguchi: chat at http://") {
                    let _ = tx.send(rest.trim_end_matches('/').to_string());
                }
            }
        });
        let Ok(found) = rx.recv_timeout(Duration::from_secs(120)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the replica printed no address; its log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Replica { child: Some(child), addr: found.parse().unwrap(), log, binary: binary.to_path_buf(), args: args.to_vec() }
    }

    /// `kill -9`: no shutdown, nothing flushed.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kills this process and starts a new one with the same arguments on
    /// the same address (as a deploy would).
    pub fn restart(&mut self) {
        self.kill9();
        let again = Self::start_on(&self.binary.clone(), &self.args.clone(), &self.addr.to_string());
        *self = again;
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill9();
    }
}
