//! The new stack's public data: a bare git repository of TOML records ("gitsheets").
//!
//! The whole tree of one commit is read through git's object store in two processes
//! (`git ls-tree -r`, then one `git cat-file --batch` fed every blob id), never one process
//! per file. Records are grouped by the sheet whose `.gitsheets/<sheet>.toml` root holds
//! them. A file that does not parse is kept as a [`Problem`] naming the file and line, so
//! one bad record fails the checks that need it instead of the whole run.

use crate::Error;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every sheet the new stack opens at boot (new-stack.md §2): each needs its
/// `.gitsheets/<sheet>.toml`, even when empty, or the stack refuses to start.
pub const SHEETS: [&str; 12] = [
    "people",
    "projects",
    "project-memberships",
    "project-updates",
    "project-buzz",
    "blog-posts",
    "tags",
    "tag-assignments",
    "slug-history",
    "revocations",
    "help-wanted-roles",
    "help-wanted-interest",
];

/// How the importer's commit message starts (new-stack.md §4: one commit per import).
pub const IMPORT_SUBJECT: &str = "import: snapshot";

/// The sheets `snap` does not declare, in the contract's order.
pub fn undeclared_sheets(snap: &Snapshot) -> Vec<&'static str> {
    SHEETS
        .into_iter()
        .filter(|s| !snap.sheets.contains_key(*s))
        .collect()
}

/// A data repo on disk (a local bare repository, or a clone of a remote one).
#[derive(Debug)]
pub struct DataRepo {
    pub path: PathBuf,
    pub branch: String,
    _clone: Option<tempfile::TempDir>,
}

/// The config of one sheet, from `.gitsheets/<sheet>.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetConfig {
    pub name: String,
    pub root: String,
    pub path_template: String,
    pub markdown_body: Option<String>,
}

/// One record: its path in the tree and its fields (front matter for markdown sheets).
#[derive(Debug, Clone)]
pub struct Record {
    pub path: String,
    pub fields: toml::Table,
    pub body: Option<String>,
}

/// A file that could not be read as a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Everything on one commit of the data repo.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub commit: String,
    pub sheets: BTreeMap<String, SheetConfig>,
    /// Sheet name → its records, in path order.
    pub records: BTreeMap<String, Vec<Record>>,
    pub problems: Vec<Problem>,
}

impl Snapshot {
    pub fn sheet(&self, name: &str) -> &[Record] {
        self.records.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir")
        .arg(repo)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR");
    c
}

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
        ensure_branch(&path, branch).map_err(err)?;
        Ok(DataRepo {
            path,
            branch: branch.to_string(),
            _clone: clone,
        })
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::DataRepo {
            path: self.path.display().to_string(),
            message: message.into(),
        }
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

    /// Read every record of the branch's commit.
    pub fn snapshot(&self) -> Result<Snapshot, Error> {
        self.snapshot_of(|_| true)
    }

    /// Read every record of one commit (the import, after the cutover moved on).
    pub fn snapshot_at(&self, commit: &str) -> Result<Snapshot, Error> {
        let mut entries = self.ls_tree(commit)?;
        entries.retain(|(_, p)| !p.is_empty());
        let blobs = self.cat_blobs(entries.iter().map(|(oid, _)| oid.as_str()))?;
        let files: Vec<(String, Vec<u8>)> =
            entries.into_iter().map(|(_, p)| p).zip(blobs).collect();
        Ok(parse_tree(commit.to_string(), files))
    }

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

    /// Read the records whose paths `keep` accepts (sheet configs are always read): one
    /// person's holdings without reading 31,000 people.
    pub fn snapshot_of(&self, keep: impl Fn(&str) -> bool) -> Result<Snapshot, Error> {
        let commit = self.head()?;
        let mut entries = self.ls_tree(&commit)?;
        entries.retain(|(_, p)| p.starts_with(".gitsheets/") || keep(p));
        let blobs = self.cat_blobs(entries.iter().map(|(oid, _)| oid.as_str()))?;
        let files: Vec<(String, Vec<u8>)> =
            entries.into_iter().map(|(_, p)| p).zip(blobs).collect();
        Ok(parse_tree(commit, files))
    }

