//! Opening the data repo: a local bare repository as it is, a remote one cloned bare into a
//! temporary directory, the branch checked for (naming those there are), and a clone kept
//! up to date.

use super::{git, DataRepo};
use crate::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

impl DataRepo {
    /// Open a local bare repository, or clone a remote one (`https://`, `ssh://`, `git@`,
    /// `file://`) bare into a temporary directory.
    pub fn open(location: &str, branch: &str) -> Result<Self, Error> {
        let err = |message: String| Error::DataRepo {
            path: location.to_string(),
            message,
        };
        let remote = location.contains("://") || location.starts_with("git@");
        let (path, clone) = if remote {
            let dir = tempfile::Builder::new()
                .prefix("cutover-data-")
                .tempdir()
                .map_err(|e| err(e.to_string()))?;
            let out = Command::new("git")
                .args([
                    "clone",
                    "--bare",
                    "--quiet",
                    "--single-branch",
                    "--branch",
                    branch,
                    location,
                ])
                .arg(dir.path())
                .env("GIT_TERMINAL_PROMPT", "0")
                .output()
                .map_err(|e| err(format!("cannot run git: {e} (hint: install git)")))?;
            if !out.status.success() {
                return Err(err(format!(
                    "clone failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            (dir.path().to_path_buf(), Some(dir))
        } else {
            (PathBuf::from(location), None)
        };
        if !path.is_dir() {
            return Err(err(
                "no such directory (hint: CUTOVER_DATA_REPO must be a bare git repository)".into(),
            ));
        }
        let out = git(&path)
            .args(["rev-parse", "--is-bare-repository"])
            .output()
            .map_err(|e| err(format!("cannot run git: {e} (hint: install git)")))?;
        if !out.status.success() || String::from_utf8_lossy(&out.stdout).trim() != "true" {
            return Err(err("not a bare git repository (hint: point at the repo the new stack serves, e.g. /app/data)".into()));
        }
        ensure_branch(&path, branch, err)?;
        Ok(DataRepo {
            path,
            branch: branch.to_string(),
            _clone: clone,
        })
    }

    /// Bring a cloned remote up to date (a local repository is always current).
    pub fn refresh(&self) -> Result<(), Error> {
        if self._clone.is_none() {
            return Ok(());
        }
        let out = git(&self.path)
            .args(["fetch", "--quiet", "origin"])
            .arg(format!("+refs/heads/{b}:refs/heads/{b}", b = self.branch))
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(self.err(format!(
                "fetch failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    /// The commit the branch points at.
    pub fn head(&self) -> Result<String, Error> {
        let out = git(&self.path)
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("refs/heads/{}^{{commit}}", self.branch))
            .output()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(self.err(format!(
                "no branch {:?} (hint: set CUTOVER_DATA_BRANCH)",
                self.branch
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// A branch that does not exist is a mistake in the profile, not a verdict on the data:
/// say so, with the branches there are.
fn ensure_branch(path: &Path, branch: &str, err: impl Fn(String) -> Error) -> Result<(), Error> {
    let run = |args: &[&str]| {
        git(path)
            .args(args)
            .output()
            .map_err(|e| err(format!("cannot run git: {e} (hint: install git)")))
    };
    let found = run(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("refs/heads/{branch}^{{commit}}"),
    ])?;
    if found.status.success() {
        return Ok(());
    }
    let listed = run(&["for-each-ref", "--format=%(refname:short)", "refs/heads"])?;
    let names = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .collect::<Vec<_>>()
        .join(", ");
    Err(err(format!(
        "no branch {branch:?} (branches here: {}; hint: CUTOVER_DATA_BRANCH or [target] branch)",
        if names.is_empty() { "none" } else { &names }
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_that_is_not_a_bare_repo_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = DataRepo::open(dir.path().to_str().unwrap(), "main")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a bare git repository"), "{err}");
    }

    #[test]
    fn a_branch_that_is_not_there_is_named_with_those_that_are() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().to_str().unwrap();
        let sh = |args: &[&str]| {
            let out = Command::new("git").args(args).output().unwrap();
            assert!(out.status.success(), "{out:?}");
        };
        sh(&["init", "--quiet", "--bare", "--initial-branch=main", repo]);
        let err = DataRepo::open(repo, "main").unwrap_err().to_string();
        assert!(
            err.contains("no branch \"main\" (branches here: none"),
            "{err}"
        );
        let tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let out = Command::new("git")
            .args(["-C", repo, "commit-tree", tree, "-m", "empty"])
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .output()
            .unwrap();
        let commit = String::from_utf8(out.stdout).unwrap();
        sh(&["-C", repo, "update-ref", "refs/heads/main", commit.trim()]);
        assert!(DataRepo::open(repo, "main").is_ok());
        let err = DataRepo::open(repo, "mian").unwrap_err().to_string();
        assert!(
            err.contains("no branch \"mian\" (branches here: main;"),
            "{err}"
        );
    }
}
