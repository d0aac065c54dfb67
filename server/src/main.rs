//! `rsql-server`: reads flags/env, loads or generates data, serves
//! [`server::routes`] with the connection limits of [`server::serve`] until
//! SIGINT/SIGTERM (in-flight requests finish within `--shutdown-grace`).
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use server::config::AppCredential;
use server::demo::{Banner, SecretShown};
use std::sync::Arc;

use server::backend::Backend;
use server::openapi::Examples;
use server::{AppState, Config};
use store::storage::Storage;

/// mimalloc instead of the system allocator: when the store still
/// materialized owned conversations (a few hundred small strings per 20-row
/// page), filtered list requests ran ~25–35 % faster with it in an
/// in-process comparison (see README); pages are now rendered from borrowed
/// rows, and it was kept without re-measuring that comparison. `no_thp` keeps transparent huge pages off, which
/// otherwise raised the demo's resident memory from ~87 MB to ~118 MB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut cfg = Config::from_env();
    // `--demo` without any configured pair: one random pair for this run,
    // printed in the banner (there are no built-in credentials).
    let generated = if cfg.demo && cfg.app_credentials().is_empty() {
        match random_app() {
            Ok(app) => {
                cfg.apps.push(app);
                true
            }
            Err(e) => {
                eprintln!("error: cannot make a demo app pair: no OS randomness ({e})");
                return ExitCode::FAILURE;
            }
        }
    } else {
        false
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cfg, generated))
}

async fn run(cfg: Config, generated: bool) -> ExitCode {
    let started = std::time::Instant::now();
    // The in-memory store, or PostgreSQL: connected, migrated and loaded.
    let (backend, summary) = match server::backend::build(&cfg).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    for line in &summary.lines {
        tracing::info!("{line}");
    }
    for line in &summary.skipped {
        tracing::warn!("{line}");
    }
    let listener = match tokio::net::TcpListener::bind(cfg.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", cfg.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: cannot read the bound address: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = match shutdown_signal() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let demo = cfg.demo;
    let state = match backend {
        Backend::Memory(data) => AppState::new(cfg, *data),
        Backend::Postgres(pg) => {
            let storage: Arc<dyn Storage> = Arc::new(pg);
            let examples = Examples::collect(storage.as_ref()).await;
            AppState::with_storage(cfg, storage, &examples, server::Clock::system())
        }
    };
    let apps = state.config.app_credentials();
    let token = match state.config.static_tokens.first() {
        Some(t) => Some(t.clone()),
        None => match apps.first() {
            Some(a) => banner_token(&state, a).await,
            None => None,
        },
    };
    let ms = started.elapsed().as_millis();
    match state.memory() {
        Some(m) => {
            let conversations = m.symbl().read().await.len();
            tracing::info!(conversations, storage = %state.storage.describe(), ms, "data ready");
        }
        // The database's rows are counted by the loads' lines above (a
        // count(*) here would scan a large table on every start).
        None => tracing::info!(storage = %state.storage.describe(), ms, "data ready"),
    }
    let storage_line = match state.memory() {
        Some(_) => "memory only (nothing is written to disk; a restart starts from the generated or loaded data again)".to_owned(),
        None => state.storage.describe(),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on http://{addr}");
    if demo {
        // Shown in the token example: the DEMO_APP_* pair if given (its
        // secret as `$DEMO_APP_SECRET`), else the first `--app` pair (its
        // secret not echoed), else the generated one (shown).
        let demo_pair = state
            .config
            .app_id
            .as_ref()
            .and_then(|id| apps.iter().find(|a| &a.app_id == id));
        let (app, secret) = match demo_pair {
            Some(a) if std::env::var_os("DEMO_APP_SECRET").is_some() => {
                (Some(a), SecretShown::EnvVar("DEMO_APP_SECRET"))
            }
            Some(a) => (Some(a), SecretShown::Placeholder),
            None if generated => (apps.first(), SecretShown::Verbatim),
            None => (apps.first(), SecretShown::Placeholder),
        };
        let banner = Banner {
            addr,
            token: token.as_deref(),
            app,
            secret,
            generated,
            storage: &storage_line,
            symbl_span: summary.demo_span,
            chatbot_ids: summary.chatbot_ids,
            now_ms: state.clock.now_ms(),
        };
        let _ = write!(out, "{}", banner.render());
    }
    let _ = out.flush();
    drop(out);
    let opts = server::serve::ServeOptions::from_config(&state.config);
    server::serve::serve(listener, state, opts, shutdown).await;
    tracing::info!("shut down");
    ExitCode::SUCCESS
}

/// The banner's token for `app`: issued as `POST /oauth2/token:generate`
/// issues it (and kept in the storage, so every process on the same
/// database accepts it).
async fn banner_token(state: &AppState, app: &AppCredential) -> Option<String> {
    let now = state.clock.now_ms();
    let issued = state
        .tokens
        .generate(&app.app_id, &app.app_secret, now)
        .ok()?;
    let expires_ms = now.saturating_add(
        i64::try_from(issued.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX / 4),
    );
    let digest = server::auth::digest(&issued.token);
    if let Err(e) = state.storage.save_token(&digest, expires_ms).await {
        tracing::warn!(
            "the banner's token is not kept in the storage ({e}): other processes will not accept it"
        );
    }
    Some(issued.token)
}

/// A random app pair: `demo-` and 8 hex digits, and a 32-hex-digit secret.
fn random_app() -> Result<AppCredential, getrandom::Error> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)?;
    Ok(AppCredential {
        app_id: format!("demo-{}", faster_hex::hex_string(&bytes[..4])),
        app_secret: faster_hex::hex_string(&bytes[4..]),
    })
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed before the
/// function returns (not at the first poll), so a signal that arrives right
/// after start-up is never left to the default action.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("SIGINT: shutting down"),
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C: shutting down");
        }
    })
}