    fn ls_tree(&self, commit: &str) -> Result<Vec<(String, String)>, Error> {
        let out = git(&self.path)
            .args(["ls-tree", "-r", "-z", "--full-tree", commit])
            .output()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(self.err(format!(
                "ls-tree: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut entries = Vec::new();
        for item in out.stdout.split(|b| *b == 0).filter(|s| !s.is_empty()) {
            let text = String::from_utf8_lossy(item);
            let (meta, path) = text
                .split_once('\t')
                .ok_or_else(|| self.err("unexpected ls-tree output"))?;
            let mut parts = meta.split(' ');
            let (_mode, kind, oid) = (parts.next(), parts.next(), parts.next());
            if kind == Some("blob") {
                entries.push((oid.unwrap_or_default().to_string(), path.to_string()));
            }
        }
        Ok(entries)
    }

    /// Contents of many blobs through one `git cat-file --batch`.
    fn cat_blobs<'a>(&self, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>, Error> {
        let mut child = git(&self.path)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| self.err(format!("cannot run git: {e}")))?;
        let request: Vec<u8> = oids.flat_map(|o| format!("{o}\n").into_bytes()).collect();
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Feed ids from another thread so neither pipe fills up and blocks the other.
        let writer = std::thread::spawn(move || stdin.write_all(&request));
        let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut blobs = Vec::new();
        let mut header = String::new();
        loop {
            header.clear();
            if reader
                .read_line(&mut header)
                .map_err(|e| self.err(e.to_string()))?
                == 0
            {
                break;
            }
            let mut parts = header.split_whitespace();
            let (oid, kind, size) = (parts.next(), parts.next(), parts.next());
            if kind == Some("missing") || size.is_none() {
                return Err(self.err(format!(
                    "object {} missing from the repository",
                    oid.unwrap_or("?")
                )));
            }
            let size: usize = size
                .unwrap_or("0")
                .parse()
                .map_err(|_| self.err("bad cat-file header"))?;
            let mut data = vec![0u8; size + 1];
            reader
                .read_exact(&mut data)
                .map_err(|e| self.err(e.to_string()))?;
            data.pop(); // the newline after each object
            blobs.push(data);
        }
        let _ = writer.join();
        let _ = child.wait();
        Ok(blobs)
    }
}

/// Group the files of one tree into sheets and parse them.
pub fn parse_tree(commit: String, files: Vec<(String, Vec<u8>)>) -> Snapshot {
    let mut snap = Snapshot {
        commit,
        ..Default::default()
    };
    for (path, data) in &files {
        let Some(name) = path
            .strip_prefix(".gitsheets/")
            .and_then(|p| p.strip_suffix(".toml"))
        else {
            continue;
        };
        if name.contains('/') {
            continue;
        }
        match parse_sheet_config(name, data) {
            Ok(cfg) => {
                snap.sheets.insert(name.to_string(), cfg);
            }
            Err(p) => snap.problems.push(Problem {
                path: path.clone(),
                ..p
            }),
        }
    }
    let roots: Vec<(String, SheetConfig)> = snap
        .sheets
        .values()
        .map(|c| (format!("{}/", c.root), c.clone()))
        .collect();
    for (path, data) in files {
        let Some((_, cfg)) = roots
            .iter()
            .find(|(root, _)| path.starts_with(root.as_str()))
        else {
            continue;
        };
        let text = match String::from_utf8(data) {
            Ok(t) => t,
            Err(_) => {
                snap.problems.push(Problem {
                    path,
                    line: None,
                    message: "not UTF-8".into(),
                });
                continue;
            }
        };
        let parsed = if cfg.markdown_body.is_some() {
            parse_markdown(&text)
        } else {
            parse_toml(&text).map(|f| (f, None))
        };
        match parsed {
            Ok((fields, body)) => snap
                .records
                .entry(cfg.name.clone())
                .or_default()
                .push(Record { path, fields, body }),
            Err((line, message)) => snap.problems.push(Problem {
                path,
                line,
                message,
            }),
        }
    }
    snap
}

fn parse_toml(text: &str) -> Result<toml::Table, (Option<usize>, String)> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        (line, e.message().to_string())
    })
}

