//! Command line and environment: one clap definition, defaults in code, validated once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::catalog::Catalog;
use crate::delivery::policy::{self, RetryPolicy};
use crate::delivery::ssrf::AllowList;
use crate::keyring::{KeyError, KeyRing};
use crate::listener::{EdgeSettings, TlsFiles};

/// webhookd: webhook management and delivery over gRPC.
#[derive(Debug, Parser)]
#[command(name = "webhookd", version, about)]
pub struct Cli {
    /// Logs as JSON lines instead of text (for log collectors).
    #[arg(long, global = true, env = "WEBHOOKD_LOG_JSON")]
    pub log_json: bool,
    /// Export tracing spans (each publish and each delivery attempt, continuing the publisher's
    /// W3C trace) over OTLP/gRPC to this collector, e.g. `http://127.0.0.1:4317`.
    #[arg(long, global = true, env = "WEBHOOKD_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gRPC server and the delivery engine.
    Serve(Box<Config>),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the keys that seal webhook secrets at rest.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

/// `webhookd secrets …`
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Seal every webhook's secret and proxy URL with the first key of the key file, then
    /// forget the ids of keys no row uses (after which their lines can leave the file).
    Rekey(SecretsRekey),
}

/// Arguments of `webhookd secrets rekey`.
#[derive(Debug, Args)]
pub struct SecretsRekey {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The keys.
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// Where the keys that seal webhook secrets are.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// File of keys sealing webhook secrets and proxy URLs at rest: one base64 key of 32 bytes
    /// per line (`openssl rand -base64 32`); the first seals, later ones only open what they
    /// sealed. Every replica needs the same file. Default: `secret.key` in the data directory,
    /// created on first start.
    #[arg(long, env = "WEBHOOKD_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key ring, and the path of the key file if it was created just now.
    pub fn load(&self, data_dir: &std::path::Path) -> Result<(KeyRing, Option<PathBuf>), KeyError> {
        match &self.secret_key_file {
            Some(path) => Ok((KeyRing::load(path)?, None)),
            None => {
                std::fs::create_dir_all(data_dir)
                    .map_err(|source| KeyError::Io { path: data_dir.display().to_string(), source })?;
                let path = data_dir.join(SECRET_KEY_FILE);
                let (ring, created) = KeyRing::load_or_create(&path)?;
                Ok((ring, created.then_some(path)))
            }
        }
    }
}

/// Name of the key file in the data directory when `--secret-key-file` is not given.
pub const SECRET_KEY_FILE: &str = "secret.key";

/// `webhookd token …`: the `TokenAdmin` calls, made straight on the database by whoever runs
/// the server (no token needed).
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create(TokenCreate),
    /// List tokens (never their values), newest first.
    List(TokenList),
    /// Revoke a token by id: every replica refuses it from its next call on.
    Revoke(TokenRevoke),
}

/// Arguments of `webhookd token list`.
#[derive(Debug, Args)]
pub struct TokenList {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// List this company's tokens (all of them, its projects' included); without it, all tokens.
    #[arg(long, default_value = "")]
    pub company: String,
    /// Only this project of `--company`.
    #[arg(long, default_value = "")]
    pub project: String,
    /// Also revoked and expired tokens.
    #[arg(long)]
    pub all: bool,
}

/// Arguments of `webhookd token revoke`.
#[derive(Debug, Args)]
pub struct TokenRevoke {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The token's id, as `token list` shows it (not its value).
    pub id: String,
}

/// Arguments of `webhookd token create`.
#[derive(Debug, Args)]
pub struct TokenCreate {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Role: `admin` manages webhooks and reads history; `publisher` publishes events.
    #[arg(long)]
    pub role: String,
    /// Restrict the token to this company (and its projects).
    #[arg(long, default_value = "")]
    pub company: String,
    /// Restrict the token to this project of `--company`.
    #[arg(long, default_value = "")]
    pub project: String,
    /// Free-text note stored with the token.
    #[arg(long, default_value = "")]
    pub description: String,
    /// The token stops working this long after now (e.g. `90days`, `12h`); never by default.
    #[arg(long, value_parser = parse_duration)]
    pub expire_in: Option<Duration>,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL connection URL. Without it, webhookd runs its own PostgreSQL in `--data-dir`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory for the embedded PostgreSQL cluster and the bootstrap admin token.
    #[arg(long, env = "WEBHOOKD_DATA_DIR", default_value = "./.webhookd")]
    pub data_dir: PathBuf,
    /// Directory holding the PostgreSQL server binaries (initdb, postgres); found automatically when unset.
    #[arg(long, env = "WEBHOOKD_PG_BINDIR")]
    pub pg_bindir: Option<PathBuf>,
    /// Maximum connections of each of the two request pools (publishing, and the other calls);
    /// the delivery engine has 4 more of its own, one more connection listens for
    /// notifications, and one more for `WatchDeliveries` callers while there are any. Each
    /// names itself in `pg_stat_activity.application_name` ("webhookd", "webhookd ingest",
    /// "webhookd engine", "webhookd listen") unless `DATABASE_URL` sets one; the watchers'
    /// is always "webhookd watch".
    #[arg(long, env = "WEBHOOKD_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
}

