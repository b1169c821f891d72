//! Who is calling: passwords, sessions and websocket tickets (the login
//! throttle is `crate::login_throttle`).
//!
//! A session is a random secret in an HttpOnly, SameSite=Strict cookie; the
//! database keeps only its SHA-256, so reading the database does not give
//! anyone a live session. Websocket clients that cannot send the cookie
//! trade it for a one-use ticket that lives 60 seconds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use axum::http::{header, HeaderMap};
use base64::Engine;
use phonghop_protocol::api::OrgRole;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::store::{SessionRecord, Store, UserRecord};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "phonghop_session";

/// How long a websocket ticket stays valid.
pub const TICKET_LIFETIME: Duration = Duration::from_secs(60);

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// A fixed pool of threads for argon2 work. Each hash needs 19 MiB; run on
/// tokio's blocking pool, a burst of logins (every tablet at 8:00) would
/// spread that over hundreds of threads whose allocator arenas keep it.
/// A few dedicated threads bound both the memory and the CPU taken.
pub struct PasswordWorkers {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl PasswordWorkers {
    pub fn new(threads: usize) -> PasswordWorkers {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for index in 0..threads.max(1) {
            let queue = queue.clone();
            let _ = std::thread::Builder::new()
                .name(format!("password-{index}"))
                .spawn(move || loop {
                    let job = queue.lock().map(|q| q.recv());
                    match job {
                        Ok(Ok(job)) => job(),
                        _ => break,
                    }
                });
        }
        PasswordWorkers { jobs }
    }

    /// Runs `work` on a password thread; `None` if the pool is gone.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .ok()?;
        answer.await.ok()
    }
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, password_hash: &str) -> bool {
    match PasswordHash::new(password_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh 256-bit secret, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A one-time password an administrator reads out or writes down: 12
/// characters from an alphabet without look-alikes (no 0/O, 1/l/I), about
/// 67 bits. The user must replace it at the next login.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..12)
        .map(|_| {
            let index = rand::Rng::gen_range(&mut rand::rngs::OsRng, 0..ALPHABET.len());
            char::from(ALPHABET[index])
        })
        .collect()
}

/// The database id of a session: SHA-256 of the cookie's secret.
pub fn session_id_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The value of cookie `name` in a request's headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(secret: &str, max_age: Duration, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn clearing_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A request's authenticated caller, resolved from the session cookie.
#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    pub user: UserRecord,
    pub session: SessionRecord,
}

impl AuthenticatedUser {
    pub fn is_admin(&self) -> bool {
        self.user.org_role == OrgRole::Admin
    }

    pub fn user_id(&self) -> &str {
        &self.user.id
    }
}

/// The live session behind a cookie secret, if any.
pub async fn authenticate_secret(
    store: &Store,
    secret: &str,
) -> Result<Option<AuthenticatedUser>, AppError> {
    let session_id = session_id_of(secret);
    Ok(store
        .live_session(&session_id, crate::store::now_millis())
        .await?
        .map(|(session, user)| AuthenticatedUser { user, session }))
}

/// What a websocket ticket stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketGrant {
    pub session_id: String,
    pub user_id: String,
    /// The device the ticket was asked for (a sync peer is per user and
    /// device); `default` when the client named none.
    pub device_id: String,
}

/// The device id of a client that names none.
pub const DEFAULT_DEVICE_ID: &str = "default";

/// Whether `device_id` is acceptable as a device's id: 1-64 characters of
/// `[A-Za-z0-9_-]` (what the web client makes, and what a sync peer id may
/// carry).
pub fn valid_device_id(device_id: &str) -> bool {
    (1..=64).contains(&device_id.len())
        && device_id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// One-use websocket tickets, kept in memory (they live 60 s).
#[derive(Debug, Default)]
pub struct TicketBook {
    tickets: HashMap<String, (TicketGrant, Instant)>,
}

impl TicketBook {
    /// Issues a ticket for `grant`, valid until `now + TICKET_LIFETIME`.
    pub fn issue(&mut self, grant: TicketGrant, now: Instant) -> String {
        self.tickets.retain(|_, (_, expires_at)| *expires_at > now);
        let ticket = random_secret();
        self.tickets
            .insert(ticket.clone(), (grant, now + TICKET_LIFETIME));
        ticket
    }

    /// Takes a ticket: valid once, and only before it expires.
    pub fn redeem(&mut self, ticket: &str, now: Instant) -> Option<TicketGrant> {
        let (grant, expires_at) = self.tickets.remove(ticket)?;
        (expires_at > now).then_some(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_verifies_only_against_its_own_hash() {
        let hash = hash_password("mật khẩu đúng").unwrap();
        assert!(verify_password("mật khẩu đúng", &hash));
        assert!(!verify_password("mat khau sai", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn session_cookie_is_httponly_and_samesite_strict() {
        let cookie = session_cookie("abc", Duration::from_secs(60), true);
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Strict"));
        assert!(cookie.contains("Secure"));
        assert!(!session_cookie("abc", Duration::from_secs(60), false).contains("Secure"));
    }

    #[test]
    fn cookie_value_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "lang=vi; phonghop_session=s3cret; other=1".parse().unwrap(),
        );
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("s3cret"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }

    #[test]
    fn ticket_is_valid_once() {
        let mut book = TicketBook::default();
        let now = Instant::now();
        let grant = TicketGrant {
            session_id: "s".into(),
            user_id: "u".into(),
            device_id: DEFAULT_DEVICE_ID.into(),
        };
        let ticket = book.issue(grant.clone(), now);
        assert_eq!(book.redeem(&ticket, now), Some(grant));
        assert_eq!(book.redeem(&ticket, now), None);
    }

    #[test]
    fn ticket_expires_after_sixty_seconds() {
        let mut book = TicketBook::default();
        let now = Instant::now();
        let ticket = book.issue(
            TicketGrant {
                session_id: "s".into(),
                user_id: "u".into(),
                device_id: DEFAULT_DEVICE_ID.into(),
            },
            now,
        );
        assert_eq!(book.redeem(&ticket, now + Duration::from_secs(61)), None);
    }
}
