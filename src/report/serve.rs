//! `run`'s web server: the report's files and nothing else, read-only, on the `[web]`
//! address (a watch's WARC is made from its evidence when asked for). A request names a file by its exact path in the site's list of files (what the
//! last generation wrote); nothing is decoded or joined onto a folder from the request, so
//! no `..`, encoded or not, and no absolute path can reach the state directory.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long one connection may stay open: pages are small, and a slow client must not pin a
/// task for ever.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The files the server may serve, replaced after each generation.
#[derive(Debug, Clone, Default)]
pub struct Served {
    files: Arc<RwLock<Site>>,
}

#[derive(Debug, Default)]
struct Site {
    files: HashSet<String>,
    /// Files made on request rather than read from the folder: a WARC, by its watch.
    warcs: HashMap<String, String>,
}

impl Served {
    /// The site's files, and those of them made on request (file, watch).
    pub fn set_all(&self, files: &[String], warcs: &[(String, String)]) {
        let site = Site {
            files: files.iter().cloned().collect(),
            warcs: warcs.iter().cloned().collect(),
        };
        // A poisoned lock only means a panic elsewhere mid-replace; the set is whole.
        *self.files.write().unwrap_or_else(|p| p.into_inner()) = site;
    }

    fn has(&self, file: &str) -> bool {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .files
            .contains(file)
    }

    fn warc_of(&self, file: &str) -> Option<String> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .warcs
            .get(file)
            .cloned()
    }
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("gz") => "application/warc+gzip",
        _ => "application/octet-stream",
    }
}

/// The site file a request path names, if any: `/` is the index; otherwise the path
/// without its leading `/` must be one of the site's files, byte for byte.
pub fn resolve(path: &str, served: &Served) -> Option<String> {
    let file = match path {
        "/" | "/index.html" => "index.html",
        p => p.strip_prefix('/')?,
    };
    served.has(file).then(|| file.to_string())
}

fn reply(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Where the server reads: the report's folder, and the state directory for the WARCs it
/// makes on request.
#[derive(Debug)]
struct Roots {
    report: PathBuf,
    state: PathBuf,
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    roots: Arc<Roots>,
    served: Served,
) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = reply(StatusCode::METHOD_NOT_ALLOWED, "read-only: GET or HEAD\n");
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some(file) = resolve(req.uri().path(), &served) else {
        return reply(StatusCode::NOT_FOUND, "not part of the report\n");
    };
    let bytes = if let Some(watch) = served.warc_of(&file) {
        let state = roots.state.clone();
        match tokio::task::spawn_blocking(move || super::warc::export(&state, &watch)).await {
            Ok(Some(b)) => b,
            _ => return reply(StatusCode::NOT_FOUND, "no evidence to export\n"),
        }
    } else {
        match tokio::fs::read(roots.report.join(&file)).await {
            Ok(b) => b,
            Err(_) => return reply(StatusCode::NOT_FOUND, "not written yet\n"),
        }
    };
    let head = req.method() == Method::HEAD;
    let len = bytes.len();
    let mut r = Response::new(Full::new(if head {
        Bytes::new()
    } else {
        Bytes::from(bytes)
    }));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type(&file)),
    );
    if head {
        h.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    r
}

/// Serves `root`'s files listed in `served` on `listener` until `stop`, and the WARCs
/// listed there made from `state`.
pub async fn serve(
    listener: TcpListener,
    root: PathBuf,
    state: PathBuf,
    served: Served,
    stop: CancellationToken,
) {
    let root = Arc::new(Roots {
        report: root,
        state,
    });
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "report server: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (root, served, stop) = (root.clone(), served.clone(), stop.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let (root, served) = (root.clone(), served.clone());
                async move { Ok::<_, Infallible>(answer(req, root, served).await) }
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn) => {}
            }
        });
    }
}

/// Binds `addr`, saying which address failed.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    use anyhow::Context as _;
    TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot serve the report on {addr} ([web] listen): is another program using that port?"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_files_resolve_and_nothing_is_decoded_or_joined() {
        let served = Served::default();
        served.set_all(&["index.html".into(), "watch/a.html".into()], &[]);
        assert_eq!(resolve("/", &served).as_deref(), Some("index.html"));
        assert_eq!(
            resolve("/watch/a.html", &served).as_deref(),
            Some("watch/a.html")
        );
        for bad in [
            "/../state.json",
            "/watch/../index.html",
            "/%2e%2e/a/state.json",
            "/watch/%2E%2E/%2E%2E/lock",
            "//etc/passwd",
            "/etc/passwd",
            "/watch/a.html/",
            "watch/a.html",
            "/watch//a.html",
            "/.canaryd-report.json",
        ] {
            assert_eq!(resolve(bad, &served), None, "{bad}");
        }
    }
}
