//! Writers and the signed bundle on a synthetic run: every artifact is written, `verify`
//! passes, and each way of tampering fails with a message naming what changed.

use harness::evidence::{
    Evidence, Outcome, ScenarioResult, Status, StepResult, StepStatus, Verdict,
};
use harness::waiver::{Decision, Waiver};
use reports::manifest::{SigningKey, MANIFEST, SIGNATURE};
use reports::{verify, RunReport, ARTIFACTS};
use std::path::Path;

fn scenario(name: &str, failed: bool) -> ScenarioResult {
    ScenarioResult {
        feature: "Reconciliation — the migration lost and corrupted nothing".into(),
        rule: Some("The private store".into()),
        scenario: name.into(),
        tags: vec!["@reconciliation".into(), "@T-1d".into()],
        status: if failed {
            Status::Failed
        } else {
            Status::Passed
        },
        failed_step: failed.then(|| "Then every one is as expected".into()),
        message: failed.then(|| {
            "emails: 10 checked, 1 wrong\n  legacy 7 (ann): profile email differs from laddr's"
                .into()
        }),
        duration_ms: 12,
        peak_rss_kib: None,
        stack_log: vec![],
        steps: vec![StepResult {
            keyword: "Then".into(),
            text: "every one is as expected".into(),
            status: if failed {
                StepStatus::Failed
            } else {
                StepStatus::Passed
            },
            duration_ms: 3,
            error: None,
        }],
        evidence: vec![Evidence::new(
            "emails",
            if failed { Outcome::Fail } else { Outcome::Pass },
            "emails: 10 checked",
        )
        .detail("legacy 7 (ann): profile email differs")],
    }
}

fn report() -> RunReport {
    RunReport {
        suite: "rehearsal".into(),
        suite_commit: "abc".into(),
        profile: "test".into(),
        verdict: Verdict::NoGo,
        started: "2026-11-22T00:00:00Z".into(),
        finished: "2026-11-22T00:00:05Z".into(),
        identity: serde_json::json!({"fixture": {"seed": 1}}),
        features: vec![],
        decision: Decision {
            verdict: Verdict::NoGo,
            applied: vec![],
            expired: vec![Waiver {
                scenario: "x".into(),
                reason: "r".into(),
                owner: "o".into(),
                expires: "2026-01-01".into(),
            }],
        },
        scenarios: vec![
            scenario(
                "Every laddr email is in exactly one profile, lower-cased",
                true,
            ),
            scenario("Nobody stops or starts receiving the newsletter", false),
        ],
        parse_errors: vec![],
        legacy_writes: vec![],
        run_problems: vec![],
        phase: Some("T-1d".into()),
        selection: Some("@T-1d".into()),
        signer: Some(reports::signoff::Signer {
            name: "Ana Lead".into(),
            role: "cutover lead".into(),
        }),
        shared_work: vec![],
    }
}

fn signed_bundle(dir: &Path) -> (SigningKey, ed25519_dalek::VerifyingKey) {
    let key = SigningKey::generate().unwrap();
    let (_, public) = key.write_pair(&dir.join("k")).unwrap();
    reports::write_all(&dir.join("bundle"), &report(), Some(&key)).unwrap();
    (key, verify::load_public_key(&public).unwrap())
}

#[test]
fn every_artifact_is_written_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = signed_bundle(dir.path());
    let bundle = dir.path().join("bundle");
    for a in ARTIFACTS.iter().chain([&MANIFEST, &SIGNATURE]) {
        assert!(bundle.join(a).is_file(), "{a}");
    }
    let v = verify::verify(&bundle, &public).unwrap();
    assert_eq!(
        (v.verdict.as_str(), v.artifacts),
        ("NO-GO", ARTIFACTS.len())
    );
}

/// The stack's tools' output (`tools/…`) is signed too: a changed byte there fails, and a
/// manifest may not name a file anywhere else under the directory.
#[test]
fn tool_output_is_signed_and_nothing_outside_may_be_listed() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir_all(bundle.join("tools")).unwrap();
    std::fs::write(
        bundle.join("tools/01-reconcile.log"),
        "$ reconcile --json=x\n",
    )
    .unwrap();
    let key = SigningKey::generate().unwrap();
    let (_, public) = key.write_pair(&dir.path().join("k")).unwrap();
    let public = verify::load_public_key(&public).unwrap();
    reports::write_all(&bundle, &report(), Some(&key)).unwrap();
    assert_eq!(
        verify::verify(&bundle, &public).unwrap().artifacts,
        ARTIFACTS.len() + 1
    );
    std::fs::write(
        bundle.join("tools/01-reconcile.log"),
        "$ reconcile --json=y\n",
    )
    .unwrap();
    let err = verify::verify(&bundle, &public).unwrap_err().to_string();
    assert!(
        err.contains("tools/01-reconcile.log") && err.contains("changed since signing"),
        "{err}"
    );
    for bad in ["../x", "tools/../x", "other/x", "tools/a/b", ".hidden"] {
        assert!(!reports::artifact_name_ok(bad), "{bad}");
    }
}

#[test]
fn a_changed_byte_in_any_artifact_fails_naming_it() {
    for name in ARTIFACTS {
        let dir = tempfile::tempdir().unwrap();
        let (_, public) = signed_bundle(dir.path());
        let path = dir.path().join("bundle").join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let err = verify::verify(&dir.path().join("bundle"), &public)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(name) && err.contains("changed since signing"),
            "{name}: {err}"
        );
    }
}

