//! The `webhookd.v1` protocol as the server uses it: the messages and descriptor set of
//! `webhookd-proto`, and the service traits generated with the server's codec.

pub use webhookd_proto::v1::*;
pub use webhookd_proto::FILE_DESCRIPTOR_SET;

#[allow(missing_docs, clippy::all)]
mod services {
    tonic::include_proto!("webhookd.v1");
}
pub use services::*;

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
