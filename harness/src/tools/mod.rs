//! The new stack's own cutover tools (new-stack.md §5): `reconcile`, `cutover-mailout` and
//! `import-laddr-credentials`, run as commands with the same environment as the stack, their
//! output kept (redacted) in the report directory, their JSON reports and exit codes judged.
//! The commands come from the profile's `[tools]` (the real stack's `npm run -w apps/api
//! script:…`); a rehearsal runs the reference target's (`cutover tool …`).

pub mod credentials;
pub mod mailout;
pub mod reconcile;
pub mod report;
pub mod scratch;

use crate::redact::redact;
use crate::stack::env::StackEnv;
use crate::Error;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest one tool may run.
const TOOL_TIMEOUT: Duration = Duration::from_secs(600);
/// Output kept per stream (a tool that prints every recipient is cut here).
const MAX_OUTPUT: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Reconcile,
    Mailout,
    ImportCredentials,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Reconcile => "reconcile",
            Tool::Mailout => "cutover-mailout",
            Tool::ImportCredentials => "import-laddr-credentials",
        }
    }
}

/// The command for each tool, and where to run them.
#[derive(Debug, Clone, Default)]
pub struct ToolCommands {
    pub reconcile: Option<String>,
    pub mailout: Option<String>,
    pub import_credentials: Option<String>,
    /// Working directory (the stack's checkout); the suite's own by default.
    pub dir: Option<PathBuf>,
}

impl ToolCommands {
    /// The reference target's tools: this very binary's `tool` subcommands.
    pub fn reference(exe: &Path) -> Self {
        let exe = quote(&exe.display().to_string());
        ToolCommands {
            reconcile: Some(format!("{exe} tool reconcile")),
            mailout: Some(format!("{exe} tool cutover-mailout")),
            import_credentials: Some(format!("{exe} tool import-laddr-credentials")),
            dir: None,
        }
    }

    fn command(&self, tool: Tool) -> Option<&str> {
        match tool {
            Tool::Reconcile => self.reconcile.as_deref(),
            Tool::Mailout => self.mailout.as_deref(),
            Tool::ImportCredentials => self.import_credentials.as_deref(),
        }
        .filter(|c| !c.trim().is_empty())
    }
}

/// What the tools need: their commands, the stack's environment for the live state, and
/// where their output goes.
#[derive(Debug, Default)]
pub struct ToolSetup {
    pub commands: ToolCommands,
    pub env: StackEnv,
    log_dir: std::sync::Mutex<Option<PathBuf>>,
    runs: AtomicUsize,
}

impl ToolSetup {
    pub fn new(commands: ToolCommands, env: StackEnv) -> Self {
        ToolSetup {
            commands,
            env,
            ..Default::default()
        }
    }

    /// Keep each run's output under `dir/tools/`.
    pub fn log_to(&self, dir: &Path) {
        *self.log_dir.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir.join("tools"));
    }
}

/// One run of a tool.
#[derive(Debug, Clone)]
pub struct ToolRun {
    pub tool: Tool,
    /// The command line, with the suite's temporary paths.
    pub command: String,
    /// The exit code (None: killed by a signal or the timeout).
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
    /// Where the redacted output was kept.
    pub log: Option<PathBuf>,
}

impl ToolRun {
    /// `tool exited 1 after 0.4 s` — for evidence.
    pub fn describe(&self) -> String {
        let how = match self.status {
            Some(c) => format!("exited {c}"),
            None => "was stopped".to_string(),
        };
        format!("{} {how} after {:.1} s", self.tool.name(), self.seconds)
    }

    /// The last lines of what it printed (redacted), to say why it failed.
    pub fn tail(&self) -> String {
        let text = format!("{}\n{}", self.stdout, self.stderr);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }
}

/// A private scratch directory (owner-only) for a tool's inputs and reports: they hold
/// emails and hashes, and are removed when the scenario is done.
pub fn tmp() -> Result<tempfile::TempDir, crate::Error> {
    tempfile::Builder::new()
        .prefix("cutover-tool-")
        .tempdir()
        .map_err(|e| crate::Error::io("a tool's scratch directory", e))
}

/// A word for `sh -c`: single-quoted.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

