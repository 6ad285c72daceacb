//! Compiles the `.proto` files beside this crate with the pure-Rust `protox` compiler (no
//! system `protoc`): messages, client stubs and the descriptor set served by reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files =
        ["webhookd/v1/webhook.proto", "webhookd/v1/admin.proto", "webhookd/v1/ingest.proto", "webhookd/v1/token.proto"];
    println!("cargo:rerun-if-changed=build.rs");
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("webhookd_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    tonic_prost_build::configure()
        // Server stubs are the server's own (its build.rs), with its stricter codec.
        .build_server(false)
        .build_client(true)
        // Clients are made over a channel given to them (no tonic transport needed here).
        .build_transport(false)
        // These carry a webhook secret or a bearer token: lib.rs gives them a redacting Debug.
        .skip_debug([
            "webhookd.v1.CreateWebhookRequest",
            "webhookd.v1.UpdateWebhookRequest",
            "webhookd.v1.CreateTokenResponse",
        ])
        .compile_fds(fds)?;
    Ok(())
}
