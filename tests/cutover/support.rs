//! Shared by every case: the binary, the fixture cache, reading reports, and the one legacy
//! server the binary provisions for all of them.

use fixtures::generate::{generate, Size, DEFAULT_PEOPLE, DEFAULT_SEED};
use harness::config::Profile;
use libtest_mimic::Trial;
use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_cutover");

/// Where the test binaries keep the fixture's bcrypt hashes and the rehearsal's RSA keys
/// between runs (see `fixtures::memo`): every case prepares the same rehearsal.
pub fn fixture_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-cache")
}

/// Run the binary in the repository root with extra environment.
pub fn cutover(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env(fixtures::generate::CACHE_ENV, fixture_cache());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("cutover runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report exists"))
        .expect("report is JSON")
}

/// Every way `doc` breaks the checked-in JSON Schema `reports/schema/<schema>`, one line
/// each (empty when it follows it).
pub fn schema_errors(doc: &serde_json::Value, schema: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/schema")
        .join(schema);
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let index = compiler
        .compile(&path.to_string_lossy(), &mut schemas)
        .expect("the schema compiles");
    let mut lines = Vec::new();
    if let Err(e) = schemas.validate(doc, index) {
        leaf_errors(&e, &mut lines);
    }
    lines
}

/// The innermost causes of a validation error, one line each (where the document broke
/// the schema, and how).
fn leaf_errors(e: &boon::ValidationError, lines: &mut Vec<String>) {
    if e.causes.is_empty() {
        lines.push(format!("{}: {}", e.instance_location, e.kind));
    }
    for cause in &e.causes {
        leaf_errors(cause, lines);
    }
}

/// A report directory's `results.json` and `manifest.json` follow their schemas, and the
/// schemas do judge: a results.json without its version, or with a status it does not know,
/// is refused.
pub fn assert_reports_follow_their_schemas(report_dir: &Path) {
    let results = read_json(&report_dir.join("results.json"));
    let manifest = read_json(&report_dir.join("manifest.json"));
    assert_eq!(
        schema_errors(&results, "results.schema.json"),
        Vec::<String>::new()
    );
    assert_eq!(
        schema_errors(&manifest, "manifest.schema.json"),
        Vec::<String>::new()
    );
    let mut unversioned = results.clone();
    unversioned.as_object_mut().unwrap().remove("schema");
    assert!(!schema_errors(&unversioned, "results.schema.json").is_empty());
    let mut odd = results;
    odd["scenarios"][0]["status"] = "skipped".into();
    assert!(!schema_errors(&odd, "results.schema.json").is_empty());
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Two members fit to be named test accounts (laddr IDs): one with a SHA-1 and one with a
/// bcrypt password the fixture knows, each with an email, a plain lower-case username, able
/// to sign in, and touched by no other part of the cast.
pub fn test_accounts(ds: &fixtures::model::Dataset) -> (u32, u32) {
    let fits = |scheme: &str| {
        ds.secrets
            .iter()
            .filter(|s| s.scheme == scheme)
            .filter_map(|s| ds.people.iter().find(|p| p.id == s.person_id))
            .filter(|p| {
                p.in_scope()
                    && p.is_user
                    && p.email.is_some()
                    && p.level() == "User"
                    && !fixtures::migrate::deactivated(p)
                    && p.username.as_deref().is_some_and(|u| {
                        u.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    })
            })
            .map(|p| p.id)
            .next_back()
            .expect("the fixture has such a member")
    };
    (fits("sha1"), fits("bcrypt"))
}

/// A plain test as a trial: a panic is its failure (libtest-mimic reports the message).
pub fn trial(name: &str, f: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(name, move || {
        f();
        Ok(())
    })
}

/// The legacy server the matrix and the external runs read, provisioned when the first of
/// them asks (so `cli::` and `provider::` cases, and `--list`, need none). At the end its
/// tables must be as they were.
pub struct SharedLegacy {
    rt: tokio::runtime::Runtime,
    cell: std::sync::OnceLock<Legacy>,
}

impl SharedLegacy {
    pub fn new() -> SharedLegacy {
        SharedLegacy {
            rt: runtime(),
            cell: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> &Legacy {
        self.cell.get_or_init(|| Legacy::provision(&self.rt))
    }

    /// Stop the server if one was started, comparing its tables with before the first case.
    pub fn finish(self) -> Result<(), String> {
        match self.cell.into_inner() {
            Some(legacy) => legacy.finish(&self.rt),
            None => Ok(()),
        }
    }
}

/// One legacy server from the environment's profile, the default fixture loaded, its
/// checksums taken before the first case. Cases that write load a fixture of another seed
/// into a database of its own.
pub struct Legacy {
    /// The server's admin URL (`…/mysql`), for cases that load a fixture of their own.
    pub admin: String,
    /// The default fixture's database, read-only.
    pub ro: String,
    pub ds: fixtures::model::Dataset,
    db: harness::legacy::LegacyDb,
    before: harness::legacy::Checksums,
    server: harness::legacy::provider::LegacyServer,
}

impl Legacy {
    pub fn provision(rt: &tokio::runtime::Runtime) -> Legacy {
        let profile = Profile::from_env().expect("profile from the environment");
        let server = rt
            .block_on(harness::legacy::provider::provision(&profile))
            .expect("a legacy database for the tests");
        let ds = generate(
            DEFAULT_SEED,
            Size {
                people: DEFAULT_PEOPLE,
            },
        );
        let sql = fixtures::sql::render(&ds);
        let hash = fixtures::sql::fixture_hash(&sql);
        let ro = rt
            .block_on(fixtures::legacy::prepare(&server.url, &sql, &hash))
            .expect("the fixture loads");
        let db = rt
            .block_on(harness::legacy::LegacyDb::connect_read_only(&ro))
            .expect("read-only connection");
        let before = rt.block_on(db.checksums()).expect("checksums");
        Legacy {
            admin: server.url.clone(),
            ro,
            ds,
            db,
            before,
            server,
        }
    }

    /// Stop the server; the tables every case shared must be as they were before the first.
    pub fn finish(mut self, rt: &tokio::runtime::Runtime) -> Result<(), String> {
        let after = rt
            .block_on(self.db.checksums())
            .map_err(|e| e.to_string())?;
        let changed = after.changes_since(&self.before);
        rt.block_on(self.db.close());
        rt.block_on(self.server.shutdown());
        if changed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the shared legacy database changed during the tests: {changed:?}"
            ))
        }
    }
}

/// `cutover serve --state DIR` on its own, as a newcomer pokes at it; stopped by its PID.
pub struct Served {
    child: std::process::Child,
    pub base: String,
}

impl Served {
    pub fn start(state: &std::path::Path, env: &[(&str, &str)]) -> Served {
        let port = harness::legacy::provider::free_port().unwrap();
        let child = std::process::Command::new(BIN)
            .args([
                "serve",
                "--state",
                state.to_str().unwrap(),
                "--seconds",
                "3600",
            ])
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}/");
        let listening = (0..100).any(|_| {
            let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if !up {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            up
        });
        let served = Served { child, base };
        assert!(listening, "cutover serve never listened on {port}");
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
