//! The loopback receiver every delivery phase posts to.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A loopback HTTP receiver that counts requests and, for the latency phase, timestamps them;
/// `/slow` answers after 10 s and is not counted; `/soak` keeps, per `seq`, the first
/// arrival and how many times it came.
pub struct Receiver {
    addr: SocketAddr,
    /// Requests received since the last reset.
    pub count: Arc<AtomicU64>,
    /// When the first request after the last reset arrived.
    pub first: Arc<Mutex<Option<Instant>>>,
    /// Arrival time of each `/latency` request by the `seq` of its payload.
    pub arrivals: Arc<Mutex<HashMap<u64, Instant>>>,
    /// First arrival and number of arrivals of each `/soak` request by its `seq`.
    pub soak: Arc<Mutex<HashMap<u64, (Instant, u32)>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Arc::new(AtomicU64::new(0));
        let first = Arc::new(Mutex::new(None));
        let arrivals = Arc::new(Mutex::new(HashMap::new()));
        let soak: Arc<Mutex<HashMap<u64, (Instant, u32)>>> = Arc::default();
        let (c, f, a, k) = (count.clone(), first.clone(), arrivals.clone(), soak.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let _ = tcp.set_nodelay(true);
                let (c, f, a, k) = (c.clone(), f.clone(), a.clone(), k.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (c, f, a, k) = (c.clone(), f.clone(), a.clone(), k.clone());
                        async move {
                            let latency = matches!(req.uri().path(), "/latency" | "/saturation");
                            let soaking = req.uri().path() == "/soak";
                            if req.uri().path() == "/slow" {
                                // An endpoint that takes 10 s to answer (head-of-line phase).
                                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                                return Ok(hyper::Response::new(Full::new(Bytes::from_static(b"slow"))));
                            }
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let now = Instant::now();
                            if c.fetch_add(1, Ordering::Relaxed) == 0 {
                                f.lock().unwrap().get_or_insert(now);
                            }
                            if latency {
                                if let Some(seq) = seq_of(&body) {
                                    a.lock().unwrap().insert(seq, now);
                                }
                            }
                            if soaking {
                                if let Some(seq) = seq_of(&body) {
                                    k.lock().unwrap().entry(seq).or_insert((now, 0)).1 += 1;
                                }
                            }
                            Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"ok"))))
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
        });
        Receiver { addr, count, first, arrivals, soak }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
        *self.first.lock().unwrap() = None;
    }
}

fn seq_of(body: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(body).ok()?;
    let rest = &s[s.find("\"seq\":")? + 6..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?].parse().ok()
}
