//! `LISTEN` on a dedicated connection, with reconnects, for the engines and the watch hub.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::Storage;

/// Channel that tells delivery engines new work is due (empty payloads).
pub const DUE_CHANNEL: &str = "webhookd_due";
/// Channel carrying delivery state changes to watchers (JSON arrays of `deliveries::Watched`).
pub const DELIVERY_CHANNEL: &str = "webhookd_delivery";
/// Channel that tells every replica a token was revoked (payload: the token's id), so that
/// no cached grant outlives it.
pub const TOKEN_CHANNEL: &str = "webhookd_tokens";

/// Calls `on_payload` with every notification on `channel` until `shutdown`; after each
/// (re)connection it is called once with `None`, since notifications sent while
/// disconnected are lost and the caller may need to catch up.
pub async fn listen(
    storage: Storage,
    channel: &'static str,
    shutdown: CancellationToken,
    mut on_payload: impl FnMut(Option<&str>) + Send,
) {
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
        match storage.dedicated().await {
            Ok((client, mut conn)) => {
                let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
                let sql = format!("LISTEN {channel}");
                // The connection must be polled for the LISTEN to complete.
                let mut listening = std::pin::pin!(client.batch_execute(&sql));
                let ok = loop {
                    tokio::select! {
                        r = &mut listening => break r.is_ok(),
                        m = messages.next() => if !matches!(m, Some(Ok(_))) { break false },
                    }
                };
                if ok {
                    backoff = Duration::from_millis(100);
                    on_payload(None);
                    loop {
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            m = messages.next() => match m {
                                Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => on_payload(Some(n.payload())),
                                Some(Ok(_)) => {}
                                _ => break,
                            },
                        }
                    }
                }
                tracing::warn!(channel, "notification connection lost; reconnecting");
            }
            Err(e) => {
                tracing::warn!(channel, error = %crate::error::chain(&e), "cannot open a notification connection")
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
