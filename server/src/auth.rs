//! The token store: app pairs from config issue expiring tokens through
//! `POST /oauth2/token:generate`; static tokens from config never expire.
//!
//! Symbl's caching rule: while an app's token is valid, generating again
//! returns the same token with the remaining lifetime. Every comparison
//! (token, app id, app secret) is constant-time and runs over the whole
//! (small) table, so timing does not reveal which entry or prefix matched.

use std::sync::Mutex;

use crate::config::AppCredential;
use crate::error::AuthFailure;

/// An issued token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The opaque bearer token (64 hex digits).
    pub token: String,
    /// Seconds left until it expires.
    pub expires_in: u64,
}

#[derive(Debug)]
struct Entry {
    app_index: usize,
    token: String,
    expires_at_ms: i64,
}

/// Why no token was issued.
#[derive(Debug)]
pub enum GenerateError {
    /// No configured pair has this id and secret (401).
    WrongAppPair,
    /// The OS gave no randomness for a new token (500; a token is never
    /// made from guessable inputs instead).
    NoRandomness(getrandom::Error),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::WrongAppPair => f.write_str("wrong app id or secret"),
            GenerateError::NoRandomness(e) => write!(f, "no OS randomness for a token: {e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// How many expired tokens are remembered, to answer "expired" rather than
/// "invalid" for them.
const EXPIRED_MEMORY: usize = 64;

/// Issues and checks tokens.
///
/// ```
/// use server::auth::TokenStore;
/// use server::config::AppCredential;
/// let apps = vec![AppCredential { app_id: "a".into(), app_secret: "s".into() }];
/// let store = TokenStore::new(apps, vec!["static-1".into()], 86_400);
/// let t = store.generate("a", "s", 0).unwrap();
/// assert_eq!(t.expires_in, 86_400);
/// assert_eq!(store.generate("a", "s", 1_000).unwrap().token, t.token);
/// assert!(store.check(&t.token, 2_000).is_ok());
/// assert!(store.check("static-1", i64::MAX / 2).is_ok());
/// assert!(store.check(&t.token, 86_400_000).is_err());
/// ```
#[derive(Debug)]
pub struct TokenStore {
    apps: Vec<AppCredential>,
    static_tokens: Vec<String>,
    ttl_ms: i64,
    issued: Mutex<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    live: Vec<Entry>,
    expired: Vec<String>,
}

impl TokenStore {
    /// A store accepting `apps` for generation and `static_tokens` forever;
    /// generated tokens live `ttl_secs`.
    pub fn new(apps: Vec<AppCredential>, static_tokens: Vec<String>, ttl_secs: u64) -> TokenStore {
        TokenStore {
            apps,
            static_tokens: static_tokens
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect(),
            ttl_ms: i64::try_from(ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 4),
            issued: Mutex::new(Tables::default()),
        }
    }

    /// Whether any credential (app pair or static token) is configured.
    pub fn has_credentials(&self) -> bool {
        !self.apps.is_empty() || !self.static_tokens.is_empty()
    }

    /// Returns the app's current token, or issues a new one if it has none or
    /// it expired. `Err(WrongAppPair)` if the pair is unknown,
    /// `Err(NoRandomness)` if the OS has no randomness for a new token.
    pub fn generate(
        &self,
        app_id: &str,
        app_secret: &str,
        now_ms: i64,
    ) -> Result<Issued, GenerateError> {
        let mut found = None;
        for (i, app) in self.apps.iter().enumerate() {
            let ok = ct_eq(app.app_id.as_bytes(), app_id.as_bytes())
                & ct_eq(app.app_secret.as_bytes(), app_secret.as_bytes());
            if ok && found.is_none() {
                found = Some(i);
            }
        }
        let app_index = found.ok_or(GenerateError::WrongAppPair)?;
        let mut tables = self.lock();
        let Tables { live, expired } = &mut *tables;
        if let Some(pos) = live.iter().position(|e| e.app_index == app_index) {
            if live[pos].expires_at_ms > now_ms {
                let e = &live[pos];
                let left_ms = e.expires_at_ms - now_ms;
                return Ok(Issued {
                    token: e.token.clone(),
                    expires_in: u64::try_from((left_ms + 999) / 1000).unwrap_or(0),
                });
            }
            let old = live.swap_remove(pos);
            remember_expired(expired, old.token);
        }
        let token = new_token().map_err(GenerateError::NoRandomness)?;
        live.push(Entry {
            app_index,
            token: token.clone(),
            expires_at_ms: now_ms.saturating_add(self.ttl_ms),
        });
        Ok(Issued {
            token,
            expires_in: u64::try_from(self.ttl_ms / 1000).unwrap_or(0),
        })
    }

    /// Checks a presented token.
    pub fn check(&self, token: &str, now_ms: i64) -> Result<(), AuthFailure> {
        let presented = token.as_bytes();
        let mut ok = false;
        for t in &self.static_tokens {
            ok |= ct_eq(t.as_bytes(), presented);
        }
        let mut tables = self.lock();
        let mut expired_hit = false;
        let mut newly_expired = Vec::new();
        for (i, e) in tables.live.iter().enumerate() {
            let same = ct_eq(e.token.as_bytes(), presented);
            let alive = e.expires_at_ms > now_ms;
            ok |= same & alive;
            expired_hit |= same & !alive;
            if !alive {
                newly_expired.push(i);
            }
        }
        for t in &tables.expired {
            expired_hit |= ct_eq(t.as_bytes(), presented);
        }
        // Move expired entries out of the live table.
        for i in newly_expired.into_iter().rev() {
            let old = tables.live.swap_remove(i);
            remember_expired(&mut tables.expired, old.token);
        }
        if ok {
            Ok(())
        } else if expired_hit {
            Err(AuthFailure::Expired)
        } else {
            Err(AuthFailure::Invalid)
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        // A poisoned lock only means another request panicked mid-update of
        // plain data; the tables are still usable.
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn remember_expired(expired: &mut Vec<String>, token: String) {
    if expired.len() >= EXPIRED_MEMORY {
        expired.remove(0);
    }
    expired.push(token);
}

/// The SHA-256 of a token, in lowercase hex: what the storage keeps, so a
/// leaked table gives no usable token.
///
/// ```
/// assert_eq!(
///     server::auth::digest("abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn digest(token: &str) -> String {
    use sha2::Digest;
    faster_hex::hex_string(sha2::Sha256::digest(token.as_bytes()).as_slice())
}

/// Constant-time equality for secrets: the time depends only on the lengths.
///
/// ```
/// assert!(server::auth::ct_eq(b"abc", b"abc"));
/// assert!(!server::auth::ct_eq(b"abc", b"abd"));
/// assert!(!server::auth::ct_eq(b"abc", b"ab"));
/// ```
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// 32 random bytes from the OS, as 64 hex digits.
fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(faster_hex::hex_string(&bytes))
}

/// Where the token was found in a request.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// The raw `Authorization` header.
    pub authorization: Option<String>,
    /// The raw `x-api-key` header.
    pub api_key: Option<String>,
}

impl Credentials {
    /// The presented token: `Authorization: Bearer <t>` (scheme
    /// case-insensitive), else `x-api-key` when `allow_api_key`.
    ///
    /// ```
    /// use server::auth::Credentials;
    /// let c = Credentials { authorization: Some("bearer abc".into()), api_key: None };
    /// assert_eq!(c.token(false), Ok("abc"));
    /// let c = Credentials { authorization: None, api_key: Some("k".into()) };
    /// assert!(c.token(false).is_err());
    /// assert_eq!(c.token(true), Ok("k"));
    /// ```
    pub fn token(&self, allow_api_key: bool) -> Result<&str, AuthFailure> {
        if let Some(h) = &self.authorization {
            let h = h.trim();
            let (scheme, rest) = h.split_once(' ').ok_or(AuthFailure::Malformed)?;
            let token = rest.trim();
            if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
                return Err(AuthFailure::Malformed);
            }
            return Ok(token);
        }
        if allow_api_key
            && let Some(k) = &self.api_key
            && !k.trim().is_empty()
        {
            return Ok(k.trim());
        }
        Err(AuthFailure::Missing)
    }
}
