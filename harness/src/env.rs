//! The environment one run checks: the legacy database (read-only), the new stack's HTTP
//! surface and its data repo, each read once per run and kept. Built by the rehearsal
//! (fixtures) or from a profile ([`crate::external::environment`]); steps only ever see
//! this, and hand the checks the parts each needs (no check takes the environment).

use crate::datarepo::{DataRepo, Snapshot};
use crate::legacy::{Checksums, LegacyDb};
use crate::preflight::{self, Entity};
use crate::private::PrivateStore;
use crate::reconcile::LegacyPerson;
use crate::target::TargetClient;
use crate::Error;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Mutex, OnceCell};

pub struct Environment {
    /// Profile label for reports.
    pub name: String,
    pub legacy: LegacyDb,
    pub target: TargetClient,
    pub data_repo: Arc<DataRepo>,
    pub private_store: Option<PathBuf>,
    /// What the run was against: fixture seed and hash, or the legacy server's identity.
    pub identity: serde_json::Value,
    /// Checksums taken when the environment was ready, before any scenario.
    pub checksums_at_start: Checksums,
    snapshot: OnceCell<Arc<Snapshot>>,
    private: OnceCell<Arc<PrivateStore>>,
    legacy_people: OnceCell<Arc<Vec<LegacyPerson>>>,
    redirect_map: OnceCell<Arc<Vec<crate::redirects::map::MapRow>>>,
    legacy_content: OnceCell<Arc<crate::runbook::dump::Tables>>,
    redirect_results: OnceCell<Arc<crate::redirects::RedirectRun>>,
    /// A paced run follows this many legacy URLs, not all ([`crate::redirects::sample`]).
    pub redirect_sample: Option<usize>,
    /// What the SAML checks need: Slack's team, the trusted certificate, the session key.
    pub saml: crate::saml::SamlSetup,
    saml_run: OnceCell<Arc<crate::saml::flow::SamlRun>>,
    /// What the sign-in and claim checks need: mocks, known passwords, policy.
    pub claim: crate::claim::ClaimSetup,
    claim_run: OnceCell<Arc<crate::claim::checks::ClaimRun>>,
    legacy_keys: Mutex<HashMap<Entity, Arc<BTreeMap<String, String>>>>,
    /// The stack, when the suite started it: its log goes beside failures, and its exit is
    /// noticed.
    pub stack: Option<Arc<crate::stack::RunningStack>>,
    /// How every request presents itself to the stack's rate limits.
    pub policy: crate::identity::ClientPolicy,
    /// The stack's own cutover tools, when the run has them.
    pub tools: Option<Arc<crate::tools::ToolSetup>>,
    /// What the runbook's own gates need (dump, scratch server, laddr's site, snapshot).
    pub runbook: crate::runbook::RunbookSetup,
    /// What the cutover window's checks need (DNS, TLS, the flip and the drill).
    pub window: crate::window::WindowSetup,
    /// Shared work and who waited for it: each feature's time is its own.
    pub ledger: crate::timing::Ledger,
    /// Who held what before the first scenario (to prove writes stayed in bounds).
    holdings: OnceCell<crate::write_guard::Holdings>,
    /// The import the cutover is judged on, when the profile names it.
    pub import_commit_named: Option<String>,
    /// A copy of the private store as imported (after the cutover, the live one has moved on).
    pub import_private_store: Option<PathBuf>,
    import_commit: OnceCell<Option<String>>,
    import_snapshot: OnceCell<Arc<Snapshot>>,
    import_store: OnceCell<Arc<PrivateStore>>,
}