#[test]
fn an_edited_manifest_a_wrong_key_a_missing_signature_or_artifact_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = signed_bundle(dir.path());
    let bundle = dir.path().join("bundle");
    let original = std::fs::read_to_string(bundle.join(MANIFEST)).unwrap();

    std::fs::write(
        bundle.join(MANIFEST),
        original.replace("\"NO-GO\"", "\"GO\""),
    )
    .unwrap();
    let err = verify::verify(&bundle, &public).unwrap_err().to_string();
    assert!(err.contains("changed after signing"), "{err}");
    std::fs::write(bundle.join(MANIFEST), &original).unwrap();

    let other = SigningKey::generate().unwrap();
    let (_, other_pub) = other.write_pair(&dir.path().join("other")).unwrap();
    let err = verify::verify(&bundle, &verify::load_public_key(&other_pub).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("wrong key"), "{err}");

    std::fs::remove_file(bundle.join("summary.md")).unwrap();
    let err = verify::verify(&bundle, &public).unwrap_err().to_string();
    assert!(err.contains("summary.md missing"), "{err}");

    std::fs::remove_file(bundle.join(SIGNATURE)).unwrap();
    let err = verify::verify(&bundle, &public).unwrap_err().to_string();
    assert!(err.contains("not signed"), "{err}");
}

#[test]
fn the_key_is_never_printed_and_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    let (k, _) = key.write_pair(&dir.path().join("k")).unwrap();
    let secret = std::fs::read_to_string(&k).unwrap();
    assert!(!format!("{key:?}").contains(secret.trim()));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&k).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        key.write_pair(&dir.path().join("k")).is_err(),
        "an existing key is not overwritten"
    );
    assert!(SigningKey::from_base64("not a key").is_err());
}

#[test]
fn writers_carry_the_evidence_headline_and_stay_self_contained() {
    let r = report();
    let junit = reports::junit::render(&r);
    assert!(
        junit.contains("failures=\"1\"")
            && junit.contains("message=\"emails: 10 checked, 1 wrong\""),
        "{junit}"
    );
    let md = reports::markdown::render(&r);
    assert!(
        md.contains("NO-GO")
            && md.contains("| @T-1d | 1 | 1 |")
            && md.contains("expired waiver, not counted"),
        "{md}"
    );
    assert!(md.len() < 1024 * 1024);
    let html = reports::html::render(&r);
    assert!(html.contains("id=\"verdict\">NO-GO<") && html.contains("only failed"));
    for external in ["src=", "href=", "http://", "https://", "@import"] {
        assert!(!html.contains(external), "no external asset ({external})");
    }
    let cucumber: serde_json::Value =
        serde_json::from_str(&reports::cucumber_json::render(&r)).unwrap();
    assert!(cucumber.is_array());
}

/// Whatever a scenario, a step error, the evidence or a stack log says is text on the page,
/// never markup.
#[test]
fn html_escapes_every_value_it_shows() {
    let mut r = report();
    let hostile = "<script>alert('x')</script> & \"quoted\"";
    r.scenarios[0].scenario = hostile.into();
    r.scenarios[0].evidence[0].details = vec![hostile.into()];
    r.scenarios[0].stack_log = vec![hostile.into()];
    r.profile = hostile.into();
    let html = reports::html::render(&r);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("\"quoted\""), "{html}");
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;quoted&quot;"));
    // The page's own script and style are kept as written.
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(html.contains("<style>") && html.contains("function apply()"));
}

/// The page opens in headless Chromium (Debian's `chromium`) and shows the verdict and the
/// failing scenario's evidence. `scripts/setup.sh test` installs Chromium; without it this
/// fails, naming it.
#[test]
fn html_renders_in_headless_chromium() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/google-chrome"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium is needed by this test (hint: scripts/setup.sh test, or apt-get install chromium)");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, reports::html::render(&report())).unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("id=\"verdict\">NO-GO<"),
        "verdict rendered:\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains("Why: 1 failing scenario(s)") && dom.contains("profile email differs"),
        "failing evidence rendered"
    );
}

#[test]
fn a_features_time_counts_the_shared_work_its_tag_owns() {
    let mut r = report();
    r.features = vec![harness::suite::FeatureFile {
        path: "reconciliation.feature".into(),
        name: "Reconciliation — the migration lost and corrupted nothing".into(),
        sha256: String::new(),
        tags: vec!["@reconciliation".into(), "@budget-1s".into()],
        phases: vec![],
        budget_secs: Some(1),
        paced_budget_secs: None,
    }];
    let own = r.budgets()[0].measured_secs;
    assert!((own - 0.024).abs() < 1e-9, "{own}");
    r.shared_work = vec![
        harness::timing::Work {
            subject: "reconciliation".into(),
            what: "the state read before the first scenario".into(),
            secs: 2.5,
        },
        harness::timing::Work {
            subject: "saml".into(),
            what: "every member's flows".into(),
            secs: 40.0,
        },
    ];
    let line = &r.budgets()[0];
    assert!(
        (line.measured_secs - 2.524).abs() < 1e-9,
        "{}",
        line.measured_secs
    );
    assert!(line.over, "2.5 s of owned work is over a 1 s budget");
}
