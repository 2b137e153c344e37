//! The certificate credential: loading a certificate and its private key from PEM or PFX/PKCS#12,
//! checking them before anything is sent (the key belongs to the certificate, both are RSA, the
//! validity window), the identifiers Entra shows for it (the SHA-1 thumbprint registered on the
//! app, `x5t`, `x5t#S256`), and the signed client assertion the token endpoint takes instead of a
//! client secret.
//!
//! The file format is detected from the content, never from the extension: PEM (certificate and
//! key blocks in any order, PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), PFX as DER, and PFX
//! as base64 text (what a Key Vault secret holds). Encrypted PEM keys are refused with a way out.
//!
//! Key material stays inside [`Certificate`]: it has no accessor, `Debug` hides it, no error
//! message carries it or the password, and the assertion comes back as a [`Secret`].

use std::fmt;

use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p12_keystore::Pkcs12Archive;
use p12_keystore::error::Error as PfxError;
use rustls_pki_types::pem::{PemObject as _, SectionKind};
use sha1::Digest as _;
use x509_parser::der_parser::der::parse_der_sequence;
use x509_parser::oid_registry::{OID_PKCS1_RSAENCRYPTION, Oid};
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::secret::Secret;

/// How long a client assertion is valid: `exp` − `nbf`. The certificate-credentials page
/// recommends 5–10 minutes.
pub const ASSERTION_LIFETIME_SECONDS: i64 = 600;

/// Where the certificate's validity window puts a given instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// `notBefore` ≤ now ≤ `notAfter`.
    Valid,
    /// Now is after `notAfter`: Entra refuses an assertion signed with it.
    Expired,
    /// Now is before `notBefore`.
    NotYetValid,
}

impl Validity {
    /// A stable name, for signals and JSON.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
        }
    }
}

/// The file format the certificate was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PEM blocks.
    Pem,
    /// PFX / PKCS#12, as DER or as base64 text.
    Pfx,
}

impl Format {
    /// A stable name, for signals and JSON.
    pub fn signal(self) -> &'static str {
        match self {
            Self::Pem => "pem",
            Self::Pfx => "pfx",
        }
    }
}

/// Why a certificate credential cannot be used. Every message names the file (as the user gave
/// it) and says what to do next; none carries key material or the password.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    /// The content is neither PEM nor a PFX.
    #[error(
        "{path} is neither a PEM file nor a PFX/PKCS#12 file. Give the certificate with its private key: \
         a PEM file with a CERTIFICATE block and a PRIVATE KEY block, or a .pfx/.p12 export"
    )]
    NotACertificate {
        /// The file as the user named it.
        path: String,
    },
    /// The format was recognised but the content is damaged or uses something unsupported.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The file as the user named it.
        path: String,
        /// What is wrong and what to do (never key material).
        reason: String,
    },
    /// There is a key but no certificate.
    #[error(
        "{path} holds a private key but no certificate. Put the certificate (the one uploaded to the app \
         registration) in the same file, e.g. `cat cert.pem key.pem > both.pem`, or use a PFX export"
    )]
    NoCertificate {
        /// The file as the user named it.
        path: String,
    },
    /// There is a certificate but no private key.
    #[error(
        "{path} holds a certificate but no private key; the public certificate (.cer/.crt) is what you upload \
         to Entra, signing needs its private key too. Use the PEM or PFX that contains the key"
    )]
    NoPrivateKey {
        /// The file as the user named it.
        path: String,
    },
    /// The PEM private key is encrypted, which is not supported.
    #[error(
        "the private key in {path} is encrypted, which pbi-doctor does not read. Decrypt it into a new file \
         with `openssl pkcs8 -topk8 -nocrypt -in {path} -out key-plain.pem` and put the certificate in \
         it too (keep that file private), or give a password-protected PFX with \
         AZURE_CLIENT_CERTIFICATE_PASSWORD"
    )]
    EncryptedPemKey {
        /// The file as the user named it.
        path: String,
    },
    /// The PFX integrity check failed with the given password.
    #[error(
        "the password does not open {path} (the PFX integrity check failed): check \
         AZURE_CLIENT_CERTIFICATE_PASSWORD; if the file has no password, leave it unset"
    )]
    WrongPassword {
        /// The file as the user named it.
        path: String,
    },
    /// The PFX needs a password and none was given.
    #[error(
        "{path} is protected by a password and none was given: set AZURE_CLIENT_CERTIFICATE_PASSWORD"
    )]
    PasswordRequired {
        /// The file as the user named it.
        path: String,
    },
    /// The private key is not the certificate's.
    #[error(
        "the private key in {path} does not belong to the certificate {thumbprint} ({subject}): Entra would \
         refuse every assertion signed with it. Use the key the certificate was created with, e.g. export \
         certificate and key together as a PFX from where it was generated"
    )]
    KeyDoesNotMatch {
        /// The file as the user named it.
        path: String,
        /// The certificate's SHA-1 thumbprint, uppercase hex.
        thumbprint: String,
        /// The certificate's subject.
        subject: String,
    },
    /// The certificate or key is not RSA.
    #[error(
        "the {what} in {path} is {algorithm}, not RSA: client assertions are signed RS256 here, so the \
         certificate needs an RSA key of 2048 bits or more (e.g. `openssl req -x509 -newkey rsa:2048 …`), \
         uploaded to the app registration in place of this one"
    )]
    NotRsa {
        /// The file as the user named it.
        path: String,
        /// "certificate" or "private key".
        what: &'static str,
        /// The key algorithm found.
        algorithm: String,
    },
    /// Signing the assertion failed.
    #[error(
        "cannot sign the client assertion: {0}. The key was accepted when loaded; please report this"
    )]
    Signing(String),
}

