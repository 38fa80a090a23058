//! The HTTP side of the account-claim checks: one run's [`ClaimRun`] (cast, mocks, where the
//! stack keeps its data) and the flows every scenario drives through a fresh [`Browser`] —
//! password sign-in, the GitHub sign-in against the mock, the claim screen, a staff session —
//! and fresh reads of the data repo and the private store.

use super::judge::{holdings, matched_via, Holdings, Landed};
use crate::claim::mock::{FlowLog, GithubIdentity, Mocks};
use crate::claim::{Cast, ClaimSetup, Member, Role, CLAIM_COOKIE};
use crate::datarepo::{DataRepo, Snapshot};
use crate::http::{Browser, Reply};
use crate::private::PrivateStore;
use crate::saml::flow::{mint_session, now, SESSION_COOKIE};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

use crate::Error;

use crate::routes::ME;
pub(super) use crate::routes::{CLAIM_CANDIDATES as CANDIDATES, LOGIN};

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

    pub(super) fn browser(&self) -> Browser {
        self.browser.fresh()
    }

    pub(super) fn mocks(&self) -> Result<&Mocks, Error> {
        self.setup.mocks.as_deref().ok_or_else(|| {
            Error::missing("no GitHub/Resend mocks (hint: a rehearsal starts them; for a real stack set [claim] github_mock and resend_mock and start the stack with its GitHub and Resend base URLs pointed at them)")
        })
    }

    pub(super) fn key(&self) -> Result<&[u8], Error> {
        self.setup.jwt_key.as_deref().ok_or_else(|| {
            Error::missing(
                "no session signing key (hint: set CFP_JWT_SIGNING_KEY to the stack's key)",
            )
        })
    }

    /// What one person holds now: their record, their memberships, and updates and buzz (few
    /// enough to read whole) — not every person's record.
    pub(super) async fn fresh_holdings(&self, m: &Member) -> Result<Option<Holdings>, Error> {
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
    ) -> Result<Snapshot, Error> {
        let repo = self.data_repo.clone();
        tokio::task::spawn_blocking(move || repo.refresh().and_then(|_| repo.snapshot_of(keep)))
            .await?
    }

    pub(super) async fn fresh_store(&self) -> Result<PrivateStore, Error> {
        let dir = self.private_store.clone().ok_or_else(|| {
            Error::missing(
                "no private store (hint: set CUTOVER_PRIVATE_STORE or [target] private_store)",
            )
        })?;
        tokio::task::spawn_blocking(move || PrivateStore::read(&dir)).await?
    }

    /// Sign in with GitHub as `who`: start, the mock's authorize page, the callback.
    pub(super) async fn github(
        &self,
        b: &mut Browser,
        who: GithubIdentity,
    ) -> Result<(Landed, FlowLog), Error> {
        let mocks = self.mocks()?;
        let start = b.get(&crate::routes::github_start("/welcome-back")).await?;
        b.keep(&start);
        let to = start
            .location
            .clone()
            .filter(|_| matches!(start.status, 302 | 303))
            .ok_or_else(|| Error::Answered {
                what: "GitHub start".into(),
                answer: format!("{} instead of a redirect", start.describe()),
            })?;
        let authorize = format!("{}/login/oauth/authorize", mocks.github.uri());
        if !to.starts_with(&authorize) {
            let shown = to.split('?').next().unwrap_or(&to).to_string();
            return Err(Error::missing(format!("GitHub start sent the browser to {shown}, not the GitHub mock (hint: start the stack with its GitHub base URL at {})", mocks.github.uri())));
        }
        let state = reqwest::Url::parse(&to)
            .ok()
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "state")
                    .map(|(_, v)| v.into_owned())
            })
            .ok_or_else(|| Error::missing("the authorize URL has no state"))?;
        mocks.github.script(&state, who);
        let consent = b.get_absolute(&to).await?;
        let log = mocks.github.log(&state);
        let Some(back) = consent.location.clone().filter(|_| consent.status == 302) else {
            return Err(Error::missing(format!(
                "the GitHub mock refused the authorize request: {}",
                log.describe()
            )));
        };
        let cb = b.get_absolute(&back).await?;
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
    pub(super) async fn me(&self, b: &Browser) -> Result<String, Error> {
        let r = b.get(ME).await?;
        r.data()
            .and_then(|d| d["person"]["id"].as_str())
            .map(str::to_string)
            .filter(|_| r.status == 200)
            .ok_or_else(|| Error::Answered {
                what: format!("GET {ME}"),
                answer: r.describe(),
            })
    }

    /// (person id, how it matched) on the claim screen.
    pub(super) async fn candidates(&self, b: &Browser) -> Result<Vec<(String, String)>, Error> {
        let r = b.get(CANDIDATES).await?;
        let list = r
            .data()
            .and_then(|d| d["candidates"].as_array())
            .filter(|_| r.status == 200)
            .ok_or_else(|| Error::Answered {
                what: format!("GET {CANDIDATES}"),
                answer: r.describe(),
            })?;
        Ok(list
            .iter()
            .filter_map(|c| Some((c["personId"].as_str()?.to_string(), matched_via(c))))
            .collect())
    }

    pub(super) async fn login(
        &self,
        b: &Browser,
        login: &str,
        password: &str,
    ) -> Result<Reply, Error> {
        Ok(b.post_json(
            LOGIN,
            &json!({"usernameOrEmail": login, "password": password}),
        )
        .await?)
    }

    pub(super) fn staff_browser(&self) -> Result<Browser, Error> {
        let reviewer = self.cast.one(Role::Reviewer)?;
        let token = mint_session(
            self.key()?,
            reviewer.person_id.as_deref().unwrap_or_default(),
            reviewer.new_level.as_deref().unwrap_or("staff"),
            now(),
        )?;
        let mut b = self.browser();
        b.jar.insert(SESSION_COOKIE.into(), token);
        Ok(b)
    }
}
