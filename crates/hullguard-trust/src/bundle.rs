//! Sigstore bundles v0.3 (what cosign 3 pushes by default): the verification material (a public
//! key hint, or a Fulcio certificate), the transparency-log entries, and a DSSE envelope holding
//! an in-toto statement whose subject is the signed image. Only what verification needs is read;
//! [`sign_image`] writes the key-based bundle cosign 3 writes.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::key::{PrivateKey, PublicKey};

/// The media type and OCI artifact type of a v0.3 bundle.
pub const MEDIA_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_IN_TOTO: &str = "application/vnd.in-toto+json";
/// The in-toto statement type cosign 3 writes.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a cosign image signature.
pub const PREDICATE_COSIGN_SIGN: &str = "https://sigstore.dev/cosign/sign/v1";

/// The in-toto statement cosign 3 signs for an image, field for field in its order: the manifest
/// digest (`sha256_hex`) as the one subject, carrying the `-a` annotations, and the predicate type.
#[derive(Serialize)]
struct StatementOut<'a> {
    #[serde(rename = "_type")]
    statement_type: &'a str,
    subject: [SubjectOut<'a>; 1],
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
}

#[derive(Serialize)]
struct SubjectOut<'a> {
    digest: BTreeMap<&'a str, &'a str>,
    annotations: &'a BTreeMap<String, String>,
}

/// A key-based bundle as cosign 3 writes it (no transparency-log entry).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BundleOut<'a> {
    media_type: &'a str,
    verification_material: MaterialOut,
    dsse_envelope: EnvelopeOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MaterialOut {
    public_key: HintOut,
}

#[derive(Serialize)]
struct HintOut {
    hint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeOut<'a> {
    payload: String,
    payload_type: &'a str,
    signatures: [SignatureOut; 1],
}

#[derive(Serialize)]
struct SignatureOut {
    sig: String,
}

/// The statement cosign 3 signs for the image manifest `sha256_hex`, with `annotations`.
pub fn image_statement(sha256_hex: &str, annotations: &BTreeMap<String, String>) -> Vec<u8> {
    let statement = StatementOut {
        statement_type: STATEMENT_V1,
        subject: [SubjectOut { digest: BTreeMap::from([("sha256", sha256_hex)]), annotations }],
        predicate_type: PREDICATE_COSIGN_SIGN,
    };
    serde_json::to_vec(&statement).unwrap_or_default()
}

/// Sign the image manifest `sha256_hex` as cosign 3 does with a key: the DSSE signature (ECDSA
/// P-256 / SHA-256 over the PAE of [`image_statement`]) in a v0.3 bundle whose verification
/// material is the key's hint. Returns the bundle's JSON.
pub fn sign_image(key: &PrivateKey, sha256_hex: &str, annotations: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let payload = image_statement(sha256_hex, annotations);
    let signature = key.sign(&pae(PAYLOAD_IN_TOTO, &payload));
    let bundle = BundleOut {
        media_type: MEDIA_BUNDLE_V03,
        verification_material: MaterialOut { public_key: HintOut { hint: key.public_key().hint()? } },
        dsse_envelope: EnvelopeOut {
            payload: STANDARD.encode(&payload),
            payload_type: PAYLOAD_IN_TOTO,
            signatures: [SignatureOut { sig: STANDARD.encode(signature) }],
        },
    };
    Ok(serde_json::to_vec(&bundle).unwrap_or_default())
}
/// Largest bundle read.
pub const MAX_BUNDLE_BYTES: u64 = 4 << 20;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    media_type: String,
    verification_material: RawMaterial,
    #[serde(default)]
    dsse_envelope: Option<RawEnvelope>,
    #[serde(default)]
    message_signature: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    #[serde(default)]
    certificate: Option<RawCert>,
    #[serde(default)]
    x509_certificate_chain: Option<RawChain>,
    #[serde(default)]
    public_key: Option<RawHint>,
    #[serde(default)]
    tlog_entries: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
struct RawHint {
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload: String,
    payload_type: String,
    signatures: Vec<RawSignature>,
}

#[derive(Deserialize)]
struct RawSignature {
    sig: String,
}

/// Who a bundle says signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// A key the verifier must bring (`hint`: its identifier, when given).
    PublicKey {
        /// The key's hint.
        hint: Option<String>,
    },
    /// A (Fulcio) certificate, DER.
    Certificate(Vec<u8>),
}

/// A parsed bundle with a DSSE envelope.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The signer's material.
    pub material: Material,
    /// Transparency-log entries it carries (not checked offline).
    pub tlog_entries: usize,
    /// The DSSE payload type.
    pub payload_type: String,
    /// The DSSE payload (the in-toto statement).
    pub payload: Vec<u8>,
    /// The DSSE signatures.
    pub signatures: Vec<Vec<u8>>,
}

