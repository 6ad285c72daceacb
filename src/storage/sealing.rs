//! Webhook secrets, proxy URLs, custom headers and client certificate keys at rest: what is sealed, with which key, and moving rows to
//! the current key. The keys themselves never reach the database; `secret_keys` records only
//! their ids, so a server lacking one refuses to start.

use tokio_postgres::Row;
use uuid::Uuid;

use super::{Storage, StorageError};
use crate::keyring::{KeyError, KeyRing};
use crate::model::{redact_proxy, ClientIdentity, CustomHeader, SignatureScheme, Signing};
use crate::secret::Secret;

/// A webhook's sealed columns, as written.
#[derive(Debug, Clone)]
pub(crate) struct SealedProxy {
    /// Shown form: the password masked.
    pub shown: String,
    /// The whole URL, sealed.
    pub sealed: Vec<u8>,
}

/// What binds a webhook's secrets (current and previous) to it.
fn secret_context(webhook_id: Uuid) -> Vec<u8> {
    [webhook_id.as_bytes().as_slice(), b"/secret"].concat()
}

/// What binds a webhook's proxy URL to it.
fn proxy_context(webhook_id: Uuid) -> Vec<u8> {
    [webhook_id.as_bytes().as_slice(), b"/proxy_url"].concat()
}

/// What binds a webhook's client certificate key to it.
fn client_key_context(webhook_id: Uuid) -> Vec<u8> {
    [webhook_id.as_bytes().as_slice(), b"/client_key"].concat()
}

/// A client certificate's private key (PEM) sealed for webhook `id` with the current key.
pub(crate) fn seal_client_key(keys: &KeyRing, id: Uuid, key_pem: &[u8]) -> Vec<u8> {
    keys.seal(&client_key_context(id), key_pem)
}

/// What binds a webhook's signing key pairs (current and previous) to it.
fn signing_key_context(webhook_id: Uuid) -> Vec<u8> {
    [webhook_id.as_bytes().as_slice(), b"/signing_key"].concat()
}

/// A signing key pair (its PKCS#8 document) sealed for webhook `id` with the current key.
pub(crate) fn seal_signing_key(keys: &KeyRing, id: Uuid, document: &[u8]) -> Vec<u8> {
    keys.seal(&signing_key_context(id), document)
}

/// What binds a webhook's custom headers to it.
fn headers_context(webhook_id: Uuid) -> Vec<u8> {
    [webhook_id.as_bytes().as_slice(), b"/custom_headers"].concat()
}

/// A webhook's custom headers as written: shown (sensitive values emptied) and sealed whole
/// (`None` when there are none).
#[derive(Debug, Clone)]
pub(crate) struct SealedHeaders {
    pub shown: tokio_postgres::types::Json<Vec<CustomHeader>>,
    pub sealed: Option<Vec<u8>>,
}

/// `headers` sealed for webhook `id`, with their shown form.
pub(crate) fn seal_headers(keys: &KeyRing, id: Uuid, headers: &[CustomHeader]) -> SealedHeaders {
    let sealed = (!headers.is_empty()).then(|| {
        let json = serde_json::to_vec(headers).expect("headers serialise");
        keys.seal(&headers_context(id), &json)
    });
    SealedHeaders { shown: tokio_postgres::types::Json(headers.iter().map(CustomHeader::shown).collect()), sealed }
}

/// `secret` sealed for webhook `id` with the current key.
pub(crate) fn seal_secret(keys: &KeyRing, id: Uuid, secret: &[u8]) -> Vec<u8> {
    keys.seal(&secret_context(id), secret)
}

/// `url` sealed for webhook `id`, with its shown form.
pub(crate) fn seal_proxy(keys: &KeyRing, id: Uuid, url: &str) -> SealedProxy {
    SealedProxy { shown: redact_proxy(url), sealed: keys.seal(&proxy_context(id), url.as_bytes()) }
}

/// A webhook's secrets and proxy URL, opened.
#[derive(Debug)]
pub(crate) struct Opened {
    pub secret: Secret,
    pub previous_secret: Option<Secret>,
    pub proxy_url: Option<String>,
    pub custom_headers: Vec<CustomHeader>,
    pub client_identity: Option<ClientIdentity>,
    pub signing: Signing,
}

