//! A throw-away copy of the state (the bare data repo cloned, the private store's files
//! copied) for a tool to run on when the scenario plants a defect or lets the tool write:
//! the live state is never touched.

use crate::stack::env::{self as names, StackEnv};
use crate::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The state as it is at one moment, copied and read: the tool and the suite judge the same
/// thing, however other scenarios make the live stack write meanwhile.
pub struct Frozen {
    pub scratch: Scratch,
    pub snap: std::sync::Arc<crate::datarepo::Snapshot>,
    pub store: crate::private::PrivateStore,
}

impl Frozen {
    pub fn take(data_repo: &Path, branch: &str, private_store: &Path) -> Result<Self, Error> {
        Scratch::copy(data_repo, branch, private_store)?.read()
    }
}

pub struct Scratch {
    _dir: tempfile::TempDir,
    pub data_repo: PathBuf,
    pub branch: String,
    pub private_store: PathBuf,
}

fn git(repo: &Path, args: &[&str], stdin: Option<&[u8]>) -> Result<String, Error> {
    use std::io::Write;
    let fail = |m: String| Error::DataRepo {
        path: repo.display().to_string(),
        message: m,
    };
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("GIT_AUTHOR_NAME", "cutover suite")
        .env("GIT_AUTHOR_EMAIL", "suite@cutover.invalid")
        .env("GIT_COMMITTER_NAME", "cutover suite")
        .env("GIT_COMMITTER_EMAIL", "suite@cutover.invalid")
        .spawn()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(input)
            .map_err(|e| fail(e.to_string()))?;
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

impl Scratch {
    /// Copy the state: `data_repo` (a local bare repository) and `private_store`.
    pub fn copy(data_repo: &Path, branch: &str, private_store: &Path) -> Result<Self, Error> {
        let dir = tempfile::Builder::new()
            .prefix("cutover-scratch-")
            .tempdir()
            .map_err(|e| Error::io("scratch directory", e))?;
        let repo = dir.path().join("data.git");
        let out = Command::new("git")
            .args(["clone", "--quiet", "--bare", "--no-hardlinks"])
            .arg(data_repo)
            .arg(&repo)
            .output()
            .map_err(|e| Error::io("git clone", e))?;
        if !out.status.success() {
            return Err(Error::DataRepo {
                path: data_repo.display().to_string(),
                message: format!(
                    "cannot copy: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        git(
            &repo,
            &["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")],
            None,
        )?;
        let private = dir.path().join("private");
        std::fs::create_dir_all(&private).map_err(|e| Error::io("scratch private store", e))?;
        for entry in std::fs::read_dir(private_store).map_err(|e| Error::io("private store", e))? {
            let p = entry.map_err(|e| Error::io("private store", e))?.path();
            if p.is_file() {
                let to = private.join(p.file_name().expect("a file has a name"));
                std::fs::copy(&p, &to).map_err(|e| Error::io("copying the private store", e))?;
            }
        }
        Ok(Scratch {
            _dir: dir,
            data_repo: repo,
            branch: branch.to_string(),
            private_store: private,
        })
    }

    /// Read this copy as the suite reads a state.
    pub fn read(self) -> Result<Frozen, Error> {
        let repo =
            crate::datarepo::DataRepo::open(&self.data_repo.display().to_string(), &self.branch)?;
        let snap = repo.snapshot()?;
        let store = crate::private::PrivateStore::read(&self.private_store)?;
        Ok(Frozen {
            scratch: self,
            snap,
            store,
        })
    }

    /// A copy of this copy.
    pub fn copy_again(&self) -> Result<Scratch, crate::Error> {
        Scratch::copy(&self.data_repo, &self.branch, &self.private_store)
    }

    /// The stack's environment, pointed at this copy.
    pub fn env(&self, base: &StackEnv) -> StackEnv {
        let mut e = base.clone();
        e.set(names::DATA_REPO_PATH, self.data_repo.display().to_string())
            .set(names::DATA_BRANCH, self.branch.clone())
            .set(
                names::PRIVATE_STORAGE_PATH,
                self.private_store.display().to_string(),
            );
        e
    }

    pub fn private_file(&self, name: &str) -> PathBuf {
        self.private_store.join(name)
    }

    /// Rewrite one JSONL file of the copy's private store, line by line: `edit` changes a
    /// line in place and says whether to keep it. One line is parsed at a time (the whole
    /// file as JSON values was tens of megabytes at 31,000 people).
    pub fn edit_jsonl(
        &self,
        name: &str,
        mut edit: impl FnMut(&mut serde_json::Value) -> bool,
    ) -> Result<(), Error> {
        let path = self.private_file(name);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(name.to_string(), e))?;
        let mut out = String::with_capacity(text.len());
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(mut v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if edit(&mut v) {
                out.push_str(&v.to_string());
                out.push('\n');
            }
        }
        std::fs::write(&path, out).map_err(|e| Error::io(name.to_string(), e))
    }

    /// A file of the copy's data repo at its branch.
    pub fn read_file(&self, path: &str) -> Result<String, Error> {
        git(
            &self.data_repo,
            &["show", &format!("refs/heads/{}:{path}", self.branch)],
            None,
        )
    }

    /// Replace one file of the copy's data repo with a commit on its branch.
    pub fn commit_file(&self, path: &str, content: &str, message: &str) -> Result<(), Error> {
        let repo = &self.data_repo;
        let blob = git(
            repo,
            &["hash-object", "-w", "--stdin"],
            Some(content.as_bytes()),
        )?;
        let head = git(
            repo,
            &["rev-parse", &format!("refs/heads/{}", self.branch)],
            None,
        )?;
        let index = tempfile::NamedTempFile::new().map_err(|e| Error::io("git index", e))?;
        let with_index = |args: &[&str]| -> Result<String, Error> {
            let out = Command::new("git")
                .arg("--git-dir")
                .arg(repo)
                .args(args)
                .env("GIT_INDEX_FILE", index.path())
                .output()
                .map_err(|e| Error::io("git", e))?;
            if !out.status.success() {
                return Err(Error::DataRepo {
                    path: repo.display().to_string(),
                    message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                });
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        with_index(&["read-tree", &head])?;
        with_index(&[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{blob},{path}"),
        ])?;
        let tree = with_index(&["write-tree"])?;
        let commit = git(
            repo,
            &["commit-tree", &tree, "-p", &head, "-m", message],
            None,
        )?;
        git(
            repo,
            &[
                "update-ref",
                &format!("refs/heads/{}", self.branch),
                &commit,
            ],
            None,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_takes_edits_and_the_original_keeps_none() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, private) = (dir.path().join("data.git"), dir.path().join("private"));
        assert!(Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&repo)
            .status()
            .unwrap()
            .success());
        std::fs::create_dir_all(&private).unwrap();
        std::fs::write(
            private.join("profiles.jsonl"),
            "{\"personId\":\"a\"}\n{\"personId\":\"b\"}\n",
        )
        .unwrap();
        let seed = Scratch {
            _dir: tempfile::tempdir().unwrap(),
            data_repo: repo.clone(),
            branch: "main".into(),
            private_store: private.clone(),
        };
        // An empty repository has no branch: make its first commit by hand.
        let blob = git(&repo, &["hash-object", "-w", "--stdin"], Some(b"x = 1\n")).unwrap();
        let tree = git(
            &repo,
            &["mktree"],
            Some(format!("100644 blob {blob}\tpeople.toml\n").as_bytes()),
        )
        .unwrap();
        let c = git(&repo, &["commit-tree", &tree, "-m", "first"], None).unwrap();
        git(&repo, &["update-ref", "refs/heads/main", &c], None).unwrap();
        drop(seed);
        let s = Scratch::copy(&repo, "main", &private).unwrap();
        s.commit_file("people/ann.toml", "slug = 'ann'\n", "edit")
            .unwrap();
        assert_eq!(s.read_file("people/ann.toml").unwrap(), "slug = 'ann'");
        s.edit_jsonl("profiles.jsonl", |v| v["personId"] != "a")
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(s.private_file("profiles.jsonl")).unwrap(),
            "{\"personId\":\"b\"}\n"
        );
        assert_eq!(
            std::fs::read_to_string(private.join("profiles.jsonl"))
                .unwrap()
                .lines()
                .count(),
            2
        );
        assert!(git(&repo, &["show", "refs/heads/main:people/ann.toml"], None).is_err());
    }
}