impl Environment {
    pub async fn new(
        name: String,
        legacy: LegacyDb,
        target: TargetClient,
        data_repo: DataRepo,
        private_store: Option<PathBuf>,
        identity: serde_json::Value,
    ) -> Result<Self, Error> {
        let checksums_at_start = legacy.checksums().await?;
        let policy = crate::identity::ClientPolicy::varied(target.base_url());
        let target = target.with_policy(policy.clone());
        Ok(Environment {
            name,
            legacy,
            target,
            data_repo: Arc::new(data_repo),
            private_store,
            identity,
            checksums_at_start,
            snapshot: OnceCell::new(),
            private: OnceCell::new(),
            legacy_people: OnceCell::new(),
            redirect_map: OnceCell::new(),
            legacy_content: OnceCell::new(),
            redirect_results: OnceCell::new(),
            redirect_sample: None,
            saml: crate::saml::SamlSetup::default(),
            saml_run: OnceCell::new(),
            claim: crate::claim::ClaimSetup::default(),
            claim_run: OnceCell::new(),
            legacy_keys: Mutex::new(HashMap::new()),
            stack: None,
            policy,
            tools: None,
            runbook: Default::default(),
            window: Default::default(),
            ledger: Default::default(),
            holdings: OnceCell::new(),
            import_commit_named: None,
            import_private_store: None,
            import_commit: OnceCell::new(),
            import_snapshot: OnceCell::new(),
            import_store: OnceCell::new(),
        })
    }

    /// Present every request of the run this way (the target client included).
    pub fn set_policy(&mut self, policy: crate::identity::ClientPolicy) {
        self.target = self.target.with_policy(policy.clone());
        self.policy = policy;
    }

    /// The data repo's records, read once per run.
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, Error> {
        self.snapshot
            .get_or_try_init(|| async {
                let repo = self.data_repo.clone();
                let snap = tokio::task::spawn_blocking(move || repo.snapshot())
                    .await
                    .map_err(|e| Error::Config(format!("reading the data repo: {e}")))??;
                Ok(snap)
            })
            .await
            .cloned()
    }

    /// Read the data repo and the private store now, before any scenario runs: every
    /// reconciliation judges the import as it stood when the run began, even while the
    /// sign-in scenarios make the stack write (rehashes, links, new people). Errors are left
    /// for the scenarios that need these to report.
    pub async fn prime(&self) {
        let what =
            "the data repo, the private store and laddr's content read before the first scenario";
        self.ledger
            .work("reconciliation", what, self.prime_now())
            .await
    }

    async fn prime_now(&self) {
        if self.runbook.dump.is_some() {
            let _ = self.legacy_content().await;
        }
        let snap = self.snapshot().await;
        if let Some(dir) = &self.private_store {
            let _ = self.private_store().await;
            if let Ok(snap) = &snap {
                let _ = self
                    .holdings
                    .set(crate::write_guard::Holdings::of(snap, dir));
            }
        }
    }

    /// People other than the named test accounts (and people the run created) whose record
    /// or private data changed since the run began. Empty when no test accounts are named.
    pub async fn writes_outside_test_accounts(&self) -> Vec<String> {
        let (Some(accounts), Some(before), Some(dir)) = (
            &self.claim.test_accounts,
            self.holdings.get(),
            &self.private_store,
        ) else {
            return Vec::new();
        };
        let Ok(snap) = self.snapshot().await else {
            return Vec::new();
        };
        let allowed = crate::write_guard::person_ids(&snap, accounts);
        let (repo, dir) = (self.data_repo.clone(), dir.clone());
        let after =
            tokio::task::spawn_blocking(move || crate::write_guard::Holdings::now(&repo, &dir))
                .await;
        match after {
            Ok(Ok(after)) => crate::write_guard::outside(before, &after, &allowed),
            Ok(Err(e)) => vec![format!("(the state could not be read again: {e})")],
            Err(e) => vec![format!("(the state could not be read again: {e})")],
        }
    }

    /// laddr's content per table ([`crate::runbook::dump`]) as it was when the run began
    /// (read while priming, when the run has a dump to compare it with).
    pub async fn legacy_content(&self) -> Result<Arc<crate::runbook::dump::Tables>, Error> {
        self.legacy_content
            .get_or_try_init(|| async {
                Ok(Arc::new(crate::runbook::dump::source(&self.legacy).await?))
            })
            .await
            .cloned()
    }

