//! TEMPORARY placeholder until the real fetcher lands (same API).
use std::time::Duration;
use url::Url;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Text,
}
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    pub retry_after_cap: Duration,
}
impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(300),
        }
    }
}
impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Default::default()
        }
    }
}
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub timeout: Duration,
    pub max_body: u64,
    pub proxy: Option<Url>,
    pub retry: RetryPolicy,
}
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub final_url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub format: Format,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub text: String,
    pub charset: &'static str,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    pub attempts: u32,
}
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Fetched {
    Page(Page),
    NotModified {
        final_url: Url,
        status: u16,
        fetched_at: chrono::DateTime<chrono::Utc>,
        attempts: u32,
    },
}
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {code}")]
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    #[error("{0}")]
    Other(String),
}
impl FetchError {
    pub fn is_transient(&self) -> bool {
        true
    }
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
    pub fn kind(&self) -> &'static str {
        "other"
    }
}
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}
impl Fetcher {
    pub fn new(user_agent: &str, connect_timeout: Duration) -> Result<Self, FetchError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(Fetcher { client })
    }
    pub async fn fetch(
        &self,
        url: &Url,
        _validators: Option<&Validators>,
        opts: &FetchOptions,
    ) -> Result<Fetched, FetchError> {
        if url.scheme() == "file" {
            let path = url
                .to_file_path()
                .map_err(|_| FetchError::Other("bad file url".into()))?;
            let body = tokio::fs::read(&path)
                .await
                .map_err(|e| FetchError::Other(e.to_string()))?;
            let format = if path.extension().is_some_and(|e| e == "txt") {
                Format::Text
            } else {
                Format::Html
            };
            let text = String::from_utf8_lossy(&body).into_owned();
            return Ok(Fetched::Page(Page {
                url: url.clone(),
                final_url: url.clone(),
                status: 200,
                content_type: None,
                format,
                etag: None,
                last_modified: None,
                headers: vec![],
                body: body.into(),
                text,
                charset: "UTF-8",
                fetched_at: chrono::Utc::now(),
                attempts: 1,
            }));
        }
        let resp = self
            .client
            .get(url.clone())
            .timeout(opts.timeout)
            .send()
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            return Err(FetchError::Status {
                code: status,
                retry_after: None,
            });
        }
        let final_url = resp.url().clone();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let format = if ct.as_deref().is_some_and(|c| c.starts_with("text/plain")) {
            Format::Text
        } else {
            Format::Html
        };
        let body = resp
            .bytes()
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        let text = String::from_utf8_lossy(&body).into_owned();
        Ok(Fetched::Page(Page {
            url: url.clone(),
            final_url,
            status,
            content_type: ct,
            format,
            etag: None,
            last_modified: None,
            headers: vec![],
            body,
            text,
            charset: "UTF-8",
            fetched_at: chrono::Utc::now(),
            attempts: 1,
        }))
    }
}
pub fn user_agent() -> String {
    format!(
        "canaryd/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}
