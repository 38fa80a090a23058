//! The command provider: `sh -c <command>` in its own process group, with the suite's
//! environment plus the stack's, its stdout and stderr read line by line into the log.
//! Stopping sends SIGTERM to that group (only the processes this provider started), then
//! SIGKILL after a grace period; dropping the handle kills the group at once.

use super::env::StackEnv;
use super::log::StackLog;
use super::{RunningStack, StackHandle};
use crate::Error;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// How long a stack has to stop after SIGTERM.
const GRACE: Duration = Duration::from_secs(5);

struct ProcessHandle {
    /// The process group (the child's pid): signalled as a group.
    pgid: i32,
    status: Arc<Mutex<Option<String>>>,
    done: Arc<tokio::sync::Notify>,
}

fn signal_group(pgid: i32, sig: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals exactly the group this provider made.
        unsafe {
            libc::kill(-pgid, sig);
        }
    }
}

impl StackHandle for ProcessHandle {
    fn exited(&self) -> Option<String> {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn stop(&self) -> futures::future::BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.exited().is_some() {
                // The leader is gone; its children may not be.
                signal_group(self.pgid, libc::SIGKILL);
                return;
            }
            signal_group(self.pgid, libc::SIGTERM);
            if tokio::time::timeout(GRACE, self.done.notified())
                .await
                .is_err()
            {
                signal_group(self.pgid, libc::SIGKILL);
                let _ = tokio::time::timeout(GRACE, self.done.notified()).await;
            }
        })
    }
}

impl Drop for ProcessHandle {
    fn drop(&mut self) {
        signal_group(self.pgid, libc::SIGKILL);
    }
}

fn pipe_lines(stream: impl tokio::io::AsyncRead + Unpin + Send + 'static, log: Arc<StackLog>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log.push(&line);
        }
    });
}

pub fn start(command: &str, env: &StackEnv, log: Arc<StackLog>) -> Result<RunningStack, Error> {
    let host = env.get(super::env::HOST).unwrap_or("127.0.0.1").to_string();
    let port = env.get(super::env::PORT).unwrap_or("3001").to_string();
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .envs(env.vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| Error::Stack {
        provider: format!("command `{command}`"),
        message: format!("cannot start: {e}"),
        log: String::new(),
    })?;
    let pgid = child.id().map_or(0, |id| id as i32);
    if let Some(out) = child.stdout.take() {
        pipe_lines(out, log.clone());
    }
    if let Some(err) = child.stderr.take() {
        pipe_lines(err, log.clone());
    }
    let status = Arc::new(Mutex::new(None));
    let done = Arc::new(tokio::sync::Notify::new());
    {
        let (status, done) = (status.clone(), done.clone());
        tokio::spawn(async move {
            let why = match child.wait().await {
                Ok(s) => s.to_string(),
                Err(e) => format!("lost: {e}"),
            };
            *status.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
            done.notify_waiters();
            done.notify_one();
        });
    }
    let connect_host = if host == "0.0.0.0" {
        "127.0.0.1"
    } else {
        host.as_str()
    };
    Ok(RunningStack::new(
        format!("http://{connect_host}:{port}/"),
        log,
        format!("command `{command}`"),
        Box::new(ProcessHandle { pgid, status, done }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env(port: u16) -> StackEnv {
        let mut e = StackEnv::new(
            Path::new("/nonexistent"),
            "main",
            Path::new("/nonexistent"),
            "key-0123456789",
        );
        e.listen("127.0.0.1", port);
        e
    }

    #[tokio::test]
    async fn a_command_that_exits_at_once_is_cannot_run_with_its_last_lines() {
        let log = Arc::new(StackLog::new(vec![]));
        let s = start(
            "echo booting; echo 'missing CFP_THING' >&2; exit 3",
            &env(1),
            log,
        )
        .unwrap();
        let err = s
            .wait_ready(Duration::from_secs(10))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exited before it was ready") && err.contains("exit status: 3"),
            "{err}"
        );
        assert!(err.contains("missing CFP_THING"), "{err}");
    }

    #[tokio::test]
    async fn a_command_that_never_gets_ready_times_out_and_is_stopped() {
        let log = Arc::new(StackLog::new(vec![]));
        let port = crate::legacy::provider::free_port().unwrap();
        let s = start("echo up; exec sleep 30", &env(port), log).unwrap();
        let err = s
            .wait_ready(Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not ready after 1 s") && err.contains("up"),
            "{err}"
        );
    }
}
