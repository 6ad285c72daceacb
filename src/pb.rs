//! Generated protobuf and gRPC code for `webhookd.v1`, and the descriptor set served by reflection.

#![allow(missing_docs, clippy::all)]

tonic::include_proto!("webhookd.v1");

/// Encoded `FileDescriptorSet` of every proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("webhookd_descriptor");

/// The server's protobuf codec: prost's, except that a request that does not decode (not
/// protobuf, or a string field holding invalid UTF-8) is the caller's fault and answers
/// INVALID_ARGUMENT instead of prost's INTERNAL.
pub mod codec {
    use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
    use tonic::Status;
    use tonic_prost::{ProstCodec, ProstDecoder};

    /// [`ProstCodec`] with decoding errors answered as INVALID_ARGUMENT.
    #[derive(Debug, Clone, Default)]
    pub struct StrictCodec<T, U>(ProstCodec<T, U>);

    impl<T, U> Codec for StrictCodec<T, U>
    where
        T: prost::Message + Send + 'static,
        U: prost::Message + Default + Send + 'static,
    {
        type Encode = T;
        type Decode = U;
        type Encoder = <ProstCodec<T, U> as Codec>::Encoder;
        type Decoder = StrictDecoder<U>;

        fn encoder(&mut self) -> Self::Encoder {
            self.0.encoder()
        }

        fn decoder(&mut self) -> Self::Decoder {
            StrictDecoder(self.0.decoder())
        }
    }

    /// [`ProstDecoder`] with decoding errors answered as INVALID_ARGUMENT.
    #[derive(Debug)]
    pub struct StrictDecoder<U>(ProstDecoder<U>);

    impl<U: prost::Message + Default> Decoder for StrictDecoder<U> {
        type Item = U;
        type Error = Status;

        fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
            self.0.decode(buf).map_err(|e| {
                Status::invalid_argument(format!("the request is not a valid protobuf message: {}", e.message()))
            })
        }

        fn buffer_settings(&self) -> BufferSettings {
            self.0.buffer_settings()
        }
    }
}

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
