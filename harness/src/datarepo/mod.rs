//! The new stack's public data: a bare git repository of TOML records ("gitsheets").
//!
//! The whole tree of one commit is read through git's object store in two processes
//! (`git ls-tree -r`, then one `git cat-file --batch` fed every blob id), never one process
//! per file. Records are grouped by the sheet whose `.gitsheets/<sheet>.toml` root holds
//! them. A file that does not parse is kept as a [`Problem`] naming the file and line, so
//! one bad record fails the checks that need it instead of the whole run.
//!
//! Here: the contract's sheets and the types of what is read; [`DataRepo`]'s opening in
//! `open`, its history in `history`, reading a commit's tree in `read`, and parsing the
//! files into sheets and records in `parse`.

mod history;
mod open;
mod parse;
mod read;

pub use parse::parse_tree;

use crate::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    fn err(&self, message: impl Into<String>) -> Error {
        Error::DataRepo {
            path: self.path.display().to_string(),
            message: message.into(),
        }
    }
}
