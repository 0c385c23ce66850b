//! How the server reaches Postgres: libpq's `sslmode` and `sslrootcert`,
//! read from `DATABASE_URL`, with TLS by rustls.
//!
//! tokio-postgres itself knows only `disable`, `prefer` and `require` and
//! never checks a certificate, so the two parameters are taken out of the
//! URL here and turned into a rustls configuration:
//!
//! | `sslmode`     | encrypted                  | certificate checked             |
//! |---------------|----------------------------|---------------------------------|
//! | (none)        | no (libpq would `prefer`)  | —                               |
//! | `disable`     | no                         | —                               |
//! | `allow`       | only if plain text fails   | no                              |
//! | `prefer`      | if the server offers it    | no                              |
//! | `require`     | yes                        | no, or as `verify-ca` when `sslrootcert` names a file (as libpq) |
//! | `verify-ca`   | yes                        | chain to a trusted CA           |
//! | `verify-full` | yes                        | chain, and the host name        |
//!
//! The trusted CAs are the ones in the PEM file `sslrootcert` names, and only
//! those; without it (or with `sslrootcert=system`) they are Mozilla's roots
//! compiled into the binary (`webpki-roots`), so the server needs no CA
//! bundle on its machine. A `sslrootcert` without `sslmode` means
//! `verify-full`: whoever names a CA wants it checked.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use percent_encoding::percent_decode_str;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain text only.
    Disable,
    /// Plain text; TLS (unverified) only if the server refuses plain text.
    Allow,
    /// TLS (unverified) if the server offers it, else plain text.
    Prefer,
    /// TLS; the certificate is not checked unless a CA file is given.
    Require,
    /// TLS, and the certificate must chain to a trusted CA.
    VerifyCa,
    /// TLS, the certificate must chain to a trusted CA and name the host.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode={other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                ));
            }
        })
    }
}

impl SslMode {
    /// The value as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// Where the trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// Mozilla's roots, compiled in (`sslrootcert` unset or `system`).
    Builtin,
    /// Only the certificates in this PEM file (`sslrootcert=/path`).
    File(PathBuf),
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Nothing: encrypted against eavesdroppers, not against impostors.
    Nothing,
    /// The chain to a trusted CA, not the host name.
    Chain,
    /// The chain and the host name.
    Full,
}

/// What `DATABASE_URL` asks for. Never printed with the URL: it may hold a
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    /// The URL without `sslmode`/`sslrootcert`, for tokio-postgres.
    url: String,
    /// The mode asked for (`Disable` when none was).
    pub ssl_mode: SslMode,
    /// How much of the certificate is checked when TLS is used.
    pub verify: Verify,
    /// The trusted CAs.
    pub roots: RootCerts,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("ssl_mode", &self.ssl_mode)
            .field("verify", &self.verify)
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

/// Client-certificate parameters of libpq that this server does not implement;
/// refused by name rather than silently ignored.
const UNSUPPORTED: &[&str] = &["sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir", "sslcertmode"];