/// One subject of an in-toto statement.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subject {
    /// Its name (an image repository), when given.
    #[serde(default)]
    pub name: Option<String>,
    /// Its digests by algorithm.
    pub digest: BTreeMap<String, String>,
    /// Its annotations (cosign 3 puts `-a` annotations here).
    #[serde(default)]
    pub annotations: BTreeMap<String, serde_json::Value>,
}

/// The parts of an in-toto statement verification reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Statement {
    /// The subjects.
    pub subject: Vec<Subject>,
    /// The predicate type (`https://sigstore.dev/cosign/sign/v1` for a cosign image signature).
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
}

fn b64(subject: &str, what: &str, text: &str) -> Result<Vec<u8>> {
    STANDARD.decode(text).map_err(|e| Error::invalid(subject, format!("{what} is not base64: {e}")))
}

/// DSSE's pre-authentication encoding: what a DSSE signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

impl Bundle {
    /// Parse a bundle (`subject` names it).
    pub fn parse(subject: &str, bytes: &[u8]) -> Result<Self> {
        if bytes.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(Error::invalid(subject, format!("bundle larger than {MAX_BUNDLE_BYTES} bytes")));
        }
        let raw: RawBundle = serde_json::from_slice(bytes)
            .map_err(|e| Error::invalid(subject, format!("not a Sigstore bundle: {e}")))?;
        if !raw.media_type.starts_with("application/vnd.dev.sigstore.bundle") {
            return Err(Error::invalid(subject, format!("media type {:?} is not a Sigstore bundle", raw.media_type)));
        }
        let material = match (raw.verification_material.certificate, raw.verification_material.x509_certificate_chain) {
            (Some(cert), _) => Material::Certificate(b64(subject, "certificate", &cert.raw_bytes)?),
            (None, Some(chain)) => match chain.certificates.first() {
                Some(leaf) => Material::Certificate(b64(subject, "certificate", &leaf.raw_bytes)?),
                None => return Err(Error::invalid(subject, "empty certificate chain")),
            },
            (None, None) => Material::PublicKey { hint: raw.verification_material.public_key.and_then(|k| k.hint) },
        };
        let Some(envelope) = raw.dsse_envelope else {
            let what = if raw.message_signature.is_some() {
                "a message signature (a blob signature, not an image signature) is not supported"
            } else {
                "no DSSE envelope"
            };
            return Err(Error::invalid(subject, what));
        };
        let signatures =
            envelope.signatures.iter().map(|s| b64(subject, "DSSE signature", &s.sig)).collect::<Result<Vec<_>>>()?;
        Ok(Bundle {
            material,
            tlog_entries: raw.verification_material.tlog_entries.len(),
            payload_type: envelope.payload_type,
            payload: b64(subject, "DSSE payload", &envelope.payload)?,
            signatures,
        })
    }

    /// Whether one of the DSSE signatures verifies with `key`.
    pub fn verifies_with(&self, key: &PublicKey) -> bool {
        let message = pae(&self.payload_type, &self.payload);
        self.signatures.iter().any(|s| key.verifies(&message, s))
    }

    /// The public key of the embedded certificate, when the bundle has one.
    pub fn certificate_key(&self, subject: &str) -> Result<Option<PublicKey>> {
        let Material::Certificate(der) = &self.material else { return Ok(None) };
        use x509_cert::der::{Decode as _, Encode as _};
        let cert =
            x509_cert::Certificate::from_der(der).map_err(|e| Error::invalid(subject, format!("certificate: {e}")))?;
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| Error::invalid(subject, format!("certificate key: {e}")))?;
        PublicKey::from_spki_der(subject, &spki).map(Some)
    }

    /// The in-toto statement of the payload: refused unless it is what cosign signs for an
    /// image (DSSE payload type [`PAYLOAD_IN_TOTO`], predicate type [`PREDICATE_COSIGN_SIGN`]), so
    /// an attestation or another DSSE document signed by the same key is not taken for a signature.
    pub fn statement(&self, subject: &str) -> Result<Statement> {
        if self.payload_type != PAYLOAD_IN_TOTO {
            return Err(Error::invalid(
                subject,
                format!("DSSE payload type {:?} is not {PAYLOAD_IN_TOTO:?}", self.payload_type),
            ));
        }
        let statement: Statement = serde_json::from_slice(&self.payload)
            .map_err(|e| Error::invalid(subject, format!("not an in-toto statement: {e}")))?;
        if statement.predicate_type != PREDICATE_COSIGN_SIGN {
            return Err(Error::invalid(
                subject,
                format!(
                    "predicate type {:?} is not a cosign image signature ({PREDICATE_COSIGN_SIGN:?})",
                    statement.predicate_type
                ),
            ));
        }
        Ok(statement)
    }
}
