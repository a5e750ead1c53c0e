//! A raw TCP "HTTP" server on loopback that writes exactly the bytes a test scripts, so tests
//! can make it misbehave (trickle, lie, never stop, close early, speak garbage).
//!
//! Every loop is bounded: the server stops when dropped or after `LIFETIME`, each connection
//! after `CONN_LIMIT`, and streams after a fixed number of chunks. Also minimal HTTP and
//! SOCKS5 proxies, built the same way.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use url::Url;

/// Longest a test server lives, whatever the test does.
const LIFETIME: Duration = Duration::from_secs(60);
/// Longest one connection is served.
const CONN_LIMIT: Duration = Duration::from_secs(30);
/// Largest request head read.
const MAX_HEAD: usize = 64 * 1024;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The raw head, request line and headers.
    pub head: String,
    /// Request target as sent: a path, or an absolute URL when sent to a proxy.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header of that name (case-insensitive), value as sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path of the target, also when the target is an absolute URL.
    pub fn path(&self) -> &str {
        match self.target.find("://") {
            Some(i) => {
                let after = &self.target[i + 3..];
                after.find('/').map_or("/", |j| &after[j..])
            }
            None => &self.target,
        }
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Write `prefix` at once, then `bytes` one at a time with `every` between them, then close.
    Trickle {
        prefix: Vec<u8>,
        bytes: Vec<u8>,
        every: Duration,
    },
    /// Write `prefix`, then `chunk` up to `times` times (as HTTP chunks when `chunked`),
    /// stopping early when the client goes away.
    Stream {
        prefix: Vec<u8>,
        chunk: Vec<u8>,
        times: usize,
        chunked: bool,
    },
    /// Read the request and close without a word.
    Close,
}

type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

/// A scripted server on 127.0.0.1; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Server {
    /// Starts a server; `handler` gets the 0-based index of the request and the request.
    pub async fn start(
        handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::start_on([127, 0, 0, 1], handler).await
    }

    /// [`Server::start`] on another loopback address (127.0.0.2, …: all of 127/8 is this
    /// machine), so a test can tell two servers apart by address.
    pub async fn start_on(
        ip: [u8; 4],
        handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        assert_eq!(ip[0], 127, "test servers listen on loopback only");
        let listener = TcpListener::bind(SocketAddr::from((ip, 0)))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("bound address");
        let hits = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (h, r) = (hits.clone(), requests.clone());
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            let accept_loop = async {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let (handler, hits, requests) = (handler.clone(), h.clone(), r.clone());
                    conns.spawn(async move {
                        let serve = serve_one(stream, handler, hits, requests);
                        let _ = tokio::time::timeout(CONN_LIMIT, serve).await;
                    });
                }
            };
            let _ = tokio::time::timeout(LIFETIME, accept_loop).await;
            // Dropping the JoinSet here aborts any connection still being served.
        });
        Server {
            addr,
            hits,
            requests,
            task,
        }
    }

    /// Every request gets the same reply.
    pub async fn always(reply: Reply) -> Server {
        Server::start(move |_, _| reply.clone()).await
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("valid test url")
    }

    /// `http://<host>:<port><path>`: this server under a made-up name.
    pub fn url_as(&self, host: &str, path: &str) -> Url {
        Url::parse(&format!("http://{host}:{}{path}", self.addr.port())).expect("valid test url")
    }

    /// Requests received so far (counted once the head was read).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_one(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
) {
    let Some(request) = read_head(&mut stream).await else {
        return;
    };
    let n = hits.fetch_add(1, Ordering::SeqCst);
    let reply = handler(n, &request);
    requests.lock().expect("requests lock").push(request);
    match reply {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
        }
        Reply::Trickle {
            prefix,
            bytes,
            every,
        } => {
            if stream.write_all(&prefix).await.is_err() {
                return;
            }
            for b in bytes {
                if stream.write_all(&[b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Reply::Stream {
            prefix,
            chunk,
            times,
            chunked,
        } => {
            if stream.write_all(&prefix).await.is_err() {
                return;
            }
            let framed = if chunked {
                let mut f = format!("{:x}\r\n", chunk.len()).into_bytes();
                f.extend_from_slice(&chunk);
                f.extend_from_slice(b"\r\n");
                f
            } else {
                chunk
            };
            for _ in 0..times {
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
        }
        Reply::Close => {}
    }
    let _ = stream.shutdown().await;
}

/// Reads up to the blank line ending the head; `None` if the client sent no complete head.
pub async fn read_head(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte so nothing after the head (a tunnelled payload) is swallowed.
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() >= MAX_HEAD || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Request {
        head,
        target,
        headers,
    })
}

/// A complete response with Content-Length and `Connection: close`.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = head(status, headers);
    // Insert Content-Length before the blank line.
    out.truncate(out.len() - 2);
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A response head with `Connection: close` and no length: the body runs to the close
/// (or is chunked, if `headers` say so).
pub fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// `200 OK` HTML page in UTF-8.
pub fn html(body: &str) -> Reply {
    Reply::Raw(response(
        "200 OK",
        &[("Content-Type", "text/html; charset=utf-8")],
        body.as_bytes(),
    ))
}

// ---- Proxies ---------------------------------------------------------------------------
// Minimal forward HTTP and SOCKS5 proxies that count what they relay and map the made-up
// host `FAKE_HOST` to the test server: a page fetched by that name proves that name
// resolution happened at the proxy.

pub const FAKE_HOST: &str = "canary.test";

pub struct Proxy {
    pub addr: SocketAddr,
    relayed: Arc<AtomicUsize>,
    /// Destination hosts as the client named them.
    asked: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Which protocol a [`Proxy`] speaks.
#[derive(Debug, Clone, Copy)]
pub enum ProxyKind {
    Http,
    Socks5,
}

impl Proxy {
    /// A proxy relaying to wherever clients ask, with `FAKE_HOST` meaning `target`.
    pub async fn start(kind: ProxyKind, target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let relayed = Arc::new(AtomicUsize::new(0));
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (r, a) = (relayed.clone(), asked.clone());
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            let accept = async {
                while let Ok((client, _)) = listener.accept().await {
                    let (r, a) = (r.clone(), a.clone());
                    conns.spawn(async move {
                        let relay = async {
                            match kind {
                                ProxyKind::Http => http_relay(client, target, &a).await,
                                ProxyKind::Socks5 => socks5_relay(client, target, &a).await,
                            }
                        };
                        if let Ok(Some((mut c, mut upstream))) =
                            tokio::time::timeout(Duration::from_secs(10), relay).await
                        {
                            r.fetch_add(1, Ordering::SeqCst);
                            let copy = tokio::io::copy_bidirectional(&mut c, &mut upstream);
                            let _ = tokio::time::timeout(Duration::from_secs(10), copy).await;
                        }
                    });
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(60), accept).await;
        });
        Proxy {
            addr,
            relayed,
            asked,
            task,
        }
    }

    /// `scheme://127.0.0.1:<port>`.
    pub fn url(&self, scheme: &str) -> Url {
        Url::parse(&format!("{scheme}://{}", self.addr)).expect("proxy url")
    }

    /// Connections relayed to a destination so far.
    pub fn relayed(&self) -> usize {
        self.relayed.load(Ordering::SeqCst)
    }

    /// Destination hosts as clients named them (a name for socks5h, an address for socks5).
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("asked lock").clone()
    }
}

/// Where a named destination really is: `canary.test` is the test server.
fn resolve(host: &str, port: u16, target: SocketAddr) -> Option<SocketAddr> {
    if host == FAKE_HOST {
        Some(target)
    } else {
        host.parse::<IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, port))
    }
}