async fn read_bounded(mut r: impl tokio::io::AsyncRead + Unpin) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while let Ok(n) = r.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        if buf.len() < MAX_OUTPUT {
            buf.extend_from_slice(&chunk[..n.min(MAX_OUTPUT - buf.len())]);
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Run `tool` with `args` under `env` (the live state's, or a scratch copy's).
pub async fn run(
    setup: &ToolSetup,
    tool: Tool,
    args: &[String],
    env: &StackEnv,
) -> Result<ToolRun, Error> {
    let base = setup
        .commands
        .command(tool)
        .ok_or_else(|| no_command(tool))?;
    let command = std::iter::once(base.to_string())
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(&command)
        .envs(env.vars())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(d) = &setup.commands.dir {
        cmd.current_dir(d);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Config(format!("cannot start {}: {e}", tool.name())))?;
    let (status, stdout, stderr) = wait_for(&mut child).await;
    let secrets = env.secrets();
    let clean = |t: &str| {
        let mut t = t.to_string();
        for s in &secrets {
            t = t.replace(s.as_str(), "[secret]");
        }
        redact(&t)
    };
    let mut run = ToolRun {
        tool,
        command: clean(&command),
        status,
        stdout: clean(&stdout),
        stderr: clean(&stderr),
        seconds: started.elapsed().as_secs_f64(),
        log: None,
    };
    run.log = keep(setup, &run);
    Ok(run)
}

/// The profile names no command for `tool`.
fn no_command(tool: Tool) -> Error {
    Error::Config(format!(
        "no command for the stack's {} tool (hint: [tools] {} = \"npm run -w apps/api script:{} --\")",
        tool.name(),
        match tool {
            Tool::Reconcile => "reconcile",
            Tool::Mailout => "mailout",
            Tool::ImportCredentials => "import_credentials",
        },
        tool.name()
    ))
}

/// The child's exit code, stdout and stderr, read to their bounds; no code, and a stderr
/// saying so, if it is still running after [`TOOL_TIMEOUT`].
async fn wait_for(child: &mut tokio::process::Child) -> (Option<i32>, String, String) {
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let reading = async {
        let o = async {
            match out {
                Some(o) => read_bounded(o).await,
                None => String::new(),
            }
        };
        let e = async {
            match err {
                Some(e) => read_bounded(e).await,
                None => String::new(),
            }
        };
        tokio::join!(o, e)
    };
    let waited = tokio::time::timeout(TOOL_TIMEOUT, async {
        let (o, e) = reading.await;
        (child.wait().await, o, e)
    })
    .await;
    match waited {
        Ok((s, o, e)) => (s.ok().and_then(|s| s.code()), o, e),
        Err(_) => (
            None,
            String::new(),
            format!("stopped after {} s", TOOL_TIMEOUT.as_secs()),
        ),
    }
}

/// Write the run's redacted output under the report directory, numbered in run order.
fn keep(setup: &ToolSetup, run: &ToolRun) -> Option<PathBuf> {
    let dir = setup
        .log_dir
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()?;
    std::fs::create_dir_all(&dir).ok()?;
    let n = setup.runs.fetch_add(1, Ordering::SeqCst) + 1;
    let path = dir.join(format!("{n:02}-{}.log", run.tool.name()));
    let text = format!(
        "$ {}\n# {}\n--- stdout\n{}\n--- stderr\n{}\n",
        run.command,
        run.describe(),
        run.stdout,
        run.stderr
    );
    std::fs::write(&path, text).ok()?;
    Some(path)
}

/// Read a tool's JSON report, and keep a redacted copy beside its log.
pub fn read_report<T: serde::de::DeserializeOwned>(
    run: &ToolRun,
    file: &Path,
) -> Result<T, crate::Error> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        crate::Error::command(
            run.describe(),
            format!("wrote no report at --json ({e}); it said: {}", run.tail()),
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| crate::Error::json(format!("{}'s report is not JSON", run.tool.name()), e))?;
    if let Some(log) = &run.log {
        let clean = crate::redact::redact_json(&value);
        let _ = std::fs::write(
            log.with_extension("json"),
            serde_json::to_string_pretty(&clean).unwrap_or_default(),
        );
    }
    serde_json::from_value(value).map_err(|e| {
        crate::Error::json(
            format!(
                "{}'s report is not in the contract's shape",
                run.tool.name()
            ),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tool_runs_with_the_stack_env_and_its_output_is_kept_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = StackEnv::new(
            Path::new("/d"),
            "main",
            Path::new("/p"),
            "a-session-key-1234",
        );
        env.set("RESEND_API_KEY", "re_topsecret_key");
        let setup = ToolSetup::new(
            ToolCommands {
                reconcile: Some(
                    "echo \"$CFP_PRIVATE_STORAGE_PATH $RESEND_API_KEY ann@example.org\"; exit 1"
                        .into(),
                ),
                ..Default::default()
            },
            env.clone(),
        );
        setup.log_to(dir.path());
        let r = run(&setup, Tool::Reconcile, &["--json=/tmp/x y".into()], &env)
            .await
            .unwrap();
        assert_eq!(r.status, Some(1));
        assert!(r.stdout.starts_with("/p [secret] [email"), "{}", r.stdout);
        let log = std::fs::read_to_string(r.log.unwrap()).unwrap();
        assert!(
            log.contains("'--json=/tmp/x y'")
                && !log.contains("topsecret")
                && !log.contains("ann@")
        );
        let err = run(&setup, Tool::Mailout, &[], &env)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("[tools] mailout"), "{err}");
    }
}