    /// The account-claim context: the people each scenario acts as, chosen once per run.
    pub async fn claim_run(&self) -> Result<Arc<crate::claim::checks::ClaimRun>, Error> {
        self.claim_run
            .get_or_try_init(|| async {
                let snap = self.snapshot().await?;
                let members =
                    crate::claim::members(&self.legacy, &snap, &self.claim.passwords).await?;
                let cast =
                    crate::claim::Cast::choose_among(&members, self.claim.test_accounts.as_ref());
                let run = crate::claim::checks::ClaimRun::new(
                    cast,
                    self.claim.clone(),
                    self.target.base_url(),
                    self.policy.clone(),
                    self.data_repo.clone(),
                    self.private_store.clone(),
                )?;
                Ok(Arc::new(run))
            })
            .await
            .cloned()
    }

    /// In-scope laddr keys of one entity, read once per run.
    pub async fn legacy_keys(
        &self,
        entity: Entity,
    ) -> Result<Arc<BTreeMap<String, String>>, Error> {
        if let Some(k) = self.legacy_keys.lock().await.get(&entity) {
            return Ok(k.clone());
        }
        let keys = Arc::new(preflight::legacy_keys(&self.legacy, entity).await?);
        self.legacy_keys.lock().await.insert(entity, keys.clone());
        Ok(keys)
    }

    /// laddr's expected records of one entity by legacy id, for the field checks: the
    /// people read once per run ([`Environment::legacy_people`]), any other entity read now.
    pub async fn legacy_expected(
        &self,
        entity: Entity,
    ) -> Result<BTreeMap<String, serde_json::Map<String, serde_json::Value>>, Error> {
        match entity {
            Entity::People => Ok(crate::reconcile::expected_people(
                &self.legacy_people().await?,
            )),
            _ => crate::reconcile::legacy_expected(&self.legacy, entity).await,
        }
    }

    /// The import the cutover is judged on ([`DataRepo::import_commit`]), found once.
    pub async fn import_commit(&self) -> Result<Option<String>, Error> {
        self.import_commit
            .get_or_try_init(|| async {
                let (repo, named) = (self.data_repo.clone(), self.import_commit_named.clone());
                tokio::task::spawn_blocking(move || repo.import_commit(named.as_deref()))
                    .await
                    .map_err(|e| Error::Config(e.to_string()))?
            })
            .await
            .cloned()
    }

    /// What laddr is compared with: the import as it was — the import commit's records, however
    /// the branch moved on since (T+7d and later) — else the branch's tip.
    pub async fn judged_snapshot(&self) -> Result<Arc<Snapshot>, Error> {
        let live = self.snapshot().await?;
        let Some(commit) = self.import_commit().await? else {
            return Ok(live);
        };
        if commit == live.commit {
            return Ok(live);
        }
        self.import_snapshot
            .get_or_try_init(|| async {
                let repo = self.data_repo.clone();
                let snap = tokio::task::spawn_blocking(move || repo.snapshot_at(&commit))
                    .await
                    .map_err(|e| Error::Config(e.to_string()))??;
                Ok(Arc::new(snap))
            })
            .await
            .cloned()
    }

    /// The private store as imported: the copy the profile gives, else the live one while
    /// the data repo has not moved on since the import. After the cutover, without a copy,
    /// laddr cannot be compared with what members have changed since: not run.
    pub async fn judged_store(&self) -> Result<Arc<PrivateStore>, Error> {
        if let Some(dir) = self.import_private_store.clone() {
            return self
                .import_store
                .get_or_try_init(|| async move {
                    let store = tokio::task::spawn_blocking(move || PrivateStore::read(&dir))
                        .await
                        .map_err(|e| Error::Config(e.to_string()))??;
                    Ok(Arc::new(store))
                })
                .await
                .cloned();
        }
        let live = self.snapshot().await?;
        match self.import_commit().await? {
            Some(c) if c != live.commit => Err(Error::Config(format!(
                "{}the data repo has moved on since the import ({}), so the live private store holds what members changed since; laddr is compared with a copy of it as imported (hint: [run] import_private_store)",
                crate::evidence::NOT_RUN,
                &c[..12.min(c.len())]
            ))),
            _ => self.private_store().await,
        }
    }

