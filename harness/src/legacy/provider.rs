//! Finding a laddr database server: an explicit URL, a container, or a local `mariadbd`,
//! tried in that order. Each provider either yields a server or says why it cannot, and
//! the reasons are collected into one message naming all three ways.

use crate::config::{ContainerNetwork, Profile, ProviderKind};
use crate::Error;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// How long a freshly started server may take to accept connections.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);

/// A MySQL-compatible server the harness may use. For the container and local providers the
/// harness owns it (and its credentials); for a URL it is somebody else's.
pub struct LegacyServer {
    /// Full URL with credentials. Never print it: use [`LegacyServer::describe`].
    pub url: String,
    pub kind: ProviderKind,
    description: String,
    guard: Guard,
}

enum Guard {
    None,
    Container(Box<ContainerAsync<GenericImage>>),
    Local(LocalServer),
}

impl std::fmt::Debug for LegacyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyServer")
            .field("kind", &self.kind)
            .field("description", &self.description)
            .finish()
    }
}

impl LegacyServer {
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Stop what this provider started (the container, the local server). Idempotent.
    pub async fn shutdown(&mut self) {
        match std::mem::replace(&mut self.guard, Guard::None) {
            Guard::None => {}
            Guard::Container(c) => {
                let _ = c.rm().await;
            }
            Guard::Local(local) => drop(local),
        }
    }
}

impl Drop for LegacyServer {
    fn drop(&mut self) {
        // testcontainers removes a dropped container through the current tokio runtime and
        // aborts the process when there is none (a test unwinding after its runtime ended).
        // Remove it on a runtime of our own then, so a failure never leaves a container.
        if let Guard::Container(c) = std::mem::replace(&mut self.guard, Guard::None) {
            if tokio::runtime::Handle::try_current().is_ok() {
                drop(c);
            } else if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async move {
                    let _ = c.rm().await;
                });
            }
        }
    }
}

/// Try the providers the profile allows, in order, and return the first server that answers.
pub async fn provision(profile: &Profile) -> Result<LegacyServer, Error> {
    let mut tried = Vec::new();
    for kind in profile.providers() {
        let attempt = match kind {
            ProviderKind::Url => from_url(profile),
            ProviderKind::Container => from_container(profile).await,
            ProviderKind::Local => from_local(profile).await,
        };
        match attempt {
            Ok(server) => return Ok(server),
            Err(why) => tried.push(format!("  - {}: {why}", name(kind))),
        }
    }
    Err(Error::NoLegacyDatabase {
        tried: tried.join("\n"),
    })
}

fn name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Url => "url (LADDR_DATABASE_URL)",
        ProviderKind::Container => "container (Docker)",
        ProviderKind::Local => "local mariadbd",
    }
}

fn from_url(profile: &Profile) -> Result<LegacyServer, Error> {
    let url = profile
        .legacy
        .url
        .clone()
        .ok_or_else(|| Error::missing("not set"))?;
    if !url.starts_with("mysql://") && !url.starts_with("mariadb://") {
        return Err(Error::Invalid {
            what: super::display_url(&url),
            expected: "not a mysql:// URL (hint: mysql://user:password@host:3306/laddr)".into(),
        });
    }
    let url = url.replacen("mariadb://", "mysql://", 1);
    Ok(LegacyServer {
        description: format!("given URL {}", super::display_url(&url)),
        url,
        kind: ProviderKind::Url,
        guard: Guard::None,
    })
}

fn container_err(context: String, e: testcontainers::TestcontainersError) -> Error {
    Error::Container {
        context,
        source: Box::new(e),
    }
}