impl CertificateError {
    /// A stable name, for signals and JSON.
    pub fn signal(&self) -> &'static str {
        match self {
            Self::NotACertificate { .. } => "not-a-certificate",
            Self::Unreadable { .. } => "unreadable",
            Self::NoCertificate { .. } => "no-certificate",
            Self::NoPrivateKey { .. } => "no-private-key",
            Self::EncryptedPemKey { .. } => "encrypted-pem-key",
            Self::WrongPassword { .. } => "wrong-password",
            Self::PasswordRequired { .. } => "password-required",
            Self::KeyDoesNotMatch { .. } => "key-does-not-match",
            Self::NotRsa { .. } => "not-rsa",
            Self::Signing(_) => "signing",
        }
    }
}

/// An RSA private key as PKCS#1 `RSAPrivateKey` DER, with a `Debug` that hides it.
#[derive(Clone)]
struct RsaKey(Vec<u8>);

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

/// A certificate with its private key, checked to belong together and to be RSA.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    key: RsaKey,
    format: Format,
    subject: String,
    issuer: String,
    not_before: i64,
    not_after: i64,
    sha1: [u8; 20],
    sha256: [u8; 32],
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("thumbprint", &self.thumbprint_sha1_hex())
            .field("subject", &self.subject)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("format", &self.format)
            .field("key", &self.key)
            .finish()
    }
}

/// The JWT claims of a client assertion, as the certificate-credentials page lists them.
#[derive(serde::Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

impl Certificate {
    /// The SHA-1 thumbprint in uppercase hex without separators, as the Azure portal shows it
    /// under Certificates & secrets: the one registered on the app, and the one AADSTS700027
    /// quotes as "Thumbprint of key used by client".
    pub fn thumbprint_sha1_hex(&self) -> String {
        upper_hex(&self.sha1)
    }

    /// The SHA-256 thumbprint in uppercase hex without separators.
    pub fn thumbprint_sha256_hex(&self) -> String {
        upper_hex(&self.sha256)
    }

