//! Per rule: a true positive with its exact line, column and redaction, and near misses
//! (placeholders, wrong lengths, documented example values, bad checksums) that must not match.
//! Every token here is made up for the test.

use hullguard_report::{FindingKind, Location, Severity};
use hullguard_secrets::{SecretFinding, SkipReason, rules, scan, skip_reason};

/// Exactly one finding, with this rule id.
fn one(path: &str, text: &str, rule: &str) -> SecretFinding {
    let mut found = scan(path, text.as_bytes());
    assert_eq!(found.len(), 1, "{path}: want one {rule} finding, got {found:#?}");
    let f = found.remove(0);
    assert_eq!(f.rule_id, rule, "{f:#?}");
    f
}

/// (line, column, redacted line) of the single finding.
fn at(path: &str, text: &str, rule: &str) -> (u32, u32, String) {
    let f = one(path, text, rule);
    (f.line, f.column, f.redacted_match.to_string())
}

/// No finding of `rule` (the generic rule may still report the value).
fn not_rule(path: &str, text: &str, rule: &str) {
    let found = scan(path, text.as_bytes());
    assert!(found.iter().all(|f| f.rule_id != rule), "{path}: want no {rule} finding for {text:?}, got {found:#?}");
}

fn none(path: &str, text: &str) {
    let found = scan(path, text.as_bytes());
    assert!(found.is_empty(), "{path}: want no finding for {text:?}, got {found:#?}");
}

