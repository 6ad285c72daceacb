//! A TCP relay between a client and the server that can lose one answer: armed, it closes
//! the connection instead of forwarding the next HTTP/2 HEADERS frame the server sends on a
//! stream, after the server has done the work the call asked for.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A relay listening on `addr` and forwarding to the server.
pub struct CutRelay {
    pub addr: SocketAddr,
    armed: Arc<AtomicBool>,
    cuts: Arc<AtomicUsize>,
}

impl CutRelay {
    /// Relays every connection to `addr` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (armed, cuts) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let (a, c) = (armed.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else { continue };
                tokio::spawn(relay(client, server, a.clone(), c.clone()));
            }
        });
        Self { addr, armed, cuts }
    }

    /// Loses the next answer: the connection is closed when the server starts it.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// How many answers were lost.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

async fn relay(client: TcpStream, server: TcpStream, armed: Arc<AtomicBool>, cuts: Arc<AtomicUsize>) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let upstream = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
    });
    // The server's side is HTTP/2 frames only: a 9-byte header (24-bit length, type, flags,
    // stream id) and its payload. Forward whole frames, and stop at an armed HEADERS one.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    'read: while let Ok(n) = server_rx.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        while buf.len() >= 9 {
            let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
            if buf.len() < 9 + len {
                break;
            }
            let (kind, stream) = (buf[3], u32::from_be_bytes([buf[5], buf[6], buf[7], buf[8]]) & 0x7fff_ffff);
            if kind == 0x1 && stream != 0 && armed.swap(false, Ordering::SeqCst) {
                cuts.fetch_add(1, Ordering::SeqCst);
                break 'read;
            }
            if client_tx.write_all(&buf[..9 + len]).await.is_err() {
                break 'read;
            }
            buf.drain(..9 + len);
        }
    }
    upstream.abort();
}
