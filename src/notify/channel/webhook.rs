//! The webhook channel: one HTTP POST of the alert's JSON object, bounded as a whole by the
//! channel's `timeout`, with an optional `Authorization` header read at every send (so a
//! rotated token is picked up without a reload, and never held in the watchlist).

use std::path::PathBuf;
use std::sync::Once;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use url::Url;

use super::{Payload, SendError};
use crate::config::{Secret, WebhookConfig};

/// Most of an error answer's body kept for the error message.
const ANSWER_LIMIT: usize = 512;

static CRYPTO_PROVIDER: Once = Once::new();

#[derive(Debug)]
pub(super) struct Webhook {
    client: reqwest::Client,
    url: Url,
    authorization: Option<Secret>,
    timeout: Duration,
}

/// 4xx other than 408 (request timeout) and 429 (too many requests), and redirects: asking
/// again will get the same answer. 408, 429 and 5xx are the receiver's passing trouble.
pub(super) fn permanent_status(status: u16) -> bool {
    matches!(status, 300..=499) && !matches!(status, 408 | 429)
}

impl Webhook {
    pub(super) fn new(cfg: &WebhookConfig) -> Result<Webhook, SendError> {
        CRYPTO_PROVIDER.call_once(|| {
            // reqwest is built without a provider; Err only means one is installed already.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let client = reqwest::Client::builder()
            .user_agent(crate::fetch::user_agent())
            .connect_timeout(cfg.timeout)
            .timeout(cfg.timeout)
            // A redirected POST would lose its body or change method; the answer is shown
            // instead, so the operator can put the right URL in the watchlist.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SendError::Client)?;
        Ok(Webhook {
            client,
            url: cfg.url.clone(),
            authorization: cfg.authorization.clone(),
            timeout: cfg.timeout,
        })
    }

    pub(super) async fn send(&self, payload: &Payload) -> Result<String, SendError> {
        let body = serde_json::to_vec(payload)?;
        let mut request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(secret) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization(secret)?);
        }
        let exchange = async {
            let mut response = request.send().await?;
            let status = response.status();
            let mut answer = Vec::new();
            while answer.len() < ANSWER_LIMIT
                && let Some(chunk) = response.chunk().await?
            {
                answer.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((status, answer))
        };
        // reqwest's own timeout covers the request; this one also covers reading the answer.
        let (status, answer) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| SendError::WebhookTimeout(self.timeout))?
            .map_err(|e| {
                if e.is_timeout() {
                    SendError::WebhookTimeout(self.timeout)
                } else {
                    SendError::Request(e.without_url())
                }
            })?;
        let text = one_line(&answer);
        if status.is_success() {
            let mut said = format!("HTTP {status}");
            if !text.is_empty() {
                said.push_str(&format!(": {text}"));
            }
            return Ok(said);
        }
        Err(SendError::Status {
            status: status.as_u16(),
            body: text,
        })
    }
}

/// The first bytes of an answer on one line, for logs and `list`.
fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(ANSWER_LIMIT)]);
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    flat
}

/// The `Authorization` header's value: the secret's content without its final newline.
fn authorization(secret: &Secret) -> Result<HeaderValue, SendError> {
    let path = match secret {
        Secret::File(p) => p.clone(),
        Secret::Credential(name) => std::env::var_os("CREDENTIALS_DIRECTORY")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(name),
    };
    let text = std::fs::read_to_string(&path).map_err(|source| SendError::Authorization {
        path: path.clone(),
        source,
    })?;
    let mut value = HeaderValue::from_str(text.trim_end_matches(['\r', '\n']))
        .map_err(|_| SendError::AuthorizationValue { path })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_answers_are_permanent() {
        for s in [400, 401, 403, 404, 410, 422, 301, 302] {
            assert!(permanent_status(s), "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(!permanent_status(s), "{s}");
        }
    }

    #[test]
    fn authorization_file_is_read_without_its_newline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "Bearer s3cret\n").expect("write");
        let v = authorization(&Secret::File(file)).expect("readable");
        assert_eq!(v.to_str().expect("ascii"), "Bearer s3cret");
        assert!(v.is_sensitive());
        let missing = authorization(&Secret::File(dir.path().join("nope")));
        assert!(matches!(missing, Err(SendError::Authorization { .. })));
    }
}
