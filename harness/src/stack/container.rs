//! The image provider: the stack's image started through testcontainers with the same
//! network conventions as the MariaDB provider — the default bridge network with a mapped
//! port, or the host network (`CUTOVER_DOCKER_NETWORK=host`, all traffic on loopback). The
//! data repo and the private store are bind-mounted at `/app/data` and `/app/private` (the
//! contract's container paths); on the bridge network the stack reaches the suite's mocks at
//! `host.docker.internal`. Its output goes to the log; stopping removes the container.

use super::env::{self, StackEnv};
use super::log::StackLog;
use super::{RunningStack, StackHandle};
use crate::config::ContainerNetwork;
use crate::Error;
use std::sync::{Arc, Mutex};
use testcontainers::core::logs::LogFrame;
use testcontainers::core::{Host, IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// Where the contract's image expects its data repo, and where the private store goes.
pub const DATA_IN_CONTAINER: &str = "/app/data";
pub const PRIVATE_IN_CONTAINER: &str = "/app/private";
/// The port the image listens on inside the bridge network.
const CONTAINER_PORT: u16 = 3001;

struct ContainerHandle {
    container: tokio::sync::Mutex<Option<ContainerAsync<GenericImage>>>,
    gone: Arc<Mutex<Option<String>>>,
}

impl StackHandle for ContainerHandle {
    fn exited(&self) -> Option<String> {
        self.gone.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn stop(&self) -> futures::future::BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Some(c) = self.container.lock().await.take() {
                let _ = c.rm().await;
            }
        })
    }
}

/// Watch the container and note when it stops running.
fn watch(handle: &Arc<ContainerHandle>) {
    let weak = Arc::downgrade(handle);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let Some(h) = weak.upgrade() else { return };
            let guard = h.container.lock().await;
            let Some(c) = guard.as_ref() else { return };
            if let Ok(false) = c.is_running().await {
                let code = c.exit_code().await.ok().flatten();
                *h.gone.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(format!("container exited with code {}", code.unwrap_or(-1)));
                return;
            }
        }
    });
}

struct Shared(Arc<ContainerHandle>);

impl StackHandle for Shared {
    fn exited(&self) -> Option<String> {
        self.0.exited()
    }
    fn stop(&self) -> futures::future::BoxFuture<'_, ()> {
        self.0.stop()
    }
}

/// The stack's environment as the container sees it: the mounted paths, and on the bridge
/// network its own port on all interfaces.
fn container_env(env: &StackEnv, network: ContainerNetwork) -> StackEnv {
    let mut e = env.clone();
    e.set(env::DATA_REPO_PATH, DATA_IN_CONTAINER);
    e.set(env::PRIVATE_STORAGE_PATH, PRIVATE_IN_CONTAINER);
    if network == ContainerNetwork::Bridge {
        e.listen("0.0.0.0", CONTAINER_PORT);
    }
    e
}

pub async fn start(
    image: &str,
    env: &StackEnv,
    network: ContainerNetwork,
    log: Arc<StackLog>,
) -> Result<RunningStack, Error> {
    let provider = format!("image {image}");
    let fail = |message: String| Error::Stack {
        provider: provider.clone(),
        message,
        log: String::new(),
    };
    let path = |name: &str| {
        env.get(name)
            .map(str::to_string)
            .ok_or_else(|| fail(format!("{name} is not set")))
    };
    let (data, private) = (path(env::DATA_REPO_PATH)?, path(env::PRIVATE_STORAGE_PATH)?);
    let (name, tag) = crate::legacy::provider::split_image(image);
    let sink = log.clone();
    let mut req = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_mount(Mount::bind_mount(data, DATA_IN_CONTAINER))
        .with_mount(Mount::bind_mount(private, PRIVATE_IN_CONTAINER))
        .with_log_consumer(move |frame: &LogFrame| {
            for line in String::from_utf8_lossy(frame.bytes()).lines() {
                sink.push(line);
            }
        });
    for (k, v) in container_env(env, network).vars() {
        req = req.with_env_var(k, v);
    }
    let (container, base) = match network {
        ContainerNetwork::Host => {
            let port = env.get(env::PORT).unwrap_or("3001").to_string();
            let c = req
                .with_network("host")
                .start()
                .await
                .map_err(|e| fail(format!("cannot start: {e} (hint: build the image locally, see fixtures/docker/build-stack-image.sh)")))?;
            (c, format!("http://127.0.0.1:{port}/"))
        }
        ContainerNetwork::Bridge => {
            // The host port is the one the suite chose (so the mocks knew the callback URL
            // before the stack started), mapped to the image's own.
            let port: u16 = env
                .get(env::PORT)
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| fail("PORT is not set".into()))?;
            let c = req
                .with_mapped_port(port, CONTAINER_PORT.tcp())
                .with_host("host.docker.internal", Host::HostGateway)
                .start()
                .await
                .map_err(|e| fail(format!("cannot start: {e} (hint: build the image locally, see fixtures/docker/build-stack-image.sh)")))?;
            (c, format!("http://127.0.0.1:{port}/"))
        }
    };
    let handle = Arc::new(ContainerHandle {
        container: tokio::sync::Mutex::new(Some(container)),
        gone: Arc::default(),
    });
    watch(&handle);
    Ok(RunningStack::new(
        base,
        log,
        provider,
        Box::new(Shared(handle)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_container_sees_the_mounted_paths_and_on_the_bridge_its_own_port() {
        let mut e = StackEnv::new(
            Path::new("/s/data.git"),
            "main",
            Path::new("/s/private"),
            "k",
        );
        e.listen("127.0.0.1", 4123);
        let host = container_env(&e, ContainerNetwork::Host);
        assert_eq!(host.get(env::DATA_REPO_PATH), Some(DATA_IN_CONTAINER));
        assert_eq!(host.get(env::PORT), Some("4123"));
        let bridge = container_env(&e, ContainerNetwork::Bridge);
        assert_eq!(
            (bridge.get(env::HOST), bridge.get(env::PORT)),
            (Some("0.0.0.0"), Some("3001"))
        );
        assert_eq!(
            bridge.get(env::PRIVATE_STORAGE_PATH),
            Some(PRIVATE_IN_CONTAINER)
        );
    }
}
