//! Generates the client from the repository's `proto/` with the pure-Rust `protox` compiler.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "../../proto/webhookd/v1/webhook.proto",
        "../../proto/webhookd/v1/admin.proto",
        "../../proto/webhookd/v1/ingest.proto",
    ];
    println!("cargo:rerun-if-changed=build.rs");
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["../../proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        // These carry a webhook secret: lib.rs gives them a redacting Debug.
        .skip_debug(["webhookd.v1.CreateWebhookRequest", "webhookd.v1.UpdateWebhookRequest"])
        .compile_fds(fds)?;
    Ok(())
}
