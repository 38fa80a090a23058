//! The new stack's own log, as the suite keeps it: every line redacted (the redaction
//! patterns, plus the exact secrets the suite gave the stack), written to `stack.log` in the
//! report directory, and the recent lines held in memory with their time, so the lines from
//! the moment of a failure can be put beside that failure's evidence.

use crate::redact::redact;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Lines held in memory (the file has them all).
const KEEP: usize = 2000;
/// A line longer than this is cut: a stack that logs whole bodies cannot fill memory.
const MAX_LINE: usize = 2000;

#[derive(Debug, Clone)]
pub struct LogLine {
    pub at: SystemTime,
    pub text: String,
}

#[derive(Debug)]
pub struct StackLog {
    secrets: Vec<String>,
    lines: Mutex<VecDeque<LogLine>>,
    file: Mutex<Option<std::fs::File>>,
    path: Mutex<Option<PathBuf>>,
    /// Print every line to stdout as well (a process whose log the suite reads there).
    echo: bool,
}

impl StackLog {
    pub fn new(secrets: Vec<String>) -> Self {
        StackLog {
            secrets,
            lines: Mutex::new(VecDeque::new()),
            file: Mutex::new(None),
            path: Mutex::new(None),
            echo: false,
        }
    }

    /// A log that prints every line to stdout (`cutover serve`): whoever started the process
    /// keeps and redacts it.
    pub fn to_stdout() -> Self {
        StackLog {
            echo: true,
            ..StackLog::new(Vec::new())
        }
    }

    /// Also write every line (from now on, and those held) to `path`.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        let mut f = std::fs::File::create(path)?;
        for l in self.lines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            writeln!(f, "{}", l.text)?;
        }
        *self.file.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
        *self.path.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.to_path_buf());
        Ok(())
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.path.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Redact and keep one line of the stack's output.
    pub fn push(&self, raw: &str) {
        if self.echo {
            println!("{}", raw.trim_end());
            return;
        }
        let mut text: String = raw.trim_end().chars().take(MAX_LINE).collect();
        for s in &self.secrets {
            if text.contains(s.as_str()) {
                text = text.replace(s.as_str(), "[secret]");
            }
        }
        let text = redact(&text);
        if let Some(f) = self.file.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            let _ = writeln!(f, "{text}");
        }
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == KEEP {
            lines.pop_front();
        }
        lines.push_back(LogLine {
            at: SystemTime::now(),
            text,
        });
    }

    /// The last `n` lines.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .iter()
            .skip(lines.len().saturating_sub(n))
            .map(|l| l.text.clone())
            .collect()
    }

    /// Lines logged from `since` on, at most `n` (the latest).
    pub fn since(&self, since: SystemTime, n: usize) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let recent: Vec<&LogLine> = lines.iter().filter(|l| l.at >= since).collect();
        recent[recent.len().saturating_sub(n)..]
            .iter()
            .map(|l| l.text.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_redacted_kept_in_order_and_written() {
        let dir = tempfile::tempdir().unwrap();
        let log = StackLog::new(vec!["sekrit-session-key".into()]);
        log.push("booting with key sekrit-session-key");
        let mark = SystemTime::now();
        log.write_to(&dir.path().join("stack.log")).unwrap();
        log.push("login failed for ann@example.org\n");
        log.push(&"x".repeat(5000));
        let tail = log.tail(3);
        assert_eq!(tail[0], "booting with key [secret]");
        assert!(
            tail[1].starts_with("login failed for [email "),
            "{}",
            tail[1]
        );
        assert_eq!(tail[2].len(), MAX_LINE);
        assert_eq!(log.since(mark, 10).len(), 2);
        let file = std::fs::read_to_string(dir.path().join("stack.log")).unwrap();
        assert_eq!(file.lines().count(), 3);
        assert!(!file.contains("sekrit") && !file.contains("ann@"));
    }
}