impl PgTarget {
    /// Reads `sslmode` and `sslrootcert` out of a `postgres://` URL. The
    /// error names the parameter, never the URL.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (url, ""),
        };
        let mut kept: Vec<&str> = Vec::new();
        let mut ssl_mode = None;
        let mut root_cert = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| format!("{key} is not valid UTF-8 after percent-decoding"))?;
            match key {
                "sslmode" => ssl_mode = Some(value.parse::<SslMode>()?),
                "sslrootcert" if value.is_empty() => return Err("sslrootcert is empty".into()),
                "sslrootcert" => root_cert = Some(value.into_owned()),
                key if UNSUPPORTED.contains(&key) => {
                    return Err(format!(
                        "{key} is not supported (no client certificates); only sslmode and sslrootcert are"
                    ));
                }
                _ => kept.push(pair),
            }
        }
        let system = root_cert.as_deref() == Some("system");
        let ssl_mode = match (ssl_mode, &root_cert) {
            (Some(mode), _) => mode,
            (None, Some(_)) => SslMode::VerifyFull,
            (None, None) => SslMode::Disable,
        };
        if system && ssl_mode != SslMode::VerifyFull {
            // libpq's rule: the public roots vouch for any name they signed,
            // so anything short of verify-full would trust too much.
            return Err(format!(
                "sslrootcert=system needs sslmode=verify-full, not {}",
                ssl_mode.as_str()
            ));
        }
        let roots = match root_cert {
            Some(path) if !system => RootCerts::File(PathBuf::from(path)),
            _ => RootCerts::Builtin,
        };
        let verify = match ssl_mode {
            SslMode::Disable | SslMode::Allow | SslMode::Prefer => Verify::Nothing,
            // libpq: "if a root CA file exists, require behaves like verify-ca".
            SslMode::Require if matches!(roots, RootCerts::File(_)) => Verify::Chain,
            SslMode::Require => Verify::Nothing,
            SslMode::VerifyCa => Verify::Chain,
            SslMode::VerifyFull => Verify::Full,
        };
        // What tokio-postgres understands; `allow` starts in plain text.
        kept.push(match ssl_mode {
            SslMode::Disable | SslMode::Allow => "sslmode=disable",
            SslMode::Prefer => "sslmode=prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "sslmode=require",
        });
        let url = format!("{base}?{}", kept.join("&"));
        Ok(Self {
            url,
            ssl_mode,
            verify,
            roots,
        })
    }

    /// Whether connections may use TLS at all.
    pub fn uses_tls(&self) -> bool {
        self.ssl_mode != SslMode::Disable
    }

    /// A short description for error messages, without the URL.
    pub fn describe(&self) -> String {
        match (&self.roots, self.uses_tls()) {
            (_, false) => format!("sslmode={}", self.ssl_mode.as_str()),
            (RootCerts::File(path), true) => {
                format!("sslmode={}, CA file {}", self.ssl_mode.as_str(), path.display())
            }
            (RootCerts::Builtin, true) if self.verify == Verify::Nothing => {
                format!("sslmode={}, certificate not checked", self.ssl_mode.as_str())
            }
            (RootCerts::Builtin, true) => format!("sslmode={}, built-in public CAs", self.ssl_mode.as_str()),
        }
    }
}

/// Opens Postgres connections the way `DATABASE_URL` asks; cheap to clone.
#[derive(Clone)]
pub struct Connector {
    target: Arc<PgTarget>,
    config: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// How long the first connection (migrations) may take before start-up gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl Connector {
    /// Parses the URL and loads the CA file, so a bad setting fails at
    /// start-up rather than on the first query.
    pub fn new(database_url: &str) -> anyhow::Result<Self> {
        let target = PgTarget::parse(database_url).map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
        let config = tokio_postgres::Config::from_str(&target.url)
            // tokio-postgres's parse errors name the option, not the URL.
            .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
        let tls = if target.uses_tls() {
            Some(MakeRustlsConnect::new(client_config(&target)?))
        } else {
            None
        };
        Ok(Self {
            target: Arc::new(target),
            config,
            tls,
        })
    }

    /// What the URL asked for.
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// Opens one connection.
    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectionError> {
        match (&self.tls, self.target.ssl_mode) {
            (None, _) => self.plain().await,
            (Some(tls), SslMode::Allow) => match self.plain().await {
                Ok(conn) => Ok(conn),
                Err(_) => {
                    let mut config = self.config.clone();
                    config.ssl_mode(tokio_postgres::config::SslMode::Require);
                    Self::finish(config.connect(tls.clone()).await).await
                }
            },
            (Some(tls), _) => Self::finish(self.config.connect(tls.clone()).await).await,
        }
    }

    async fn plain(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let mut config = self.config.clone();
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        Self::finish(config.connect(tokio_postgres::NoTls).await).await
    }

