//! The `webhookd` command: `serve` and `token create`.

use clap::Parser;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use webhookd::auth::{self, Role};
use webhookd::config::{Cli, Command, TokenCommand, TokenCreate};
use webhookd::error::chain;
use webhookd::model::Scope;
use webhookd::storage::Database;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    webhookd::telemetry::init(cli.log_json);
    let result = match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Token(TokenCommand::Create(args)) => create_token(args).await,
    };
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
    let listener =
        TcpListener::bind(config.listen).await.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
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

async fn create_token(args: TokenCreate) -> Result<(), Box<dyn std::error::Error>> {
    let role = Role::parse(&args.role).ok_or("--role must be admin or publisher")?;
    let scope = webhookd::api::validate::scope(
        "--company/--project",
        Some(&webhookd::pb::Scope { company_id: args.company.clone(), project_id: args.project.clone() }),
    )
    .map_err(|e| e.to_string())?;
    let db = Database::open(&args.database).await?;
    let (token, hash) = auth::new_token();
    let result = db.storage.insert_token(&hash, role.as_str(), &scope, &args.description).await;
    db.close().await;
    result?;
    eprintln!("created a {} token for {}; it is shown only now:", role.as_str(), Scope::clone(&scope));
    println!("{token}");
    Ok(())
}
