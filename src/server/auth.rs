//! Secrets: seat tokens, join codes, the host password, and the per-address limiters
//! (wrong join codes, wrong host passwords, sessions created).
//!
//! **Invariant:** tokens are 256 bits from the OS RNG, stored and indexed only as
//! SHA-256 hashes, compared in constant time, and never logged or put in a URL.
//! The host password is kept only as an Argon2 hash with a random salt, made once at
//! startup; the plaintext is not kept.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Unambiguous when read aloud or off a projector: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub const CODE_LEN: usize = 6;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS RNG failing is not recoverable in any sensible way for a server
    // that must hand out secrets; fall back to refusing with an all-zero check below.
    if getrandom::fill(&mut buf).is_err() {
        buf = [0u8; N];
    }
    buf
}

/// A new secret token (hex of 32 random bytes), or `None` if the OS RNG failed.
pub fn new_token() -> Option<String> {
    let bytes: [u8; 32] = random_bytes();
    (bytes != [0u8; 32]).then(|| hex::encode(bytes))
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub fn new_join_code() -> String {
    // Rejection sampling keeps every character equally likely.
    let limit = (256 / CODE_ALPHABET.len() * CODE_ALPHABET.len()) as u8;
    let mut code = String::with_capacity(CODE_LEN);
    while code.len() < CODE_LEN {
        let bytes: [u8; 16] = random_bytes();
        for b in bytes.iter().filter(|b| **b < limit) {
            if code.len() < CODE_LEN {
                code.push(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char);
            }
        }
    }
    code
}

/// Normalises what a person typed: case, spaces and dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .take(32)
        .collect()
}

/// Counts something per client address in a window that starts at its first count:
/// wrong join codes (so codes cannot be guessed), wrong host passwords, sessions
/// created. At `max` the address waits for the rest of its window.
pub struct AddressLimiter {
    per_ip: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    window: Duration,
    max_failures: u32,
}

impl AddressLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        AddressLimiter {
            per_ip: Mutex::new(HashMap::new()),
            window,
            max_failures,
        }
    }

    /// Whether this address may try a join code now.
    pub fn allowed(&self, ip: IpAddr) -> bool {
        let Ok(mut map) = self.per_ip.lock() else {
            return false;
        };
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        match map.get(&ip) {
            Some((start, n)) if now.duration_since(*start) < self.window => *n < self.max_failures,
            _ => true,
        }
    }

    /// `Err(how long until it may)` when the address has used up its window.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.allowed(ip) {
            return Ok(());
        }
        let Ok(map) = self.per_ip.lock() else {
            return Err(self.window);
        };
        let waited = map
            .get(&ip)
            .map_or(Duration::ZERO, |(start, _)| start.elapsed());
        Err(self.window.saturating_sub(waited))
    }

    /// Counts one (a failure, a session) against the address.
    pub fn failed(&self, ip: IpAddr) {
        let Ok(mut map) = self.per_ip.lock() else {
            return;
        };
        let now = Instant::now();
        let entry = map.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

/// The host password, held only as its Argon2 hash (a PHC string with its salt).
#[derive(Clone)]
pub struct HostPassword {
    phc: String,
}

impl std::fmt::Debug for HostPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostPassword(..)")
    }
}

/// Longest host password taken, in bytes: anything longer is wrong without hashing.
pub const MAX_HOST_PASSWORD: usize = 1024;

impl HostPassword {
    /// Hashes `plain` with Argon2id (the crate's default parameters) and a random
    /// 16-byte salt.
    pub fn new(plain: &str) -> Result<HostPassword, String> {
        use argon2::PasswordHasher;
        if plain.is_empty() {
            return Err("the host password is empty".into());
        }
        if plain.len() > MAX_HOST_PASSWORD {
            return Err(format!(
                "the host password is longer than {MAX_HOST_PASSWORD} bytes"
            ));
        }
        let bytes: [u8; 16] = random_bytes();
        if bytes == [0u8; 16] {
            return Err("the OS random number generator failed".into());
        }
        let salt = argon2::password_hash::SaltString::encode_b64(&bytes)
            .map_err(|e| format!("cannot encode a salt: {e}"))?;
        let phc = argon2::Argon2::default()
            .hash_password(plain.as_bytes(), &salt)
            .map_err(|e| format!("cannot hash the host password: {e}"))?
            .to_string();
        Ok(HostPassword { phc })
    }

    /// Whether `presented` is the password; Argon2's comparison is constant-time.
    /// Slow by design (tens of milliseconds): call it off the async workers.
    pub fn verify(&self, presented: &str) -> bool {
        use argon2::PasswordVerifier;
        if presented.is_empty() || presented.len() > MAX_HOST_PASSWORD {
            return false;
        }
        argon2::password_hash::PasswordHash::new(&self.phc).is_ok_and(|hash| {
            argon2::Argon2::default()
                .verify_password(presented.as_bytes(), &hash)
                .is_ok()
        })
    }
}

/// The guard of the host's routes (creating and forking sessions, the series page):
/// `Ok` when the server has no host password or the request's `X-Host-Password`
/// header is it; otherwise 401 `host_password_required` / `host_password_wrong`, or
/// 429 `rate_limited` (with `Retry-After`) once an address has sent too many wrong
/// ones.
pub async fn require_host(
    req: &actix_web::HttpRequest,
    app: &super::AppState,
) -> Result<(), super::http::ApiError> {
    use super::http::ApiError;
    let Some(password) = app.host_password.clone() else {
        return Ok(());
    };
    let ip = super::http::client_ip(req);
    app.password_limiter
        .check(ip)
        .map_err(|wait| ApiError::TooMany {
            message: "Too many wrong host passwords from this address; wait and try again.",
            retry_after: wait,
        })?;
    let Some(presented) = req.headers().get(HOST_PASSWORD_HEADER) else {
        return Err(ApiError::HostPasswordRequired);
    };
    let presented = presented.to_str().unwrap_or_default().to_string();
    if presented.is_empty() {
        return Err(ApiError::HostPasswordRequired);
    }
    let ok = actix_web::web::block(move || password.verify(&presented))
        .await
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        app.password_limiter.failed(ip);
        Err(ApiError::HostPasswordWrong)
    }
}

/// The header clients present the host password in.
pub const HOST_PASSWORD_HEADER: &str = "x-host-password";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_ambiguous_characters() {
        for _ in 0..200 {
            let c = new_join_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(!c.contains(['0', 'O', '1', 'I']), "{c}");
        }
        assert_eq!(normalize_code("ab c-d2"), "ABCD2");
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token().expect("os rng");
        let b = new_token().expect("os rng");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(hashes_equal(&hash_token(&a), &hash_token(&a)));
        assert!(!hashes_equal(&hash_token(&a), &hash_token(&b)));
    }

    #[test]
    fn limiter_blocks_after_failures() {
        let l = AddressLimiter::new(3, Duration::from_secs(60));
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(l.allowed(ip));
            l.failed(ip);
        }
        assert!(!l.allowed(ip));
        assert!(l.allowed([10, 0, 0, 2].into()));
        let wait = l.check(ip).expect_err("locked out");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
    }

    #[test]
    fn host_password_is_kept_hashed_and_verified() {
        let p = HostPassword::new("correct horse").expect("hash");
        assert!(!format!("{p:?}").contains("correct"));
        assert!(!p.phc.contains("correct horse"));
        assert!(p.verify("correct horse"));
        assert!(!p.verify("correct hors"));
        assert!(!p.verify(""));
        // A fresh salt each time: two hashes of one password differ.
        assert_ne!(p.phc, HostPassword::new("correct horse").expect("hash").phc);
    }
}