impl DatabaseArgs {
    /// What the storage layer needs to open the database.
    pub fn options(&self) -> crate::storage::DatabaseOptions {
        crate::storage::DatabaseOptions {
            url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            pg_bindir: self.pg_bindir.clone(),
            pool_size: self.db_pool_size,
        }
    }
}

/// Settings of `webhookd serve`.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The keys sealing webhook secrets.
    #[command(flatten)]
    pub keys: KeyArgs,
    /// How clients reach the server: the listener, its connections, TLS and the page.
    #[command(flatten)]
    pub edge: EdgeArgs,
    /// Which events are accepted: the catalog, payload schemas and size.
    #[command(flatten)]
    pub events: EventArgs,
    /// How deliveries are sent, limited and retried.
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// What one tenant or watcher may hold.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// How long records are kept.
    #[command(flatten)]
    pub retention: RetentionArgs,
    /// What the server reports about itself.
    #[command(flatten)]
    pub telemetry: TelemetryArgs,
}

/// How clients reach the server: the listener, its connections, TLS and the page.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Edge")]
pub struct EdgeArgs {
    /// Address the gRPC server listens on.
    #[arg(long, env = "WEBHOOKD_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Serve the admin page (at `/` on the listen address) and gRPC-Web, which it calls the
    /// services with. `--web false` serves gRPC (HTTP/2) alone.
    #[arg(long, env = "WEBHOOKD_WEB", default_value_t = true, action = clap::ArgAction::Set)]
    pub web: bool,
    /// Connections open at once. At the limit a new connection closes the one idle longest (no
    /// call in flight; health watches do not count); when every one has a call in flight it is
    /// refused (HTTP/2 GOAWAY).
    #[arg(long, env = "WEBHOOKD_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Calls (HTTP/2 streams) open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, env = "WEBHOOKD_MAX_CONCURRENT_STREAMS", default_value_t = 256)]
    pub max_concurrent_streams: u32,
    /// Time a new connection has to finish its TLS handshake and send the HTTP/2 preface.
    #[arg(long, env = "WEBHOOKD_HANDSHAKE_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,
    /// A connection with no call in flight for this long is closed (`0` keeps it open); health
    /// watches do not count as calls.
    #[arg(long, env = "WEBHOOKD_IDLE_TIMEOUT", default_value = "5m", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// Time a call's request has to arrive whole, from its headers (for the streaming
    /// requests of `PublishEvents` and server reflection, none): a request still arriving
    /// then is refused DEADLINE_EXCEEDED and, over HTTP/1.1, its connection closed. Keeps a
    /// peer trickling a body from holding a connection.
    #[arg(long, env = "WEBHOOKD_REQUEST_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_body_timeout: Duration,
    /// Interval of HTTP/2 keepalive pings on each connection.
    #[arg(long, env = "WEBHOOKD_HTTP2_KEEPALIVE_INTERVAL", default_value = "30s", value_parser = parse_duration)]
    pub http2_keepalive_interval: Duration,
    /// A connection whose peer does not answer a keepalive ping within this time is closed.
    #[arg(long, env = "WEBHOOKD_HTTP2_KEEPALIVE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub http2_keepalive_timeout: Duration,
    /// Idle time of a TCP connection before the kernel probes whether its peer is alive.
    #[arg(long, env = "WEBHOOKD_TCP_KEEPALIVE", default_value = "60s", value_parser = parse_duration)]
    pub tcp_keepalive: Duration,
    /// PEM certificate chain for TLS on the gRPC listener (with `--tls-key`). Reloaded on SIGHUP.
    #[arg(long, env = "WEBHOOKD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "WEBHOOKD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificates; with it, every client must present a certificate chaining to one (mutual TLS).
    #[arg(long, env = "WEBHOOKD_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// The page's address as browsers reach it (`https://webhooks.example.com`), which portal
    /// links' URLs start with. Default: the listen address (`https://` with `--tls-cert`).
    #[arg(long, env = "WEBHOOKD_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
}

