//! PostgreSQL storage: the pool, migrations, the embedded cluster, and one module per table family.
//! All SQL lives here; nothing here knows about gRPC.

pub mod audit;
pub mod deliveries;
pub mod events;
pub mod group;
pub mod handoff;
pub mod history;
pub mod local;
pub mod migrate;
pub mod notify;
pub(crate) mod operational;
mod outcomes;
pub mod recoveries;
pub mod sealing;
pub mod tokens;
pub mod watched;
pub mod webhooks;

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use crate::keyring::KeyRing;
use crate::model::{DeliveryStatus, Role, WebhookState};

type SqlError = Box<dyn std::error::Error + Sync + Send>;

/// A delivery's state is stored as its `int2` number; one that names no state fails to read.
impl<'a> FromSql<'a> for DeliveryStatus {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, SqlError> {
        Ok(DeliveryStatus::try_from(i16::from_sql(ty, raw)?)?)
    }

    fn accepts(ty: &Type) -> bool {
        <i16 as FromSql>::accepts(ty)
    }
}

impl ToSql for DeliveryStatus {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, SqlError> {
        i16::from(*self).to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <i16 as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// A webhook's state is stored as its `int2` number; one that names no state fails to read.
impl<'a> FromSql<'a> for WebhookState {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, SqlError> {
        Ok(WebhookState::try_from(i16::from_sql(ty, raw)?)?)
    }

    fn accepts(ty: &Type) -> bool {
        <i16 as FromSql>::accepts(ty)
    }
}

impl ToSql for WebhookState {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, SqlError> {
        (*self as i16).to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <i16 as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// A token's role is stored by its name; one that names no role fails to read.
impl<'a> FromSql<'a> for Role {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, SqlError> {
        let name = <&str as FromSql>::from_sql(ty, raw)?;
        Ok(Role::parse(name).ok_or_else(|| format!("unknown token role {name:?}"))?)
    }

