//! cosign's key files: the private key encrypted as cosign writes it (PEM `ENCRYPTED SIGSTORE
//! PRIVATE KEY`, older `ENCRYPTED COSIGN PRIVATE KEY`: base64 JSON naming scrypt parameters and a
//! NaCl secretbox over the PKCS#8 DER key, SEC1 in older files), an unencrypted PKCS#8 `PRIVATE KEY`, and the PKIX
//! `PUBLIC KEY` PEM. ECDSA P-256 with SHA-256 only, the scheme of `cosign generate-key-pair`.
//!
//! The envelope is cosign's own format, so it is written here over the RustCrypto primitives
//! (scrypt, crypto_secretbox, p256): no crate implements it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_secretbox::XSalsa20Poly1305;
use crypto_secretbox::aead::{Aead, KeyInit};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::der::pem::{self, LineEnding};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The label cosign writes.
pub const LABEL_SIGSTORE: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// The label older cosign wrote, still read.
pub const LABEL_COSIGN: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// An unencrypted PKCS#8 key.
const LABEL_PKCS8: &str = "PRIVATE KEY";
/// The scrypt costs cosign accepts; anything else is refused (a huge N is a memory and CPU bomb).
pub const ACCEPTED_SCRYPT_N: [u64; 3] = [32768, 65536, 131072];
/// The cost hullguard writes (cosign's default).
const SCRYPT_LOG_N: u8 = 16;
/// scrypt's block size and parallelism, fixed by cosign.
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
/// Largest key file read.
const MAX_KEY_FILE: usize = 64 << 10;

/// The JSON inside an encrypted key's PEM.
#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// An ECDSA P-256 signing key.
pub struct PrivateKey(SigningKey);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

/// Random bytes from the operating system.
fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::invalid("random", format!("the operating system gave no random bytes: {e}")))?;
    Ok(bytes)
}

/// The secretbox key scrypt derives from `password`.
fn derive(password: &[u8], salt: &[u8], log_n: u8, subject: &str) -> Result<[u8; 32]> {
    let params = scrypt::Params::new(log_n, SCRYPT_R, SCRYPT_P)
        .map_err(|e| Error::invalid(subject, format!("scrypt parameters: {e}")))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|e| Error::invalid(subject, format!("scrypt: {e}")))?;
    Ok(key)
}

fn b64(subject: &str, what: &str, text: &str) -> Result<Vec<u8>> {
    STANDARD.decode(text).map_err(|e| Error::invalid(subject, format!("{what} is not base64: {e}")))
}

impl PrivateKey {
    /// A new random key.
    pub fn generate() -> Result<Self> {
        // A random scalar is out of range with probability ~2^-32; draw again then.
        for _ in 0..16 {
            if let Ok(key) = SigningKey::from_slice(&random::<32>()?) {
                return Ok(PrivateKey(key));
            }
        }
        Err(Error::invalid("random", "no valid P-256 scalar in 16 draws"))
    }

    /// Read a key file's text (`subject` names it in errors): cosign's encrypted format under
    /// either label, opened with `password`, or an unencrypted PKCS#8 key.
    pub fn from_pem(subject: &str, text: &[u8], password: &[u8]) -> Result<Self> {
        if text.len() > MAX_KEY_FILE {
            return Err(Error::invalid(subject, format!("larger than {MAX_KEY_FILE} bytes: not a key file")));
        }
        let (label, body) =
            pem::decode_vec(text).map_err(|e| Error::invalid(subject, format!("not a PEM key file: {e}")))?;
        let der = match label {
            LABEL_SIGSTORE | LABEL_COSIGN => Self::decrypt(subject, &body, password)?,
            LABEL_PKCS8 => body,
            other => {
                return Err(Error::invalid(
                    subject,
                    format!("PEM label {other:?}: expected {LABEL_SIGSTORE:?}, {LABEL_COSIGN:?} or {LABEL_PKCS8:?}"),
                ));
            }
        };
        // Older cosign encrypted the SEC1 `ECPrivateKey` rather than PKCS#8: both are read.
        SigningKey::from_pkcs8_der(&der)
            .or_else(|pkcs8| p256::SecretKey::from_sec1_der(&der).map(SigningKey::from).map_err(|_| pkcs8))
            .map(PrivateKey)
            .map_err(|e| Error::invalid(subject, format!("not an ECDSA P-256 PKCS#8 or SEC1 key: {e}")))
    }