/// Which events are accepted: the catalog, payload schemas and size.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Events")]
pub struct EventArgs {
    /// Largest accepted event payload in bytes.
    #[arg(long, env = "WEBHOOKD_MAX_PAYLOAD_BYTES", default_value_t = 256 * 1024)]
    pub max_payload_bytes: usize,
    /// Extra event names for the catalog, as `name` or `name=description`, comma separated.
    #[arg(long, env = "WEBHOOKD_EXTRA_EVENTS", value_delimiter = ',')]
    pub extra_events: Vec<String>,
    /// Payload schemas (JSON Schema files) for event types, as `name=path`, comma separated;
    /// they replace the built-in ones of the same name. Read and checked at start.
    #[arg(long, env = "WEBHOOKD_EVENT_SCHEMAS", value_delimiter = ',')]
    pub event_schemas: Vec<String>,
    /// Check each published payload against its event type's schema (when it has one) and
    /// refuse a mismatch with INVALID_ARGUMENT. `--validate-payloads false` accepts any JSON
    /// object.
    #[arg(long, env = "WEBHOOKD_VALIDATE_PAYLOADS", default_value_t = true, action = clap::ArgAction::Set)]
    pub validate_payloads: bool,
}

/// How deliveries are sent, limited and retried.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Delivery")]
pub struct DeliveryArgs {
    /// Do not run the delivery engine (nor the bulk recovery worker) in this process: ingest
    /// and admin only.
    #[arg(long, env = "WEBHOOKD_NO_DELIVERY")]
    pub no_delivery: bool,
    /// Target address ranges exempt from the SSRF guard (CIDR, comma separated), e.g. `127.0.0.1/32`.
    #[arg(long, env = "WEBHOOKD_ALLOW_TARGETS", value_delimiter = ',')]
    pub allow_targets: Vec<String>,
    /// Turn the SSRF guard off entirely (every address allowed). For closed networks only.
    #[arg(long, env = "WEBHOOKD_DISABLE_SSRF_GUARD")]
    pub disable_ssrf_guard: bool,
    /// Delays before each retry, comma separated, in humane form (`5s`, `2m`, `1h`, `250ms`).
    #[arg(long, env = "WEBHOOKD_RETRY_SCHEDULE", value_delimiter = ',',
          default_value = policy::DEFAULT_SCHEDULE, value_parser = parse_duration)]
    pub retry_schedule: Vec<Duration>,
    /// Random spread applied to every retry delay, as a fraction (0.2 = ±20 %).
    #[arg(long, env = "WEBHOOKD_RETRY_JITTER", default_value_t = policy::DEFAULT_JITTER)]
    pub retry_jitter: f64,
    /// Longest `Retry-After` honoured; longer values are clamped to this.
    #[arg(long, env = "WEBHOOKD_MAX_RETRY_AFTER", default_value = policy::DEFAULT_MAX_RETRY_AFTER, value_parser = parse_duration)]
    pub max_retry_after: Duration,
    /// TCP (and proxy) connect timeout for deliveries.
    #[arg(long, env = "WEBHOOKD_CONNECT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Total timeout of one delivery attempt, connect included.
    #[arg(long, env = "WEBHOOKD_REQUEST_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Deliveries sent at once by this process.
    #[arg(long, env = "WEBHOOKD_DELIVERY_CONCURRENCY", default_value_t = 256)]
    pub delivery_concurrency: usize,
    /// Deliveries in flight to one webhook at once, over all replicas, unless the webhook sets
    /// its own `max_in_flight`: one slow endpoint cannot take every slot of the engine.
    #[arg(long, env = "WEBHOOKD_WEBHOOK_CONCURRENCY", default_value_t = 64,
          value_parser = clap::value_parser!(i32).range(1..=1000))]
    pub webhook_concurrency: i32,
    /// Failed attempts in a row after which a webhook's circuit breaker opens: its deliveries
    /// are held, then sent one at a time as probes until one succeeds.
    #[arg(long, env = "WEBHOOKD_BREAKER_THRESHOLD", default_value_t = 10,
          value_parser = clap::value_parser!(i32).range(1..))]
    pub breaker_threshold: i32,
    /// How long an open circuit breaker holds a webhook's deliveries before the next probe.
    #[arg(long, env = "WEBHOOKD_BREAKER_COOLDOWN", default_value = "30s", value_parser = parse_duration)]
    pub breaker_cooldown: Duration,
    /// A webhook whose deliveries have failed with no success for this long is DISABLED
    /// (at once when its target answers 410 Gone).
    #[arg(long, env = "WEBHOOKD_DISABLE_AFTER", default_value = "5days", value_parser = parse_duration)]
    pub disable_after: Duration,
    /// Share of `--disable-after` a webhook may fail with no success before webhookd warns of
    /// it with a `webhook_failing` event, once per failing streak (0.8: a day before a
    /// five-day `--disable-after`); 0 turns the warning off.
    #[arg(long, env = "WEBHOOKD_FAILING_WARNING", default_value_t = 0.8, value_parser = parse_share)]
    pub failing_warning: f64,
    /// How long a claimed delivery stays reserved to this process; after that another replica may send it.
    #[arg(long, env = "WEBHOOKD_LEASE", default_value = "60s", value_parser = parse_duration)]
    pub lease: Duration,
    /// Poll interval of the delivery queue when no notification arrives.
    #[arg(long, env = "WEBHOOKD_POLL_INTERVAL", default_value = "1s", value_parser = parse_duration)]
    pub poll_interval: Duration,
    /// Time in-flight deliveries get to finish on shutdown.
    #[arg(long, env = "WEBHOOKD_SHUTDOWN_GRACE", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Failed deliveries a bulk recovery (RecoverDeliveries) sends again per second, at most.
    #[arg(long, env = "WEBHOOKD_RECOVERY_RATE", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub recovery_rate: u32,
}

