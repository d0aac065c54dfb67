//! [`ServeOptions`]: the connection limits of `api.md` §2.0 and the flag
//! syntax of their durations.

use std::time::Duration;

use crate::Config;

/// The connection limits the serving loop enforces.
///
/// ```
/// use std::time::Duration;
/// let o = server::serve::ServeOptions::default();
/// assert_eq!(o.read_timeout, Duration::from_secs(10));
/// assert_eq!(o.idle_timeout, Duration::from_secs(60));
/// assert_eq!(o.max_connections, 1024);
/// assert_eq!(o.shutdown_grace, Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeOptions {
    /// A new connection must deliver its first request head within this
    /// time; any later head within this time of its first byte; and a
    /// request body within this time of the handler's first wait for it.
    pub read_timeout: Duration,
    /// A client must take response bytes at least once per this time (the
    /// time between two writes that made progress, like nginx's
    /// `send_timeout`): a reader slower than the socket buffers drain is
    /// still served, one that takes nothing is closed.
    pub write_timeout: Duration,
    /// A keep-alive connection with no request in progress closes after this.
    pub idle_timeout: Duration,
    /// Open connections at most; at the cap an idle one is closed to make
    /// room, and if none is idle no connection is accepted until one is.
    pub max_connections: usize,
    /// After the shutdown signal, in-flight requests get at most this long.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServeOptions {
    /// The options a [`Config`] asks for (`--read-timeout`, `--write-timeout`,
    /// `--idle-timeout`, `--max-connections`, `--shutdown-grace`).
    ///
    /// ```
    /// use clap::Parser;
    /// let cfg = server::Config::parse_from(["rsql-server", "--read-timeout", "250ms", "--max-connections", "8"]);
    /// let o = server::serve::ServeOptions::from_config(&cfg);
    /// assert_eq!(o.read_timeout, std::time::Duration::from_millis(250));
    /// assert_eq!(o.max_connections, 8);
    /// ```
    pub fn from_config(cfg: &Config) -> ServeOptions {
        ServeOptions {
            read_timeout: cfg.read_timeout,
            write_timeout: cfg.write_timeout,
            idle_timeout: cfg.idle_timeout,
            max_connections: cfg.max_connections,
            shutdown_grace: cfg.shutdown_grace,
        }
    }
}

/// Parses a flag duration: a whole number with an optional unit, `ms`, `s`
/// (the default) or `m`. Zero is refused (a zero timeout would cut every
/// connection off).
///
/// ```
/// use std::time::Duration;
/// use server::serve::parse_duration;
/// assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
/// assert!(parse_duration("0").is_err());
/// assert!(parse_duration("ten").unwrap_err().contains("`ten`"));
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (digits, unit_ms) = if let Some(d) = t.strip_suffix("ms") {
        (d, 1u64)
    } else if let Some(d) = t.strip_suffix('s') {
        (d, 1000)
    } else if let Some(d) = t.strip_suffix('m') {
        (d, 60_000)
    } else {
        (t, 1000)
    };
    let bad = || format!("expected a duration such as `10`, `10s`, `250ms` or `2m`, found `{s}`");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let ms = n
        .checked_mul(unit_ms)
        .ok_or_else(|| format!("duration `{s}` is too large"))?;
    if ms == 0 {
        return Err(format!("duration `{s}` must be greater than zero"));
    }
    Ok(Duration::from_millis(ms))
}

/// Parses `--max-connections`: a whole number ≥ 1.
///
/// ```
/// assert_eq!(server::serve::parse_max_connections("64"), Ok(64));
/// assert!(server::serve::parse_max_connections("0").is_err());
/// ```
pub fn parse_max_connections(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("--max-connections must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "expected a whole number of connections, found `{s}`"
        )),
    }
}