    fn accepts(ty: &Type) -> bool {
        <&str as FromSql>::accepts(ty)
    }
}

impl ToSql for Role {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, SqlError> {
        self.as_str().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No connection could be had from the pool.
    #[error("database connection unavailable")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed.
    #[error("database statement failed")]
    Db(#[from] tokio_postgres::Error),
    /// A migration failed.
    #[error("migration {version} ({name}) failed")]
    Migration {
        /// Its number.
        version: i32,
        /// Its name.
        name: &'static str,
        /// The cause.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database was migrated by a newer webhookd.
    #[error("database schema version {found} is newer than this webhookd knows ({known})")]
    SchemaTooNew {
        /// Version in the database.
        found: i32,
        /// Latest version known here.
        known: i32,
    },
    /// The embedded cluster could not be started.
    #[error(transparent)]
    Local(#[from] local::LocalError),
    /// The pool could not be built.
    #[error("database pool configuration")]
    Build(#[from] deadpool_postgres::BuildError),
    /// A unique constraint was violated.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A scope has as many webhooks as it may.
    #[error("webhook quota reached: {0:?}")]
    Quota(webhooks::QuotaExceeded),
    /// An update gave a sensitive custom header no value, and the webhook has no sensitive
    /// header of that name whose value it could keep.
    #[error("custom header {0} has no value to keep")]
    NoValueToKeep(String),
    /// A stored value this version does not know.
    #[error("unknown stored value: {0}")]
    Corrupt(String),
    /// A sealed secret cannot be opened, or no key ring was given to seal with.
    #[error("sealed secrets")]
    Keys(#[from] crate::keyring::KeyError),
    /// The database holds secrets sealed with keys this server lacks.
    #[error(
        "this database's webhook secrets are sealed with key(s) {missing:?}, which this server does not hold \
         (its keys: {held:?}); give every replica the same --secret-key-file, keeping older keys \
         on later lines until `webhookd secrets rekey` has moved every row to the first"
    )]
    ForeignKeys {
        /// Key ids the database uses.
        missing: Vec<String>,
        /// Key ids this server holds.
        held: Vec<String>,
    },
}

impl StorageError {
    /// Whether the database could not be reached or is going away (down, restarting,
    /// refusing connections): worth a retry by the caller, unlike a failed statement.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StorageError::Pool(deadpool_postgres::PoolError::Backend(e)) | StorageError::Db(e) => connection_lost(e),
            StorageError::Pool(deadpool_postgres::PoolError::Timeout(_) | deadpool_postgres::PoolError::Closed) => true,
            _ => false,
        }
    }

    /// Maps a unique violation (23505) to `Conflict`, anything else to `Db`.
    fn from_db(e: tokio_postgres::Error, what: &str) -> Self {
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict(what.to_string())
        } else {
            StorageError::Db(e)
        }
    }
}

/// Whether `e` means the connection or the server is gone, rather than a statement failing.
fn connection_lost(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    if e.is_closed() {
        return true;
    }
    match e.code() {
        // Class 08 (connection exception), shutdowns and start-up, too many connections.
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::TOO_MANY_CONNECTIONS,
                ]
                .contains(code)
        }
        // No server error at all: the socket failed (connect refused, reset, timed out).
        None => std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// How long opening or checking a pooled connection may take before the database counts
/// as unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Connections of the delivery engine's pool: its claim loop, its recorder and its
/// release on shutdown each hold one at a time.
const ENGINE_CONNECTIONS: usize = 4;

/// Publishing connections opened before a server serves.
const WARM_CONNECTIONS: usize = 8;

/// Handle to the database: a pool of connections and the settings to open more.
#[derive(Clone)]
pub struct Storage {
    pool: Pool,
    /// The delivery engine's connections: they commit asynchronously (a claim or an outcome
    /// lost in a crash only means the delivery is sent again: at least once still holds),
    /// so neither a claim nor a record waits for the disk.
    engine_pool: Pool,
    /// Publishing's connections: its one statement runs with a generic plan (planned once
    /// per connection), where the planner would otherwise plan it again for every call.
    ingest_pool: Pool,
    config: tokio_postgres::Config,
    keys: Option<Arc<KeyRing>>,
    /// The process's one `LISTEN` connection.
    listener: notify::Listener,
    /// Where publishes hand their new deliveries to this process's engine, if it delivers.
    handoff: Option<handoff::Handoff>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("pool", &self.pool.status()).finish_non_exhaustive()
    }
}

impl Storage {
    /// Connects a pool of `size` connections and applies pending migrations.
    pub async fn connect(config: tokio_postgres::Config, size: usize) -> Result<Self, StorageError> {
        let (mut client, conn) = config.connect(NoTls).await?;
        let conn = tokio::spawn(conn);
        migrate::migrate(&mut client).await?;
        drop(client);
        let _ = conn.await;
        let build = |config: tokio_postgres::Config, size: usize| {
            let mgr = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
            // The most recently used connection first: at everyday rates a few warm backends
            // serve everything, where taking them in turn wakes every one of them.
            Pool::builder(mgr)
                .max_size(size)
                .queue_mode(deadpool_postgres::QueueMode::Lifo)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .create_timeout(Some(CONNECT_TIMEOUT))
                .recycle_timeout(Some(CONNECT_TIMEOUT))
                .build()
        };
        // Each pool names itself in `pg_stat_activity` unless the URL names the application.
        let named = |config: &tokio_postgres::Config, name: &str| {
            let mut c = config.clone();
            if config.get_application_name().is_none() {
                c.application_name(name);
            }
            c
        };
        let pool = build(named(&config, "webhookd"), size.max(2))?;
        // The engine's and publishing's few statements run thousands of times a second with
        // parameters that do not change their best plan: planned once per connection, not
        // once per execution.
        let with = |extra: &str| {
            let mut c = config.clone();
            match config.get_options() {
                Some(o) if !o.trim().is_empty() => c.options(format!("{o} {extra}")),
                _ => c.options(extra),
            };
            c
        };
        // The engine's statements are built on index probes; a plan made while the queue
        // table was small would otherwise scan it whole for as long as it is cached, however
        // far the table has grown (dead rows included) since.
        let engine_pool = build(
            named(
                &with("-c synchronous_commit=off -c plan_cache_mode=force_generic_plan -c enable_seqscan=off"),
                "webhookd engine",
            ),
            ENGINE_CONNECTIONS,
        )?;
        let ingest_pool = build(named(&with("-c plan_cache_mode=force_generic_plan"), "webhookd ingest"), size.max(2))?;
        let config = named(&config, "webhookd listen");
        Ok(Self { pool, engine_pool, ingest_pool, config, keys: None, listener: Default::default(), handoff: None })
    }