    /// The private store's files, read once per run.
    pub async fn private_store(&self) -> Result<Arc<PrivateStore>, Error> {
        let dir = self.private_store.clone().ok_or_else(|| {
            Error::Config("no private store configured (hint: set CUTOVER_PRIVATE_STORE or [target] private_store)".into())
        })?;
        self.private
            .get_or_try_init(|| async move {
                let store = tokio::task::spawn_blocking(move || PrivateStore::read(&dir))
                    .await
                    .map_err(|e| Error::Config(format!("reading the private store: {e}")))??;
                Ok(Arc::new(store))
            })
            .await
            .cloned()
    }

    /// laddr's in-scope people with their expected fields, read once per run.
    pub async fn legacy_people(&self) -> Result<Arc<Vec<LegacyPerson>>, Error> {
        self.legacy_people
            .get_or_try_init(|| async {
                Ok(Arc::new(
                    crate::reconcile::legacy_people(&self.legacy).await?,
                ))
            })
            .await
            .cloned()
    }

    /// The redirect map generated from laddr and the data repo, once per run.
    pub async fn redirect_map(
        &self,
        slack_team_host: &str,
    ) -> Result<Arc<Vec<crate::redirects::map::MapRow>>, Error> {
        let what = "the redirect map generated from laddr and the data repo";
        self.redirect_map
            .get_or_try_init(|| {
                self.ledger.work("redirects", what, async {
                    let snap = self.snapshot().await?;
                    let map = crate::redirects::map::generate(&self.legacy, &snap, slack_team_host)
                        .await?;
                    Ok(Arc::new(map))
                })
            })
            .await
            .cloned()
    }

    /// The redirect map generated from laddr and the data repo, and every URL in it followed
    /// (once per run; each form's scenario reads its part).
    pub async fn redirects(
        &self,
        slack_team_host: &str,
        concurrency: usize,
    ) -> Result<Arc<crate::redirects::RedirectRun>, Error> {
        let what = "every URL in the redirect map followed";
        self.redirect_results
            .get_or_try_init(|| async {
                let started = std::time::Instant::now();
                let map = self.redirect_map(slack_team_host).await?;
                let generated = started.elapsed().as_secs_f64();
                self.ledger.work("redirects", what, async {
                let checker = crate::redirects::check::Checker::new(self.target.base_url(), concurrency, Some(self.policy.clone()))?;
                let to_follow = match self.redirect_sample {
                    Some(n) => std::borrow::Cow::Owned(crate::redirects::sample(&map, n)),
                    None => std::borrow::Cow::Borrowed(map.as_slice()),
                };
                let started = std::time::Instant::now();
                let results = checker.check_all(&to_follow, concurrency).await;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "redirects: map of {} URLs generated in {generated:.2} s, {} checked in {secs:.2} s ({:.0} URLs/s, {concurrency} at once)",
                    map.len(),
                    results.len(),
                    results.len() as f64 / secs.max(0.001)
                );
                let sampled_from = self.redirect_sample.map(|_| map.len());
                Ok(Arc::new(crate::redirects::RedirectRun { map, results, sampled_from }))
                }).await
            })
            .await
            .cloned()
    }

    /// Every SAML flow for every eligible user, run once per run; each scenario judges its
    /// part.
    pub async fn saml_run(
        &self,
        concurrency: usize,
    ) -> Result<Arc<crate::saml::flow::SamlRun>, Error> {
        let what = "every eligible member's SAML flows";
        self.saml_run
            .get_or_try_init(|| self.ledger.work("saml", what, async {
                let users = crate::saml::legacy_users(&self.legacy).await?;
                let snap = self.snapshot().await?;
                let subjects = crate::saml::subjects(&users, &snap);
                let run = crate::saml::flow::collect(self.target.base_url(), &self.saml, subjects, concurrency, &self.policy).await?;
                println!(
                    "saml: {} users asserted (IdP-initiated) and {} SP-initiated flows in {:.2} s ({:.0} users/s)",
                    run.idp.len(),
                    run.sp.len() + run.resume.len(),
                    run.seconds,
                    run.idp.len() as f64 / run.seconds.max(0.001)
                );
                Ok(Arc::new(run))
            }))
            .await
            .cloned()
    }
}