    /// The `x5t` header value: the SHA-1 thumbprint of the DER certificate, base64url without
    /// padding.
    pub fn x5t(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.sha1)
    }

    /// The `x5t#S256` header value: the SHA-256 thumbprint, base64url without padding.
    pub fn x5t_s256(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.sha256)
    }

    /// `notBefore`, in seconds since the epoch.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// `notAfter`, in seconds since the epoch.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// The subject's distinguished name, e.g. `CN=pbi-doctor`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer's distinguished name; equal to the subject for a self-signed certificate.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The file format the certificate was read from.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The certificate itself, DER-encoded (public: what an `x5c` header would carry).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Where `now` (seconds since the epoch) falls in the validity window; both ends are inclusive.
    pub fn validity(&self, now: i64) -> Validity {
        if now < self.not_before {
            Validity::NotYetValid
        } else if now > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// The signed client assertion for the client-credentials grant (`client_assertion`, with
    /// `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
    ///
    /// Header: `alg` RS256, `typ` JWT, `x5t` (SHA-1). Claims: `aud` = `token_endpoint` (the full
    /// `…/oauth2/v2.0/token` URL), `iss` = `sub` = `client_id`, `jti` a fresh UUID v4,
    /// `nbf` = `iat` = `now`, `exp` = `now` + [`ASSERTION_LIFETIME_SECONDS`].
    pub fn client_assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        now: i64,
    ) -> Result<Secret, CertificateError> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("JWT".to_owned());
        header.x5t = Some(self.x5t());
        let claims = AssertionClaims {
            aud: token_endpoint,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECONDS,
        };
        super::ring_jwt::install();
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&self.key.0))
            .map(Secret::new)
            .map_err(|e| CertificateError::Signing(e.to_string()))
    }
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A private key as found in the file, before it is known to be RSA.
enum FoundKey {
    /// PKCS#1 `RSAPrivateKey` DER.
    Pkcs1(Vec<u8>),
    /// PKCS#8 `PrivateKeyInfo` DER.
    Pkcs8(Vec<u8>),
    /// SEC1 `EC PRIVATE KEY`.
    Sec1,
}

/// Everything the file holds, whatever its format.
struct Contents {
    format: Format,
    certs: Vec<Vec<u8>>,
    keys: Vec<FoundKey>,
}