    async fn finish<S>(
        connected: Result<
            (
                tokio_postgres::Client,
                tokio_postgres::Connection<tokio_postgres::Socket, S>,
            ),
            tokio_postgres::Error,
        >,
    ) -> Result<AsyncPgConnection, ConnectionError>
    where
        S: tokio_postgres::tls::TlsStream + Unpin + Send + 'static,
    {
        let (client, connection) = connected.map_err(|e| ConnectionError::BadConnection(with_causes(&e)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }

    /// Opens one connection, giving up after [`CONNECT_TIMEOUT`]; the error
    /// says which TLS settings were in force.
    pub async fn connect_checked(&self) -> anyhow::Result<AsyncPgConnection> {
        match tokio::time::timeout(CONNECT_TIMEOUT, self.connect()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(anyhow::anyhow!("{e}")).with_context(|| self.failure()),
            Err(_) => {
                Err(anyhow::anyhow!("no answer within {} s", CONNECT_TIMEOUT.as_secs())).with_context(|| self.failure())
            }
        }
    }

    fn failure(&self) -> String {
        format!("connecting to Postgres ({})", self.target.describe())
    }
}

/// An error and its causes on one line: tokio-postgres's own message for a
/// TLS failure is only "error performing TLS handshake", and the reason
/// (rustls's "invalid peer certificate: UnknownIssuer") is its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let next = e.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = e.source();
    }
    text
}

/// The crypto backend for every TLS connection the server makes.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Makes it the process-wide rustls default too, for libraries (the redis
/// client) that ask rustls for "the" provider; harmless when already set.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Reads every certificate in a PEM file; an empty or unreadable file is an
/// error that names it.
pub fn load_ca_file(path: &Path) -> anyhow::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).with_context(|| format!("reading CA file {}", path.display()))?;
    for cert in certs {
        let cert = cert.with_context(|| format!("reading CA file {}", path.display()))?;
        store
            .add(cert)
            .with_context(|| format!("CA file {}: unusable certificate", path.display()))?;
    }
    anyhow::ensure!(!store.is_empty(), "CA file {} holds no PEM certificate", path.display());
    Ok(store)
}

