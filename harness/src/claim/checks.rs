//! One function per account-claim scenario. Each acts as its own people (see [`super::Cast`]),
//! through a fresh [`Browser`], and returns evidence naming people by laddr id and slug only:
//! no email, password, token or cookie is ever written.

use super::mock::{FlowLog, GithubIdentity, Mocks};
use super::{stats, Cast, ClaimSetup, EmailMatch, Member, Role, CLAIM_COOKIE};
use crate::datarepo::{DataRepo, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::http::{Browser, Reply};
use crate::private::PrivateStore;
use crate::saml::flow::{mint_session, now, SESSION_COOKIE};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const LOGIN: &str = "/api/auth/login";
const ME: &str = "/api/auth/me";
const CANDIDATES: &str = "/api/account-claim/candidates";
/// How long to wait for a mail that should come (they are sent before the 202 by the
/// reference target; a real stack may queue them).
const MAIL_WAIT: Duration = Duration::from_secs(5);

/// One run's account-claim context: the cast, the mocks, and where the stack keeps its data.
pub struct ClaimRun {
    pub cast: Cast,
    pub setup: ClaimSetup,
    browser: Browser,
    data_repo: Arc<DataRepo>,
    private_store: Option<PathBuf>,
}

impl ClaimRun {
    pub fn new(
        cast: Cast,
        setup: ClaimSetup,
        base_url: &str,
        policy: crate::identity::ClientPolicy,
        data_repo: Arc<DataRepo>,
        private_store: Option<PathBuf>,
    ) -> Result<Self, crate::Error> {
        Ok(ClaimRun {
            browser: Browser::new(base_url, policy)?,
            cast,
            setup,
            data_repo,
            private_store,
        })
    }

    fn browser(&self) -> Browser {
        self.browser.fresh()
    }

    fn mocks(&self) -> Result<&Mocks, String> {
        self.setup.mocks.as_deref().ok_or_else(|| {
            "no GitHub/Resend mocks (hint: a rehearsal starts them; for a real stack set [claim] github_mock and resend_mock and start the stack with its GitHub and Resend base URLs pointed at them)".to_string()
        })
    }

    fn key(&self) -> Result<&[u8], String> {
        self.setup.jwt_key.as_deref().ok_or_else(|| {
            "no session signing key (hint: set CFP_JWT_SIGNING_KEY to the stack's key)".to_string()
        })
    }

    /// What one person holds now: their record, their memberships, and updates and buzz (few
    /// enough to read whole) — not every person's record.
    async fn fresh_holdings(&self, m: &Member) -> Result<Option<Holdings>, String> {
        let slug = m.slug.clone().unwrap_or_default();
        let own = format!("people/{slug}.toml");
        let membership = format!("/{slug}.toml");
        let snap = self
            .fresh_snapshot_of(move |p| {
                p == own
                    || (p.starts_with("project-memberships/") && p.ends_with(&membership))
                    || p.starts_with("project-updates/")
                    || p.starts_with("project-buzz/")
            })
            .await?;
        Ok(holdings(&snap, m.person_id.as_deref().unwrap_or_default()))
    }

    /// The data repo as it is now (the stack writes while the run goes on), the paths `keep`
    /// accepts only.
    async fn fresh_snapshot_of(
        &self,
        keep: impl Fn(&str) -> bool + Send + 'static,
    ) -> Result<Snapshot, String> {
        let repo = self.data_repo.clone();
        tokio::task::spawn_blocking(move || repo.refresh().and_then(|_| repo.snapshot_of(keep)))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    async fn fresh_store(&self) -> Result<PrivateStore, String> {
        let dir = self.private_store.clone().ok_or(
            "no private store (hint: set CUTOVER_PRIVATE_STORE or [target] private_store)",
        )?;
        tokio::task::spawn_blocking(move || PrivateStore::read(&dir))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    /// Sign in with GitHub as `who`: start, the mock's authorize page, the callback.
    async fn github(
        &self,
        b: &mut Browser,
        who: GithubIdentity,
    ) -> Result<(Landed, FlowLog), String> {
        let mocks = self.mocks()?;
        let start = b
            .get("/api/auth/github/start?return=/welcome-back")
            .await
            .map_err(|e| e.to_string())?;
        b.keep(&start);
        let to = start
            .location
            .clone()
            .filter(|_| matches!(start.status, 302 | 303))
            .ok_or_else(|| {
                format!(
                    "GitHub start answered {} instead of a redirect",
                    start.describe()
                )
            })?;
        let authorize = format!("{}/login/oauth/authorize", mocks.github.uri());
        if !to.starts_with(&authorize) {
            let shown = to.split('?').next().unwrap_or(&to).to_string();
            return Err(format!("GitHub start sent the browser to {shown}, not the GitHub mock (hint: start the stack with its GitHub base URL at {})", mocks.github.uri()));
        }
        let state = reqwest::Url::parse(&to)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or("the authorize URL has no state")?;
        mocks.github.script(&state, who);
        let consent = b.get_absolute(&to).await.map_err(|e| e.to_string())?;
        let log = mocks.github.log(&state);
        let Some(back) = consent.location.clone().filter(|_| consent.status == 302) else {
            return Err(format!(
                "the GitHub mock refused the authorize request: {}",
                log.describe()
            ));
        };
        let cb = b.get_absolute(&back).await.map_err(|e| e.to_string())?;
        b.keep(&cb);
        let log = mocks.github.log(&state);
        let landed = match cb.location_path().as_deref() {
            _ if cb.sets(SESSION_COOKIE) => Landed::SignedIn(self.me(b).await?),
            Some("/account-claim") if b.jar.contains_key(CLAIM_COOKIE) => Landed::ClaimScreen,
            _ => {
                let code = cb
                    .location
                    .as_deref()
                    .and_then(|l| l.split_once("error="))
                    .map(|(_, c)| c.split('&').next().unwrap_or(c).to_string());
                Landed::Error(code.unwrap_or_else(|| cb.describe()))
            }
        };
        Ok((landed, log))
    }

    /// Who the browser is signed in as.
    async fn me(&self, b: &Browser) -> Result<String, String> {
        let r = b.get(ME).await.map_err(|e| e.to_string())?;
        r.data()
            .and_then(|d| d["person"]["id"].as_str())
            .map(str::to_string)
            .filter(|_| r.status == 200)
            .ok_or_else(|| format!("GET {ME} answered {}", r.describe()))
    }

    /// (person id, how it matched) on the claim screen.
    async fn candidates(&self, b: &Browser) -> Result<Vec<(String, String)>, String> {
        let r = b.get(CANDIDATES).await.map_err(|e| e.to_string())?;
        let list = r
            .data()
            .and_then(|d| d["candidates"].as_array())
            .filter(|_| r.status == 200)
            .ok_or_else(|| format!("GET {CANDIDATES} answered {}", r.describe()))?;
        Ok(list
            .iter()
            .filter_map(|c| Some((c["personId"].as_str()?.to_string(), matched_via(c))))
            .collect())
    }

    async fn login(&self, b: &Browser, login: &str, password: &str) -> Result<Reply, String> {
        b.post_json(
            LOGIN,
            &json!({"usernameOrEmail": login, "password": password}),
        )
        .await
        .map_err(|e| e.to_string())
    }

    fn staff_browser(&self) -> Result<Browser, String> {
        let reviewer = self.cast.one(Role::Reviewer)?;
        let token = mint_session(
            self.key()?,
            reviewer.person_id.as_deref().unwrap_or_default(),
            reviewer.new_level.as_deref().unwrap_or("staff"),
            now(),
        )
        .map_err(|e| e.to_string())?;
        let mut b = self.browser();
        b.jar.insert(SESSION_COOKIE.into(), token);
        Ok(b)
    }
}

/// Where a GitHub sign-in ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Landed {
    SignedIn(String),
    ClaimScreen,
    Error(String),
}

impl Landed {
    fn describe(&self, who: &HashMap<String, String>) -> String {
        match self {
            Landed::SignedIn(id) => format!(
                "signed in as {}",
                who.get(id)
                    .cloned()
                    .unwrap_or_else(|| "a person of no laddr record (a fresh account)".into())
            ),
            Landed::ClaimScreen => "the claim screen".into(),
            Landed::Error(e) => format!("/login with error {e}"),
        }
    }
}

/// The value, or the scenario's evidence that it could not check (and why).
macro_rules! or_could_not {
    ($check:expr, $e:expr) => {
        match $e {
            Ok(x) => x,
            Err(e) => return Finding::could_not($check, e),
        }
    };
}

/// Failures and notes for one scenario. A request the stack's rate limit refused is neither:
/// it leaves the scenario "not checked" unless something else failed.
struct Finding {
    check: &'static str,
    failures: Vec<String>,
    unchecked: Vec<String>,
    notes: Vec<String>,
}

impl Finding {
    fn new(check: &'static str) -> Self {
        Finding {
            check,
            failures: Vec::new(),
            unchecked: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn fail(&mut self, s: impl Into<String>) {
        let s = s.into();
        if s.contains(crate::evidence::RATE_LIMIT_MARK) {
            self.unchecked.push(s);
        } else {
            self.failures.push(s);
        }
    }

    fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    fn expect(&mut self, ok: bool, s: impl Into<String>) {
        if ok {
            self.notes.push(format!("ok: {}", s.into()));
        } else {
            self.fail(s);
        }
    }

    fn done(self, passed: &str) -> Evidence {
        let (outcome, headline) = match (self.failures.first(), self.unchecked.first()) {
            (Some(f), _) => (
                Outcome::Fail,
                format!("{} problem(s): {f}", self.failures.len()),
            ),
            (None, Some(u)) => (Outcome::NotChecked, format!("could not check: {u}")),
            (None, None) => (Outcome::Pass, passed.to_string()),
        };
        Evidence::new(self.check, outcome, headline)
            .details(self.failures.iter().map(|f| format!("✗ {f}")))
            .details(self.unchecked.iter().map(|f| format!("? {f}")))
            .details(self.notes)
    }

    /// The scenario could not be made: not run (the profile's test accounts do not fit it),
    /// not checked (rate limited), or a failure.
    fn could_not(check: &'static str, why: impl std::fmt::Display) -> Evidence {
        let why = why.to_string();
        match why.strip_prefix(crate::evidence::NOT_RUN) {
            Some(rest) => Evidence::not_run(check, rest),
            None => Evidence::could_not(check, why),
        }
    }
}

fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c.to_uppercase().next().unwrap_or(c)
            }
        })
        .collect()
}