    /// This storage, sealing and opening webhook secrets with `keys`. Without keys, writing
    /// or claiming a webhook's secret fails.
    pub fn with_keys(mut self, keys: Arc<KeyRing>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// This storage, handing the deliveries its publishes fan out to an engine (see
    /// `handoff`).
    pub fn with_handoff(mut self, handoff: handoff::Handoff) -> Self {
        self.handoff = Some(handoff);
        self
    }

    /// The key ring, or the error of a storage that has none.
    pub(crate) fn keys(&self) -> Result<&KeyRing, StorageError> {
        self.keys.as_deref().ok_or(StorageError::Keys(crate::keyring::KeyError::Empty("this storage handle".into())))
    }

    /// A pooled connection.
    pub(crate) async fn conn(&self) -> Result<deadpool_postgres::Object, StorageError> {
        Ok(self.pool.get().await?)
    }

    /// A connection of the delivery engine's pool, whose commits do not wait for the disk.
    pub(crate) async fn engine_conn(&self) -> Result<deadpool_postgres::Object, StorageError> {
        Ok(self.engine_pool.get().await?)
    }

    /// Opens up to `WARM_CONNECTIONS` connections of the publishing pool and prepares its
    /// statement on each, so that the first burst of calls after a start does not wait for
    /// connections to open (a first burst of 64 publishers saw its slowest call take 40-80 ms,
    /// at the very start, without this and the shared token lookup; 25-40 ms with them). The
    /// rest open on demand, so that many servers on one database stay well within its
    /// connection limit. Failures are left for the calls to meet.
    pub async fn warm(&self) {
        let n = self.ingest_pool.status().max_size.min(WARM_CONNECTIONS);
        let conns = futures_util::future::join_all((0..n).map(|_| self.ingest_pool.get())).await;
        futures_util::future::join_all(conns.iter().flatten().map(|c| c.prepare_cached(events::PUBLISH))).await;
    }

    /// A connection of publishing's pool.
    pub(crate) async fn ingest_conn(&self) -> Result<deadpool_postgres::Object, StorageError> {
        Ok(self.ingest_pool.get().await?)
    }

    /// The pools' size and idle connections now, all three together.
    pub fn pool_status(&self) -> deadpool_postgres::Status {
        [self.ingest_pool.status(), self.engine_pool.status()].into_iter().fold(self.pool.status(), |a, b| {
            deadpool_postgres::Status {
                max_size: a.max_size + b.max_size,
                size: a.size + b.size,
                available: a.available + b.available,
                waiting: a.waiting + b.waiting,
            }
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.conn().await?.simple_query("SELECT 1").await?;
        Ok(())
    }

    /// A dedicated connection outside the pool (for LISTEN), named `name` in
    /// `pg_stat_activity` when given (whatever `DATABASE_URL` says); the caller drives it.
    pub async fn dedicated(
        &self,
        name: Option<&str>,
    ) -> Result<
        (tokio_postgres::Client, tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>),
        StorageError,
    > {
        match name {
            Some(name) => Ok(self.config.clone().application_name(name).connect(NoTls).await?),
            None => Ok(self.config.connect(NoTls).await?),
        }
    }
}

/// An open database: the storage handle and, in embedded mode, the cluster to stop at the end.
#[derive(Debug)]
pub struct Database {
    /// The storage handle.
    pub storage: Storage,
    /// The embedded cluster, when no `DATABASE_URL` was given.
    pub local: Option<local::LocalPostgres>,
}

/// Name of the database webhookd uses inside its embedded cluster.
const LOCAL_DBNAME: &str = "webhookd";

/// Where the database is and how many connections to hold.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// A PostgreSQL URL; `None` runs the embedded cluster in `data_dir`.
    pub url: Option<String>,
    /// Where the embedded cluster lives.
    pub data_dir: std::path::PathBuf,
    /// The PostgreSQL server binaries; found automatically when `None`.
    pub pg_bindir: Option<std::path::PathBuf>,
    /// Connections of each request pool.
    pub pool_size: usize,
}

impl Database {
    /// Opens `DATABASE_URL`, or starts the embedded cluster in the data directory, and migrates.
    pub async fn open(options: &DatabaseOptions) -> Result<Self, StorageError> {
        if let Some(url) = &options.url {
            let config: tokio_postgres::Config = url.parse()?;
            let storage = Storage::connect(config, options.pool_size).await?;
            return Ok(Self { storage, local: None });
        }
        let data_dir = options.data_dir.clone();
        let bindir = options.pg_bindir.clone();
        let local = tokio::task::spawn_blocking(move || local::LocalPostgres::start(&data_dir, bindir.as_deref()))
            .await
            .expect("postgres launcher panicked")?;
        let (client, conn) = local.pg_config("postgres").connect(NoTls).await?;
        let conn = tokio::spawn(conn);
        let exists =
            client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&LOCAL_DBNAME]).await?.is_some();
        if !exists {
            client.batch_execute(&format!("CREATE DATABASE {LOCAL_DBNAME}")).await?;
        }
        drop(client);
        let _ = conn.await;
        let storage = Storage::connect(local.pg_config(LOCAL_DBNAME), options.pool_size).await?;
        Ok(Self { storage, local: Some(local) })
    }

    /// Closes the pools and stops the embedded cluster if this process started it.
    pub async fn close(self) {
        self.storage.pool.close();
        self.storage.ingest_pool.close();
        self.storage.engine_pool.close();
        if let Some(local) = self.local {
            let _ = tokio::task::spawn_blocking(move || local.stop()).await;
        }
    }
}