/// Where the Docker daemon should be, from `DOCKER_HOST` or the default socket.
fn docker_endpoint() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// A daemon answers `GET /_ping` with `OK`. Checked first so a missing daemon costs
/// milliseconds, not a client timeout.
async fn docker_answers(endpoint: &str) -> Result<(), Error> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n";
    let mut reply = Vec::new();
    let io = async {
        if let Some(path) = endpoint.strip_prefix("unix://") {
            let mut s = tokio::net::UnixStream::connect(path).await?;
            s.write_all(request).await?;
            s.read_to_end(&mut reply).await?;
        } else if let Some(addr) = endpoint.strip_prefix("tcp://") {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.write_all(request).await?;
            s.read_to_end(&mut reply).await?;
        } else {
            return Err(std::io::Error::other("unsupported DOCKER_HOST scheme"));
        }
        Ok::<_, std::io::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(3), io).await {
        Err(_) => Err(Error::missing(format!(
            "no answer from the Docker daemon at {endpoint} within 3 s"
        ))),
        Ok(Err(e)) => Err(Error::io(format!("no Docker daemon at {endpoint}"), e)),
        Ok(Ok(())) if String::from_utf8_lossy(&reply).ends_with("OK") => Ok(()),
        Ok(Ok(())) => Err(Error::missing(format!(
            "{endpoint} did not answer like a Docker daemon"
        ))),
    }
}

/// `registry:5000/name:tag` → (`registry:5000/name`, `tag`); no tag → `latest`.
pub fn split_image(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.to_string(), tag.to_string()),
        _ => (image.to_string(), "latest".to_string()),
    }
}

async fn from_container(profile: &Profile) -> Result<LegacyServer, Error> {
    let endpoint = docker_endpoint();
    docker_answers(&endpoint).await?;
    let image = profile.mariadb_image().to_string();
    let (name, tag) = split_image(&image);
    let password = random_token();
    let network = profile.legacy.network.unwrap_or_default();
    let base = GenericImage::new(name, tag).with_wait_for(WaitFor::Nothing);
    let (container, host, port) = match network {
        ContainerNetwork::Bridge => {
            let c = base
                .with_exposed_port(3306.tcp())
                .with_env_var("MARIADB_ROOT_PASSWORD", &password)
                .with_startup_timeout(STARTUP_TIMEOUT)
                .start()
                .await
                .map_err(|e| container_err(format!("cannot start {image}"), e))?;
            let port = c
                .get_host_port_ipv4(3306.tcp())
                .await
                .map_err(|e| container_err(format!("{image}: no mapped port"), e))?;
            let host = c
                .get_host()
                .await
                .map_err(|e| container_err(format!("{image}: no host"), e))?
                .to_string();
            (c, host, port)
        }
        ContainerNetwork::Host => {
            // Host networking keeps all traffic on loopback: the server binds 127.0.0.1 on a
            // port chosen here.
            let port = free_port().map_err(|e| Error::io("no free port", e))?;
            let c = base
                .with_network("host")
                .with_env_var("MARIADB_ROOT_PASSWORD", &password)
                .with_cmd([
                    format!("--port={port}"),
                    "--bind-address=127.0.0.1".to_string(),
                ])
                .with_startup_timeout(STARTUP_TIMEOUT)
                .start()
                .await
                .map_err(|e| container_err(format!("cannot start {image}"), e))?;
            (c, "127.0.0.1".to_string(), port)
        }
    };
    let url = format!("mysql://root:{password}@{host}:{port}/mysql");
    if let Err(e) = wait_until_accepting(&url, STARTUP_TIMEOUT, || Ok(())).await {
        let _ = container.rm().await;
        return Err(Error::command(
            image,
            format!("did not accept connections: {e}"),
        ));
    }
    Ok(LegacyServer {
        url,
        kind: ProviderKind::Container,
        description: format!("container {image} ({network:?} network) at {host}:{port}")
            .to_lowercase(),
        guard: Guard::Container(Box::new(container)),
    })
}

