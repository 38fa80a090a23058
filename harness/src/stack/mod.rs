//! The new stack as the suite starts it: from an image (testcontainers, the same network
//! conventions as the MariaDB provider) or a command (a local checkout, or `cutover serve`),
//! given the contract's environment ([`env::StackEnv`]), watched until `/api/health/ready`
//! says ready, its output kept ([`log::StackLog`]), and stopped at the end — also on error
//! and on Ctrl-C. A stack that exits or never gets ready is [`crate::Error::Stack`]
//! ("cannot run") with its last log lines.

pub mod container;
pub mod env;
pub mod log;
pub mod process;

use crate::identity::{ClientPolicy, RequestClass};
use crate::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a stack may take from start to ready unless told otherwise.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Log lines quoted when a stack fails to start or dies.
pub const TAIL_LINES: usize = 20;

/// Where the new stack comes from when the suite starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// A local process: `sh -c <command>`.
    Command(String),
    /// A container image, by tag (built locally or pulled).
    Image(String),
}

impl Provider {
    pub fn describe(&self) -> String {
        match self {
            Provider::Command(c) => format!("command `{c}`"),
            Provider::Image(i) => format!("image {i}"),
        }
    }
}

/// What a running stack can be asked, whichever way it was started (the reference target
/// in-process answers too).
pub trait StackHandle: Send + Sync {
    /// Why the stack is gone, once it is (exit status, container state).
    fn exited(&self) -> Option<String>;
    /// Stop it and wait (bounded) until it has stopped.
    fn stop(&self) -> futures::future::BoxFuture<'_, ()>;
}

/// A stack the suite started: where it answers, its log, and how to stop it.
pub struct RunningStack {
    pub base_url: String,
    pub log: Arc<log::StackLog>,
    pub provider: String,
    /// Start to ready.
    pub ready_after: Duration,
    handle: Box<dyn StackHandle>,
}

impl std::fmt::Debug for RunningStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningStack")
            .field("base_url", &self.base_url)
            .field("provider", &self.provider)
            .finish()
    }
}

impl RunningStack {
    pub fn new(
        base_url: String,
        log: Arc<log::StackLog>,
        provider: String,
        handle: Box<dyn StackHandle>,
    ) -> Self {
        RunningStack {
            base_url,
            log,
            provider,
            ready_after: Duration::ZERO,
            handle,
        }
    }

    pub fn exited(&self) -> Option<String> {
        self.handle.exited()
    }

    pub async fn stop(&self) {
        self.handle.stop().await
    }

    /// Wait until `/api/health/ready` answers 200 `ready`, the stack exits, or `timeout`
    /// passes. On failure the stack is stopped and the error quotes its last log lines.
    pub async fn wait_ready(mut self, timeout: Duration) -> Result<Self, Error> {
        let started = Instant::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| self.fail(e.to_string()))?;
        let policy = ClientPolicy::varied(&self.base_url);
        let url = format!(
            "{}{}",
            self.base_url.trim_end_matches('/'),
            crate::routes::READY
        );
        let mut last = String::from("no answer yet");
        loop {
            if let Some(why) = self.exited() {
                let e = self.fail(format!("exited before it was ready ({why})"));
                return Err(e);
            }
            if started.elapsed() > timeout {
                let e = self.fail(format!(
                    "not ready after {} s (last answer: {last}) (hint: raise [target] ready_timeout, or check the log)",
                    timeout.as_secs()
                ));
                self.stop().await;
                return Err(e);
            }
            let req = policy.prepare(http.get(&url), RequestClass::Read).await;
            match req.send().await {
                Ok(r) if r.status().as_u16() == 200 => {
                    let v: serde_json::Value = r.json().await.unwrap_or_default();
                    if v["data"]["status"] == "ready" {
                        self.ready_after = started.elapsed();
                        return Ok(self);
                    }
                    last = format!("200 {}", v["data"]["status"]);
                }
                Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
                Err(e) => last = crate::target::describe(&e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn fail(&self, message: String) -> Error {
        Error::Stack {
            provider: self.provider.clone(),
            message,
            log: self.log.tail(TAIL_LINES).join("\n"),
        }
    }
}

/// Start the stack from `provider` with `env`, listening where `env` says; not waiting.
pub async fn spawn(
    provider: &Provider,
    env: &env::StackEnv,
    network: crate::config::ContainerNetwork,
) -> Result<RunningStack, Error> {
    let log = Arc::new(log::StackLog::new(env.secrets()));
    match provider {
        Provider::Command(cmd) => process::start(cmd, env, log),
        Provider::Image(image) => container::start(image, env, network, log).await,
    }
}

/// Start the stack from `provider` with `env`, listening where `env` says, and wait for it.
pub async fn start(
    provider: &Provider,
    env: &env::StackEnv,
    network: crate::config::ContainerNetwork,
    timeout: Duration,
) -> Result<RunningStack, Error> {
    spawn(provider, env, network)
        .await?
        .wait_ready(timeout)
        .await
}
