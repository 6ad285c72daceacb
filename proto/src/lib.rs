//! The `webhookd.v1` protocol, compiled once for the server, the Rust client and the tests:
//! the messages, the client stubs, the encoded descriptor set, and `Debug` that never shows
//! a webhook secret or a bearer token.

#![allow(missing_docs, clippy::all)]

/// Messages and client stubs of `webhookd.v1`.
pub mod v1 {
    tonic::include_proto!("webhookd.v1");

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
                .field("filter", &self.filter)
                .field("labels", &self.labels)
                .field("client_certificate", &self.client_certificate)
                .field("client_key", &format_args!("{}", redact(&self.client_key)))
                .field("signature_scheme", &self.signature_scheme)
                .field("ordering", &self.ordering)
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
                .field("secret_grace_period", &self.secret_grace_period)
                .field("filter", &self.filter)
                .field("labels", &self.labels)
                .field("client_certificate", &self.client_certificate)
                .field("client_key", &format_args!("{}", redact(&self.client_key)))
                .field("signature_scheme", &self.signature_scheme)
                .field("rotate_signing_key", &self.rotate_signing_key)
                .field("signing_key_grace_period", &self.signing_key_grace_period)
                .field("ordering", &self.ordering)
                .finish()
        }
    }

    impl std::fmt::Debug for CreateTokenResponse {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("CreateTokenResponse")
                .field("token", &self.token)
                .field("bearer_token", &format_args!("{}", redact(&self.bearer_token)))
                .finish()
        }
    }
}

/// Encoded `FileDescriptorSet` of every proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("webhookd_descriptor");

#[cfg(test)]
mod tests {
    use super::v1::{CreateTokenResponse, CreateWebhookRequest, UpdateWebhookRequest};

    #[test]
    fn debug_never_shows_a_secret() {
        let create = CreateWebhookRequest { secret: "s3cr3t-value".into(), ..Default::default() };
        let update = UpdateWebhookRequest { secret: "s3cr3t-value".into(), ..Default::default() };
        for shown in [format!("{create:?}"), format!("{update:?}"), format!("{create:#?}")] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        assert!(format!("{:?}", CreateWebhookRequest::default()).contains("secret: \"\""));
        let created = CreateTokenResponse { bearer_token: "whk_b34r3r".into(), ..Default::default() };
        assert!(!format!("{created:?}").contains("b34r3r"), "{created:?}");
    }
}
