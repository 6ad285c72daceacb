//! The keys that seal webhook secrets (and proxy URLs, which may hold credentials) at rest,
//! with AES-256-GCM from `ring`.
//!
//! A key file holds one base64 key of 32 bytes per line (`#` starts a comment): the first
//! seals, the others only open what they sealed before, until every row has been sealed
//! again with the first. A sealed value is a random 96-bit nonce followed by the ciphertext
//! and its tag; the additional data binds it to its webhook and column, so a sealed value
//! copied to another row or column does not open. Each row records the id of its key.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// Bytes of a key.
const KEY_BYTES: usize = 32;

/// Why a key ring cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file cannot be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a base64 key of 32 bytes.
    #[error("{what}, line {line}: not a base64 key of 32 bytes")]
    Malformed {
        /// Where the keys came from.
        what: String,
        /// The 1-based line.
        line: usize,
    },
    /// No key at all.
    #[error("{0} holds no key")]
    Empty(String),
    /// A row was sealed with a key this ring does not hold.
    #[error("sealed with key {0}, which this server does not hold")]
    UnknownKey(String),
    /// The value does not open with its key (damaged, or moved from another row).
    #[error("a sealed value does not open with key {0}")]
    Corrupt(String),
}

struct Key {
    id: String,
    key: LessSafeKey,
}

/// The keys of one server: the first seals, all open.
pub struct KeyRing {
    keys: Vec<Key>,
    rng: SystemRandom,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("ids", &self.ids()).finish()
    }
}

impl KeyRing {
    /// The keys in `text` (see the module documentation); `what` names their source in errors.
    pub fn parse(text: &str, what: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let malformed = || KeyError::Malformed { what: what.to_string(), line: i + 1 };
            let bytes = base64::engine::general_purpose::STANDARD.decode(line).map_err(|_| malformed())?;
            if bytes.len() != KEY_BYTES {
                return Err(malformed());
            }
            let id =
                hex::encode(&Sha256::new().chain_update(b"webhookd secret key\0").chain_update(&bytes).finalize()[..8]);
            let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| malformed())?);
            keys.push(Key { id, key });
        }
        if keys.is_empty() {
            return Err(KeyError::Empty(what.to_string()));
        }
        Ok(Self { keys, rng: SystemRandom::new() })
    }

    /// The keys in `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        Self::parse(&std::fs::read_to_string(path).map_err(io)?, &path.display().to_string())
    }

    /// The keys in `path`, after writing a new random key there (mode 0600) if it does not
    /// exist; whether it did so.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        let created = match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
            Ok(mut f) => {
                writeln!(f, "# webhookd secret key: keep it, and give every replica the same file").map_err(io)?;
                writeln!(f, "{}", Self::new_key()).map_err(io)?;
                f.sync_all().map_err(io)?;
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(io(e)),
        };
        Ok((Self::load(path)?, created))
    }

    /// A new random key, base64, as a key file line.
    pub fn new_key() -> String {
        let mut bytes = [0u8; KEY_BYTES];
        SystemRandom::new().fill(&mut bytes).expect("the system random source works");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The ids of every key, the sealing one first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// `plaintext` sealed with the current key, bound to `context`.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).expect("the system random source works");
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self.keys[0]
            .key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut out[NONCE_LEN..])
            .expect("AES-GCM seals any length webhookd stores");
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// Opens `sealed`, sealed with key `key_id` and bound to `context`.
    pub fn open(&self, key_id: &str, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
        let key = self.keys.iter().find(|k| k.id == key_id).ok_or_else(|| KeyError::UnknownKey(key_id.into()))?;
        let corrupt = || KeyError::Corrupt(key_id.into());
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(corrupt());
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
        let mut buf = body.to_vec();
        let plain = key.key.open_in_place(nonce, Aad::from(context), &mut buf).map_err(|_| corrupt())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(lines: &[&str]) -> KeyRing {
        KeyRing::parse(&lines.join("\n"), "test").unwrap()
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let (a, b) = (KeyRing::new_key(), KeyRing::new_key());
        let old = ring(&[&a]);
        let both = ring(&[&b, "# the previous key", &a]);
        assert_eq!(both.ids(), [both.current_id(), old.current_id()]);
        let sealed = old.seal(b"row-1/secret", b"hunter2-secret");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_ne!(sealed, old.seal(b"row-1/secret", b"hunter2-secret"), "a fresh nonce each time");
        assert_eq!(both.open(old.current_id(), b"row-1/secret", &sealed).unwrap(), b"hunter2-secret");
        assert!(matches!(both.open(old.current_id(), b"row-2/secret", &sealed), Err(KeyError::Corrupt(_))));
        assert!(matches!(old.open(both.current_id(), b"row-1/secret", &sealed), Err(KeyError::UnknownKey(_))));
        let mut damaged = sealed.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(both.open(old.current_id(), b"row-1/secret", &damaged).is_err());
        assert!(format!("{both:?}").contains(both.current_id()));
    }

    #[test]
    fn key_files_are_checked_and_created_private() {
        assert!(matches!(KeyRing::parse("# nothing\n\n", "f"), Err(KeyError::Empty(_))));
        assert!(matches!(KeyRing::parse("c2hvcnQ=", "f"), Err(KeyError::Malformed { line: 1, .. })));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let (first, created) = KeyRing::load_or_create(&path).unwrap();
        assert!(created);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let (again, created) = KeyRing::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(first.ids(), again.ids());
    }
}
