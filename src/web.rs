//! The admin page, served on the gRPC port: its few static files, embedded in the binary and
//! built from `clients/web`, and gRPC-Web (through `tonic-web`) so that the page calls the
//! same `WebhookAdmin` and `TokenAdmin` services as every other client.
//!
//! A request is the page's when it is not gRPC (its content type does not start with
//! `application/grpc`): the page's files answer GET and HEAD, anything else is 404 or 405.
//! The page loads nothing from elsewhere, and its headers say so: a Content-Security-Policy
//! allowing only this origin (no inline script or style), no framing, no referrer.
//!
//! A portal link opens the same page at `/portal/<link id>`, while the link's token is
//! neither revoked nor expired: framed only by the origins the link names (its
//! `frame-ancestors`), 404 otherwise.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use sha2::{Digest, Sha256};
use tonic::body::Body;
use uuid::Uuid;

use crate::storage::Storage;

/// One embedded file of the page.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:literal) => {
        Asset {
            path: concat!("/", $path),
            content_type: $type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/clients/web/dist/", $path)),
        }
    };
}

/// The built page (`clients/web/dist`, committed; CI checks it matches its sources).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
];

/// Only this origin; no inline code; gRPC-Web calls go to this origin too.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of a portal link's page: the page's, with its framing origins.
fn portal_csp(frame_ancestors: &[String]) -> HeaderValue {
    if frame_ancestors.is_empty() {
        return HeaderValue::from_static(CSP);
    }
    let csp = CSP.replace("frame-ancestors 'none'", &format!("frame-ancestors {}", frame_ancestors.join(" ")));
    // The origins were checked when the link was made (no spaces, quotes or separators).
    HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(CSP))
}

/// Where portal links open the page.
const PORTAL_PREFIX: &str = "/portal/";

fn asset(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

/// Each file's entity tag: a hash of its bytes, computed once.
fn etag(a: &Asset) -> &'static HeaderValue {
    static TAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let tag = format!("\"{}\"", &hex::encode(Sha256::digest(a.bytes))[..32]);
                HeaderValue::from_str(&tag).expect("hex is a valid header value")
            })
            .collect()
    });
    let i = ASSETS.iter().position(|x| x.path == a.path).expect("an embedded asset");
    &tags[i]
}

/// The metrics label of a page request for `path`: the file's path, or `other`.
pub(crate) fn route(path: &str) -> &'static str {
    if path.starts_with(PORTAL_PREFIX) {
        return "/portal";
    }
    asset(path).map_or("other", |a| a.path)
}

/// Whether `req` is a gRPC or gRPC-Web call (for the services), rather than the page's.
pub(crate) fn is_grpc<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"))
}

/// How a file is sent: as it is, or compressed as the browser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The best coding an `Accept-Encoding` header allows: brotli, else gzip, else none
    /// (a coding given `q=0` is refused).
    fn accepted(header: Option<&HeaderValue>) -> Self {
        let Some(value) = header.and_then(|v| v.to_str().ok()) else { return Self::Identity };
        let allows = |wanted: &str| {
            value.split(',').any(|item| {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                name.eq_ignore_ascii_case(wanted) && q > 0.0
            })
        };
        if allows("br") {
            Self::Brotli
        } else if allows("gzip") {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    /// Its `Content-Encoding` name.
    fn name(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }
}

/// Compresses the page's files now (at start, off the async threads), so that the first
/// browser to ask does not wait for it.
pub fn compress_ahead() {
    for a in ASSETS {
        representation(a, Coding::Brotli);
    }
}

/// `a`'s bytes in `coding` and their entity tag, compressed once per process.
fn representation(a: &'static Asset, coding: Coding) -> (&'static Bytes, &'static HeaderValue) {
    struct Encoded {
        bytes: [Bytes; 3],
        tags: [HeaderValue; 3],
    }
    static ENCODED: OnceLock<Vec<Encoded>> = OnceLock::new();
    let all = ENCODED.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                use std::io::Write;
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gz.write_all(a.bytes).expect("gzip in memory");
                let gz = gz.finish().expect("gzip in memory");
                let mut br = Vec::new();
                let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
                brotli::BrotliCompress(&mut &a.bytes[..], &mut br, &params).expect("brotli in memory");
                let tag = etag(a).to_str().expect("ascii tag").trim_matches('"').to_string();
                let tagged = |suffix: &str| HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("ascii tag");
                Encoded {
                    bytes: [Bytes::from_static(a.bytes), Bytes::from(gz), Bytes::from(br)],
                    tags: [etag(a).clone(), tagged("-gzip"), tagged("-br")],
                }
            })
            .collect()
    });
    let i = ASSETS.iter().position(|x| x.path == a.path).expect("an embedded asset");
    let k = coding as usize;
    (&all[i].bytes[k], &all[i].tags[k])
}

