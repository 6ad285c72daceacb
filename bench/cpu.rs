//! CPU time of processes from `/proc`, to report CPU per event of webhookd and PostgreSQL.

use std::path::Path;
use std::time::Duration;

/// User plus system CPU time `pid` has used so far (zero if it is gone).
pub fn process(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return Duration::ZERO };
    // Fields after the command name (which may hold spaces), from field 3 on.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return Duration::ZERO };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the whole line.
    let total = ticks(11) + ticks(12);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as u64;
    Duration::from_micros(total * 1_000_000 / hz.max(1))
}

/// CPU time of a PostgreSQL cluster: its postmaster (from `postmaster.pid` in `pgdata`) and
/// every process it started.
pub fn cluster(pgdata: &Path) -> Duration {
    let Some(postmaster) = std::fs::read_to_string(pgdata.join("postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<u32>().ok()))
    else {
        return Duration::ZERO;
    };
    let mut total = process(postmaster);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let parent = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| {
            s.rsplit_once(") ").and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
        });
        if parent == Some(postmaster) {
            total += process(pid);
        }
    }
    total
}
