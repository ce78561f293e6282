//! Interoperability with cosign and sigstore-rs: every key, signature and bundle of
//! `$HULLGUARD_SHARED/signing` (real files from their repositories) read as they wrote them.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hullguard_trust::bundle::{Bundle, Material, image_statement, pae, sign_image};
use hullguard_trust::registry::{NamedKey, check_bundle, check_legacy};
use hullguard_trust::{Error, PrivateKey, PublicKey};

fn signing(path: &str) -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("signing").join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(signing(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every encrypted key with its stated password (README), and the unencrypted one.
const KEYS: [(&str, &str); 4] = [
    ("cosign-pemcosigneckey", "hello"),
    ("cosign-pemsigstorekey", "hello"),
    ("sigstore-rs-ecdsa_encrypted_private", "123"),
    ("sigstore-rs-cosign_generated_encrypted_empty_private", ""),
];

#[test]
fn every_encrypted_key_decrypts_to_exactly_its_public_key() {
    for (name, password) in KEYS {
        let key = PrivateKey::from_pem(name, &read(&format!("keys/{name}.key")), password.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = String::from_utf8(read(&format!("keys/{name}.pub"))).unwrap();
        assert_eq!(key.public_key().to_pem().unwrap(), expected, "{name}");
    }
    // The unencrypted PKCS#8 key reads too (no .pub beside it: its key must sign what it verifies).
    let plain = PrivateKey::from_pem("plain", &read("keys/sigstore-rs-ecdsa_private.key"), b"").unwrap();
    let signature = plain.sign(b"payload");
    assert!(plain.public_key().verifies(b"payload", &signature));
    assert!(!plain.public_key().verifies(b"payloaD", &signature));
}

#[test]
fn a_wrong_password_is_one_clear_error() {
    let err = PrivateKey::from_pem("cosign.key", &read("keys/cosign-pemsigstorekey.key"), b"hellO").unwrap_err();
    assert!(matches!(err, Error::WrongPassword { .. }), "{err}");
    assert_eq!(err.to_string(), "cosign.key: wrong password (the key does not decrypt with it)");
}

/// A cosign envelope with other scrypt parameters.
fn envelope_with(n: u64, r: u32) -> Vec<u8> {
    let json = format!(
        r#"{{"kdf":{{"name":"scrypt","params":{{"N":{n},"r":{r},"p":1}},"salt":"AAAA"}},"cipher":{{"name":"nacl/secretbox","nonce":"AAAA"}},"ciphertext":"AAAA"}}"#
    );
    format!(
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        STANDARD.encode(json).as_bytes().chunks(64).map(|l| String::from_utf8_lossy(l)).collect::<Vec<_>>().join("\n")
    )
    .into_bytes()
}

#[test]
fn scrypt_costs_cosign_refuses_are_refused_before_any_work() {
    for (n, r) in [(1u64 << 30, 8), (1 << 20, 8), (16384, 8), (65536, 16)] {
        let err = PrivateKey::from_pem("k", &envelope_with(n, r), b"x").unwrap_err().to_string();
        assert!(err.contains(&format!("scrypt N={n} r={r} p=1 refused")), "{err}");
    }
}

#[test]
fn a_generated_key_round_trips_through_cosigns_format() {
    let key = PrivateKey::generate().unwrap();
    let pem = key.to_encrypted_pem(b"pw").unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), "{pem}");
    let json = STANDARD.decode(pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["kdf"]["params"], serde_json::json!({"N": 65536, "r": 8, "p": 1}));
    assert_eq!(json["cipher"]["name"], "nacl/secretbox");
    let again = PrivateKey::from_pem("k", pem.as_bytes(), b"pw").unwrap();
    assert_eq!(again.public_key(), key.public_key());
    assert!(matches!(PrivateKey::from_pem("k", pem.as_bytes(), b"pW"), Err(Error::WrongPassword { .. })));
}

fn legacy_key() -> Vec<NamedKey> {
    let key = PublicKey::from_pem("cosign.pub", &read("legacy-signature/cosign.pub")).unwrap();
    vec![NamedKey { name: "cosign.pub".into(), key }]
}

const LEGACY_DIGEST: &str = "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";

#[test]
fn the_legacy_triple_verifies_and_one_flipped_byte_does_not() {
    let payload = read("legacy-signature/payload.json");
    assert_eq!(payload.len(), 248);
    let signature = STANDARD.decode(String::from_utf8(read("legacy-signature/signature.b64")).unwrap().trim()).unwrap();
    let keys = legacy_key();
    let ok = check_legacy(&payload, &signature, &keys, LEGACY_DIGEST, Some("registry-testing.svc.lan/busybox"), "p");
    assert!(ok.verified(), "{ok:?}");
    assert_eq!(ok.key.as_deref(), Some("cosign.pub"));
    // The payload as hullguard writes it is the same bytes.
    let ours =
        hullguard_trust::payload::Payload::new("registry-testing.svc.lan/busybox", LEGACY_DIGEST, Default::default());
    assert_eq!(ours.to_bytes(), payload);
    // Our signature over those bytes passes the check cosign's passed, and only with our key.
    let signer = PrivateKey::generate().unwrap();
    let ours = signer.sign(&payload);
    let our_key = [NamedKey { name: "ours.pub".into(), key: signer.public_key() }];
    assert!(check_legacy(&payload, &ours, &our_key, LEGACY_DIGEST, None, "p").verified());
    let wrong_key = check_legacy(&payload, &ours, &keys, LEGACY_DIGEST, None, "p");
    assert_eq!(wrong_key.rejected.as_deref(), Some("the signature does not verify with the given key(s)"));
    for i in [0, 100, 247] {
        let mut tampered = payload.clone();
        tampered[i] ^= 1;
        let bad = check_legacy(&tampered, &signature, &keys, LEGACY_DIGEST, None, "p");
        assert_eq!(bad.rejected.as_deref(), Some("the signature does not verify with the given key(s)"), "byte {i}");
    }
    let other_image = check_legacy(&payload, &signature, &keys, &format!("sha256:{}", "0".repeat(64)), None, "p");
    assert_eq!(
        other_image.rejected.unwrap(),
        format!("the payload signs {LEGACY_DIGEST}, not this image's digest sha256:{}", "0".repeat(64))
    );
    let other_repo =
        check_legacy(&payload, &signature, &keys, LEGACY_DIGEST, Some("registry-testing.svc.lan/alpine"), "p");
    assert_eq!(
        other_repo.rejected.unwrap(),
        "the payload signs the repository registry-testing.svc.lan/busybox, not registry-testing.svc.lan/alpine"
    );
}

#[test]
fn bundles_parse_and_their_dsse_signatures_check_against_their_certificates() {
    for (file, digest, tlog) in [
        ("bundles/sigstore-rs-bundle_v03.json", "c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172", 1),
        (
            "bundles/cosign-oci-attestation.sigstore.json",
            "732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4",
            1,
        ),
    ] {
        let bundle = Bundle::parse(file, &read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(matches!(bundle.material, Material::Certificate(_)), "{file}");
        assert_eq!((bundle.tlog_entries, bundle.signatures.len()), (tlog, 1), "{file}");
        // The DSSE signature is the certificate's key's.
        let cert_key = bundle.certificate_key(file).unwrap().unwrap();
        assert!(bundle.verifies_with(&cert_key), "{file}");
        let as_key = [NamedKey { name: "cert".into(), key: cert_key }];
        let checked = check_bundle(&bundle, &as_key, &format!("sha256:{digest}"), file);
        if file.contains("attestation") {
            // A validly signed attestation is not an image signature: refused by its predicate type.
            assert_eq!(
                checked.rejected.as_deref(),
                Some(&*format!(
                    "{file}: predicate type \"https://cosign.sigstore.dev/attestation/v1\" is not a cosign image signature (\"https://sigstore.dev/cosign/sign/v1\")"
                )),
                "{file}"
            );
            continue;
        }
        let statement = bundle.statement(file).unwrap();
        assert_eq!(statement.subject[0].digest["sha256"], digest, "{file}");
        assert!(checked.verified() && checked.tlog_unchecked, "{file}: {checked:?}");
        // Another key: not verified; no key: keyless, said so.
        assert!(!check_bundle(&bundle, &legacy_key(), &format!("sha256:{digest}"), file).verified());
        let keyless = check_bundle(&bundle, &[], &format!("sha256:{digest}"), file);
        assert!(keyless.rejected.unwrap().starts_with("keyless (Fulcio) verification not supported offline"), "{file}");
        // A DSSE payload changed by one byte no longer verifies.
        let mut tampered = bundle.clone();
        tampered.payload[10] ^= 1;
        assert!(!check_bundle(&tampered, &as_key, &format!("sha256:{digest}"), file).verified(), "{file}");
        // Another image's digest: rejected by the subject check.
        let other = check_bundle(&bundle, &as_key, &format!("sha256:{}", "1".repeat(64)), file);
        assert!(other.rejected.unwrap().starts_with(&format!("the in-toto subject is sha256:{digest}")), "{file}");
    }
}

/// The statement hullguard signs for an image is byte for byte the one cosign 3 signed in the
/// sigstore-rs vector (same digest, no annotations); a key-based bundle of ours parses, names the
/// key by cosign 3's hint, verifies with the key (DSSE over the PAE) and carries the annotations.
#[test]
fn our_bundle_has_cosign_3s_statement_and_key_hint() {
    const DIGEST: &str = "c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172";
    let vector = Bundle::parse("v03", &read("bundles/sigstore-rs-bundle_v03.json")).unwrap();
    assert_eq!(image_statement(DIGEST, &Default::default()), vector.payload);

    let key = PrivateKey::from_pem("k", &read("keys/cosign-pemsigstorekey.key"), b"hello").unwrap();
    let public = PublicKey::from_pem("p", &read("keys/cosign-pemsigstorekey.pub")).unwrap();
    let annotations = [("env".to_string(), "prod".to_string())].into();
    let bytes = sign_image(&key, DIGEST, &annotations).unwrap();
    let ours = Bundle::parse("ours", &bytes).unwrap();
    // base64(sha256(DER SubjectPublicKeyInfo)) of cosign-pemsigstorekey.pub, computed with openssl.
    let hint = "8QV788EU1UhvC9s8cCWW1hVBWCSJgNS+SfbGH9xixZE=";
    assert_eq!(
        (public.hint().unwrap().as_str(), &ours.material),
        (hint, &Material::PublicKey { hint: Some(hint.into()) })
    );
    assert_eq!(ours.tlog_entries, 0);
    let keys = [NamedKey { name: "cosign".into(), key: public }];
    let checked = check_bundle(&ours, &keys, &format!("sha256:{DIGEST}"), "ours");
    assert!(checked.verified() && !checked.tlog_unchecked, "{checked:?}");
    assert_eq!(checked.annotations, annotations);
    assert!(!check_bundle(&ours, &legacy_key(), &format!("sha256:{DIGEST}"), "ours").verified());

    // Signed by the right key over the right digest, but not what cosign signs for an image: a
    // DSSE payload type other than in-toto, or an in-toto statement of another predicate type.
    let statement = String::from_utf8(image_statement(DIGEST, &annotations)).unwrap();
    let attestation = statement.replace("https://sigstore.dev/cosign/sign/v1", "https://slsa.dev/provenance/v1");
    for (payload_type, payload, why) in [
        ("text/plain", statement.as_str(), "DSSE payload type \"text/plain\" is not \"application/vnd.in-toto+json\""),
        (
            "application/vnd.in-toto+json",
            attestation.as_str(),
            "predicate type \"https://slsa.dev/provenance/v1\" is not a cosign image signature (\"https://sigstore.dev/cosign/sign/v1\")",
        ),
    ] {
        let mut other = ours.clone();
        other.payload_type = payload_type.to_string();
        other.payload = payload.as_bytes().to_vec();
        other.signatures = vec![key.sign(&pae(payload_type, payload.as_bytes()))];
        let checked = check_bundle(&other, &keys, &format!("sha256:{DIGEST}"), "other");
        assert_eq!(checked.rejected.as_deref(), Some(&*format!("other: {why}")), "{payload_type}");
        assert_eq!(checked.key.as_deref(), Some("cosign"), "the signature itself verifies");
    }
}
