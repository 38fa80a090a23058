//! The matrix's cases around a run: a signed bundle and waivers, the freeze across runs,
//! tag filters, bad feature files, and the command provider.

use crate::matrix::*;
use crate::support::*;
use fixtures::generate::{generate, Size, DEFAULT_PEOPLE};
use fixtures::Fault;
use harness::exit;
use libtest_mimic::Failed;
use std::collections::BTreeSet;
use std::path::Path;

/// A signed rehearsal verifies; one changed byte does not; a waiver accepts a known failure
/// until it expires.
pub fn signed_bundle_and_waivers(sh: &Shared) -> Result<(), Failed> {
    let dir = sh.report_dir("bundle");
    std::fs::create_dir_all(&dir)?;
    let keys = dir.join("acceptance");
    let out = cutover(&["keygen", "--out", keys.to_str().unwrap()], &[]);
    check(out.status.code() == Some(exit::GO), || text(&out))?;
    let secret = std::fs::read_to_string(dir.join("acceptance.key"))?;
    let signed = dir.join("signed");
    let (key_file, pub_file) = (dir.join("acceptance.key"), dir.join("acceptance.pub"));
    let waivers = dir.join("waivers.toml");
    // One importer bug shows in three scenarios: the profile, the SAML email attribute and
    // the captured assertions. Each is waived by name.
    let waived = [
        "Every laddr email is in exactly one profile, lower-cased",
        "Every email attribute is still laddr's email",
        "Captured laddr assertions match the new IdP's, field by field",
    ];
    let features = path_arg(&features_holding(&waived, &dir.join("features"))?);
    std::fs::write(
        &waivers,
        waived
        .map(|s| format!("[[waiver]]\nscenario = \"{s}\"\nreason = \"known importer bug, fix in 1.4.1\"\nowner = \"cutover lead\"\nexpires = \"2999-01-01\"\n"))
        .concat(),
    )?;
    let admin = [("LADDR_DATABASE_URL", sh.admin())];
    let rehearse = |report: &Path| {
        cutover(
            &[
                "rehearse",
                "--fault",
                "email-changed",
                "--features",
                &features,
                "--waivers",
                waivers.to_str().unwrap(),
                "--signing-key",
                key_file.to_str().unwrap(),
                "--signer",
                "Ana Lead",
                "--signer-role",
                "cutover lead",
                "--report-dir",
                report.to_str().unwrap(),
            ],
            &admin,
        )
    };
    let out = rehearse(&signed);
    let console = text(&out);
    check(out.status.code() == Some(exit::GO), || console.clone())?;
    check(
        console.contains("VERDICT: GO with waivers") && !console.contains(secret.trim()),
        || console.clone(),
    )?;
    let verify = || {
        cutover(
            &[
                "verify",
                signed.to_str().unwrap(),
                "--public-key",
                pub_file.to_str().unwrap(),
            ],
            &[],
        )
    };
    let out = verify();
    let said = text(&out);
    check(
        out.status.code() == Some(exit::GO)
            && said.contains("VERDICT: GO with waivers")
            && said.contains("signed off by: Ana Lead (cutover lead)")
            && said.contains("waived: ")
            && said.contains("needs eyes 1: Waived by "),
        || said.clone(),
    )?;
    // The signed manifest (a signer, waivers, a key) follows its schema too.
    let manifest = read_json(&signed.join("manifest.json"));
    let errors = schema_errors(&manifest, "manifest.schema.json");
    check(
        errors.is_empty() && manifest["signer"]["role"] == "cutover lead",
        || format!("{errors:?}"),
    )?;
    let html = signed.join("report.html");
    let mut bytes = std::fs::read(&html)?;
    bytes[100] ^= 0x20;
    std::fs::write(&html, bytes)?;
    let out = verify();
    check(
        out.status.code() == Some(exit::BUNDLE_INVALID)
            && text(&out).contains("artifact report.html changed since signing"),
        || text(&out),
    )?;
    std::fs::write(
        &waivers,
        std::fs::read_to_string(&waivers)?.replace("2999-01-01", "2020-01-01"),
    )?;
    let out = rehearse(&dir.join("expired"));
    check(
        out.status.code() == Some(exit::NO_GO)
            && text(&out).contains("expired waiver, not counted"),
        || format!("an expired waiver does not count: {}", text(&out)),
    )
}