fn client_config(target: &PgTarget) -> anyhow::Result<ClientConfig> {
    let provider = crypto_provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let roots = || -> anyhow::Result<Arc<RootCertStore>> {
        Ok(Arc::new(match &target.roots {
            RootCerts::File(path) => load_ca_file(path)?,
            RootCerts::Builtin => RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }))
    };
    let config = match target.verify {
        Verify::Full => builder.with_root_certificates(roots()?).with_no_client_auth(),
        Verify::Chain => {
            let inner = WebPkiServerVerifier::builder_with_provider(roots()?, provider)
                .build()
                .context("building the certificate verifier")?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyHostName { inner }))
                .with_no_client_auth()
        }
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoCheck {
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// `verify-ca`: the usual chain check, but any host name. rustls has no such
/// mode, so this wraps its own verifier and forgives only a name mismatch.
#[derive(Debug)]
struct AnyHostName {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            // The chain is checked before the name, so a name error means
            // the chain was good.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `require`/`prefer`/`allow` without a CA file: libpq encrypts without
/// checking who answers, and rustls has no such mode, so this verifier
/// accepts any certificate. The handshake signatures are still checked, so
/// the session key belongs to whoever holds that certificate's key.
#[derive(Debug)]
struct NoCheck {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for NoCheck {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<PgTarget, String> {
        PgTarget::parse(url)
    }

    #[test]
    fn every_libpq_sslmode_parses() -> Result<(), String> {
        let cases = [
            ("disable", SslMode::Disable, Verify::Nothing, "sslmode=disable"),
            ("allow", SslMode::Allow, Verify::Nothing, "sslmode=disable"),
            ("prefer", SslMode::Prefer, Verify::Nothing, "sslmode=prefer"),
            ("require", SslMode::Require, Verify::Nothing, "sslmode=require"),
            ("verify-ca", SslMode::VerifyCa, Verify::Chain, "sslmode=require"),
            ("verify-full", SslMode::VerifyFull, Verify::Full, "sslmode=require"),
        ];
        for (value, mode, verify, handed_on) in cases {
            let t = parse(&format!("postgres://u:pw@db.example:5432/app?sslmode={value}"))?;
            assert_eq!(t.ssl_mode, mode, "{value}");
            assert_eq!(t.verify, verify, "{value}");
            assert_eq!(t.roots, RootCerts::Builtin, "{value}");
            assert_eq!(
                t.url,
                format!("postgres://u:pw@db.example:5432/app?{handed_on}"),
                "{value}"
            );
            // tokio-postgres accepts what is handed on.
            tokio_postgres::Config::from_str(&t.url).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    #[test]
    fn no_sslmode_is_plain_text_as_before() -> Result<(), String> {
        let t = parse("postgres://u@db.example/app")?;
        assert_eq!(t.ssl_mode, SslMode::Disable);
        assert!(!t.uses_tls());
        assert_eq!(t.url, "postgres://u@db.example/app?sslmode=disable");
        Ok(())
    }

    #[test]
    fn unknown_sslmode_is_named_and_the_url_is_not() {
        let err = parse("postgres://u:hunter2@db.example/app?sslmode=verify_full")
            .err()
            .unwrap_or_default();
        assert!(err.contains("verify_full") && err.contains("verify-full"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sslrootcert_is_taken_out_and_decoded() -> Result<(), String> {
        let t = parse(
            "postgres://u@db/app?application_name=x&sslrootcert=%2Fetc%2Fca%20dir%2Fca.pem&sslmode=verify-full&connect_timeout=5",
        )?;
        assert_eq!(t.roots, RootCerts::File(PathBuf::from("/etc/ca dir/ca.pem")));
        assert_eq!(t.verify, Verify::Full);
        assert_eq!(
            t.url,
            "postgres://u@db/app?application_name=x&connect_timeout=5&sslmode=require"
        );
        Ok(())
    }

    #[test]
    fn require_with_a_ca_file_checks_the_chain_as_libpq_does() -> Result<(), String> {
        let t = parse("postgres://u@db/app?sslmode=require&sslrootcert=/ca.pem")?;
        assert_eq!(t.ssl_mode, SslMode::Require);
        assert_eq!(t.verify, Verify::Chain);
        Ok(())
    }

    #[test]
    fn a_ca_without_sslmode_means_verify_full() -> Result<(), String> {
        let t = parse("postgres://u@db/app?sslrootcert=/ca.pem")?;
        assert_eq!(t.ssl_mode, SslMode::VerifyFull);
        assert_eq!(t.verify, Verify::Full);
        Ok(())
    }

    #[test]
    fn sslrootcert_system_uses_builtin_roots_and_only_with_verify_full() -> Result<(), String> {
        let t = parse("postgres://u@db/app?sslrootcert=system")?;
        assert_eq!((t.ssl_mode, t.roots), (SslMode::VerifyFull, RootCerts::Builtin));
        let err = parse("postgres://u@db/app?sslrootcert=system&sslmode=require")
            .err()
            .unwrap_or_default();
        assert!(err.contains("verify-full"), "{err}");
        Ok(())
    }

    #[test]
    fn client_certificates_are_refused_by_name() {
        let err = parse("postgres://u@db/app?sslmode=verify-full&sslcert=/c.pem")
            .err()
            .unwrap_or_default();
        assert!(err.contains("sslcert"), "{err}");
    }

    #[test]
    fn a_missing_ca_file_fails_at_start_up_naming_it() {
        let err = Connector::new("postgres://u@db/app?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn every_mode_builds_a_connector() -> anyhow::Result<()> {
        for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            let c = Connector::new(&format!("postgres://u@db/app?sslmode={mode}"))?;
            assert_eq!(c.tls.is_some(), mode != "disable", "{mode}");
        }
        Ok(())
    }
}