#[test]
fn aws_access_key_id() {
    let text = "# deploy\nexport AWS_ACCESS_KEY_ID=AKIAPJAG3OL5DPH5I5U4\n";
    assert_eq!(at("deploy.sh", text, "aws-access-key-id"), (2, 26, "export AWS_ACCESS_KEY_ID=AKIA*****".to_owned()));
    // Temporary (STS) keys.
    one("creds", "key ASIAPJAG3OL5DPH5I5U4", "aws-access-key-id");
    // AWS's documented example key is allow-listed, as is anything marked EXAMPLE.
    none("deploy.sh", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
    // Too short, too long, lower case, characters outside base32 (0, 1, 8, 9).
    none("a", "AKIAPJAG3OL5DPH5I5U");
    none("a", "AKIAPJAG3OL5DPH5I5U4X");
    none("a", "akiapjag3ol5dph5i5u4");
    none("a", "AKIAPJAG3OL5DPH5I5U0");
    // Inside a longer word.
    none("a", "XAKIAPJAG3OL5DPH5I5U4");
    none("a", "AKIAXXXXXXXXXXXXXXXX");
}

#[test]
fn aws_secret_access_key() {
    let text = "[default]\naws_secret_access_key = 25u85HFJ/EJ4jKEIQOkrtDXtBi10Q71hA1XcW9aT\n";
    assert_eq!(
        at("home/u/.aws/credentials", text, "aws-secret-access-key"),
        (2, 25, "aws_secret_access_key = 25u8*****".to_owned())
    );
    let json = r#"{"AccessKeyId": "x", "SecretAccessKey": "25u85HFJ/EJ4jKEIQOkrtDXtBi10Q71hA1XcW9aT"}"#;
    assert_eq!(at("out.json", json, "aws-secret-access-key").1, 42);
    // The documented example secret, 39 and 41 characters, no AWS keyword, low entropy.
    none("c", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    // Wrong lengths are no AWS secret key (the generic rule still reports the assignment).
    not_rule("c", "aws_secret_access_key = 25u85HFJ/EJ4jKEIQOkrtDXtBi10Q71hA1XcW9a", "aws-secret-access-key");
    not_rule("c", "aws_secret_access_key = 25u85HFJ/EJ4jKEIQOkrtDXtBi10Q71hA1XcW9aTT", "aws-secret-access-key");
    none("c", "checksum = 25u85HFJ/EJ4jKEIQOkrtDXtBi10Q71hA1XcW9aT");
    none("c", "aws_secret_access_key = abababababababababababababababababababab");
}

#[test]
fn github_tokens_need_a_valid_checksum() {
    let text = "token: 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\n";
    assert_eq!(at("ci.yml", text, "github-pat"), (1, 8, "token: ghp_*****".to_owned()));
    one("a", "x=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", "github-oauth-token");
    // One character changed: the CRC32 no longer matches.
    none("ci.yml", "token: ghp_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPS2gjNuT\n");
    none("ci.yml", "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    none("ci.yml", "token: ghp_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPS2gjNu\n");
    let fine = "GH=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";
    assert_eq!(at(".env", fine, "github-fine-grained-pat"), (1, 4, "GH=gith*****".to_owned()));
    none(".env", "GH=github_pat_ZcUDIh7yfJs1ON43xKmTec_QoXsf2o3gyrDO1xkxwnQrS7RPeMOkIUpkDyr7OSJoRu1XXdo0cZuzren68");
}

#[test]
fn gitlab_pat() {
    assert_eq!(
        at("run.sh", "curl -H \"PRIVATE-TOKEN: glpat-4TunPFz46PDjqipVJIqV\" x", "gitlab-pat"),
        (1, 25, "curl -H \"PRIVATE-TOKEN: glpa*****\" x".to_owned())
    );
    not_rule("run.sh", "PRIVATE-TOKEN: glpat-4TunPFz46PDjqipVJIq", "gitlab-pat");
    none("run.sh", "PRIVATE-TOKEN: glpat-xxxxxxxxxxxxxxxxxxxx");
}

#[test]
fn slack_token_and_webhook() {
    let text = "slack:\n  token: xoxb-969653287101-2269166978480-RUhR4IWrXPvhsBkDa9U4UqGW\n";
    assert_eq!(at("values.yaml", text, "slack-token"), (2, 10, "  token: xoxb*****".to_owned()));
    none("values.yaml", "token: xoxb-000000000000-0000000000000-XXXXXXXXXXXXXXXXXXXXXXXX");
    none("values.yaml", "token: xoxb-969653287101");
    let hook = "url = \"https://hooks.slack.com/services/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\"";
    assert_eq!(at("notify.toml", hook, "slack-webhook-url"), (1, 8, "url = \"http*****\"".to_owned()));
    none("notify.toml", "url = \"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\"");
}

#[test]
fn stripe_google_npm_pypi_twilio_sendgrid() {
    assert_eq!(
        at("settings.py", "STRIPE_KEY = 'sk_live_E8JkqH3MB9n7IWUSmTtzQPxC'\n", "stripe-secret-key"),
        (1, 15, "STRIPE_KEY = 'sk_l*****'".to_owned())
    );
    none("settings.py", "STRIPE_KEY = 'sk_test_E8JkqH3MB9n7IWUSmTtzQPxC'\n");
    none("settings.py", "STRIPE_KEY = 'sk_live_E8JkqH3MB9n7IWUSmTtz'\n");

    assert_eq!(
        at("index.html", "<script src=\"maps.js?key=AIza5pFCiRcDCajhDieQjEJ_Bq8F80ymm3T207g\">", "google-api-key"),
        (1, 26, "<script src=\"maps.js?key=AIza*****\">".to_owned())
    );
    none("index.html", "key=AIza5pFCiRcDCajhDieQjEJ_Bq8F80ymm3T207");

    assert_eq!(
        at(
            "home/u/.npmrc",
            "//registry.npmjs.org/:_authToken=npm_RPPgdzUvZ3gpmmICiBlrDp37eCZ32JgdPI1a\n",
            "npm-access-token"
        ),
        (1, 34, "//registry.npmjs.org/:_authToken=npm_*****".to_owned())
    );
    none("home/u/.npmrc", "//registry.npmjs.org/:_authToken=npm_RPPgdzUvZ3gpmmICiBlrDp37eCZ32JgdPI1\n");

    let pypi = "[pypi]\npassword = pypi-AgEIcHlwaS5vcmclEv0_9BZhvWaXH6K2_tyLBhhOhg9uhkxiiEZpFfk1OHAOEHYqM6Ojb6mjBHq\n";
    assert_eq!(at("home/u/.pypirc", pypi, "pypi-upload-token"), (2, 12, "password = pypi*****".to_owned()));
    not_rule("home/u/.pypirc", "[pypi]\npassword = pypi-AgEIcHlwaS5vcmc\n", "pypi-upload-token");

    assert_eq!(
        at("twilio.env", "TWILIO_API_KEY=SKb27b95e909348334896a68f812d810a4\n", "twilio-api-key"),
        (1, 16, "TWILIO_API_KEY=SKb2*****".to_owned())
    );
    // Without a Twilio keyword in the file, SK + 32 hex is not reported (precision over recall).
    none("hashes.txt", "SKb27b95e909348334896a68f812d810a4\n");
    not_rule("twilio.env", "TWILIO_API_KEY=SKb27b95e909348334896A68f812d810a4\n", "twilio-api-key");

    let sg = "SENDGRID_API_KEY=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";
    assert_eq!(at("mail.env", sg, "sendgrid-api-key"), (1, 18, "SENDGRID_API_KEY=SG.H*****".to_owned()));
    not_rule(
        "mail.env",
        "SENDGRID_API_KEY=SG.Hu42bojteVs3qfNUfTAFnT.0tEuw0dwQ0FIunWe8Cz6SNDCdyZQJiJSZQdoHwHen3",
        "sendgrid-api-key",
    );
}

const KEY_BODY: &str = "qan0gzZT8ql3aQiiTOCHntvlzlUqOegXJDOE0eE/tvPElkrAL1kgPEBWPKxlpndP\n\
                        /wyCOfbnes7oLfoyS/24JQ++QAaQqdQLMgCuPiQ74/sDiaJ5d3N8nN1oiNmpt7vE\n";

#[test]
fn private_keys() {
    let pem = format!("line one\n-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}-----END OPENSSH PRIVATE KEY-----\n");
    let f = one("home/u/.ssh/id_ed25519", &pem, "private-key");
    assert_eq!((f.line, f.column, f.end_line), (2, 1, 5));
    assert_eq!(f.redacted_match.as_str(), "-----BEGIN OPENSSH PRIVATE KEY----- qan0*****");
    assert_eq!(f.severity, Severity::High);
    // PKCS#8, EC and encrypted keys with PEM headers.
    for kind in ["", "EC ", "ENCRYPTED ", "DSA "] {
        let text = format!("-----BEGIN {kind}PRIVATE KEY-----\n{KEY_BODY}-----END {kind}PRIVATE KEY-----");
        one("k.pem", &text, "private-key");
    }
    let legacy = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B\n\n{KEY_BODY}-----END RSA PRIVATE KEY-----"
    );
    one("k.pem", &legacy, "private-key");
    // A JSON-escaped key (`\n` sequences) in a config file.
    let escaped = format!(
        "{{\"key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\"}}",
        KEY_BODY.replace('\n', "\\n")
    );
    one("conf.json", &escaped, "private-key");
    // The same key, formatted differently, has one fingerprint.
    let other = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\r\n{}-----END OPENSSH PRIVATE KEY-----",
        KEY_BODY.replace('\n', "\r\n")
    );
    assert_eq!(one("x", &other, "private-key").fingerprint, f.fingerprint);
    // Near misses: public keys, certificates, an elided body, a placeholder, no END marker.
    none("k.pem", &format!("-----BEGIN PUBLIC KEY-----\n{KEY_BODY}-----END PUBLIC KEY-----"));
    none("k.pem", &format!("-----BEGIN CERTIFICATE-----\n{KEY_BODY}-----END CERTIFICATE-----"));
    none("k.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----");
    none("k.pem", "-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----");
    none("k.pem", &format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", "A".repeat(200)));
    none("k.pem", &format!("-----BEGIN PRIVATE KEY-----\n{KEY_BODY}"));
}

#[test]
fn gcp_service_account_key_file() {
    let body = KEY_BODY.replace('\n', "\\n");
    let sa = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key_id\": \"0f3a\",\n  \
         \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{body}-----END PRIVATE KEY-----\\n\",\n  \
         \"client_email\": \"sa@p.iam.gserviceaccount.com\"\n}}\n"
    );
    let f = one("app/sa.json", &sa, "gcp-service-account-key");
    assert_eq!((f.line, f.column), (5, 19));
    assert_eq!(f.redacted_match.as_str(), "  \"private_key\": \"----*****\",");
    assert_eq!(f.category, "Google");
    // Without `"type": "service_account"` the key is an ordinary private key.
    one("app/other.json", &sa.replace("service_account", "authorized_user"), "private-key");
}

#[test]
fn jwt() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiAic3ZjLWRlcGxveSIsICJpYXQiOiAxNzY3MjI1NjAwfQ.O3oXyGf3azU3iQOpMN0PZLqy1WwMZaMKA3P744B8vkK";
    assert_eq!(
        at("client.sh", &format!("curl -H 'Authorization: Bearer {jwt}' api"), "jwt"),
        (1, 32, "curl -H 'Authorization: Bearer eyJh*****' api".to_owned())
    );
    // jwt.io's well-known sample (its payload holds `1234567890`), a header without `alg`,
    // and an unsigned token.
    none(
        "a",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    );
    none("a", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiAic3ZjLWRlcGxveSIsICJpYXQiOiAxNzY3MjI1NjAwfQ.O3oXyGf3azU3iQOpMN0PZLqy1W");
    none("a", "eyJhbGciOiJub25lIn0.eyJzdWIiOiAic3ZjLWRlcGxveSIsICJpYXQiOiAxNzY3MjI1NjAwfQ.");
}

#[test]
fn docker_config_auth() {
    let cfg = "{\n  \"auths\": {\n    \"registry.example.org\": {\n      \"auth\": \"ZGVwbG95OlpxOGtQMnZMbTQ=\"\n    }\n  }\n}\n";
    assert_eq!(
        at("root/.docker/config.json", cfg, "docker-config-auth"),
        (4, 16, "      \"auth\": \"ZGVw*****\"".to_owned())
    );
    // `user:` with an empty password, not base64, and an `auth` field outside a Docker config.
    none("root/.docker/config.json", &cfg.replace("ZGVwbG95OlpxOGtQMnZMbTQ=", "ZGVwbG95Og=="));
    none("root/.docker/config.json", &cfg.replace("ZGVwbG95OlpxOGtQMnZMbTQ=", "not base64!"));
    none("app/settings.json", "{\"auth\": \"ZGVwbG95OlpxOGtQMnZMbTQ=\"}");
}

#[test]
fn database_urls() {
    let text = "DATABASE_URL=postgres://app:Vb7kQ2xLp9@db.internal:5432/app\n";
    assert_eq!(
        at(".env", text, "database-url-password"),
        (1, 29, "DATABASE_URL=postgres://app:*****@db.internal:5432/app".to_owned())
    );
    one("a.yaml", "url: mongodb+srv://svc:Xr4tLm8Qz2Wp@cluster0.abcde.mongodb.net/db", "database-url-password");
    one("a.yaml", "url: redis://:Xr4tLm8Qz2Wp@cache:6379/0", "database-url-password");
    for url in [
        "postgres://user:password@localhost/db",
        "postgres://postgres:postgres@localhost/db",
        "postgres://app:${DB_PASSWORD}@db/app",
        "mysql://root:<password>@db/app",
        "postgresql://app:changeme123@db/app",
        "postgres://app@db/app",
        "postgres://app:%s@%s/app",
        "mysql://app:****@db/app",
    ] {
        none(".env", &format!("DATABASE_URL={url}\n"));
    }
}

#[test]
fn generic_assignments() {
    assert_eq!(
        at("app/config/settings.ini", "[db]\npassword = Vb7kQ2xLp9w\n", "generic-secret-assignment"),
        (2, 12, "password = *****".to_owned())
    );
    assert_eq!(
        at("app/config.yaml", "  client_secret: \"q8Zt2LmX4vR9pK1wN6sJ\"\n", "generic-secret-assignment"),
        (1, 19, "  client_secret: \"q8Zt*****\"".to_owned())
    );
    // Quoted literal in source code.
    one("app/main.py", "API_KEY = \"q8Zt2LmX4vR9pK1wN6sJ\"\n", "generic-secret-assignment");
    one("Dockerfile", "ENV DB_PASSWORD=Vb7kQ2xLp9w\n", "generic-secret-assignment");
    one("app/.env", "SERVICE_TOKEN=q8Zt2LmX4vR9pK1wN6sJ\n", "generic-secret-assignment");
    for line in [
        "password = changeme",
        "password = ${DB_PASSWORD}",
        "password: <password>",
        "password = xxxxxxxxxx",
        "password = example-password",
        "password = aaaaaaaaaaaa",
        "password = short1",
        "password = 12345678901",
        "secret = my-tls-secret-name",
        "secretName: app-tls-secret",
        "password_file = /run/secrets/db",
        "password_length = 16",
        "api_key = {{ .Values.apiKey }}",
        "password = os.environ['DB_PASSWORD']",
        "SECRET_KEY=$(cat /run/secrets/key)",
        "password = Passwort123",
        "password: Kennwortxyz",
        "min_password_length: 8",
        "password = \"unterminated",
    ] {
        none("app/config/settings.ini", line);
    }
    // Unquoted values in code are expressions; comparisons are not assignments.
    none("app/main.py", "password = get_password_from_vault()\n");
    none("app/main.py", "password = Vb7kQ2xLp9w\n");
    none("app/main.py", "if password == \"Vb7kQ2xLp9w\":\n");
    // The generic rule does not run on documentation.
    none("app/README.md", "password = Vb7kQ2xLp9w\n");
}

#[test]
fn overlapping_rules_report_the_specific_one_and_mask_every_secret_on_the_line() {
    let text =
        "AWS_ACCESS_KEY_ID=AKIAPJAG3OL5DPH5I5U4 AWS_SECRET_ACCESS_KEY=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\n";
    let found = scan("app/.env", text.as_bytes());
    let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["aws-access-key-id", "aws-secret-access-key"]);
    for f in &found {
        assert_eq!(f.redacted_match.as_str(), "AWS_ACCESS_KEY_ID=AKIA***** AWS_SECRET_ACCESS_KEY=25u8*****");
    }
}