/// Where programs are looked for: PATH, then the sbin directories Debian keeps servers in
/// (not on a normal user's PATH).
fn search_dirs() -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            [
                "/usr/sbin",
                "/usr/local/sbin",
                "/usr/libexec",
                "/usr/bin",
                "/usr/local/bin",
            ]
            .map(PathBuf::from),
        )
        .collect()
}

fn find_in(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// The MariaDB server and its data-directory initialiser, found in `dirs`. MariaDB is known
/// by `mariadbd` and `mariadb-install-db`; a `mysqld` counts only when it says it is
/// MariaDB (GitHub's runners carry MySQL's `mysqld`, which cannot run laddr's fixture
/// setup and has no `mariadb-install-db`).
fn find_mariadb(dirs: &[PathBuf]) -> Result<(PathBuf, PathBuf), Error> {
    let server = match find_in(dirs, "mariadbd") {
        Some(p) => p,
        None => {
            let Some(mysqld) = find_in(dirs, "mysqld") else {
                return Err(Error::missing(
                    "no mariadbd on PATH or in /usr/sbin (hint: apt-get install mariadb-server)",
                ));
            };
            let version = Command::new(&mysqld)
                .arg("--version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            if !version.contains("MariaDB") {
                return Err(Error::missing(format!(
                    "{} is not MariaDB ({}) and there is no mariadbd (hint: apt-get install mariadb-server, or set MARIADBD)",
                    mysqld.display(),
                    version.trim()
                )));
            }
            mysqld
        }
    };
    let install_db = server
        .parent()
        .and_then(|d| d.parent())
        .map(|root| root.join("bin/mariadb-install-db"))
        .filter(|p| p.is_file())
        .or_else(|| find_in(dirs, "mariadb-install-db"))
        .ok_or_else(|| {
            Error::missing(format!(
                "{} found but no mariadb-install-db to initialise a data directory (hint: apt-get install mariadb-server)",
                server.display()
            ))
        })?;
    Ok((server, install_db))
}

struct LocalServer {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        // Only the process this provider started, by its own handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

async fn from_local(profile: &Profile) -> Result<LegacyServer, Error> {
    let (mariadbd, install_db) = local_binaries(profile)?;
    let dir = tempfile::Builder::new()
        .prefix("cutover-mariadb-")
        .tempdir()
        .map_err(|e| Error::io("a data directory", e))?;
    let data = dir.path().join("data");
    let root_user = running_as_root();
    // A tmpdir of its own: a server starting beside it removes every `#sql*` file in a shared
    // /tmp, including a concurrent bootstrap's temporary tables.
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(tmp.display().to_string(), e))?;
    install_data(install_db, &data, &tmp, root_user).await?;
    let port = free_port().map_err(|e| Error::io("no free port", e))?;
    let log_path = dir.path().join("mariadbd.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| Error::io(log_path.display().to_string(), e))?;
    let mut cmd = mariadbd_command(&mariadbd, dir.path(), &data, &tmp, port, log, root_user);
    let child = cmd
        .spawn()
        .map_err(|e| Error::io(mariadbd.display().to_string(), e))?;
    let mut local = LocalServer { child, _dir: dir };
    let url = format!("mysql://root@127.0.0.1:{port}/mysql");
    let started = wait_until_accepting(&url, STARTUP_TIMEOUT, || match local.child.try_wait() {
        Ok(Some(status)) => Err(Error::command(
            "mariadbd",
            format!("exited ({status}): {}", tail(&log_path)),
        )),
        _ => Ok(()),
    })
    .await;
    started?;
    // Give root a password so the server is not open to other local users while it runs.
    let password = random_token();
    let admin = format!("mysql://root:{password}@127.0.0.1:{port}/mysql");
    set_root_password(&url, &password)
        .await
        .map_err(|e| Error::sql("cannot secure root", e))?;
    let description = format!("local {} on 127.0.0.1:{port}", mariadbd.display());
    Ok(LegacyServer {
        url: admin,
        kind: ProviderKind::Local,
        description,
        guard: Guard::Local(local),
    })
}

/// The `mariadbd` to run (the profile's, or found) and the `mariadb-install-db` beside it.
fn local_binaries(profile: &Profile) -> Result<(PathBuf, PathBuf), Error> {
    Ok(match &profile.legacy.mariadbd {
        Some(p) if p.is_file() => {
            let dirs: Vec<PathBuf> = p
                .parent()
                .map(Path::to_path_buf)
                .into_iter()
                .chain(search_dirs())
                .collect();
            let (_, install_db) = find_mariadb(&dirs)?;
            (p.clone(), install_db)
        }
        Some(p) => {
            return Err(Error::missing(format!(
                "MARIADBD={} does not exist",
                p.display()
            )))
        }
        None => find_mariadb(&search_dirs())?,
    })
}

/// Initialise an empty data directory with `install_db`.
async fn install_data(
    install_db: PathBuf,
    data: &Path,
    tmp: &Path,
    root_user: bool,
) -> Result<(), Error> {
    let mut init = Command::new(&install_db);
    init.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg("--auth-root-authentication-method=normal")
        .arg("--skip-test-db")
        .arg(format!("--tmpdir={}", tmp.display()));
    if root_user {
        init.arg("--user=root");
    }
    let out = tokio::task::spawn_blocking(move || init.output())
        .await?
        .map_err(|e| Error::io(install_db.display().to_string(), e))?;
    if !out.status.success() {
        return Err(Error::command(
            install_db.display().to_string(),
            format!(
                "failed: {}",
                last_lines(&String::from_utf8_lossy(&out.stderr), 6)
            ),
        ));
    }
    Ok(())
}

/// The server on `port`, everything of its own under `dir`, logging to `log`.
fn mariadbd_command(
    mariadbd: &Path,
    dir: &Path,
    data: &Path,
    tmp: &Path,
    port: u16,
    log: std::fs::File,
    root_user: bool,
) -> Command {
    let mut cmd = Command::new(mariadbd);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()))
        .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .arg("--skip-name-resolve")
        .arg("--innodb-buffer-pool-size=64M")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
    if root_user {
        cmd.arg("--user=root");
    }
    cmd
}