fn labels(run: &ClaimRun) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for role in [
        Role::Sha1Login,
        Role::BcryptLogin,
        Role::GithubEmail,
        Role::GithubUsername,
        Role::GithubUnverified,
        Role::Several,
        Role::SeveralUnverified,
        Role::StaffReview,
        Role::Decline,
        Role::SecondLinked,
        Role::SecondOther,
        Role::Reset,
    ] {
        for x in run.cast.get(role).unwrap_or(&[]) {
            if let Some(id) = &x.person_id {
                m.insert(id.clone(), x.label());
            }
        }
    }
    m
}

/// A GitHub identity no laddr record matches by login (ids far above any real GitHub user's).
fn github_identity(tag: &str, n: i64, emails: Vec<(String, bool, bool)>) -> GithubIdentity {
    GithubIdentity {
        id: github_id(tag, n),
        login: format!("cfp-rehearsal-{tag}-{n}"),
        emails,
    }
}

/// A GitHub user id per (scenario tag, laddr id): distinct accounts for distinct tags.
fn github_id(tag: &str, n: i64) -> i64 {
    let t = tag.bytes().fold(0i64, |a, b| (a * 31 + i64::from(b)) % 997);
    9_000_000_000 + t * 1_000_000 + n
}

fn other_email(tag: &str) -> String {
    format!(
        "{tag}-{}@new-address.example.invalid",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

// ---------------------------------------------------------------------------------------
// Password sign-in

/// How a candidate matched, from its `matchedVia` list (new-stack.md §5): "email",
/// "username", or both joined with "+", in that order.
fn matched_via(c: &Value) -> String {
    let via: Vec<&str> = c["matchedVia"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match (via.contains(&"email"), via.contains(&"username")) {
        (true, true) => "email+username".into(),
        (true, false) => "email".into(),
        (false, true) => "username".into(),
        (false, false) => "?".into(),
    }
}

/// How a sign-in spells the member: their username or email, in some letter case.
type SignInAs = fn(&Member) -> String;

/// Four members of one hash kind sign in by exact username, swapped-case username, lower-case
/// and upper-case email; each then holds an argon2id hash with `lastUsedAt`, and signs in again.
pub async fn password_sign_in(run: &ClaimRun, role: Role, scheme: &'static str) -> Evidence {
    let check = if role == Role::Sha1Login {
        "a SHA-1 member signs in by username or email in any letter case, and is rehashed"
    } else {
        "a bcrypt $2y$ member signs in by username or email in any letter case, and is rehashed"
    };
    let members = match run.cast.get(role) {
        Ok(m) => m.to_vec(),
        Err(e) => return Finding::could_not(check, e),
    };
    // A member who signed in since the import holds argon2id now: signing in again would not
    // test laddr's hash (a test account used by an earlier acceptance run, say).
    if let Ok(store) = run.fresh_store().await {
        let used: Vec<String> = members
            .iter()
            .filter(|m| {
                store.passwords.iter().any(|c| {
                    Some(c.value.person_id.as_str()) == m.person_id.as_deref()
                        && c.value.password_hash.starts_with("$argon2")
                })
            })
            .map(Member::label)
            .collect();
        if !used.is_empty() {
            return Evidence::not_run(check, format!("{} already signed in since the import: laddr's {scheme} hash is gone, so signing in would not test it (hint: restore the test accounts' credentials to laddr's before the run)", used.join(", ")));
        }
    }
    let mut f = Finding::new(check);
    let variants: [(&str, SignInAs); 4] = [
        ("username as stored", |m| m.username.clone()),
        ("username in swapped case", |m| swap_case(&m.username)),
        ("email in lower case", |m| {
            m.email.clone().unwrap_or_default().to_lowercase()
        }),
        ("email in upper case", |m| {
            m.email.clone().unwrap_or_default().to_uppercase()
        }),
    ];
    for (m, (how, login)) in members.iter().zip(variants) {
        let b = run.browser();
        let pw = m.password.clone().unwrap_or_default();
        match run.login(&b, &login(m), &pw).await {
            Err(e) => f.fail(format!("{} by {how}: {e}", m.label())),
            Ok(r) => {
                let id = r
                    .data()
                    .and_then(|d| d["person"]["id"].as_str())
                    .map(str::to_string);
                let ok = r.status == 200 && r.sets(SESSION_COOKIE) && id == m.person_id;
                f.expect(
                    ok,
                    format!(
                        "{} ({scheme}) by {how}: {}{}",
                        m.label(),
                        r.describe(),
                        if r.status == 200 && id != m.person_id {
                            ", but as another person"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
    }
    match run.fresh_store().await {
        Err(e) => f.fail(format!("stored hashes: {e}")),
        Ok(store) => {
            for m in &members {
                let pid = m.person_id.as_deref().unwrap_or_default();
                let creds: Vec<_> = store
                    .passwords
                    .iter()
                    .filter(|c| c.value.person_id == pid)
                    .collect();
                match creds.as_slice() {
                    [c] if c.value.password_hash.starts_with("$argon2id$") && c.value.last_used_at.is_some() => f.note(format!("ok: {} now holds argon2id with lastUsedAt", m.label())),
                    [c] if c.value.password_hash.starts_with("$argon2id$") => f.fail(format!("{}: rehashed to argon2id but lastUsedAt is not set", m.label())),
                    [c] => f.fail(format!("{}: still holds its laddr hash after signing in (not rehashed to argon2id){}", m.label(), if c.value.last_used_at.is_some() { "; lastUsedAt is set" } else { "" })),
                    [] => f.fail(format!("{}: no credential left after signing in", m.label())),
                    many => f.fail(format!("{}: {} credentials", m.label(), many.len())),
                }
            }
        }
    }
    // The rehashed credential still takes the same password.
    for m in &members {
        let b = run.browser();
        match run
            .login(&b, &m.username, m.password.as_deref().unwrap_or_default())
            .await
        {
            Ok(r) => f.expect(
                r.status == 200,
                format!(
                    "{} signs in again after the rehash: {}",
                    m.label(),
                    r.describe()
                ),
            ),
            Err(e) => f.fail(format!("{} signing in again: {e}", m.label())),
        }
    }
    f.done(&format!("{} {scheme} members signed in four ways, were rehashed to argon2id with lastUsedAt, and signed in again", members.len()))
}

/// Wrong password (SHA-1 and bcrypt members), unknown user (by name and by address), and a hash
/// in a format laddr never wrote (with its right password): the same 401 body every time.
pub async fn same_answer(run: &ClaimRun) -> Evidence {
    let check = "every failed sign-in gets the same 401 invalid_credentials answer";
    let mut tries: Vec<(String, String, String)> = Vec::new();
    for role in [Role::WrongSha1, Role::WrongBcrypt] {
        match run.cast.one(role) {
            Ok(m) => tries.push((
                format!("{}: wrong password", m.label()),
                m.username.clone(),
                format!("wrong-{}", uuid::Uuid::new_v4().simple()),
            )),
            Err(e) => return Finding::could_not(check, e),
        }
    }
    let nobody = format!(
        "nobody-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    tries.push((
        "unknown username".into(),
        nobody.clone(),
        "whatever-password".into(),
    ));
    tries.push((
        "unknown email address".into(),
        format!("{nobody}@example.invalid"),
        "whatever-password".into(),
    ));
    match run.cast.one(Role::Foreign) {
        Ok(m) => tries.push((
            format!(
                "{}: hash in a format laddr never wrote, right password",
                m.label()
            ),
            m.username.clone(),
            m.password.clone().unwrap_or_default(),
        )),
        Err(e) => return Finding::could_not(check, e),
    }
    let mut f = Finding::new(check);
    let mut bodies: Vec<(String, Value)> = Vec::new();
    for (what, login, pw) in &tries {
        match run.login(&run.browser(), login, pw).await {
            Err(e) => f.fail(format!("{what}: {e}")),
            Ok(r) => {
                f.expect(
                    r.status == 401
                        && r.error_code() == Some("invalid_credentials")
                        && !r.sets(SESSION_COOKIE),
                    format!("{what}: {}", r.describe()),
                );
                bodies.push((what.clone(), r.body_without_per_request_fields()));
            }
        }
    }
    if let Some((first, body)) = bodies.first() {
        for (what, b) in &bodies[1..] {
            if b != body {
                f.fail(format!(
                    "{what} answered a different body than {first}: {}",
                    assert_json_diff::assert_json_matches_no_panic(
                        b,
                        body,
                        assert_json_diff::Config::new(assert_json_diff::CompareMode::Strict)
                    )
                    .err()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or("")
                ));
            }
        }
    }
    f.done(&format!(
        "{} kinds of failure, one identical 401 invalid_credentials body",
        tries.len()
    ))
}

/// Response times of unknown users against wrong passwords (SHA-1 and bcrypt members),
/// interleaved so a busy machine slows every group alike; compared with Mann–Whitney U.
pub async fn timing(run: &ClaimRun) -> Evidence {
    let check = "failed sign-ins cannot be told apart by their timing";
    let (sha1, bcrypt) = match (
        run.cast.one(Role::WrongSha1),
        run.cast.one(Role::WrongBcrypt),
    ) {
        (Ok(a), Ok(b)) => (a.clone(), b.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let n = run.setup.timing_samples.max(8);
    let groups = [
        "unknown user",
        "wrong password, SHA-1 member",
        "wrong password, bcrypt member",
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut f = Finding::new(check);
    let b = run.browser();
    for round in 0..=n {
        for (g, bucket) in samples.iter_mut().enumerate() {
            let login = match g {
                0 => format!(
                    "nobody-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                ),
                1 => sha1.username.clone(),
                _ => bcrypt.username.clone(),
            };
            match run.login(&b, &login, &format!("wrong-{round}-{g}")).await {
                Err(e) => return Finding::could_not(check, e),
                Ok(r) if r.status != 401 => {
                    f.fail(format!(
                        "{}: answered {} instead of 401",
                        groups[g],
                        r.describe()
                    ));
                }
                // Round 0 warms connections and caches; it is not counted.
                Ok(r) if round > 0 => bucket.push(r.elapsed.as_secs_f64() * 1000.0),
                Ok(_) => {}
            }
        }
    }
    for g in 1..3 {
        let c = stats::compare(&samples[0], &samples[g]);
        let line = format!(
            "{} vs {}: medians {:.1} ms and {:.1} ms (×{:.2}), Mann–Whitney p = {:.2e} over {}+{} tries",
            groups[0], groups[g], c.median_a, c.median_b, c.ratio(), c.p, c.n_a, c.n_b
        );
        if c.distinguishable() {
            f.fail(format!(
                "{line}: distinguishable (p < {} and ratio > {})",
                stats::ALPHA,
                stats::MAX_RATIO
            ));
        } else {
            f.note(format!("ok: {line}"));
        }
    }
    f.done(&format!(
        "{n} tries per group, interleaved: unknown users are answered like wrong passwords"
    ))
}

/// Disabled and Contact members cannot sign in, even with their right password.
pub async fn refused_levels(run: &ClaimRun) -> Evidence {
    let check = "Disabled and Contact members cannot sign in";
    let mut f = Finding::new(check);
    for role in [Role::Disabled, Role::Contact] {
        let m = match run.cast.one(role) {
            Ok(m) => m,
            Err(e) => return Finding::could_not(check, e),
        };
        let b = run.browser();
        match run
            .login(&b, &m.username, m.password.as_deref().unwrap_or_default())
            .await
        {
            Err(e) => f.fail(format!("{} ({}): {e}", m.label(), m.level)),
            Ok(r) => f.expect(
                r.status == 401 && !r.sets(SESSION_COOKIE),
                format!(
                    "{} ({}, right password): {}",
                    m.label(),
                    m.level,
                    r.describe()
                ),
            ),
        }
    }
    f.done("a Disabled and a Contact member were refused with their right passwords")
}

// ---------------------------------------------------------------------------------------
// GitHub

/// A verified GitHub email equal to a legacy person's reaches that person (auto-link or the
/// claim screen, per the profile), and the link holds at the next sign-in.
pub async fn github_email(run: &ClaimRun) -> Evidence {
    let check = "a verified GitHub email matching a legacy person reaches that person";
    let m = or_could_not!(check, run.cast.one(Role::GithubEmail)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "email",
        m.laddr_id,
        vec![(
            m.email.clone().unwrap_or_default().to_uppercase(),
            true,
            true,
        )],
    );
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let pid = m.person_id.clone().unwrap_or_default();
    let names = labels(run);
    let how = match &landed {
        Landed::SignedIn(id) if *id == pid => Some("auto-linked at the callback"),
        Landed::ClaimScreen => {
            match run.candidates(&b).await {
                Ok(c) => f.expect(
                    c.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>() == vec![pid.as_str()],
                    format!(
                        "the claim screen lists exactly {} ({} candidate(s))",
                        m.label(),
                        c.len()
                    ),
                ),
                Err(e) => f.fail(e),
            }
            match b
                .post_json("/api/account-claim/confirm", &json!({"personId": pid}))
                .await
            {
                Ok(r) => {
                    b.keep(&r);
                    f.expect(
                        r.status == 200 && r.sets(SESSION_COOKIE),
                        format!("confirm {}: {}", m.label(), r.describe()),
                    );
                }
                Err(e) => f.fail(e.to_string()),
            }
            Some("linked through the claim screen")
        }
        other => {
            f.fail(format!(
                "GitHub sign-in ended at {}",
                other.describe(&names)
            ));
            None
        }
    };
    if let Some(how) = how {
        f.note(format!("what happened: {how}"));
        let wanted = match run.setup.email_match {
            EmailMatch::ClaimScreen => matches!(landed, Landed::ClaimScreen),
            EmailMatch::AutoLink => matches!(landed, Landed::SignedIn(_)),
            EmailMatch::Either => true,
        };
        f.expect(
            wanted,
            format!(
                "the profile expects {:?}; the site {how}",
                run.setup.email_match
            ),
        );
        match run.me(&b).await {
            Ok(id) => f.expect(
                id == pid,
                format!(
                    "signed in as {}",
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "another person".into())
                ),
            ),
            Err(e) => f.fail(e),
        }
        linked_in_data(run, &mut f, &m, who.id).await;
        // The next GitHub sign-in goes straight in.
        let mut again = run.browser();
        match run.github(&mut again, who).await {
            Ok((l, _)) => f.expect(
                l == Landed::SignedIn(pid.clone()),
                format!("the next GitHub sign-in: {}", l.describe(&names)),
            ),
            Err(e) => f.fail(format!("the next GitHub sign-in: {e}")),
        }
    }
    f.done(&format!(
        "{} reached through a verified GitHub email",
        m.label()
    ))
}

/// The data repo shows the person linked to `github_id`, slug kept.
async fn linked_in_data(run: &ClaimRun, f: &mut Finding, m: &Member, github_id: i64) {
    match run.fresh_holdings(m).await {
        Err(e) => f.fail(format!("reading the data repo: {e}")),
        Ok(None) => f.fail(format!("{} is no longer in the data repo", m.label())),
        Ok(Some(h)) => {
            f.expect(
                h.github_id == Some(github_id),
                format!("{} carries the GitHub id in the data repo", m.label()),
            );
            f.expect(h.slug == m.slug, format!("{} kept its slug", m.label()));
        }
    }
}

/// A GitHub login equal to a legacy slug (another letter case) is only a candidate: confirming
/// needs an email match, and the old password links it.
pub async fn github_username(run: &ClaimRun) -> Evidence {
    let check = "a GitHub login matching a legacy username needs the old password to link";
    let m = or_could_not!(check, run.cast.one(Role::GithubUsername)).clone();
    let mut f = Finding::new(check);
    let slug = m.slug.clone().unwrap_or_default();
    let who = GithubIdentity {
        id: github_id("login", m.laddr_id),
        login: swap_case(&slug),
        emails: vec![(other_email("login"), true, true)],
    };
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let names = labels(run);
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "a login-only match ended at {} instead of the claim screen",
            landed.describe(&names)
        ));
        return f.done("");
    }
    let pid = m.person_id.clone().unwrap_or_default();
    match run.candidates(&b).await {
        Ok(c) => f.expect(
            c == vec![(pid.clone(), "username".to_string())],
            format!(
                "the claim screen lists exactly {} as a username match",
                m.label()
            ),
        ),
        Err(e) => f.fail(e),
    }
    let post = |path: &'static str, body: Value| {
        let b = b.clone();
        async move { b.post_json(path, &body).await.map_err(|e| e.to_string()) }
    };
    match post("/api/account-claim/confirm", json!({"personId": pid})).await {
        Ok(r) => f.expect(
            r.status == 403
                && r.error_code() == Some("email_match_required")
                && !r.sets(SESSION_COOKIE),
            format!("confirm without an email match: {}", r.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match post(
        "/api/account-claim/by-password",
        json!({"slug": slug, "password": format!("wrong-{}", uuid::Uuid::new_v4().simple())}),
    )
    .await
    {
        Ok(r) => f.expect(
            r.status == 401
                && r.error_code() == Some("claim_credentials_invalid")
                && !r.sets(SESSION_COOKIE),
            format!("claim with a wrong password: {}", r.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match post(
        "/api/account-claim/by-password",
        json!({"slug": slug, "password": m.password.clone().unwrap_or_default()}),
    )
    .await
    {
        Ok(r) => {
            b.keep(&r);
            f.expect(
                r.status == 200 && r.sets(SESSION_COOKIE),
                format!("claim with the old password: {}", r.describe()),
            );
        }
        Err(e) => f.fail(e),
    }
    match run.me(&b).await {
        Ok(id) => f.expect(
            id == pid,
            format!(
                "signed in as {}",
                names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "another person".into())
            ),
        ),
        Err(e) => f.fail(e),
    }
    linked_in_data(run, &mut f, &m, who.id).await;
    f.done(&format!("{}: listed for its GitHub login, refused without an email match, linked by the old password", m.label()))
}

/// An unverified GitHub email never matches.
pub async fn github_unverified(run: &ClaimRun) -> Evidence {
    let check = "an unverified GitHub email never matches a legacy person";
    let m = or_could_not!(check, run.cast.one(Role::GithubUnverified)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "unverified",
        m.laddr_id,
        vec![
            (m.email.clone().unwrap_or_default(), false, true),
            (other_email("verified"), true, false),
        ],
    );
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let pid = m.person_id.clone().unwrap_or_default();
    let names = labels(run);
    match &landed {
        Landed::SignedIn(id) => f.expect(
            *id != pid,
            format!("GitHub sign-in: {}", landed.describe(&names)),
        ),
        Landed::ClaimScreen => match run.candidates(&b).await {
            Ok(c) => f.expect(
                !c.iter().any(|(id, _)| *id == pid),
                format!(
                    "the claim screen {} {}",
                    if c.iter().any(|(id, _)| *id == pid) {
                        "lists"
                    } else {
                        "does not list"
                    },
                    m.label()
                ),
            ),
            Err(e) => f.fail(e),
        },
        Landed::Error(e) => f.fail(format!("GitHub sign-in failed: {e}")),
    }
    f.done(&format!(
        "{}'s address, unverified at GitHub, matched nobody",
        m.label()
    ))
}

/// Two verified emails and the login each match a different person: exactly those three are
/// listed (a fourth person's address, unverified, is not).
pub async fn github_several(run: &ClaimRun) -> Evidence {
    let check = "several matching people are all listed, and only they";
    let (three, extra) = match (
        run.cast.get(Role::Several),
        run.cast.one(Role::SeveralUnverified),
    ) {
        (Ok(t), Ok(x)) => (t.to_vec(), x.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let who = GithubIdentity {
        id: github_id("several", three[0].laddr_id),
        login: three[2].slug.clone().unwrap_or_default(),
        emails: vec![
            (three[0].email.clone().unwrap_or_default(), true, true),
            (
                three[1].email.clone().unwrap_or_default().to_uppercase(),
                true,
                false,
            ),
            (extra.email.clone().unwrap_or_default(), false, false),
        ],
    };
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "GitHub sign-in ended at {} instead of the claim screen",
            landed.describe(&labels(run))
        ));
        return f.done("");
    }
    match run.candidates(&b).await {
        Err(e) => f.fail(e),
        Ok(c) => {
            let got: BTreeSet<&str> = c.iter().map(|(id, _)| id.as_str()).collect();
            let want: BTreeSet<&str> = three
                .iter()
                .filter_map(|m| m.person_id.as_deref())
                .collect();
            for m in &three {
                f.expect(
                    got.contains(m.person_id.as_deref().unwrap_or_default()),
                    format!("{} is listed", m.label()),
                );
            }
            f.expect(
                !got.contains(extra.person_id.as_deref().unwrap_or_default()),
                format!(
                    "{} (address unverified at GitHub) is not listed",
                    extra.label()
                ),
            );
            let others = got.difference(&want).count();
            f.expect(others == 0, format!("{others} other person(s) listed"));
        }
    }
    f.done(&format!(
        "exactly {} candidates: {}",
        three.len(),
        three
            .iter()
            .map(Member::label)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

// ---------------------------------------------------------------------------------------
// Claim

/// What the data repo holds that a staff approval must keep.
#[derive(Debug, PartialEq)]
struct Holdings {
    slug: Option<String>,
    name_id: Option<String>,
    memberships: BTreeSet<String>,
    updates: usize,
    buzz: usize,
    github_id: Option<i64>,
}

fn holdings(snap: &Snapshot, pid: &str) -> Option<Holdings> {
    let r = snap
        .sheet("people")
        .iter()
        .find(|r| r.fields.get("id").and_then(|v| v.as_str()) == Some(pid))?;
    let s = |k: &str| r.fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let refs = |sheet: &str, field: &str| -> Vec<String> {
        snap.sheet(sheet)
            .iter()
            .filter(|r| r.fields.get(field).and_then(|v| v.as_str()) == Some(pid))
            .map(|r| r.path.clone())
            .collect()
    };
    Some(Holdings {
        slug: s("slug"),
        name_id: s("slackSamlNameId"),
        memberships: refs("project-memberships", "personId")
            .into_iter()
            .collect(),
        updates: refs("project-updates", "authorId").len(),
        buzz: refs("project-buzz", "postedById").len(),
        github_id: r.fields.get("githubUserId").and_then(|v| v.as_integer()),
    })
}

/// Dead email: the member asks for staff review, the request reaches the queue, staff approve,
/// and the person is linked keeping slug, memberships, updates, buzz and Slack NameID.
pub async fn staff_review(run: &ClaimRun) -> Evidence {
    let check = "a member whose email is dead is linked after staff review and keeps everything";
    let (m, staff) = match (run.cast.one(Role::StaffReview), run.staff_browser()) {
        (Ok(m), Ok(s)) => (m.clone(), s),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let pid = m.person_id.clone().unwrap_or_default();
    let slug = m.slug.clone().unwrap_or_default();
    let who = GithubIdentity {
        id: github_id("staff", m.laddr_id),
        login: slug.clone(),
        emails: vec![(other_email("dead"), true, true)],
    };
    let before = match run.fresh_holdings(&m).await {
        Ok(Some(h)) => h,
        Ok(None) => {
            return Finding::could_not(check, format!("{} is not in the data repo", m.label()))
        }
        Err(e) => return Finding::could_not(check, e),
    };
    f.note(format!(
        "{} before: {} membership(s), {} update(s), {} buzz item(s)",
        m.label(),
        before.memberships.len(),
        before.updates,
        before.buzz
    ));
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let names = labels(run);
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "GitHub sign-in with a dead email ended at {} instead of the claim screen",
            landed.describe(&names)
        ));
        return f.done("");
    }
    match b.post_json("/api/account-claim/request-staff-review", &json!({"claimedSlug": slug, "evidence": "My old address is gone; I led the project nights in 2019."})).await {
        Ok(r) => f.expect(
            r.status == 202 && r.data().is_some_and(|d| d["delivered"] == true),
            format!("request staff review: {} (expected 202 delivered)", r.describe()),
        ),
        Err(e) => return Finding::could_not(check, e),
    };
    // The queue is a bare array (new-stack.md §5); the request is known by the slug it claims
    // and the GitHub login that asked (the queue carries no GitHub id).
    let queue = match staff.get("/api/staff/account-claim/queue").await {
        Ok(r) if r.status == 200 => r
            .data()
            .and_then(|d| d.as_array().cloned())
            .unwrap_or_default(),
        Ok(r) => {
            return Finding::could_not(check, format!("the staff queue answered {}", r.describe()))
        }
        Err(e) => return Finding::could_not(check, e),
    };
    let entry = queue.iter().find(|q| {
        q["claimedSlug"] == slug.as_str() && q["requesterGithubLogin"] == who.login.as_str()
    });
    f.expect(
        entry.is_some(),
        format!(
            "the request for {} is in the staff queue ({} open)",
            m.label(),
            queue.len()
        ),
    );
    let Some(id) = entry
        .and_then(|e| e["requestId"].as_str())
        .map(str::to_string)
    else {
        return f.done("");
    };
    match staff
        .post_json(
            &format!("/api/staff/account-claim/{id}/approve"),
            &json!({}),
        )
        .await
    {
        Ok(r) => f.expect(
            r.status == 200 && r.data().is_some_and(|d| d["status"] == "approved"),
            format!("staff approve: {}", r.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match run.fresh_holdings(&m).await {
        Ok(Some(after)) => {
            f.expect(
                after.github_id == Some(who.id),
                format!("{} is linked to the requester's GitHub account", m.label()),
            );
            f.expect(
                after.slug == before.slug,
                format!("slug kept ({})", after.slug.as_deref().unwrap_or("none")),
            );
            f.expect(after.name_id == before.name_id, "Slack NameID kept");
            let lost = before.memberships.difference(&after.memberships).count();
            f.expect(
                lost == 0 && after.memberships.len() == before.memberships.len(),
                format!(
                    "memberships kept: {} of {} ({} lost)",
                    after.memberships.len(),
                    before.memberships.len(),
                    lost
                ),
            );
            f.expect(
                after.updates == before.updates,
                format!("updates kept: {} of {}", after.updates, before.updates),
            );
            f.expect(
                after.buzz == before.buzz,
                format!("buzz kept: {} of {}", after.buzz, before.buzz),
            );
        }
        Ok(None) => f.fail(format!(
            "{} is gone from the data repo after approval",
            m.label()
        )),
        Err(e) => f.fail(format!("reading the data repo: {e}")),
    }
    let mut again = run.browser();
    match run.github(&mut again, who).await {
        Ok((l, _)) => f.expect(
            l == Landed::SignedIn(pid.clone()),
            format!(
                "the requester's next GitHub sign-in: {}",
                l.describe(&names)
            ),
        ),
        Err(e) => f.fail(e),
    }
    f.done(&format!("{}: staff review requested, queued, approved; linked with slug, NameID, memberships, updates and buzz kept", m.label()))
}

/// Declining every candidate makes a fresh person and leaves the legacy one unclaimed.
pub async fn decline(run: &ClaimRun) -> Evidence {
    let check = "declining the claim makes a fresh person";
    let m = or_could_not!(check, run.cast.one(Role::Decline)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "decline",
        m.laddr_id,
        vec![(m.email.clone().unwrap_or_default(), true, true)],
    );
    let mut b = run.browser();
    match run.github(&mut b, who).await {
        Ok((Landed::ClaimScreen, log)) => {
            f.expect(log.complete(), format!("GitHub mock: {}", log.describe()))
        }
        Ok((other, _)) => {
            // With auto-link there is no screen to decline from.
            f.fail(format!(
                "GitHub sign-in ended at {} instead of the claim screen",
                other.describe(&labels(run))
            ));
            return f.done("");
        }
        Err(e) => return Finding::could_not(check, e),
    }
    let pid = m.person_id.clone().unwrap_or_default();
    match b.post_json("/api/account-claim/decline", &json!({})).await {
        Ok(r) => {
            b.keep(&r);
            let new_id = r
                .data()
                .and_then(|d| d["person"]["id"].as_str())
                .map(str::to_string);
            f.expect(
                r.status == 201 && r.sets(SESSION_COOKIE),
                format!("decline: {}", r.describe()),
            );
            f.expect(
                new_id.as_ref().is_some_and(|n| *n != pid),
                "the new person is not the legacy one",
            );
        }
        Err(e) => return Finding::could_not(check, e),
    }
    match run.me(&b).await {
        Ok(id) => f.expect(id != pid, "signed in as the fresh person"),
        Err(e) => f.fail(e),
    }
    match run.fresh_holdings(&m).await {
        Ok(Some(h)) => f.expect(
            h.github_id.is_none(),
            format!("{} stays unlinked", m.label()),
        ),
        Ok(None) => f.fail(format!("{} is gone from the data repo", m.label())),
        Err(e) => f.fail(e),
    }
    f.done(&format!(
        "declining {} made a fresh person and left the legacy one unclaimed",
        m.label()
    ))
}

/// Once linked, a person cannot be claimed again: not listed, and confirm / by-password → 409.
pub async fn second_claim(run: &ClaimRun) -> Evidence {
    let check = "a person already linked cannot be claimed again";
    let (p, q) = match (
        run.cast.one(Role::SecondLinked),
        run.cast.one(Role::SecondOther),
    ) {
        (Ok(p), Ok(q)) => (p.clone(), q.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let pid = p.person_id.clone().unwrap_or_default();
    // First claim: P's own GitHub account links P.
    let first = github_identity(
        "first",
        p.laddr_id,
        vec![(p.email.clone().unwrap_or_default(), true, true)],
    );
    let mut b = run.browser();
    match run.github(&mut b, first).await {
        Ok((Landed::ClaimScreen, _)) => match b
            .post_json("/api/account-claim/confirm", &json!({"personId": pid}))
            .await
        {
            Ok(r) => f.expect(
                r.status == 200,
                format!("first claim of {}: {}", p.label(), r.describe()),
            ),
            Err(e) => return Finding::could_not(check, e),
        },
        Ok((Landed::SignedIn(id), _)) if id == pid => {
            f.note(format!("first claim of {}: auto-linked", p.label()))
        }
        Ok((other, _)) => {
            return Finding::could_not(
                check,
                format!("the first claim ended at {}", other.describe(&labels(run))),
            )
        }
        Err(e) => return Finding::could_not(check, e),
    }
    // Second claim: another GitHub account with P's address (and Q's, so there is a screen).
    let second = github_identity(
        "second",
        p.laddr_id,
        vec![
            (p.email.clone().unwrap_or_default(), true, true),
            (q.email.clone().unwrap_or_default(), true, false),
        ],
    );
    let mut b = run.browser();
    match run.github(&mut b, second).await {
        Ok((Landed::ClaimScreen, _)) => {}
        Ok((other, _)) => {
            f.fail(format!(
                "the second GitHub account ended at {} instead of the claim screen",
                other.describe(&labels(run))
            ));
            return f.done("");
        }
        Err(e) => return Finding::could_not(check, e),
    }
    match run.candidates(&b).await {
        Ok(c) => f.expect(
            !c.iter().any(|(id, _)| *id == pid),
            format!("{} (already linked) is not listed", p.label()),
        ),
        Err(e) => f.fail(e),
    }
    // A linked person is no candidate: confirm is 403 not_a_candidate, and by-password fails
    // like any wrong password (new-stack.md §5).
    for (path, body, status, code) in [
        (
            "/api/account-claim/confirm",
            json!({"personId": pid}),
            403,
            "not_a_candidate",
        ),
        (
            "/api/account-claim/by-password",
            json!({"slug": p.slug, "password": "not-needed-to-see-the-refusal"}),
            401,
            "claim_credentials_invalid",
        ),
    ] {
        match b.post_json(path, &body).await {
            Ok(r) => f.expect(
                r.status == status && r.error_code() == Some(code) && !r.sets(SESSION_COOKIE),
                format!(
                    "{path} for {}: {} (expected {status} {code})",
                    p.label(),
                    r.describe()
                ),
            ),
            Err(e) => f.fail(e.to_string()),
        }
    }
    f.done(&format!(
        "{} linked once; a second GitHub account was refused (403 not_a_candidate, 401 by password)",
        p.label()
    ))
}

// ---------------------------------------------------------------------------------------
// Password reset

fn token_in(text: &str) -> Option<String> {
    let i = text.find("token=")? + "token=".len();
    let t: String = text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%'))
        .collect();
    (!t.is_empty()).then_some(t)
}

/// Always 202; a mail only when the address resolves; the token works once.
pub async fn password_reset(run: &ClaimRun) -> Evidence {
    let check =
        "a password reset is always accepted, mailed only to a known address, and works once";
    let (r, none, mocks) = match (
        run.cast.one(Role::Reset),
        run.cast.one(Role::ResetNoEmail),
        run.mocks(),
    ) {
        (Ok(r), Ok(n), Ok(m)) => (r.clone(), n.clone(), m),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let email = r.email.clone().unwrap_or_default();
    let unknown = format!(
        "nobody-{}@example.invalid",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mark = mocks.resend.mark();
    let b = run.browser();
    for (what, login) in [
        ("unknown address", unknown.clone()),
        (
            format!("{} (no email) by username", none.label()).as_str(),
            none.username.clone(),
        ),
        (
            &format!("{} by swapped-case username", r.label()),
            swap_case(&r.username),
        ),
    ] {
        match b
            .post_json(
                "/api/auth/password-reset/request",
                &json!({"usernameOrEmail": login}),
            )
            .await
        {
            Ok(x) => f.expect(
                x.status == 202,
                format!("reset request for {what}: {}", x.describe()),
            ),
            Err(e) => f.fail(format!("reset request for {what}: {e}")),
        }
    }
    // Wait (bounded) for the one mail that must come; by then the others would have come too.
    let deadline = std::time::Instant::now() + MAIL_WAIT;
    while mocks.resend.to(mark, &email).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mine = mocks.resend.to(mark, &email);
    f.expect(
        mine.len() == 1,
        format!("{} got {} reset mail(s)", r.label(), mine.len()),
    );
    let strays = mocks.resend.to(mark, &unknown).len();
    f.expect(
        strays == 0,
        format!("{strays} mail(s) to the unknown address"),
    );
    let others = mocks
        .resend
        .since(mark)
        .into_iter()
        .filter(|m| !m.to.iter().any(|t| t.eq_ignore_ascii_case(&email)))
        .count();
    f.expect(
        others == 0,
        format!("{others} other mail(s) sent by these requests"),
    );
    let Some(token) = mine.first().and_then(|m| token_in(&m.text)) else {
        f.fail("the reset mail carries no link with a token");
        return f.done("");
    };
    let new_password = format!("New-{}", uuid::Uuid::new_v4().simple());
    let confirm = json!({"token": token, "password": new_password});
    match b
        .post_json("/api/auth/password-reset/confirm", &confirm)
        .await
    {
        Ok(x) => f.expect(
            (200..300).contains(&x.status),
            format!("confirm with the mailed token: {}", x.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match run.login(&b, &r.username, &new_password).await {
        Ok(x) => f.expect(
            x.status == 200,
            format!("sign in with the new password: {}", x.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match b.post_json("/api/auth/password-reset/confirm", &json!({"token": token, "password": format!("Other-{}", uuid::Uuid::new_v4().simple())})).await {
        Ok(x) => f.expect((400..500).contains(&x.status) && x.status != 429, format!("the same token again: {}", x.describe())),
        Err(e) => f.fail(e.to_string()),
    }
    f.done(&format!(
        "three requests, all 202; one mail (to {}), its token worked once",
        r.label()
    ))
}

// ---------------------------------------------------------------------------------------
// Bad input

/// Malformed JSON, oversized fields, forged and expired claim cookies: each refused with a
/// 4xx (never a 5xx, never a session), and the stack still healthy afterwards.
pub async fn bad_input(run: &ClaimRun) -> Evidence {
    let check = "malformed, oversized and forged requests are refused without harm";
    let mut f = Finding::new(check);
    let b = run.browser();
    let refused = |r: &Reply, codes: &[u16]| codes.contains(&r.status) && !r.sets(SESSION_COOKIE);
    let raw: Vec<(&str, Vec<u8>, &[u16])> = vec![
        (
            "malformed JSON",
            br#"{"usernameOrEmail": "a", "password": "#.to_vec(),
            &[400, 422],
        ),
        ("a JSON array", b"[]".to_vec(), &[400, 422]),
        (
            "a 100 KiB username",
            serde_json::to_vec(
                &json!({"usernameOrEmail": "a".repeat(100 * 1024), "password": "x"}),
            )
            .unwrap_or_default(),
            &[400, 413, 422],
        ),
        (
            "a 4 KiB password",
            serde_json::to_vec(
                &json!({"usernameOrEmail": "someone", "password": "p".repeat(4096)}),
            )
            .unwrap_or_default(),
            &[400, 401, 413, 422],
        ),
        (
            "a number for the username",
            br#"{"usernameOrEmail": 12, "password": "x"}"#.to_vec(),
            &[400, 422],
        ),
    ];
    for (what, body, codes) in raw {
        match b.post_raw(LOGIN, "application/json", body).await {
            Ok(r) => f.expect(
                refused(&r, codes),
                format!(
                    "sign-in with {what}: {} (want one of {codes:?})",
                    r.describe()
                ),
            ),
            Err(e) => f.fail(format!("sign-in with {what}: {e}")),
        }
    }
    // Claim cookies: garbage, signed with another key, expired (signed with the right key).
    let victim = run
        .cast
        .one(Role::GithubEmail)
        .ok()
        .and_then(|m| m.person_id.clone())
        .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".into());
    let claims = |exp: i64| json!({"scope": "claim", "githubId": 9_900_000_001i64, "login": "forger", "emails": [], "byEmail": [victim], "byLogin": [], "exp": exp});
    let sign = |key: &[u8], c: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            c,
            &jsonwebtoken::EncodingKey::from_secret(key),
        )
        .unwrap_or_default()
    };
    let mut cookies = vec![
        ("a garbage claim cookie", "not-a-token".to_string()),
        (
            "a claim cookie signed with another key",
            sign(uuid::Uuid::new_v4().as_bytes(), &claims(now() + 300)),
        ),
    ];
    match run.key() {
        Ok(k) => cookies.push(("an expired claim cookie", sign(k, &claims(now() - 600)))),
        Err(_) => f.note("an expired claim cookie was not tried: no session signing key"),
    }
    for (what, value) in cookies {
        let mut c = b.fresh();
        c.jar.insert(CLAIM_COOKIE.into(), value);
        for (path, body) in [
            (CANDIDATES, None),
            (
                "/api/account-claim/confirm",
                Some(json!({"personId": victim})),
            ),
        ] {
            let r = match body {
                None => c.get(path).await,
                Some(body) => c.post_json(path, &body).await,
            };
            match r {
                Ok(r) => f.expect(
                    r.status == 401
                        && r.error_code() == Some("claim_token_invalid")
                        && !r.sets(SESSION_COOKIE),
                    format!("{path} with {what}: {}", r.describe()),
                ),
                Err(e) => f.fail(format!("{path} with {what}: {e}")),
            }
        }
    }
    match b.post_json("/api/auth/password-reset/confirm", &json!({"token": format!("forged-{}", uuid::Uuid::new_v4().simple()), "password": "x-password-1"})).await {
        Ok(r) => f.expect((400..500).contains(&r.status) && r.status != 429, format!("reset confirm with a forged token: {}", r.describe())),
        Err(e) => f.fail(e.to_string()),
    }
    match b
        .get("/api/auth/github/callback?code=forged&state=forged")
        .await
    {
        Ok(r) => f.expect(
            r.status < 500 && !r.sets(SESSION_COOKIE),
            format!("GitHub callback without the state cookie: {}", r.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match b.get("/api/health").await {
        Ok(r) => f.expect(
            r.status == 200,
            format!("health afterwards: {}", r.describe()),
        ),
        Err(e) => f.fail(format!("health afterwards: {e}")),
    }
    f.done("every bad request was refused with a 4xx, no session was granted, and the stack stayed healthy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_from_links() {
        assert_eq!(
            token_in("go to http://x/reset-password?token=abc_DEF-1.\nbye").as_deref(),
            Some("abc_DEF-1.")
        );
        assert_eq!(token_in("no link"), None);
        assert_eq!(swap_case("Tonimacattack_2"), "tONIMACATTACK_2");
    }
}
