//! Secrets: seat tokens, join codes, and the join-attempt limiter.
//!
//! **Invariant:** tokens are 256 bits from the OS RNG, stored and indexed only as
//! SHA-256 hashes, compared in constant time, and never logged or put in a URL.

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

/// Limits failed join attempts per client address, so codes cannot be guessed.
pub struct JoinLimiter {
    per_ip: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    window: Duration,
    max_failures: u32,
}

impl JoinLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        JoinLimiter {
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
        let l = JoinLimiter::new(3, Duration::from_secs(60));
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..3 {
            assert!(l.allowed(ip));
            l.failed(ip);
        }
        assert!(!l.allowed(ip));
        assert!(l.allowed([10, 0, 0, 2].into()));
    }
}