/// A short plain-text answer (an error page), without the page's headers.
fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::new(Full::new(Bytes::from_static(text.as_bytes()))));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The answer to a request for the page.
fn answer<B>(req: &Request<B>) -> Response<Body> {
    let mut response = match asset(req.uri().path()) {
        None => plain(StatusCode::NOT_FOUND, "not found\n"),
        Some(_) if req.method() != Method::GET && req.method() != Method::HEAD => {
            let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
        Some(a) => {
            let coding = Coding::accepted(req.headers().get(header::ACCEPT_ENCODING));
            let (bytes, tag) = representation(a, coding);
            let fresh = req.headers().get(header::IF_NONE_MATCH).is_some_and(|v| v == tag);
            let mut r = if fresh || req.method() == Method::HEAD {
                Response::new(Body::new(Empty::<Bytes>::new()))
            } else {
                Response::new(Body::new(Full::new(bytes.clone())))
            };
            if fresh {
                *r.status_mut() = StatusCode::NOT_MODIFIED;
            }
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
            if !fresh {
                h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            }
            if let Some(name) = coding.name() {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
            }
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            h.insert(header::ETAG, tag.clone());
            // Revalidated on each load: a new server version serves its own page at once.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
    };
    secure(&mut response);
    response
}

/// The headers every answer of the page carries: only this origin, no framing, no referrer.
fn secure(response: &mut Response<Body>) {
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
}

/// The answer to a request for a portal link's page (`id` from its path; `None` when it is
/// not an id): the page, framed only by the link's origins, while the link works.
async fn portal(storage: Storage, id: Option<Uuid>, mut req: Request<()>) -> Response<Body> {
    let ended = |status: StatusCode, text: &'static str| {
        let mut r = plain(status, text);
        secure(&mut r);
        r
    };
    let found = match id {
        None => Ok(None),
        Some(id) => storage.portal_frame_ancestors(id).await,
    };
    let frame_ancestors = match found {
        Ok(Some(origins)) => origins,
        Ok(None) => return ended(StatusCode::NOT_FOUND, "This portal link has expired or was revoked.\n"),
        Err(e) => {
            tracing::warn!(error = %crate::report::chain(&e), "cannot check a portal link");
            return ended(StatusCode::SERVICE_UNAVAILABLE, "This link cannot be checked now; try again shortly.\n");
        }
    };
    // The page itself, answered as at `/` (method, conditional and encoding headers kept).
    *req.uri_mut() = http::Uri::from_static("/index.html");
    let mut response = answer(&req);
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, portal_csp(&frame_ancestors));
    if !frame_ancestors.is_empty() {
        // `frame-ancestors` says who may frame it; this header would forbid every one.
        h.remove(header::X_FRAME_OPTIONS);
    }
    // The link's token is in the fragment; nothing of the page is kept by caches.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Tower layer answering the page's requests and passing gRPC calls on.
#[derive(Clone)]
pub struct WebPage {
    storage: Storage,
}

impl WebPage {
    /// The page, which looks portal links up in `storage`.
    pub fn new(storage: Storage) -> Self {
        Self { storage }
    }
}

impl<S> tower_layer::Layer<S> for WebPage {
    type Service = PageService<S>;

    fn layer(&self, inner: S) -> PageService<S> {
        PageService { inner, storage: self.storage.clone() }
    }
}

/// The services, with the page in front of them.
#[derive(Clone)]
pub struct PageService<S> {
    inner: S,
    storage: Storage,
}

impl<S, B> tower_service::Service<Request<B>> for PageService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if is_grpc(&req) {
            Box::pin(self.inner.call(req))
        } else if let Some(rest) = req.uri().path().strip_prefix(PORTAL_PREFIX) {
            let id = Uuid::parse_str(rest).ok();
            // The page's requests carry no body worth reading.
            let head = req.map(|_| ());
            let storage = self.storage.clone();
            Box::pin(async move { Ok(portal(storage, id, head).await) })
        } else {
            let response = answer(&req);
            Box::pin(async move { Ok(response) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Request<()> {
        Request::get(path).body(()).unwrap()
    }

    #[test]
    fn the_page_answers_its_files_with_security_headers_and_nothing_else() {
        let index = answer(&get("/"));
        assert_eq!(index.status(), StatusCode::OK);
        assert_eq!(index.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(index.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(index.headers()[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(answer(&get("/app.js")).headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert_eq!(answer(&get("/secret.txt")).status(), StatusCode::NOT_FOUND);
        assert_eq!(answer(&get("/../Cargo.toml")).status(), StatusCode::NOT_FOUND);
        let post = Request::post("/").body(()).unwrap();
        assert_eq!(answer(&post).status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    /// A response's whole body.
    fn body(r: Response<Body>) -> Vec<u8> {
        use http_body_util::BodyExt;
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(r.into_body().collect()).unwrap().to_bytes().to_vec()
    }

    #[test]
    fn codings_follow_accept_encoding() {
        let accepted = |v: &str| Coding::accepted(Some(&HeaderValue::from_str(v).unwrap()));
        assert_eq!(Coding::accepted(None), Coding::Identity);
        for (header, coding) in [
            ("gzip, deflate, br, zstd", Coding::Brotli),
            ("gzip, deflate", Coding::Gzip),
            ("GZIP", Coding::Gzip),
            ("br;q=0, gzip;q=0.5", Coding::Gzip),
            ("br;q=0", Coding::Identity),
            ("identity", Coding::Identity),
            ("deflate", Coding::Identity),
        ] {
            assert_eq!(accepted(header), coding, "{header}");
        }
    }

    #[test]
    fn files_are_sent_compressed_when_asked_and_decompress_to_the_same_bytes() {
        let plain = body(answer(&get("/app.js")));
        let ask = |coding: &str| Request::get("/app.js").header(header::ACCEPT_ENCODING, coding).body(()).unwrap();
        let br = answer(&ask("gzip, deflate, br"));
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers()[header::VARY], "accept-encoding");
        let tag = br.headers()[header::ETAG].clone();
        let br = body(br);
        assert!(br.len() * 2 < plain.len(), "brotli: {} of {} bytes", br.len(), plain.len());
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, plain);
        let gz = answer(&ask("gzip"));
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        assert_ne!(gz.headers()[header::ETAG], tag, "each representation has its own tag");
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body(gz)[..]), &mut out).unwrap();
        assert_eq!(out, plain);
        // The compressed one's tag revalidates the compressed one.
        let again = Request::get("/app.js")
            .header(header::ACCEPT_ENCODING, "br")
            .header(header::IF_NONE_MATCH, tag)
            .body(())
            .unwrap();
        assert_eq!(answer(&again).status(), StatusCode::NOT_MODIFIED);
        assert!(answer(&get("/app.js")).headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn a_revalidation_with_the_current_tag_is_not_modified() {
        let tag = answer(&get("/app.css")).headers()[header::ETAG].clone();
        let again = Request::get("/app.css").header(header::IF_NONE_MATCH, tag).body(()).unwrap();
        assert_eq!(answer(&again).status(), StatusCode::NOT_MODIFIED);
        let other = Request::get("/app.css").header(header::IF_NONE_MATCH, "\"x\"").body(()).unwrap();
        assert_eq!(answer(&other).status(), StatusCode::OK);
    }

    #[test]
    fn grpc_and_grpc_web_calls_are_not_the_page() {
        for t in
            ["application/grpc", "application/grpc+proto", "application/grpc-web+proto", "application/grpc-web-text"]
        {
            let req = Request::post("/webhookd.v1.WebhookAdmin/ListWebhooks")
                .header(header::CONTENT_TYPE, t)
                .body(())
                .unwrap();
            assert!(is_grpc(&req), "{t}");
        }
        assert!(!is_grpc(&get("/")));
    }
}
