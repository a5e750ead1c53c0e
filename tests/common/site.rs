//! A real HTTP server on loopback whose pages the test changes between checks.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What a path answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn html(body: &str) -> Reply {
        Reply {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }
    pub fn text(body: &str) -> Reply {
        Reply {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/html".into(),
            body: format!("<html><body><h1>{status}</h1></body></html>").into_bytes(),
            headers: Vec::new(),
        }
    }
}

/// A request as the server saw it: path and headers.
type Seen = (String, Vec<(String, String)>);

/// The site's handle: change pages with `set`, read request counts with `hits`.
#[derive(Clone)]
pub struct Site {
    pub port: u16,
    pages: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    requests: Arc<Mutex<Vec<Seen>>>,
    total: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl Site {
    pub async fn start() -> Site {
        Site::serve(None).await
    }

    /// The same site over https, with the certificate for 127.0.0.1 in `tests/fixtures/tls`
    /// (issued by `tests/fixtures/tls/ca.pem`, valid until 2126).
    pub async fn start_tls() -> Site {
        use tokio_rustls::rustls::{
            self,
            pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
        let certs = CertificateDer::pem_file_iter(dir.join("server.pem"))
            .expect("server.pem")
            .collect::<Result<Vec<_>, _>>()
            .expect("server.pem");
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("server.key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("the fixture's key matches its certificate");
        Site::serve(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    async fn serve(tls: Option<tokio_rustls::TlsAcceptor>) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
        let port = listener.local_addr().expect("addr").port();
        let site = Site {
            port,
            pages: Arc::default(),
            hits: Arc::default(),
            requests: Arc::default(),
            total: Arc::default(),
            connections: Arc::default(),
        };
        let s = site.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let s = s.clone();
                        async move { Ok::<_, Infallible>(s.answer(&req)) }
                    });
                    let http = http1::Builder::new();
                    let _ = match tls {
                        None => http.serve_connection(TokioIo::new(stream), service).await,
                        // A client that refuses the certificate ends the handshake: no request.
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => {
                                http.serve_connection(TokioIo::new(stream), service).await
                            }
                            Err(_) => return,
                        },
                    };
                });
            }
        });
        site
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.pages
            .lock()
            .expect("lock")
            .insert(path.to_string(), reply);
    }

    /// TCP connections accepted so far (requests on a kept-open one reuse it).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Headers of every request to `path`, in order.
    pub fn request_headers(&self, path: &str) -> Vec<Vec<(String, String)>> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, h)| h.clone())
            .collect()
    }

    fn answer(&self, req: &Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        self.total.fetch_add(1, Ordering::SeqCst);
        *self
            .hits
            .lock()
            .expect("lock")
            .entry(path.clone())
            .or_default() += 1;
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        self.requests
            .lock()
            .expect("lock")
            .push((path.clone(), headers));
        let reply = self
            .pages
            .lock()
            .expect("lock")
            .get(&path)
            .cloned()
            .unwrap_or_else(|| Reply::status(404));
        let mut resp = Response::new(Full::new(Bytes::from(reply.body)));
        *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).expect("status");
        let h = resp.headers_mut();
        h.insert(
            hyper::header::CONTENT_TYPE,
            reply.content_type.parse().expect("content type"),
        );
        for (k, v) in reply.headers {
            h.insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        resp
    }
}
