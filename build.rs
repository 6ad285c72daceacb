//! Compiles `proto/` with the pure-Rust `protox` compiler (no system `protoc`)
//! and emits the descriptor set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/webhookd/v1/webhook.proto", "proto/webhookd/v1/admin.proto", "proto/webhookd/v1/ingest.proto"];
    println!("cargo:rerun-if-changed=build.rs");
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("webhookd_descriptor.bin"), prost::Message::encode_to_vec(&fds))?;
    tonic_prost_build::configure()
        .build_server(true)
        // Clients come from clients/rust (webhookd-client).
        .build_client(false)
        // Undecodable requests answer INVALID_ARGUMENT (prost's codec says INTERNAL).
        .codec_path("crate::pb::codec::StrictCodec")
        // These carry a webhook secret: pb.rs gives them a redacting Debug.
        .skip_debug(["webhookd.v1.CreateWebhookRequest", "webhookd.v1.UpdateWebhookRequest"])
        .compile_fds(fds)?;
    Ok(())
}
