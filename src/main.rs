//! The `webhookd` command: `serve`, `token create|list|revoke` and `secrets rekey`.

use clap::Parser;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use webhookd::auth::Role;
use webhookd::config::{Cli, Command, SecretsCommand, SecretsRekey, TokenCommand, TokenCreate, TokenList, TokenRevoke};
use webhookd::model::Scope;
use webhookd::report::chain;
use webhookd::service::tokens::{create_token as mint, Minted, TokenOrder};
use webhookd::storage::audit::{Actor, Audit};
use webhookd::storage::tokens::TokenFilter;
use webhookd::storage::Database;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let spans = match webhookd::telemetry::init(cli.log_json, cli.otlp_endpoint.as_deref()) {
        Ok(spans) => spans,
        Err(e) => {
            eprintln!("webhookd: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Token(TokenCommand::Create(args)) => create_token(args).await,
        Command::Token(TokenCommand::List(args)) => list_tokens(args).await,
        Command::Token(TokenCommand::Revoke(args)) => revoke_token(args).await,
        Command::Secrets(SecretsCommand::Rekey(args)) => rekey(args).await,
    };
    // The spans still buffered go before the process ends.
    if let Some(provider) = spans {
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhookd: {}", chain(e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: webhookd::config::Config) -> Result<(), Box<dyn std::error::Error>> {
    raise_open_files_limit();
    let listener = TcpListener::bind(config.edge.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.edge.listen))?;
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::info!("shutdown requested");
        trigger.cancel();
    });
    webhookd::run(config, listener, shutdown).await?;
    Ok(())
}

/// Raises the soft limit on open files to the hard one: each gRPC connection, delivery and
/// database connection holds a descriptor, and the usual soft limit (1024) is below
/// `--max-connections` plus the rest.
fn raise_open_files_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_err() {
            tracing::warn!(soft, hard, "cannot raise the open files limit");
        }
    }
}

/// The scope of `--company`/`--project`, checked as the API checks a scope.
fn cli_scope(company: &str, project: &str) -> Result<Scope, String> {
    let scope = webhookd::pb::Scope { company_id: company.into(), project_id: project.into() };
    webhookd::api::validate::scope("--company/--project", Some(&scope)).map_err(|e| e.to_string())
}

async fn create_token(args: TokenCreate) -> Result<(), Box<dyn std::error::Error>> {
    let role = Role::parse(&args.role).ok_or("--role must be admin or publisher")?;
    let scope = cli_scope(&args.company, &args.project)?;
    let description = webhookd::api::validate::description("--description", &args.description)?;
    let expire_time = args.expire_in.map(|d| std::time::SystemTime::now() + d);
    let db = Database::open(&args.database.options()).await?;
    let order =
        TokenOrder { role, scope: &scope, description: &description, expire_time, by: Actor::default(), portal: None };
    let result = mint(&db.storage, order).await;
    db.close().await;
    let Minted { bearer_token: token, row } = result?;
    let until = row.expire_time.map(|t| format!(" until {}", httpdate::fmt_http_date(t))).unwrap_or_default();
    eprintln!("created {} token {} for {scope}{until}; its value is shown only now:", role.as_str(), row.id);
    println!("{token}");
    Ok(())
}

async fn list_tokens(args: TokenList) -> Result<(), Box<dyn std::error::Error>> {
    let scope = cli_scope(&args.company, &args.project)?;
    let db = Database::open(&args.database.options()).await?;
    let mut rows = Vec::new();
    let mut before = None;
    let result = loop {
        let filter = TokenFilter {
            scope: scope.clone(),
            include_descendants: args.project.is_empty(),
            show_inactive: args.all,
            before,
            limit: 500,
        };
        match db.storage.list_tokens(&filter).await {
            Ok(page) => {
                let full = page.len() == 500;
                before = page.last().map(|t| t.id);
                rows.extend(page);
                if !full {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    db.close().await;
    result?;
    let time = |t: Option<std::time::SystemTime>| t.map(httpdate::fmt_http_date).unwrap_or_else(|| "-".into());
    println!(
        "{:<36}  {:<9}  {:<24}  {:<29}  {:<29}  {:<29}  description",
        "id", "role", "scope", "expires", "last used", "revoked"
    );
    for t in rows {
        println!(
            "{:<36}  {:<9}  {:<24}  {:<29}  {:<29}  {:<29}  {}",
            t.id,
            t.role,
            t.scope.to_string(),
            time(t.expire_time),
            time(t.last_used_time),
            time(t.revoke_time),
            t.description
        );
    }
    Ok(())
}

async fn revoke_token(args: TokenRevoke) -> Result<(), Box<dyn std::error::Error>> {
    let id = webhookd::api::validate::id("id", &args.id)?;
    let db = Database::open(&args.database.options()).await?;
    let result = db.storage.revoke_token(id, &Audit::new(Actor::default(), "token.revoke")).await;
    db.close().await;
    let row = result?.ok_or_else(|| format!("no token has id {id}"))?;
    eprintln!("revoked {} token {} for {}", row.role, row.id, row.scope);
    Ok(())
}

async fn rekey(args: SecretsRekey) -> Result<(), Box<dyn std::error::Error>> {
    let (ring, created) = args.keys.load(&args.database.data_dir)?;
    if let Some(path) = created {
        eprintln!("created a new key file {} (there was none)", path.display());
    }
    let current = ring.current_id().to_string();
    let db = Database::open(&args.database.options()).await?;
    let storage = db.storage.clone().with_keys(std::sync::Arc::new(ring));
    let result = async {
        storage.register_keys().await?;
        storage.reseal_all().await
    }
    .await;
    db.close().await;
    let sealed = result?;
    eprintln!(
        "{sealed} webhook(s) sealed again with key {current}; every webhook is now sealed with it, and \
         the ids of keys no row uses were forgotten: their lines can leave the key file"
    );
    Ok(())
}
