//! The branch's history: the commits since the import, whether a commit is in it, and which
//! commit the cutover was judged on.

use super::{git, DataRepo, IMPORT_SUBJECT};
use crate::Error;

impl DataRepo {
    fn git_out(&self, args: &[&str]) -> Result<Option<String>, Error> {
        let out = git(&self.path)
            .args(args)
            .output()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    /// Every commit on the branch descended from `commit` (which must be in its history),
    /// oldest first, as
    /// `\x1e<sha>\x1f<committer time>\x1f<subject>` followed by its `--name-status` lines
    /// ([`crate::watch::no_return::parse_log`] reads it).
    pub fn log_since(&self, commit: &str) -> Result<String, Error> {
        if !self.in_history(commit)? {
            return Err(self.err(format!(
                "the import {commit} is not in the history of {} (was it rewritten?)",
                self.branch
            )));
        }
        self.git_out(&[
            "log",
            "--reverse",
            "--ancestry-path",
            "--no-renames",
            "--format=%x1e%H%x1f%cI%x1f%s",
            "--name-status",
            &format!("{commit}..refs/heads/{}", self.branch),
        ])?
        .ok_or_else(|| self.err(format!("git log {commit}..{} failed", self.branch)))
    }

    /// Whether `commit` is in the branch's history.
    pub fn in_history(&self, commit: &str) -> Result<bool, Error> {
        let tip = self.head()?;
        let ok = git(&self.path)
            .args(["merge-base", "--is-ancestor", commit, &tip])
            .output()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?
            .status
            .success();
        Ok(ok)
    }

    /// The commit the cutover was judged on: the one the profile names, else the latest on
    /// the branch whose message starts `import: snapshot`, else the tip of `legacy-import`
    /// when it is in the branch's history. `None` when the repository shows no import.
    pub fn import_commit(&self, named: Option<&str>) -> Result<Option<String>, Error> {
        if let Some(c) = named {
            let full = self
                .git_out(&["rev-parse", "--verify", "--quiet", &format!("{c}^{{commit}}")])?
                .ok_or_else(|| self.err(format!("the import commit {c} is not in this repository (hint: [run] import_commit)")))?;
            return Ok(Some(full));
        }
        let log = self
            .git_out(&[
                "log",
                "--format=%H %s",
                &format!("refs/heads/{}", self.branch),
            ])?
            .unwrap_or_default();
        if let Some(line) = log.lines().find(|l| {
            l.split_once(' ')
                .is_some_and(|(_, s)| s.starts_with(IMPORT_SUBJECT))
        }) {
            return Ok(line.split_whitespace().next().map(str::to_string));
        }
        let Some(tip) = self.git_out(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "refs/heads/legacy-import^{commit}",
        ])?
        else {
            return Ok(None);
        };
        Ok(self.in_history(&tip)?.then_some(tip))
    }
}