/// What one tenant or watcher may hold.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Most webhooks one company may have, its projects' included.
    #[arg(long, env = "WEBHOOKD_MAX_WEBHOOKS_PER_COMPANY", default_value_t = 500)]
    pub max_webhooks_per_company: i64,
    /// Most webhooks one project may have.
    #[arg(long, env = "WEBHOOKD_MAX_WEBHOOKS_PER_PROJECT", default_value_t = 100)]
    pub max_webhooks_per_project: i64,
    /// Delivery changes buffered per `WatchDeliveries` stream; a watcher further behind is cut off.
    #[arg(long, env = "WEBHOOKD_WATCH_BUFFER", default_value_t = 1024)]
    pub watch_buffer: usize,
}

/// How long records are kept.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Retention")]
pub struct RetentionArgs {
    /// How long audit records are kept.
    #[arg(long, env = "WEBHOOKD_AUDIT_RETENTION", default_value = "365days", value_parser = parse_duration)]
    pub audit_retention: Duration,
    /// How long deliveries that failed for good stay recoverable (RecoverDeliveries), even once
    /// pruned from their webhook's history; their events are kept as long.
    #[arg(long, env = "WEBHOOKD_RECOVERY_RETENTION", default_value = "7days", value_parser = parse_duration)]
    pub recovery_retention: Duration,
}

/// What the server reports about itself.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Telemetry")]
pub struct TelemetryArgs {
    /// Address to serve Prometheus metrics on (`/metrics`, plaintext; keep it on loopback or
    /// a private network). Off when unset.
    #[arg(long, env = "WEBHOOKD_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
}

impl EdgeArgs {
    /// How connections are admitted and kept.
    pub fn settings(&self) -> EdgeSettings {
        EdgeSettings {
            max_connections: self.max_connections.max(1),
            handshake_timeout: self.handshake_timeout,
            idle_timeout: self.idle_timeout,
            tcp_keepalive: self.tcp_keepalive.max(Duration::from_secs(1)),
        }
    }

