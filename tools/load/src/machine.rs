//! What the machine says: the server's memory and CPU time, pressure, steal, the
//! open-file limit, and how fast the disk under the database syncs.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{micros, pct};

/// Resident set size of a process, in KiB (VmRSS of /proc/<pid>/status).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of a process, in seconds (from /proc/<pid>/stat).
pub fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// The open-file limit this process (and the server it spawns) runs with. Raises
/// the soft limit with `prlimit` (util-linux) when it is below what is needed.
pub fn ensure_nofile(needed: u64) -> u64 {
    let read = || -> (u64, u64) {
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap_or("");
        let nums: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        (
            nums.first().copied().unwrap_or(0),
            nums.get(1).copied().unwrap_or(0),
        )
    };
    let (soft, hard) = read();
    if soft >= needed {
        println!("open-file limit: soft {soft}, hard {hard} (needed about {needed})");
        return soft;
    }
    let target = needed.min(hard);
    let ok = Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={target}:{hard}"))
        .status()
        .is_ok_and(|s| s.success());
    let (soft2, _) = read();
    println!(
        "open-file limit: soft {soft} -> {soft2} ({}), hard {hard} (needed about {needed})",
        if ok {
            "raised with prlimit"
        } else {
            "could not raise; try `ulimit -n`"
        }
    );
    soft2
}

/// Microseconds some task spent waiting (PSI "some total") for the CPU and for
/// I/O, machine-wide, so a run can say how contended the machine was.
pub fn pressure() -> (u64, u64) {
    let read = |what: &str| -> u64 {
        std::fs::read_to_string(format!("/proc/pressure/{what}"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("some"))
                    .and_then(|l| l.split_whitespace().find_map(|w| w.strip_prefix("total=")))
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0)
    };
    (read("cpu"), read("io"))
}

/// The machine's CPU time so far, in clock ticks: (all, busy, stolen). "Stolen" is
/// time the hypervisor gave this virtual machine's CPUs to someone else.
pub fn cpu_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = at(0) + at(1) + at(2) + at(5) + at(6);
    (busy + at(3) + at(4) + at(7), busy, at(7))
}

pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores, load average before the run {}",
        load.join(" ")
    )
}

/// `fdatasync` times in milliseconds.
pub struct DiskProbe {
    pub n: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// Times `fdatasync` of 4 KiB overwrites in `dir`, paced like a lightly loaded
/// writer (2 ms apart): the floor under every durable command's latency on this
/// disk, measured so that a run's tail can be read against it.
pub fn disk_sync_probe(dir: &Path) -> DiskProbe {
    const SYNCS: usize = 500;
    const FILE: u64 = 1 << 20;
    let path = dir.join("sync-probe");
    let mut us = Vec::with_capacity(SYNCS);
    let mut probe = || -> std::io::Result<()> {
        let mut f = std::fs::File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)?;
        f.write_all(&vec![0u8; FILE as usize])?;
        f.sync_all()?;
        let block = [7u8; 4096];
        for i in 0..SYNCS {
            use std::io::Seek;
            f.seek(std::io::SeekFrom::Start((i as u64 * 4096) % FILE))?;
            f.write_all(&block)?;
            let t = Instant::now();
            f.sync_data()?;
            us.push(micros(t.elapsed()));
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    };
    if let Err(e) = probe() {
        println!("disk probe failed: {e}");
    }
    let _ = std::fs::remove_file(&path);
    us.sort_unstable();
    DiskProbe {
        n: us.len(),
        p50: pct(&us, 0.50),
        p99: pct(&us, 0.99),
        max: pct(&us, 1.0),
    }
}
