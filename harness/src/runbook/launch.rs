//! A second instance of the stack under test, started the same way (its provider, its
//! environment) on a throw-away copy of the state, with one thing changed: a secret left out,
//! or another data repo. The instance listens on a port of its own and is stopped when the
//! [`Second`] is dropped or stopped.

use crate::stack::env::StackEnv;
use crate::stack::RunningStack;
use crate::tools::scratch::Scratch;
use crate::Error;
use futures::future::BoxFuture;
use std::time::Duration;

/// How long a second instance may take to show what it does (ready, refused, exited).
pub const SECOND_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts instances of the stack under test.
pub trait Launch: Send + Sync {
    /// The environment the stack under test was started with.
    fn base_env(&self) -> &StackEnv;
    /// Start an instance on `env`, without waiting for it to be ready.
    fn spawn(&self, env: StackEnv) -> BoxFuture<'_, Result<RunningStack, Error>>;
    fn describe(&self) -> String;
}

/// The provider the profile names (an image or a command), as for the stack under test.
pub struct ProviderLaunch {
    pub provider: crate::stack::Provider,
    pub env: StackEnv,
    pub network: crate::config::ContainerNetwork,
}

impl Launch for ProviderLaunch {
    fn base_env(&self) -> &StackEnv {
        &self.env
    }
    fn spawn(&self, env: StackEnv) -> BoxFuture<'_, Result<RunningStack, Error>> {
        Box::pin(async move { crate::stack::spawn(&self.provider, &env, self.network).await })
    }
    fn describe(&self) -> String {
        self.provider.describe()
    }
}

/// A copy of the live state and the environment pointed at it, on a free port.
pub fn prepare(base: &StackEnv) -> Result<(Scratch, StackEnv), Error> {
    use crate::stack::env as names;
    let get = |n: &str| {
        base.get(n)
            .map(str::to_string)
            .ok_or_else(|| Error::Config(format!("the stack's environment has no {n}")))
    };
    let (repo, branch, private) = (
        get(names::DATA_REPO_PATH)?,
        get(names::DATA_BRANCH)?,
        get(names::PRIVATE_STORAGE_PATH)?,
    );
    let scratch = Scratch::copy(repo.as_ref(), &branch, private.as_ref())?;
    let env = on(base, &scratch)?;
    Ok((scratch, env))
}

/// `base` pointed at `scratch`, listening on a free port of its own.
pub fn on(base: &StackEnv, scratch: &Scratch) -> Result<StackEnv, Error> {
    let mut env = scratch.env(base);
    move_port(&mut env)?;
    Ok(env)
}

/// Point `env` at a free port, its public URL with it.
fn move_port(env: &mut StackEnv) -> Result<(), Error> {
    use crate::stack::env as names;
    let port = crate::legacy::provider::free_port()
        .map_err(|e| Error::io("a free port for a second instance", e))?;
    env.listen("127.0.0.1", port);
    if let Some(url) = env.get(names::PUBLIC_URL).map(str::to_string) {
        if let Some((scheme_host, _)) = url.rsplit_once(':') {
            env.set(names::PUBLIC_URL, format!("{scheme_host}:{port}"));
        }
    }
    Ok(())
}

/// Tries at a free port: another process may take it between choosing and binding it.
const PORT_TRIES: usize = 3;

fn port_taken(e: &Error) -> bool {
    let text = e.to_string().to_lowercase();
    ["address already in use", "address in use", "eaddrinuse"]
        .iter()
        .any(|m| text.contains(m))
}

/// Start `env` with `launcher` without waiting for it; a port taken meanwhile is tried again
/// on another.
pub async fn spawn(launcher: &dyn Launch, mut env: StackEnv) -> Result<RunningStack, Error> {
    let mut tries = 1;
    loop {
        match launcher.spawn(env.clone()).await {
            Err(e) if port_taken(&e) && tries < PORT_TRIES => move_port(&mut env)?,
            done => return done,
        }
        tries += 1;
    }
}

/// Start `env` with `launcher` and wait until it is ready; `Err` quotes its last log lines.
/// A port taken meanwhile (the bind fails, or the stack exits saying so) is tried again.
pub async fn ready(launcher: &dyn Launch, mut env: StackEnv) -> Result<RunningStack, Error> {
    let mut tries = 1;
    loop {
        let started = match launcher.spawn(env.clone()).await {
            Ok(s) => s.wait_ready(SECOND_TIMEOUT).await,
            Err(e) => Err(e),
        };
        match started {
            Err(e) if port_taken(&e) && tries < PORT_TRIES => move_port(&mut env)?,
            done => return done,
        }
        tries += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::env as names;

    #[test]
    fn a_taken_port_is_known_by_the_bind_error_or_the_stack_saying_so() {
        let bind = Error::io(
            "a port for a second reference target",
            std::io::Error::from(std::io::ErrorKind::AddrInUse),
        );
        assert!(port_taken(&bind), "{bind}");
        let node = Error::Config("listen EADDRINUSE: address already in use :::4000".into());
        assert!(port_taken(&node));
        assert!(!port_taken(&Error::Config("no CFP_JWT_SIGNING_KEY".into())));
    }

    #[test]
    fn moving_the_port_moves_the_public_url_with_it() {
        let mut env = StackEnv::default();
        env.listen("127.0.0.1", 4000)
            .set(names::PUBLIC_URL, "http://127.0.0.1:4000");
        move_port(&mut env).unwrap();
        let port = env.get(names::PORT).unwrap().to_string();
        assert_ne!(port, "4000");
        assert_eq!(
            env.get(names::PUBLIC_URL),
            Some(format!("http://127.0.0.1:{port}").as_str())
        );
    }
}
