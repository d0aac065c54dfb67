//! A PostgreSQL cluster of the test's own (`initdb` + `pg_ctl` in a temp
//! dir, on a free port), so the fault test can stop and start "the database"
//! without touching the machine's server that other tests use. Run as root,
//! the binaries run as user `postgres` (`runuser -u postgres --`), which
//! PostgreSQL requires.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

/// A running (or stopped) cluster; dropping it stops it and removes its files.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Where `initdb` and `pg_ctl` are: `PG_BIN`, else the newest
/// `/usr/lib/postgresql/<v>/bin` (Debian), else `pg_config --bindir`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    dir.join("initdb").exists().then_some(dir)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// Initialises and starts a cluster (trust auth, user `postgres`,
    /// `fsync=off`: it is thrown away), or says why it cannot.
    pub fn start_new() -> Result<Cluster, String> {
        let bin = bin_dir().ok_or("no initdb found (set PG_BIN to PostgreSQL's bin directory)")?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("rsql-srv-pg-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let as_postgres = is_root();
        let cluster = Cluster {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        if as_postgres {
            let out = Command::new("chown")
                .arg("postgres")
                .arg(&cluster.dir)
                .output()
                .map_err(|e| format!("chown postgres: {e}"))?;
            check(&out, "chown postgres")?;
        }
        let data = cluster.data_dir();
        let out = cluster
            .command("initdb")
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        check(&out, "initdb")?;
        cluster.start()?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), String> {
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(args)
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        check(&out, &format!("pg_ctl {}", args.join(" ")))
    }

    /// Starts the cluster on its port, waiting until it accepts connections.
    pub fn start(&self) -> Result<(), String> {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        self.pg_ctl(&[
            "-o",
            &opts,
            "-l",
            &path_str(&log),
            "-w",
            "-t",
            "60",
            "start",
        ])
    }

    /// Stops the cluster at once (`-m immediate`: connections are cut, as
    /// when the database machine goes away).
    pub fn stop_immediate(&self) -> Result<(), String> {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"])
    }

    /// Sends `signal` (`STOP`, `CONT`) to the postmaster and every process
    /// it started: with `STOP` the database keeps its connections open and
    /// answers nothing (a hung machine, a network that drops packets).
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        let pid_file = self.data_dir().join("postmaster.pid");
        let text = std::fs::read_to_string(&pid_file)
            .map_err(|e| format!("{}: {e}", pid_file.display()))?;
        let postmaster: u32 = text
            .lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("no pid in {}", pid_file.display()))?;
        let mut pids = vec![postmaster.to_string()];
        for entry in std::fs::read_dir("/proc").map_err(|e| format!("/proc: {e}"))? {
            let Ok(entry) = entry else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid …; comm may hold spaces: read after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(postmaster) {
                pids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        let out = Command::new("kill")
            .arg(format!("-{signal}"))
            .args(&pids)
            .output()
            .map_err(|e| format!("kill: {e}"))?;
        check(&out, &format!("kill -{signal}"))
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

fn check(out: &Output, what: &str) -> Result<(), String> {
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // A test that failed while the cluster was paused leaves it stopped:
        // resumed first, or the stop would wait on it.
        let _ = self.signal("CONT");
        let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