/// Opens the columns of a row read with `secret`, `previous_secret`, `proxy_url`,
/// `proxy_url_sealed`, `custom_headers_sealed`, `client_certificate`, `client_key_sealed`,
/// `signature_scheme`, `signing_key_sealed`, `previous_signing_key_sealed` and `secret_key_id`
/// (null: a row from before sealing, in plain, which has no custom headers, no client
/// certificate and no signing key).
pub(crate) fn open_row(keys: &KeyRing, id: Uuid, r: &Row) -> Result<Opened, StorageError> {
    let secret: Vec<u8> = r.get("secret");
    let previous: Option<Vec<u8>> = r.get("previous_secret");
    let Some(key_id) = r.get::<_, Option<String>>("secret_key_id") else {
        return Ok(Opened {
            secret: Secret::new(secret),
            previous_secret: previous.map(Secret::new),
            proxy_url: r.get("proxy_url"),
            custom_headers: Vec::new(),
            client_identity: None,
            signing: Signing::default(),
        });
    };
    let context = secret_context(id);
    let proxy_url = match r.get::<_, Option<Vec<u8>>>("proxy_url_sealed") {
        Some(sealed) => Some(
            String::from_utf8(keys.open(&key_id, &proxy_context(id), &sealed)?)
                .map_err(|_| KeyError::Corrupt(key_id.clone()))?,
        ),
        None => None,
    };
    let custom_headers = match r.get::<_, Option<Vec<u8>>>("custom_headers_sealed") {
        Some(sealed) => serde_json::from_slice(&keys.open(&key_id, &headers_context(id), &sealed)?)
            .map_err(|_| KeyError::Corrupt(key_id.clone()))?,
        None => Vec::new(),
    };
    let client_identity =
        match (r.get::<_, Option<String>>("client_certificate"), r.get::<_, Option<Vec<u8>>>("client_key_sealed")) {
            (Some(certificate), Some(sealed)) => Some(ClientIdentity {
                certificate,
                key: Secret::new(keys.open(&key_id, &client_key_context(id), &sealed)?),
            }),
            _ => None,
        };
    let scheme = SignatureScheme::try_from(r.get::<_, i16>("signature_scheme"))
        .map_err(|_| KeyError::Corrupt(key_id.clone()))?;
    let signing_context = signing_key_context(id);
    let mut signing = Signing { scheme, keys: Vec::new() };
    for column in ["signing_key_sealed", "previous_signing_key_sealed"] {
        if let Some(sealed) = r.get::<_, Option<Vec<u8>>>(column) {
            signing.keys.push(Secret::new(keys.open(&key_id, &signing_context, &sealed)?));
        }
    }
    Ok(Opened {
        signing,
        client_identity,
        secret: Secret::new(keys.open(&key_id, &context, &secret)?),
        previous_secret: previous.map(|p| keys.open(&key_id, &context, &p)).transpose()?.map(Secret::new),
        proxy_url,
        custom_headers,
    })
}

/// Seals the webhook of row `r` (read as `open_row` reads) again with the current key.
pub(crate) async fn reseal_row(
    tx: &deadpool_postgres::Transaction<'_>,
    keys: &KeyRing,
    r: &Row,
) -> Result<(), StorageError> {
    let id: Uuid = r.get("id");
    let opened = open_row(keys, id, r)?;
    let previous = opened.previous_secret.as_ref().map(|p| seal_secret(keys, id, p.expose()));
    let proxy = opened.proxy_url.as_deref().map(|p| seal_proxy(keys, id, p));
    let headers = seal_headers(keys, id, &opened.custom_headers);
    let client_key = opened.client_identity.as_ref().map(|c| seal_client_key(keys, id, c.key.expose()));
    // The current key pair first; a row has a previous one only with a current one.
    let mut signing = opened.signing.keys.iter().map(|k| seal_signing_key(keys, id, k.expose()));
    let (signing_key, previous_signing_key) = (signing.next(), signing.next());
    let update = tx.prepare_cached(include_str!("sql/reseal_webhook.sql")).await?;
    tx.execute(
        &update,
        &[
            &id,
            &seal_secret(keys, id, opened.secret.expose()),
            &previous,
            &proxy.as_ref().map(|p| p.shown.as_str()),
            &proxy.as_ref().map(|p| p.sealed.as_slice()),
            &keys.current_id(),
            &headers.sealed,
            &client_key,
            &signing_key,
            &previous_signing_key,
        ],
    )
    .await?;
    Ok(())
}

/// Webhooks sealed again per call of `reseal`.
const RESEAL_BATCH: i64 = 500;

impl Storage {
    /// Checks that this server holds every key the database's rows are sealed with, and
    /// records its current key's id. Refuses (ForeignKeys) rather than let replicas seal with
    /// keys their peers cannot open.
    pub async fn register_keys(&self) -> Result<(), StorageError> {
        let keys = self.keys()?;
        let held: Vec<String> = keys.ids().into_iter().map(String::from).collect();
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        tx.batch_execute("LOCK TABLE secret_keys IN EXCLUSIVE MODE").await?;
        let rows = tx.query(include_str!("sql/known_keys.sql"), &[]).await?;
        let missing: Vec<String> =
            rows.iter().map(|r| r.get::<_, String>("key_id")).filter(|id| !held.contains(id)).collect();
        if !missing.is_empty() {
            return Err(StorageError::ForeignKeys { missing, held });
        }
        tx.execute(include_str!("sql/record_key.sql"), &[&keys.current_id()]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Seals up to a batch of webhooks not yet sealed with the current key (rows from before
    /// sealing included) with it; how many. When none is left, forgets the ids of keys no row
    /// uses any more.
    pub async fn reseal(&self) -> Result<u64, StorageError> {
        let keys = self.keys()?;
        let current = keys.current_id().to_string();
        let mut c = self.conn().await?;
        let tx = c.transaction().await?;
        let rows = tx.query(include_str!("sql/unsealed_webhooks.sql"), &[&current, &RESEAL_BATCH]).await?;
        for r in &rows {
            reseal_row(&tx, keys, r).await?;
        }
        if rows.is_empty() {
            tx.execute(include_str!("sql/forget_keys.sql"), &[&current]).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// A webhook's current secret, opened (for tools and tests; no API returns it).
    pub async fn webhook_secret(&self, id: Uuid) -> Result<Option<Secret>, StorageError> {
        let keys = self.keys()?;
        let c = self.conn().await?;
        let row = c.query_opt(include_str!("sql/webhook_secrets.sql"), &[&id]).await?;
        Ok(row.map(|r| open_row(keys, id, &r)).transpose()?.map(|o| o.secret))
    }

    /// Seals every webhook with the current key; how many were sealed again.
    pub async fn reseal_all(&self) -> Result<u64, StorageError> {
        let mut total = 0;
        loop {
            match self.reseal().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }
}
