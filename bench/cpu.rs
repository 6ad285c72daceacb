//! CPU time of processes from `/proc`, to report CPU per event of webhookd and PostgreSQL.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// Fields of `/proc/<pid>/stat` after the command name (which may hold spaces): index 0 is
/// the state, field 3 of the whole line.
fn stat(pid: u32) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    Some(rest.split_whitespace().map(|f| f.parse::<u64>().unwrap_or(0)).collect())
}

fn ticks(t: u64) -> Duration {
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100) as u64;
    Duration::from_micros(t * 1_000_000 / hz.max(1))
}

/// User plus system CPU time `pid` has used so far (zero if it is gone).
pub fn process(pid: u32) -> Duration {
    // utime and stime are fields 14 and 15 of the whole line.
    stat(pid).map_or(Duration::ZERO, |f| ticks(f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)))
}

/// CPU time used so far by each process of a PostgreSQL cluster: its postmaster (from
/// `postmaster.pid` in `pgdata`), every live process it started, and, under pid 0, the
/// processes that have exited (autovacuum workers, closed connections), which the
/// postmaster has reaped.
pub fn cluster_processes(pgdata: &Path) -> HashMap<u32, Duration> {
    let mut out = HashMap::new();
    let Some(postmaster) = std::fs::read_to_string(pgdata.join("postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<u32>().ok()))
    else {
        return out;
    };
    if let Some(f) = stat(postmaster) {
        let at = |i: usize| f.get(i).copied().unwrap_or(0);
        out.insert(postmaster, ticks(at(11) + at(12)));
        // cutime and cstime, fields 16 and 17 of the whole line.
        out.insert(0, ticks(at(13) + at(14)));
    }
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if let Some(f) = stat(pid) {
            if f.get(1) == Some(&(postmaster as u64)) {
                out.insert(pid, ticks(f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)));
            }
        }
    }
    out
}

/// What each process of `after` used since `before` (a process absent from `before`
/// started since, from zero). A process of `before` that has exited since is counted under
/// pid 0 with the rest of its time, which is what it used in between.
pub fn since(before: &HashMap<u32, Duration>, after: &HashMap<u32, Duration>) -> HashMap<u32, Duration> {
    let mut out: HashMap<u32, Duration> =
        after.iter().map(|(pid, t)| (*pid, t.saturating_sub(before.get(pid).copied().unwrap_or_default()))).collect();
    let gone: Duration = before.iter().filter(|(pid, _)| **pid != 0 && !after.contains_key(pid)).map(|(_, t)| *t).sum();
    if let Some(exited) = out.get_mut(&0) {
        *exited = exited.saturating_sub(gone);
    }
    out
}