async fn set_root_password(url: &str, password: &str) -> Result<(), sqlx::Error> {
    use sqlx::{Connection, Executor};
    // Account statements cannot take bound parameters; the password is hex from random_token.
    debug_assert!(password.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut conn = sqlx::MySqlConnection::connect(url).await?;
    for stmt in [
        format!("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{password}'"),
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION".to_string(),
        format!("ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{password}'"),
        format!("ALTER USER 'root'@'localhost' IDENTIFIED BY '{password}'"),
        format!("ALTER USER IF EXISTS 'root'@'::1' IDENTIFIED BY '{password}'"),
    ] {
        conn.execute(stmt.as_str()).await?;
    }
    conn.close().await
}

/// The last `n` non-empty lines of a tool's output, joined with " | ".
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

fn tail(path: &Path) -> String {
    std::fs::read_to_string(path)
        .map(|s| {
            s.lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

/// Poll until the server accepts a connection, `alive` says it died, or time runs out.
async fn wait_until_accepting(
    url: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> Result<(), Error>,
) -> Result<(), Error> {
    use sqlx::Connection;
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < timeout {
        alive()?;
        match tokio::time::timeout(Duration::from_secs(5), sqlx::MySqlConnection::connect(url))
            .await
        {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                return Ok(());
            }
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "connect timed out".into(),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(Error::missing(format!(
        "not accepting connections after {} s ({last})",
        timeout.as_secs()
    )))
}

/// A free TCP port on 127.0.0.1 (asked of the kernel, then released for the server).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// 24 random hex characters from the OS, for throwaway passwords.
pub fn random_token() -> String {
    let mut buf = [0u8; 12];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut buf);
    }
    hex::encode(buf)
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