#[test]
fn fingerprint_is_per_rule_and_secret_not_per_place() {
    let a = one("a/.env", "K=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", "github-pat");
    let b = one("b/x.yaml", "\n\n  token: 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 # ci", "github-pat");
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_eq!(a.fingerprint.len(), 64);
    let c = one("a/.env", "K=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", "github-oauth-token");
    assert_ne!(a.fingerprint, c.fingerprint);
}

#[test]
fn allow_listed_paths_and_skips() {
    let text = "aws_access_key_id = AKIAPJAG3OL5DPH5I5U4\n";
    assert_eq!(scan("/app/conf/creds", text.as_bytes()).len(), 1);
    none("/usr/share/doc/awscli/examples/creds", text);
    none("/usr/lib/python3/dist-packages/botocore/tests/unit/creds", text);
    none("/app/node_modules/aws-sdk/README.md", text);
    assert!(matches!(skip_reason("/usr/share/doc/x", b""), Some(SkipReason::AllowedPath(_))));
    assert_eq!(skip_reason("/app/x", b"ab\0cd"), Some(SkipReason::Binary));
    assert_eq!(skip_reason("/app/x", b"abcde"), None);
    // A NUL byte makes the file binary: not scanned.
    none("/app/conf/creds", &format!("\0{text}"));
    // A NUL byte past the sniffed prefix does not.
    let late_nul = format!("{}\n{text}\0", "#".repeat(9000));
    assert_eq!(scan("/app/conf/creds", late_nul.as_bytes()).len(), 1);
}