/// Loads a certificate and its private key from the bytes of a file. `path_hint` is how the user
/// named the file (it only appears in messages); `password` opens a PFX and is ignored for PEM.
///
/// The certificate used is the first one whose public key matches a private key in the file, so a
/// PEM or PFX that also carries the issuing chain works. Nothing is sent anywhere.
pub fn load(
    bytes: &[u8],
    path_hint: &str,
    password: Option<&Secret>,
) -> Result<Certificate, CertificateError> {
    let path = path_hint.to_owned();
    // Text saved by Windows PowerShell starts with a byte-order mark (UTF-8 from `Set-Content
    // -Encoding UTF8`) or is UTF-16 (`>`, `Out-File`): decoded first, or the PEM reader misses
    // the first BEGIN line. DER starts with 0x30, never with a mark.
    let decoded;
    let bytes = if [&[0xEF, 0xBB, 0xBF][..], &[0xFF, 0xFE], &[0xFE, 0xFF]]
        .iter()
        .any(|mark| bytes.starts_with(mark))
    {
        decoded = crate::fsio::decode(bytes.to_vec(), crate::fsio::Decoding::Strict)
            .map_err(|_| CertificateError::NotACertificate { path: path.clone() })?;
        decoded.as_bytes()
    } else {
        bytes
    };
    let contents = if contains(bytes, b"-----BEGIN ") {
        read_pem(bytes, &path)?
    } else if let Some(der) = der_or_base64_der(bytes) {
        read_pfx(&der, &path, password)?
    } else {
        return Err(CertificateError::NotACertificate { path });
    };
    pair(contents, path)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The bytes as DER (a SEQUENCE), either directly or after decoding base64 text.
fn der_or_base64_der(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.first() == Some(&0x30) {
        return Some(bytes.to_vec());
    }
    let text: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let is_base64 = !text.is_empty()
        && text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !is_base64 {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(&text)
        .ok()
        .filter(|der| der.first() == Some(&0x30))
}

fn read_pem(bytes: &[u8], path: &str) -> Result<Contents, CertificateError> {
    // Encrypted keys: PKCS#8 `ENCRYPTED PRIVATE KEY`, or traditional OpenSSL PEM with a
    // `Proc-Type: 4,ENCRYPTED` header (which the PEM reader would report as bad base64).
    if contains(bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(bytes, b"Proc-Type: 4,ENCRYPTED")
    {
        return Err(CertificateError::EncryptedPemKey {
            path: path.to_owned(),
        });
    }
    let mut contents = Contents {
        format: Format::Pem,
        certs: Vec::new(),
        keys: Vec::new(),
    };
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        // The PEM reader's errors can quote a line of the file; they are not passed on.
        let (kind, der) = section.map_err(|_| CertificateError::Unreadable {
            path: path.to_owned(),
            reason: "a PEM block is malformed (cut short, edited, or missing its END line); \
                     export the certificate and key again"
                .to_owned(),
        })?;
        match kind {
            SectionKind::Certificate => contents.certs.push(der),
            SectionKind::PrivateKey => contents.keys.push(FoundKey::Pkcs8(der)),
            SectionKind::RsaPrivateKey => contents.keys.push(FoundKey::Pkcs1(der)),
            SectionKind::EcPrivateKey => contents.keys.push(FoundKey::Sec1),
            _ => {}
        }
    }
    if contents.certs.is_empty() && contents.keys.is_empty() {
        return Err(CertificateError::NotACertificate {
            path: path.to_owned(),
        });
    }
    Ok(contents)
}

fn read_pfx(
    der: &[u8],
    path: &str,
    password: Option<&Secret>,
) -> Result<Contents, CertificateError> {
    if let Some(announced) = der_length(der)
        && announced > der.len()
    {
        return Err(CertificateError::Unreadable {
            path: path.to_owned(),
            reason: format!(
                "the file is cut short: it is {} bytes, its content announces {announced}; \
                 copy or download it again (in binary mode)",
                der.len()
            ),
        });
    }
    let archive = match Pkcs12Archive::from_pkcs12(der, password.map_or("", Secret::expose)) {
        Ok(archive) => archive,
        Err(PfxError::MacError(_)) => {
            return Err(match password {
                Some(_) => CertificateError::WrongPassword {
                    path: path.to_owned(),
                },
                None => CertificateError::PasswordRequired {
                    path: path.to_owned(),
                },
            });
        }
        Err(
            PfxError::DerError(_) | PfxError::InvalidVersion | PfxError::UnsupportedContentType,
        ) => {
            // Not a PFX. A lone DER certificate (.cer) is a common mix-up: say what it lacks.
            return Err(if X509Certificate::from_der(der).is_ok() {
                CertificateError::NoPrivateKey {
                    path: path.to_owned(),
                }
            } else {
                CertificateError::NotACertificate {
                    path: path.to_owned(),
                }
            });
        }
        Err(e) => {
            return Err(CertificateError::Unreadable {
                path: path.to_owned(),
                reason: format!(
                    "the PFX could not be opened ({e}); export it again, e.g. with \
                     `openssl pkcs12 -export -in cert.pem -inkey key.pem -out cert.pfx`"
                ),
            });
        }
    };
    Ok(Contents {
        format: Format::Pfx,
        certs: archive
            .certs
            .iter()
            .map(|bag| bag.cert.as_der().to_vec())
            .collect(),
        keys: archive
            .keys
            .iter()
            .map(|bag| FoundKey::Pkcs8(bag.key.as_der().to_vec()))
            .collect(),
    })
}

/// The total length a DER SEQUENCE announces in its header (definite lengths only).
fn der_length(der: &[u8]) -> Option<usize> {
    let (&first, rest) = der.get(1..)?.split_first()?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 || rest.len() < count {
        return None;
    }
    let length = rest[..count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some(2 + count + length)
}

/// A friendly name for a key algorithm OID.
fn algorithm_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.10045.2.1" => "EC (ECDSA)".to_owned(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS (an RSA key restricted to PSS)".to_owned(),
        "1.3.101.112" => "Ed25519".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        "1.2.840.10040.4.1" => "DSA".to_owned(),
        other => format!("the key algorithm {other}"),
    }
}

/// The PKCS#1 DER of an RSA key, or the algorithm it is instead.
fn rsa_pkcs1(key: &FoundKey) -> Result<Vec<u8>, Option<String>> {
    match key {
        FoundKey::Pkcs1(der) => Ok(der.clone()),
        FoundKey::Sec1 => Err(Some("EC (ECDSA)".to_owned())),
        FoundKey::Pkcs8(der) => {
            // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING, … }
            let (_, info) = parse_der_sequence(der).map_err(|_| None)?;
            let items = info.as_sequence().map_err(|_| None)?;
            let algorithm = items
                .get(1)
                .and_then(|a| a.as_sequence().ok())
                .and_then(|a| a.first())
                .and_then(|oid| oid.as_oid().ok())
                .ok_or(None)?;
            if *algorithm != OID_PKCS1_RSAENCRYPTION {
                return Err(Some(algorithm_name(algorithm)));
            }
            let inner = items.get(2).and_then(|k| k.as_slice().ok()).ok_or(None)?;
            Ok(inner.to_vec())
        }
    }
}

/// The RSA public modulus and exponent of a private key, without leading zeros, as the crypto
/// backend computes them (which also proves the key is usable for signing).
fn public_half(pkcs1: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    super::ring_jwt::install();
    let jwk = Jwk::from_encoding_key(&EncodingKey::from_rsa_der(pkcs1), Algorithm::RS256)
        .map_err(|e| e.to_string())?;
    let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
        return Err("not an RSA key".to_owned());
    };
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let n = engine.decode(&rsa.n).map_err(|e| e.to_string())?;
    let e = engine.decode(&rsa.e).map_err(|e| e.to_string())?;
    Ok((n, e))
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// A parsed certificate's facts, and its RSA public key if it has one.
struct CertFacts {
    der: Vec<u8>,
    subject: String,
    issuer: String,
    not_before: i64,
    not_after: i64,
    rsa: Result<(Vec<u8>, Vec<u8>), String>,
}

fn cert_facts(der: Vec<u8>, path: &str) -> Result<CertFacts, CertificateError> {
    let (_, cert) = X509Certificate::from_der(&der).map_err(|_| CertificateError::Unreadable {
        path: path.to_owned(),
        reason: "a certificate in it is not a valid X.509 certificate; export it again".to_owned(),
    })?;
    let spki = cert.public_key();
    let rsa = match spki.parsed() {
        Ok(PublicKey::RSA(key)) if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION => Ok((
            strip_zeros(key.modulus).to_vec(),
            strip_zeros(key.exponent).to_vec(),
        )),
        _ => Err(algorithm_name(&spki.algorithm.algorithm)),
    };
    Ok(CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        rsa,
        der: der.clone(),
    })
}