/// `+++\n<toml>\n+++\n<body>` — the blog-posts sheet's format.
fn parse_markdown(text: &str) -> Result<(toml::Table, Option<String>), (Option<usize>, String)> {
    let rest = text.strip_prefix("+++\n").ok_or((
        Some(1),
        "markdown record without +++ front matter".to_string(),
    ))?;
    let end = rest
        .find("\n+++")
        .ok_or((None, "front matter is not closed by +++".to_string()))?;
    let fields = parse_toml(&rest[..end + 1]).map_err(|(l, m)| (l.map(|l| l + 1), m))?;
    let body = rest[end + 4..]
        .strip_prefix('\n')
        .unwrap_or(&rest[end + 4..]);
    Ok((fields, Some(body.to_string())))
}

fn parse_sheet_config(name: &str, data: &[u8]) -> Result<SheetConfig, Problem> {
    let problem = |line, message: String| Problem {
        path: String::new(),
        line,
        message,
    };
    let text = std::str::from_utf8(data).map_err(|_| problem(None, "not UTF-8".into()))?;
    let table = parse_toml(text).map_err(|(l, m)| problem(l, m))?;
    let sheet = table
        .get("gitsheet")
        .and_then(|v| v.as_table())
        .ok_or_else(|| problem(None, "no [gitsheet] table".into()))?;
    let root = sheet
        .get("root")
        .and_then(|v| v.as_str())
        .ok_or_else(|| problem(None, "no gitsheet.root".into()))?;
    let path_template = sheet
        .get("path")
        .and_then(|v| v.as_str())
        .ok_or_else(|| problem(None, "no gitsheet.path".into()))?;
    let markdown_body = sheet
        .get("format")
        .and_then(|f| f.as_table())
        .filter(|f| f.get("type").and_then(|t| t.as_str()) == Some("markdown"))
        .map(|f| {
            f.get("body")
                .and_then(|b| b.as_str())
                .unwrap_or("body")
                .to_string()
        });
    Ok(SheetConfig {
        name: name.to_string(),
        root: root.to_string(),
        path_template: path_template.to_string(),
        markdown_body,
    })
}

/// A branch that does not exist is a mistake in the profile, not a verdict on the data:
/// say so, with the branches there are.
fn ensure_branch(path: &Path, branch: &str) -> Result<(), String> {
    let run = |args: &[&str]| {
        git(path)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run git: {e} (hint: install git)"))
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
    Err(format!(
        "no branch {branch:?} (branches here: {}; hint: CUTOVER_DATA_BRANCH or [target] branch)",
        if names.is_empty() { "none" } else { &names }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            (".gitsheets/people.toml".into(), b"[gitsheet]\nroot = 'people'\npath = '${{ slug }}'\n".to_vec()),
            (".gitsheets/blog-posts.toml".into(), b"[gitsheet]\nroot = 'blog-posts'\npath = '${{ slug }}'\n[gitsheet.format]\ntype = 'markdown'\nbody = 'body'\n".to_vec()),
            ("people/ann.toml".into(), b"legacyId = 7\nslug = 'ann'\n".to_vec()),
            ("people/bad.toml".into(), b"slug = 'bad'\nlegacyId = \n".to_vec()),
            ("blog-posts/hello.md".into(), b"+++\nlegacyId = 3\nslug = 'hello'\n+++\nHi *there*\n".to_vec()),
            ("README.md".into(), b"not a record".to_vec()),
        ]
    }

    #[test]
    fn groups_records_by_sheet_and_keeps_problems() {
        let snap = parse_tree("abc".into(), files());
        assert_eq!(snap.sheets.len(), 2);
        assert_eq!(snap.sheet("people").len(), 1);
        assert_eq!(
            snap.sheet("people")[0].fields["legacyId"].as_integer(),
            Some(7)
        );
        let post = &snap.sheet("blog-posts")[0];
        assert_eq!(post.fields["slug"].as_str(), Some("hello"));
        assert_eq!(post.body.as_deref(), Some("Hi *there*\n"));
        assert_eq!(snap.problems.len(), 1);
        assert_eq!(snap.problems[0].path, "people/bad.toml");
        assert_eq!(snap.problems[0].line, Some(2));
    }

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
