//! Identifiers and secrets, each a type of its own, so a join code cannot be passed
//! where a session id belongs and a token cannot end up in a log line.
//!
//! New sessions get UUID v7 ids (they sort by creation time) and players UUID v4
//! ids. Sessions stored before that keep their older ids: [`SessionId::parse`]
//! accepts any short id of letters, digits, `_` and `-`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::auth;
use crate::engine::Actor;

/// The `team` a join names to watch without playing.
const OBSERVER: &str = "observer";

/// Longest session id accepted from a path or a database row.
const MAX_ID: usize = 64;

/// A session's id: a UUID v7 for new sessions, any older id for stored ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SessionId(String);

/// Why a string is not a session id.
#[derive(Debug, thiserror::Error)]
#[error("a session id is 1-{MAX_ID} letters, digits, `_` or `-`")]
pub struct InvalidId;

impl SessionId {
    /// A new id, later than every id this process made before it.
    pub fn new() -> SessionId {
        SessionId(uuid::Uuid::now_v7().to_string())
    }

    /// Accepts the ids of stored sessions too, which need not be UUIDs.
    pub fn parse(s: &str) -> Result<SessionId, InvalidId> {
        let ok = !s.is_empty()
            && s.len() <= MAX_ID
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(SessionId(s.to_string()))
        } else {
            Err(InvalidId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SessionId {
    fn default() -> Self {
        SessionId::new()
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A player's id within a session: a UUID v4, minted when the player joins.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PlayerId(String);

impl PlayerId {
    pub fn new() -> PlayerId {
        PlayerId(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Default for PlayerId {
    fn default() -> Self {
        PlayerId::new()
    }
}

impl fmt::Display for PlayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A session's join code: six characters that can be read aloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct JoinCode(String);

impl JoinCode {
    pub fn random() -> JoinCode {
        JoinCode(auth::new_join_code())
    }

    /// What a person typed, with case, spaces and dashes ignored.
    pub fn typed(s: &str) -> JoinCode {
        JoinCode(auth::normalize_code(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bearer secret (a facilitator's or a seat's). Handed to its owner once and
/// otherwise kept only as a [`TokenHash`]; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// 256 random bits as hex, or `None` if the OS has no randomness to give.
    pub fn generate() -> Option<Token> {
        auth::new_token().map(Token)
    }

    /// A token as a client presented it.
    pub fn presented(s: &str) -> Token {
        Token(s.to_string())
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(auth::hash_token(&self.0))
    }

    /// The secret itself, for the one response that hands it over.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether it is shaped like a token at all (before any lookup).
    pub fn plausible(&self) -> bool {
        !self.0.is_empty() && self.0.len() <= 256
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)")
    }
}

/// The SHA-256 of a token, hex: what the server stores and looks tokens up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Compares in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        auth::hashes_equal(&self.0, stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A scenario team's id, as a join names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamId(String);

impl TeamId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The seat a join asks for: a team, or watching as an observer. Whether the
/// team exists is the engine's to say (`unknown_team`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    Team(TeamId),
    Observer,
}

impl Role {
    /// Reads the `team` field of a join (or of a stored seat or player).
    pub fn parse(team: &str) -> Role {
        if team == OBSERVER {
            Role::Observer
        } else {
            Role::Team(TeamId(team.to_string()))
        }
    }

    /// The `team` field as the wire and the store spell it.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Team(t) => t.as_str(),
            Role::Observer => OBSERVER,
        }
    }

    /// Who a player in this seat is to the engine.
    pub fn actor(&self, player: String) -> Actor {
        match self {
            Role::Team(t) => Actor::Team {
                team: t.0.clone(),
                player,
            },
            Role::Observer => Actor::Observer { player },
        }
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Role::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_session_ids_are_uuid_v7_and_sort_by_creation() {
        let a = SessionId::new();
        let b = SessionId::new();
        let parsed = uuid::Uuid::parse_str(a.as_str()).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 7);
        assert!(a.as_str() < b.as_str(), "{a} then {b}");
        assert!(SessionId::parse(a.as_str()).is_ok());
    }

    #[test]
    fn stored_ids_of_the_older_shape_still_parse() {
        assert!(SessionId::parse("s468ec3865ed0f9dd").is_ok());
        for bad in ["", "a/b", "x y", "é", &"a".repeat(65)] {
            assert!(SessionId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn player_ids_are_uuids() {
        let p = PlayerId::new();
        let parsed = uuid::Uuid::parse_str(p.as_str()).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_ne!(p, PlayerId::new());
    }

    #[test]
    fn a_token_does_not_print_itself() {
        let t = Token::generate().expect("os rng");
        let shown = format!("{t:?} {:?}", Some(&t));
        assert!(!shown.contains(t.reveal()), "{shown}");
        assert!(t.hash().matches(&auth::hash_token(t.reveal())));
    }

    #[test]
    fn roles_read_the_team_field() {
        assert_eq!(Role::parse("observer"), Role::Observer);
        assert_eq!(Role::parse("nato").as_str(), "nato");
        assert!(matches!(
            Role::parse("nato").actor("p".into()),
            Actor::Team { .. }
        ));
        assert!(matches!(
            Role::Observer.actor("p".into()),
            Actor::Observer { .. }
        ));
    }
}