/// Picks the certificate that belongs to a private key in the file.
fn pair(contents: Contents, path: String) -> Result<Certificate, CertificateError> {
    if contents.certs.is_empty() {
        return Err(CertificateError::NoCertificate { path });
    }
    if contents.keys.is_empty() {
        return Err(CertificateError::NoPrivateKey { path });
    }
    let certs = contents
        .certs
        .into_iter()
        .map(|der| cert_facts(der, &path))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(first) = certs.first()
        && certs.iter().all(|c| c.rsa.is_err())
    {
        return Err(CertificateError::NotRsa {
            path,
            what: "certificate",
            algorithm: first.rsa.as_ref().err().cloned().unwrap_or_default(),
        });
    }
    let mut rsa_keys = Vec::new();
    let mut other_algorithm = None;
    for key in &contents.keys {
        match rsa_pkcs1(key) {
            Ok(pkcs1) => {
                let public = public_half(&pkcs1).map_err(|reason| CertificateError::Unreadable {
                    path: path.clone(),
                    reason: format!(
                        "the RSA private key is not usable ({reason}); RSA keys of 2048 to 8192 bits are \
                         accepted: if it is smaller, create a new certificate and upload it to the app \
                         registration, otherwise export the key again"
                    ),
                })?;
                rsa_keys.push((pkcs1, public));
            }
            Err(Some(algorithm)) => other_algorithm = other_algorithm.or(Some(algorithm)),
            Err(None) => {
                return Err(CertificateError::Unreadable {
                    path,
                    reason: "the private key is not a valid PKCS#8 or PKCS#1 key; export it again"
                        .to_owned(),
                });
            }
        }
    }
    if rsa_keys.is_empty() {
        return Err(CertificateError::NotRsa {
            path,
            what: "private key",
            algorithm: other_algorithm.unwrap_or_default(),
        });
    }
    for cert in &certs {
        let Ok(cert_public) = &cert.rsa else { continue };
        if let Some((pkcs1, _)) = rsa_keys.iter().find(|(_, public)| public == cert_public) {
            let sha1: [u8; 20] = sha1::Sha1::digest(&cert.der).into();
            let sha256: [u8; 32] = sha2::Sha256::digest(&cert.der).into();
            return Ok(Certificate {
                der: cert.der.clone(),
                key: RsaKey(pkcs1.clone()),
                format: contents.format,
                subject: cert.subject.clone(),
                issuer: cert.issuer.clone(),
                not_before: cert.not_before,
                not_after: cert.not_after,
                sha1,
                sha256,
            });
        }
    }
    let named = certs.iter().find(|c| c.rsa.is_ok()).unwrap_or(&certs[0]);
    Err(CertificateError::KeyDoesNotMatch {
        path,
        thumbprint: upper_hex(&sha1::Sha1::digest(&named.der)),
        subject: named.subject.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! data {
        ($name:literal) => {
            include_bytes!(concat!("../../tests/data/certs/", $name)).as_slice()
        };
    }

    const PASSWORD: &str = "test-only-password";
    /// `openssl x509 -in cert.pem -noout -fingerprint -sha1` (colons removed).
    const SHA1: &str = "83A8EF8FBA80B66C12DB49165729B29900623B36";
    /// `openssl x509 -in cert.pem -noout -fingerprint -sha256` (colons removed).
    const SHA256: &str = "CC43074887FA8004ADCA2F540A2A63CBBA6AA8370D4C52398868539656D3F8B5";
    /// `openssl x509 -in cert.pem -noout -startdate -enddate`, as epoch seconds.
    const NOT_BEFORE: i64 = 1_795_316_818;
    const NOT_AFTER: i64 = 4_948_916_818;
    const NOW: i64 = 1_800_000_000;
    const ENDPOINT: &str =
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token";
    const CLIENT_ID: &str = "8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90";

    fn password() -> Secret {
        Secret::new(PASSWORD)
    }

    fn main_cert(bytes: &[u8], password: Option<&Secret>) -> Certificate {
        let cert = load(bytes, "test", password).unwrap();
        assert_eq!(cert.thumbprint_sha1_hex(), SHA1);
        assert_eq!(cert.thumbprint_sha256_hex(), SHA256);
        cert
    }

    #[test]
    fn every_format_loads_the_same_certificate() {
        let pem = main_cert(data!("cert-and-key.pem"), None);
        assert_eq!(pem.format(), Format::Pem);
        main_cert(data!("key-then-cert.pem"), None);
        main_cert(data!("cert-and-pkcs1-key.pem"), None);
        // A password given for a PEM file is ignored.
        main_cert(data!("cert-and-key.pem"), Some(&password()));
        let pfx = main_cert(data!("cert.pfx"), Some(&password()));
        assert_eq!(pfx.format(), Format::Pfx);
        main_cert(data!("cert-legacy.pfx"), Some(&password()));
        main_cert(data!("cert-no-password.pfx"), None);
        // A PFX as base64 text, as a Key Vault secret holds it.
        let text = base64::engine::general_purpose::STANDARD.encode(data!("cert.pfx"));
        main_cert(format!("{text}\n").as_bytes(), Some(&password()));
        assert_eq!(pem.der(), pfx.der());
    }

    #[test]
    fn facts_match_openssl() {
        let cert = main_cert(data!("cert-and-key.pem"), None);
        assert_eq!(cert.not_before(), NOT_BEFORE);
        assert_eq!(cert.not_after(), NOT_AFTER);
        assert_eq!(
            cert.subject(),
            "O=pbi-doctor tests, CN=pbi-doctor TEST-ONLY certificate"
        );
        assert_eq!(cert.issuer(), cert.subject());
        // `openssl x509 -outform DER | openssl dgst -sha1 -binary | basenc --base64url`
        assert_eq!(cert.x5t(), "g6jvj7qAtmwS20kWVymymQBiOzY");
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        assert_eq!(upper_hex(&engine.decode(cert.x5t_s256()).unwrap()), SHA256);
        let debug = format!("{cert:?}");
        assert!(debug.contains(SHA1) && debug.contains("[redacted]"));
    }

    #[test]
    fn validity_states() {
        let cert = main_cert(data!("cert-and-key.pem"), None);
        assert_eq!(cert.validity(NOW), Validity::Valid);
        assert_eq!(cert.validity(NOT_BEFORE), Validity::Valid);
        assert_eq!(cert.validity(NOT_AFTER), Validity::Valid);
        assert_eq!(cert.validity(NOT_BEFORE - 1), Validity::NotYetValid);
        assert_eq!(cert.validity(NOT_AFTER + 1), Validity::Expired);

        // 2000-01-01 to 2001-01-01, and 2090-01-01 to 2100-01-01.
        let expired = load(data!("expired.pem"), "expired.pem", None).unwrap();
        assert_eq!(expired.not_before(), 946_684_800);
        assert_eq!(expired.not_after(), 978_307_200);
        assert_eq!(
            expired.thumbprint_sha1_hex(),
            "D11BB407746C3E25E2FBE223A19FFB642EA5E954"
        );
        assert_eq!(expired.validity(NOW), Validity::Expired);
        let future = load(data!("not-yet-valid.pem"), "not-yet-valid.pem", None).unwrap();
        assert_eq!(future.not_before(), 3_786_912_000);
        assert_eq!(future.not_after(), 4_102_444_800);
        assert_eq!(
            future.thumbprint_sha1_hex(),
            "E691030BF0C297C2EA30097ECF1F854365C09151"
        );
        assert_eq!(future.validity(NOW), Validity::NotYetValid);
        assert_eq!(Validity::NotYetValid.signal(), "not-yet-valid");
    }

    #[test]
    fn pfx_passwords() {
        let wrong = Secret::new("not-the-password");
        let err = load(data!("cert.pfx"), "cert.pfx", Some(&wrong)).unwrap_err();
        assert!(
            matches!(err, CertificateError::WrongPassword { .. }),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("AZURE_CLIENT_CERTIFICATE_PASSWORD")
        );
        assert!(!err.to_string().contains("not-the-password"));
        let err = load(data!("cert-legacy.pfx"), "cert-legacy.pfx", Some(&wrong)).unwrap_err();
        assert!(
            matches!(err, CertificateError::WrongPassword { .. }),
            "{err}"
        );
        let err = load(data!("cert.pfx"), "cert.pfx", None).unwrap_err();
        assert!(
            matches!(err, CertificateError::PasswordRequired { .. }),
            "{err}"
        );
        let err = load(data!("cert-no-password.pfx"), "x.pfx", Some(&password())).unwrap_err();
        assert!(
            matches!(err, CertificateError::WrongPassword { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let err = load(data!("mismatch.pem"), "mismatch.pem", None).unwrap_err();
        let CertificateError::KeyDoesNotMatch { thumbprint, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(thumbprint, SHA1);
        assert!(err.to_string().contains("mismatch.pem"));
    }

    #[test]
    fn encrypted_pem_keys_are_refused_with_a_way_out() {
        for file in [
            data!("cert-and-encrypted-key.pem"),
            data!("cert-and-encrypted-pkcs1-key.pem"),
        ] {
            let err = load(file, "key.pem", Some(&password())).unwrap_err();
            assert!(
                matches!(err, CertificateError::EncryptedPemKey { .. }),
                "{err}"
            );
            assert!(err.to_string().contains("openssl pkcs8 -topk8 -nocrypt"));
            assert!(!err.to_string().contains(PASSWORD));
        }
    }

    #[test]
    fn ec_is_not_rsa() {
        let err = load(data!("ec-cert-and-key.pem"), "ec.pem", None).unwrap_err();
        assert!(matches!(err, CertificateError::NotRsa { .. }), "{err}");
        assert!(err.to_string().contains("EC"), "{err}");
        // An RSA certificate with an EC key: the key is named.
        let mut mixed = data!("cert.pem").to_vec();
        let ec = String::from_utf8_lossy(data!("ec-cert-and-key.pem")).into_owned();
        let key_at = ec.find("-----BEGIN PRIVATE KEY-----").unwrap();
        mixed.extend_from_slice(&ec.as_bytes()[key_at..]);
        let err = load(&mixed, "mixed.pem", None).unwrap_err();
        assert!(
            matches!(
                err,
                CertificateError::NotRsa {
                    what: "private key",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn missing_halves_and_other_files() {
        let err = load(data!("cert.pem"), "cert.pem", None).unwrap_err();
        assert!(
            matches!(err, CertificateError::NoPrivateKey { .. }),
            "{err}"
        );
        let err = load(data!("cert.cer"), "cert.cer", None).unwrap_err();
        assert!(
            matches!(err, CertificateError::NoPrivateKey { .. }),
            "{err}"
        );
        let err = load(data!("key.pem"), "key.pem", None).unwrap_err();
        assert!(
            matches!(err, CertificateError::NoCertificate { .. }),
            "{err}"
        );
        for junk in [
            b"".as_slice(),
            b"hello world",
            b"{\"not\": \"a cert\"}",
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        ] {
            let err = load(junk, "junk", None).unwrap_err();
            assert!(
                matches!(err, CertificateError::NotACertificate { .. }),
                "{err}"
            );
        }
        let pem = data!("cert-and-key.pem");
        let err = load(&pem[..pem.len() - 40], "cut.pem", None).unwrap_err();
        assert!(matches!(err, CertificateError::Unreadable { .. }), "{err}");
        let pfx = data!("cert.pfx");
        let err = load(&pfx[..pfx.len() / 2], "cut.pfx", Some(&password())).unwrap_err();
        assert!(matches!(err, CertificateError::Unreadable { .. }), "{err}");
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    #[test]
    fn error_messages_never_carry_key_material() {
        let pem = String::from_utf8_lossy(data!("cert-and-key.pem")).into_owned();
        let key_body: Vec<&str> = pem
            .lines()
            .skip_while(|l| !l.contains("BEGIN PRIVATE KEY"))
            .skip(1)
            .take(3)
            .collect();
        let mut broken = pem.replace("-----END PRIVATE KEY-----", "");
        broken.push_str("garbage line\n");
        for bytes in [broken.as_bytes(), data!("mismatch.pem")] {
            let message = load(bytes, "f.pem", None).unwrap_err().to_string();
            for line in &key_body {
                assert!(!message.contains(line), "{message}");
            }
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Claims {
        aud: String,
        iss: String,
        sub: String,
        jti: String,
        nbf: i64,
        iat: i64,
        exp: i64,
    }

    #[test]
    fn the_assertion_is_what_entra_documents_and_verifies_with_the_certificate() {
        let cert = main_cert(data!("cert.pfx"), Some(&password()));
        let first = cert.client_assertion(CLIENT_ID, ENDPOINT, NOW).unwrap();
        let second = cert.client_assertion(CLIENT_ID, ENDPOINT, NOW).unwrap();
        assert_eq!(format!("{first:?}"), "[redacted]");

        let header = jsonwebtoken::decode_header(first.expose()).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.x5t.as_deref(), Some("g6jvj7qAtmwS20kWVymymQBiOzY"));

        // Verify the signature with the certificate's own public key (PKCS#1 RSAPublicKey DER).
        let (_, x509) = X509Certificate::from_der(cert.der()).unwrap();
        let public = x509.public_key().subject_public_key.data.to_vec();
        let key = jsonwebtoken::DecodingKey::from_rsa_der(&public);
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.set_audience(&[ENDPOINT]);
        validation.set_issuer(&[CLIENT_ID]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        validation.validate_exp = false; // NOW is a fixed instant, not the clock
        let decode = |token: &Secret| {
            jsonwebtoken::decode::<Claims>(token.expose(), &key, &validation)
                .unwrap()
                .claims
        };
        let claims = decode(&first);
        assert_eq!(claims.aud, ENDPOINT);
        assert_eq!(claims.iss, CLIENT_ID);
        assert_eq!(claims.sub, CLIENT_ID);
        assert_eq!((claims.nbf, claims.iat), (NOW, NOW));
        assert_eq!(claims.exp - claims.nbf, 600);
        assert_eq!(
            uuid::Uuid::parse_str(&claims.jti)
                .unwrap()
                .get_version_num(),
            4
        );
        assert_ne!(claims.jti, decode(&second).jti);

        // The same key loaded as PKCS#1 signs verifiably too; a tampered token does not verify.
        let pkcs1 = main_cert(data!("cert-and-pkcs1-key.pem"), None);
        let token = pkcs1.client_assertion(CLIENT_ID, ENDPOINT, NOW).unwrap();
        decode(&token);
        let mut tampered = token.expose().to_owned();
        tampered.pop();
        tampered.push(if token.expose().ends_with('A') {
            'B'
        } else {
            'A'
        });
        assert!(jsonwebtoken::decode::<Claims>(&tampered, &key, &validation).is_err());
        // Another audience is refused: `aud` is really the endpoint.
        let mut other = validation.clone();
        other.set_audience(&["https://login.microsoftonline.com/common/oauth2/v2.0/token"]);
        assert!(jsonwebtoken::decode::<Claims>(token.expose(), &key, &other).is_err());
    }
}