    /// Where browsers reach the page (no trailing slash), which portal links start with,
    /// when the server listens on `listening`; `None` when the page is not served.
    pub fn page_url(&self, listening: SocketAddr) -> Option<String> {
        if !self.web {
            return None;
        }
        if let Some(url) = &self.public_url {
            return Some(url.clone());
        }
        let scheme = if self.tls_cert.is_some() { "https" } else { "http" };
        let mut addr = listening;
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
        }
        Some(format!("{scheme}://{addr}"))
    }

    /// The listener's TLS files, when TLS is on.
    pub fn tls_files(&self) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            client_ca: self.tls_client_ca.clone(),
        })
    }
}

impl EventArgs {
    /// The event catalog: defaults plus `--extra-events`.
    pub fn catalog(&self) -> Result<Catalog, String> {
        let extra = self.extra_events.iter().filter(|s| !s.is_empty()).map(|s| match s.split_once('=') {
            Some((n, d)) => (n.trim().to_string(), d.trim().to_string()),
            None => (s.trim().to_string(), String::new()),
        });
        let mut schemas = Vec::new();
        for s in self.event_schemas.iter().filter(|s| !s.trim().is_empty()) {
            let (name, path) = s.split_once('=').ok_or_else(|| format!("--event-schemas: {s:?} is not `name=path`"))?;
            let text = std::fs::read_to_string(path.trim())
                .map_err(|e| format!("--event-schemas: reading {}: {e}", path.trim()))?;
            schemas.push((name.trim().to_string(), text));
        }
        Catalog::new(extra, schemas, self.validate_payloads)
    }
}

impl DeliveryArgs {
    /// The retry policy from the retry settings.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            schedule: self.retry_schedule.clone(),
            jitter: self.retry_jitter,
            max_retry_after: self.max_retry_after,
        }
    }

    /// How long a webhook fails before the `webhook_failing` warning; `None` when off.
    pub fn failing_warning_after(&self) -> Option<Duration> {
        (self.failing_warning > 0.0).then(|| self.disable_after.mul_f64(self.failing_warning))
    }

    /// The SSRF allow list, or an error naming the bad entry.
    pub fn allow_list(&self) -> Result<AllowList, String> {
        if self.disable_ssrf_guard {
            return Ok(AllowList::allow_all());
        }
        AllowList::parse(self.allow_targets.iter().filter(|s| !s.is_empty()))
    }
}

impl Config {
    /// Parses `webhookd serve` arguments (without the subcommand), for embedding and tests.
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let args = std::iter::once(std::ffi::OsString::from("webhookd")).chain(args.into_iter().map(Into::into));
        Wrapper::try_parse_from(args).map(|w| w.config)
    }
}

/// A share from 0 (inclusive) to 1 (exclusive), e.g. `0.8`.
/// An http or https URL with a host and nothing after its path, without the trailing slash.
fn parse_public_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http or https URL with a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must have no query, fragment or user name".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

fn parse_share(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share from 0 to below 1 (e.g. 0.8)")),
    }
}

/// Parses a duration as humantime writes it (`250ms`, `5s`, `2m`, `1h 30m`, `7days`), or a
/// bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map(Duration::from_secs).map_err(|e| format!("invalid duration `{s}`: {e}"));
    }
    humantime::parse_duration(s).map_err(|e| format!("invalid duration `{s}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, ms) in
            [("250ms", 250), ("5s", 5000), ("2m", 120_000), ("1h", 3_600_000), ("1h 30m", 5_400_000), ("3", 3000)]
        {
            assert_eq!(parse_duration(s).unwrap(), Duration::from_millis(ms), "{s}");
        }
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn defaults_parse() {
        let c = Config::from_args::<_, &str>([]).unwrap();
        assert_eq!(c.edge.listen.to_string(), "127.0.0.1:50051");
        assert_eq!(c.delivery.retry_policy().schedule, RetryPolicy::default().schedule, "one home for the defaults");
        assert_eq!(c.delivery.retry_policy().max_retry_after, RetryPolicy::default().max_retry_after);
        assert_eq!(c.events.max_payload_bytes, 262_144);
        assert_eq!((c.edge.max_concurrent_streams, c.edge.max_connections), (256, 1024));
        assert!(c.edge.tls_files().is_none());
        assert!(Config::from_args(["--tls-cert", "c.pem"]).is_err(), "a certificate needs its key");
        let c = Config::from_args(["--extra-events", "a_b=Something,c"]).unwrap();
        assert!(c.events.catalog().unwrap().contains("a_b") && c.events.catalog().unwrap().contains("c"));
    }
}
