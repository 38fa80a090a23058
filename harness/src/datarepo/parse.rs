//! Parsing a tree's files: sheet configs from `.gitsheets/`, records as TOML or as markdown
//! with TOML front matter, and what does not parse kept as a [`Problem`].

use super::{Problem, Record, SheetConfig, Snapshot};

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
}
