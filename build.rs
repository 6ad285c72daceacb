//! Generates the server's gRPC stubs from `proto/` with the pure-Rust `protox` compiler (no
//! system `protoc`). The messages, client stubs and descriptor set come from the
//! `webhookd-proto` crate (`proto/`); only the service traits are made here, because the
//! server decodes requests with its own codec.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/webhookd/v1/webhook.proto",
        "proto/webhookd/v1/admin.proto",
        "proto/webhookd/v1/ingest.proto",
        "proto/webhookd/v1/token.proto",
    ];
    println!("cargo:rerun-if-changed=build.rs");
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(false)
        // Messages are webhookd-proto's.
        .extern_path(".webhookd.v1", "::webhookd_proto::v1")
        // Undecodable requests answer INVALID_ARGUMENT (prost's codec says INTERNAL).
        .codec_path("crate::pb::codec::StrictCodec")
        .compile_fds(fds)?;
    Ok(())
}
