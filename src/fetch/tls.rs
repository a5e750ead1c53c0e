//! The TLS setup every HTTP client shares, and the roots it verifies with, loaded on the
//! first https handshake rather than when a client is built.
//!
//! Loading the system's roots reads and parses every file in /etc/ssl/certs: about 3 ms of
//! a 10 ms `canaryd check` of one plain-http watch, and their memory for the life of a
//! daemon that may never speak TLS. So the verifier handed to rustls stands in for the real
//! one and makes it on first use; every answer after that is the real one's.

use std::sync::{Arc, OnceLock};

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// The TLS setup of every client: the system's roots (rustls-platform-verifier, as reqwest
/// would use), behind [`Roots`]. Made once per process, so building another client (after
/// the daemon let its connections go) reads no certificate files.
pub(super) fn config() -> &'static rustls::ClientConfig {
    static TLS: OnceLock<rustls::ClientConfig> = OnceLock::new();
    TLS.get_or_init(|| {
        let provider = provider();
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .expect("the process's crypto provider supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Roots {
                provider,
                verifier: OnceLock::new(),
            }))
            .with_no_client_auth();
        // The ALPN reqwest would offer: HTTP/2, then HTTP/1.1.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    })
}

/// The crypto provider the process installed (ring, by `Fetcher::new`).
fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The system's roots, made on the first question a handshake asks.
#[derive(Debug)]
struct Roots {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<Arc<dyn ServerCertVerifier>>,
}

impl Roots {
    fn verifier(&self) -> &dyn ServerCertVerifier {
        self.verifier
            .get_or_init(|| system(&self.provider))
            .as_ref()
    }
}

/// The platform verifier over the system's roots; when they cannot be loaded (a container
/// without ca-certificates, an SSL_CERT_FILE pointing nowhere), the bundled Mozilla roots,
/// rather than failing every https watch.
fn system(provider: &Arc<CryptoProvider>) -> Arc<dyn ServerCertVerifier> {
    match rustls_platform_verifier::Verifier::new(Arc::clone(provider)) {
        Ok(verifier) => Arc::new(verifier),
        Err(e) => {
            tracing::warn!(
                error = %e,
                "no CA certificates could be loaded from this system; verifying https \
                 sites with the bundled Mozilla roots (webpki-roots) instead (install \
                 the ca-certificates package, or fix SSL_CERT_FILE/SSL_CERT_DIR, to use \
                 the system's)"
            );
            let roots =
                rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                Arc::clone(provider),
            )
            .build()
            .expect("the bundled Mozilla roots are not empty")
        }
    }
}

impl ServerCertVerifier for Roots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier().verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.verifier().supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.verifier().requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.verifier().root_hint_subjects()
    }
}