/// Forward proxy: reads an absolute-form request, sends it on in origin form.
async fn http_relay(
    mut client: TcpStream,
    target: SocketAddr,
    asked: &Mutex<Vec<String>>,
) -> Option<(TcpStream, TcpStream)> {
    let req = read_head(&mut client).await?;
    let url = Url::parse(&req.target).ok()?;
    let host = url.host_str()?.to_string();
    asked.lock().expect("lock").push(host.clone());
    let dest = resolve(&host, url.port_or_known_default()?, target)?;
    let mut upstream = TcpStream::connect(dest).await.ok()?;
    let head = req.head.replacen(&req.target, req.path(), 1);
    upstream.write_all(head.as_bytes()).await.ok()?;
    Some((client, upstream))
}

/// SOCKS5 (RFC 1928), no authentication, CONNECT only.
async fn socks5_relay(
    mut client: TcpStream,
    target: SocketAddr,
    asked: &Mutex<Vec<String>>,
) -> Option<(TcpStream, TcpStream)> {
    let mut hello = [0u8; 2];
    client.read_exact(&mut hello).await.ok()?;
    let mut methods = vec![0u8; usize::from(hello[1])];
    client.read_exact(&mut methods).await.ok()?;
    if hello[0] != 5 || !methods.contains(&0) {
        return None;
    }
    client.write_all(&[5, 0]).await.ok()?;
    let mut req = [0u8; 4];
    client.read_exact(&mut req).await.ok()?;
    if req[..3] != [5, 1, 0] {
        return None;
    }
    let host = match req[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await.ok()?;
            IpAddr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await.ok()?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).await.ok()?;
            String::from_utf8(name).ok()?
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await.ok()?;
            IpAddr::from(ip).to_string()
        }
        _ => return None,
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await.ok()?;
    asked.lock().expect("lock").push(host.clone());
    let Some(dest) = resolve(&host, u16::from_be_bytes(port), target) else {
        // 4 = host unreachable.
        let _ = client.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return None;
    };
    let upstream = TcpStream::connect(dest).await.ok()?;
    client
        .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        .await
        .ok()?;
    Some((client, upstream))
}
