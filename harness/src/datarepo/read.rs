//! Reading one commit's tree through git's object store: `git ls-tree -r` for the blob ids,
//! then one `git cat-file --batch` for all their contents.

use super::parse::parse_tree;
use super::{git, DataRepo, Snapshot};
use crate::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

/// The last whole commit read. A commit id names its content, so every copy of the data repo
/// at that commit reads the same records: the cutover tools' scenarios and the write guard
/// each read a fresh copy of the state at the commit already read (2 s each at 31,000
/// people), and get this one instead.
static LAST_READ: Mutex<Option<Arc<Snapshot>>> = Mutex::new(None);

impl DataRepo {
    /// Every record of the branch's commit (read once per commit, shared).
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, Error> {
        let commit = self.head()?;
        let last = LAST_READ.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(snap) = last.filter(|s| s.commit == commit) {
            return Ok(snap);
        }
        let snap = Arc::new(self.read_commit(commit, |_| true)?);
        *LAST_READ.lock().unwrap_or_else(|p| p.into_inner()) = Some(snap.clone());
        Ok(snap)
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

    /// Read the records whose paths `keep` accepts (sheet configs are always read): one
    /// person's holdings without reading 31,000 people.
    pub fn snapshot_of(&self, keep: impl Fn(&str) -> bool) -> Result<Snapshot, Error> {
        self.read_commit(self.head()?, keep)
    }

    fn read_commit(&self, commit: String, keep: impl Fn(&str) -> bool) -> Result<Snapshot, Error> {
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