    /// Open cosign's JSON envelope.
    fn decrypt(subject: &str, json: &[u8], password: &[u8]) -> Result<Vec<u8>> {
        let envelope: Envelope = serde_json::from_slice(json)
            .map_err(|e| Error::invalid(subject, format!("encrypted key envelope: {e}")))?;
        if envelope.kdf.name != "scrypt" || envelope.cipher.name != "nacl/secretbox" {
            return Err(Error::invalid(
                subject,
                format!("unsupported key encryption {} + {}", envelope.kdf.name, envelope.cipher.name),
            ));
        }
        let ScryptParams { n, r, p } = envelope.kdf.params;
        if !ACCEPTED_SCRYPT_N.contains(&n) || r != SCRYPT_R || p != SCRYPT_P {
            return Err(Error::invalid(
                subject,
                format!("scrypt N={n} r={r} p={p} refused: cosign accepts N of 32768, 65536 or 131072 with r=8 p=1"),
            ));
        }
        let salt = b64(subject, "salt", &envelope.kdf.salt)?;
        let nonce = b64(subject, "nonce", &envelope.cipher.nonce)?;
        let ciphertext = b64(subject, "ciphertext", &envelope.ciphertext)?;
        let nonce: [u8; 24] =
            nonce.try_into().map_err(|_| Error::invalid(subject, "the secretbox nonce is not 24 bytes"))?;
        let key = derive(password, &salt, n.trailing_zeros() as u8, subject)?;
        XSalsa20Poly1305::new(&key.into())
            .decrypt(&nonce.into(), ciphertext.as_slice())
            .map_err(|_| Error::WrongPassword { subject: subject.to_string() })
    }

    /// The key in cosign's encrypted format (label `ENCRYPTED SIGSTORE PRIVATE KEY`, scrypt
    /// N=65536 r=8 p=1, a fresh salt and nonce).
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<String> {
        let der = self.0.to_pkcs8_der().map_err(|e| Error::invalid("key", format!("PKCS#8 encoding: {e}")))?;
        let (salt, nonce) = (random::<32>()?, random::<24>()?);
        let key = derive(password, &salt, SCRYPT_LOG_N, "key")?;
        let ciphertext = XSalsa20Poly1305::new(&key.into())
            .encrypt(&nonce.into(), der.as_bytes())
            .map_err(|_| Error::invalid("key", "secretbox encryption failed"))?;
        let envelope = Envelope {
            kdf: Kdf {
                name: "scrypt".into(),
                params: ScryptParams { n: 1 << SCRYPT_LOG_N, r: SCRYPT_R, p: SCRYPT_P },
                salt: STANDARD.encode(salt),
            },
            cipher: Cipher { name: "nacl/secretbox".into(), nonce: STANDARD.encode(nonce) },
            ciphertext: STANDARD.encode(ciphertext),
        };
        let json = serde_json::to_vec(&envelope).map_err(|e| Error::invalid("key", e.to_string()))?;
        pem::encode_string(LABEL_SIGSTORE, LineEnding::LF, &json)
            .map_err(|e| Error::invalid("key", format!("PEM encoding: {e}")))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.0.verifying_key())
    }

    /// The ECDSA P-256 / SHA-256 signature of `message`, ASN.1 DER as cosign stores it.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: Signature = self.0.sign(message);
        let der: DerSignature = signature.to_der();
        der.as_bytes().to_vec()
    }
}

/// An ECDSA P-256 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Read a PKIX `PUBLIC KEY` PEM (`subject` names it in errors).
    pub fn from_pem(subject: &str, text: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(text).map_err(|_| Error::invalid(subject, "not a PEM text file"))?;
        VerifyingKey::from_public_key_pem(text.trim_start())
            .map(PublicKey)
            .map_err(|e| Error::invalid(subject, format!("not an ECDSA P-256 public key PEM: {e}")))
    }

    /// Read a DER `SubjectPublicKeyInfo` (a certificate's key).
    pub fn from_spki_der(subject: &str, der: &[u8]) -> Result<Self> {
        VerifyingKey::from_public_key_der(der)
            .map(PublicKey)
            .map_err(|e| Error::invalid(subject, format!("not an ECDSA P-256 public key: {e}")))
    }

    /// The PKIX PEM, as `cosign.pub` holds it.
    pub fn to_pem(&self) -> Result<String> {
        self.0.to_public_key_pem(LineEnding::LF).map_err(|e| Error::invalid("key", format!("PEM encoding: {e}")))
    }

    /// The key hint cosign 3 writes in a bundle's `verificationMaterial.publicKey.hint`: base64
    /// of the SHA-256 of the DER `SubjectPublicKeyInfo`.
    pub fn hint(&self) -> Result<String> {
        use sha2::Digest as _;
        let der = self.0.to_public_key_der().map_err(|e| Error::invalid("key", format!("DER encoding: {e}")))?;
        Ok(STANDARD.encode(sha2::Sha256::digest(der.as_bytes())))
    }

    /// Whether `signature` (ASN.1 DER, or the 64-byte r‖s form) signs `message` with this key.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let parsed = Signature::from_der(signature).or_else(|_| Signature::from_slice(signature));
        parsed.is_ok_and(|s| self.0.verify(message, &s).is_ok())
    }
}
