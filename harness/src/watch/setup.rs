//! What `cutover watch` watches, from a profile: the new site (its base URL, or one given),
//! its data repo (the probes' records and the commits since the import) and, when named, the
//! private store and its copy as imported. Requests keep to the contract's per-IP limits
//! unless the profile says the ingress trusts `X-Forwarded-For`.

use crate::config::Profile;
use crate::datarepo::DataRepo;
use crate::identity::ClientPolicy;
use crate::target::TargetClient;
use crate::Error;
use std::path::PathBuf;

pub struct Watched {
    pub client: TargetClient,
    pub repo: DataRepo,
    pub import: Option<String>,
    pub live_store: Option<PathBuf>,
    pub imported_store: Option<PathBuf>,
}

pub fn from_profile(profile: &Profile, base_url: Option<&str>) -> Result<Watched, Error> {
    let base = base_url
        .or(profile.target.base_url.as_deref())
        .ok_or_else(|| {
            Error::Config(
                "no site to watch (hint: --base-url, CUTOVER_TARGET_URL or [target] base_url)"
                    .into(),
            )
        })?;
    let location = profile.target.data_repo.as_deref().ok_or_else(|| {
        Error::Config(
            "no data repo for the watch's probes (hint: CUTOVER_DATA_REPO or [target] data_repo)"
                .into(),
        )
    })?;
    let repo = DataRepo::open(location, profile.branch())?;
    let policy = if profile.vary_client_ip() {
        ClientPolicy::varied(base)
    } else {
        ClientPolicy::paced(profile.limits()?)
    };
    let client = TargetClient::new(base)?.with_policy(policy);
    let import = repo.import_commit(profile.run.import_commit.as_deref())?;
    Ok(Watched {
        client,
        repo,
        import,
        live_store: profile.target.private_store.clone(),
        imported_store: profile.run.import_private_store.clone(),
    })
}