#[test]
fn findings_convert_to_report_findings() {
    let f = one("app/.env", "\nAWS_ACCESS_KEY_ID=AKIAPJAG3OL5DPH5I5U4", "aws-access-key-id");
    let r = f.to_finding();
    assert_eq!(r.kind, FindingKind::Secret);
    assert_eq!(r.id, "aws-access-key-id");
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.location, Location::File { path: "app/.env".into(), line: 2, column: Some(19), end_line: None });
    assert_eq!(r.evidence.as_deref(), Some("AWS_ACCESS_KEY_ID=AKIA*****"));
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["redacted_match"], "AWS_ACCESS_KEY_ID=AKIA*****");
    assert_eq!(json["severity"], "CRITICAL");
}

#[test]
fn rule_list_is_complete_and_unique() {
    let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "aws-access-key-id",
            "aws-secret-access-key",
            "github-pat",
            "github-fine-grained-pat",
            "github-oauth-token",
            "gitlab-pat",
            "slack-token",
            "slack-webhook-url",
            "stripe-secret-key",
            "google-api-key",
            "gcp-service-account-key",
            "npm-access-token",
            "pypi-upload-token",
            "docker-config-auth",
            "twilio-api-key",
            "sendgrid-api-key",
            "private-key",
            "jwt",
            "database-url-password",
            "generic-secret-assignment",
        ]
    );
}
