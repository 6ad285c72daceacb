//! Generated protobuf and gRPC code for `webhookd.v1`, and the descriptor set served by reflection.

#![allow(missing_docs, clippy::all)]

tonic::include_proto!("webhookd.v1");

/// Encoded `FileDescriptorSet` of every proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("webhookd_descriptor");

/// Redacts a secret for `Debug`: shows only whether one was given.
fn redact(secret: &str) -> &'static str {
    if secret.is_empty() {
        "\"\""
    } else {
        "<redacted>"
    }
}

impl std::fmt::Debug for CreateWebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateWebhookRequest")
            .field("scope", &self.scope)
            .field("target_url", &self.target_url)
            .field("secret", &format_args!("{}", redact(&self.secret)))
            .field("events", &self.events)
            .field("ca_certificate", &self.ca_certificate)
            .field("proxy_url", &self.proxy_url)
            .finish()
    }
}

impl std::fmt::Debug for UpdateWebhookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateWebhookRequest")
            .field("id", &self.id)
            .field("target_url", &self.target_url)
            .field("secret", &format_args!("{}", redact(&self.secret)))
            .field("events", &self.events)
            .field("ca_certificate", &self.ca_certificate)
            .field("proxy_url", &self.proxy_url)
            .field("update_mask", &self.update_mask)
            .finish()
    }
}