/// The freeze across runs: recorded at "T-7d" by `cutover freeze`, compared at "T-0". An
/// in-place UPDATE in between (row counts and timestamps unchanged) fails exactly the freeze
/// scenario. On a database of its own (another seed).
pub fn freeze_across_runs(sh: &Shared) -> Result<(), Failed> {
    let rt = runtime();
    let ds = generate(
        FREEZE_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    let sql = fixtures::sql::render(&ds);
    let hash = fixtures::sql::fixture_hash(&sql);
    let ro = rt.block_on(fixtures::legacy::prepare(sh.admin(), &sql, &hash))?;
    let dir = sh.report_dir("freeze");
    std::fs::create_dir_all(&dir)?;
    let freeze_file = dir.join("freeze.json");
    let out = cutover(
        &["freeze", "--out", freeze_file.to_str().unwrap()],
        &[("LADDR_DATABASE_URL", ro.as_str())],
    );
    check(out.status.code() == Some(exit::GO), || text(&out))?;
    let db = sh.admin().replace(
        "/mysql",
        &format!("/{}", fixtures::legacy::database_name(&hash)),
    );
    // One row changed in place, and put back afterwards.
    let location = |to: Option<String>| -> Result<Option<String>, Failed> {
        Ok(rt.block_on(async {
            use sqlx::{Connection, Row};
            let mut c = sqlx::MySqlConnection::connect(&db).await?;
            let was: Option<String> = sqlx::query("SELECT Location FROM people WHERE ID = 2")
                .fetch_one(&mut c)
                .await?
                .try_get(0)?;
            sqlx::query("UPDATE people SET Location = ? WHERE ID = 2")
                .bind(to)
                .execute(&mut c)
                .await?;
            Ok::<_, sqlx::Error>(was)
        })?)
    };
    let expected = [
        "Nothing writes to laddr after the freeze",
        "The final laddr dump restores into a scratch database and holds exactly laddr",
    ];
    let features = path_arg(&features_holding(&expected, &dir.join("features"))?);
    let original = location(Some("moved after the freeze".into()))?;
    let report_dir = dir.join("report");
    let seed = FREEZE_SEED.to_string();
    let out = cutover(
        &[
            "rehearse",
            "--features",
            &features,
            "--seed",
            &seed,
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", sh.admin()),
            ("CUTOVER_FREEZE_FILE", freeze_file.to_str().unwrap()),
        ],
    );
    location(original)?;
    check(out.status.code() == Some(exit::NO_GO), || text(&out))?;
    let failed = failed_scenarios(&read_json(&report_dir.join("results.json")));
    // The rehearsal's final dump was written before the change, so it is no longer laddr:
    // the restore gate says so too.
    check(failed == BTreeSet::from(expected.map(String::from)), || {
        format!("{failed:?}\n{}", text(&out))
    })?;
    // An in-place UPDATE: counts and timestamps unchanged, the checksum not.
    check(text(&out).contains("people: changed in place"), || {
        text(&out)
    })
}

/// A phase that matches nothing cannot give a verdict; one that matches runs.
pub fn tag_filters(sh: &Shared) -> Result<(), Failed> {
    let report_dir = sh.report_dir("tags");
    let admin = [("LADDR_DATABASE_URL", sh.admin())];
    let out = cutover(
        &[
            "rehearse",
            "--tags",
            "@no-such-phase",
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &admin,
    );
    check(
        out.status.code() == Some(exit::CANNOT_RUN) && text(&out).contains("no scenario ran"),
        || text(&out),
    )?;
    let out = cutover(
        &[
            "rehearse",
            "--tags",
            "@T-0 and not @no-such-phase",
            "--concurrency",
            "2",
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &admin,
    );
    check(out.status.code() == Some(exit::GO), || text(&out))
}

/// An undefined step fails its scenario (never silently skipped); an unparsable feature file
/// means the suite cannot run.
pub fn bad_feature_files(sh: &Shared) -> Result<(), Failed> {
    let dir = sh.report_dir("features");
    let (undefined, broken, report_dir) = (
        dir.join("undefined"),
        dir.join("broken"),
        dir.join("report"),
    );
    std::fs::create_dir_all(&undefined)?;
    std::fs::create_dir_all(&broken)?;
    std::fs::write(
        undefined.join("x.feature"),
        "Feature: X\n  Scenario: Y\n    Given the legacy laddr database\n    Then a step nobody wrote\n",
    )?;
    std::fs::write(
        broken.join("x.feature"),
        "Feature: X\n  Scenario Outline: Y\n    Given <a>\n  Nonsense here\n",
    )?;
    let admin = [("LADDR_DATABASE_URL", sh.admin())];
    let run = |features: &Path| {
        cutover(
            &[
                "rehearse",
                "--features",
                features.to_str().unwrap(),
                "--report-dir",
                report_dir.to_str().unwrap(),
            ],
            &admin,
        )
    };
    let out = run(&undefined);
    check(
        out.status.code() == Some(exit::NO_GO) && text(&out).contains("no step definition matches"),
        || text(&out),
    )?;
    let out = run(&broken);
    check(out.status.code() == Some(exit::CANNOT_RUN), || text(&out))
}

/// The stack through the command provider (`cutover serve` as a process): a fault reaches
/// it through CUTOVER_FAULTS as it reaches the state, and a command that exits at once is
/// "cannot run" with its last log lines.
pub fn command_provider(sh: &Shared) -> Result<(), Failed> {
    let report_dir = sh.report_dir("command");
    let serve = format!("{BIN} serve");
    let holding = features_holding(
        Fault::DropPerson.expected_failures(),
        &sh.report_dir("command-input"),
    )?;
    let features = path_arg(&holding);
    let run = |command: &str, faults: &str| {
        cutover(
            &[
                "rehearse",
                "--features",
                &features,
                "--target-command",
                command,
                "--report-dir",
                report_dir.to_str().unwrap(),
            ],
            &[
                ("LADDR_DATABASE_URL", sh.admin()),
                ("CUTOVER_FAULTS", faults),
            ],
        )
    };
    let out = run(&serve, "drop-person");
    let console = text(&out);
    check(out.status.code() == Some(exit::NO_GO), || console.clone())?;
    let results = read_json(&report_dir.join("results.json"));
    let id = results["identity"]["target"]["droppedPerson"]
        .as_u64()
        .ok_or("dropped person")?;
    check(console.contains(&format!("legacy id {id} ")), || {
        format!("names the record:\n{console}")
    })?;
    let log = std::fs::read_to_string(report_dir.join("stack.log"))?;
    check(log.contains("Server listening at"), || log.clone())?;
    let out = run(
        "echo 'fatal: CFP_DATA_REPO_PATH unreadable' >&2; exit 3",
        "",
    );
    check(
        out.status.code() == Some(exit::CANNOT_RUN)
            && text(&out).contains("exited before it was ready")
            && text(&out).contains("fatal: CFP_DATA_REPO_PATH unreadable"),
        || text(&out),
    )
}
