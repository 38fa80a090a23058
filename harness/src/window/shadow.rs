//! Shadow agreement: for the same public records, laddr's `?format=json` answer and the new
//! API's answer agree field by field after the contract's mapping (new-stack.md §4). The
//! records are the redirect map's people and projects: laddr's URL beside the new slug.

use super::WindowError;
use crate::evidence::{Evidence, Outcome};
use crate::mapping;
use crate::redirects::map::MapRow;
use crate::target::TargetClient;
use futures::StreamExt;
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Most records asked at once: one of the two reads is laddr's live site.
const MAX_AT_ONCE: usize = 16;
/// Longest laddr answer read.
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Project,
}

/// One record on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub kind: Kind,
    /// Its URL on laddr.
    pub legacy_url: String,
    pub slug: String,
}

/// The map's people and projects that have a twin, `sample` of each spread evenly (none:
/// all).
pub fn pairs(map: &[MapRow], sample: Option<usize>) -> Vec<Pair> {
    let pick = |form: &str, prefix: &str, kind: Kind| {
        let all: Vec<Pair> = map
            .iter()
            .filter(|r| r.form == form && !r.expected_target.is_empty())
            .filter_map(|r| {
                let slug = r.expected_target.strip_prefix(prefix)?;
                Some(Pair {
                    kind,
                    legacy_url: r.url.clone(),
                    slug: slug.to_string(),
                })
            })
            .collect();
        match sample {
            Some(n) if n > 0 && all.len() > n => {
                let step = all.len() as f64 / n as f64;
                (0..n)
                    .map(|i| all[(i as f64 * step) as usize].clone())
                    .collect()
            }
            _ => all,
        }
    };
    let mut out = pick("username", "/members/", Kind::Person);
    out.extend(pick("project-handle", "/projects/", Kind::Project));
    out
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// What the new record must hold, from laddr's record, by the contract's mapping.
pub fn expected(kind: Kind, laddr: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
    match kind {
        Kind::Person => {
            let name = mapping::full_name(
                s(laddr, "PreferredName"),
                s(laddr, "FirstName").unwrap_or(""),
                s(laddr, "LastName").unwrap_or(""),
                s(laddr, "Username").unwrap_or(""),
            );
            m.insert("fullName".into(), json!(name));
            m.insert(
                "accountLevel".into(),
                json!(mapping::account_level(s(laddr, "AccountLevel"))),
            );
        }
        Kind::Project => {
            m.insert("title".into(), json!(s(laddr, "Title").unwrap_or("")));
            m.insert("stage".into(), json!(mapping::stage(s(laddr, "Stage"))));
            m.insert(
                "usersUrl".into(),
                opt(mapping::https_only(s(laddr, "UsersUrl"))),
            );
            m.insert(
                "developersUrl".into(),
                opt(mapping::https_only(s(laddr, "DevelopersUrl"))),
            );
            m.insert(
                "chatChannel".into(),
                opt(mapping::chat_channel(s(laddr, "ChatChannel"))),
            );
        }
    }
    m
}

/// Fields where `new` differs from `want` (a missing field reads as null: nulls are omitted).
pub fn differences(want: &Map<String, Value>, new: &Value) -> Vec<(String, Value, Value)> {
    want.iter()
        .filter_map(|(k, w)| {
            let got = new.get(k).cloned().unwrap_or(Value::Null);
            (got != *w).then(|| (k.clone(), w.clone(), got))
        })
        .collect()
}

/// One record compared: its differences, or why it could not be compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub pair: Pair,
    pub result: Result<Vec<(String, Value, Value)>, WindowError>,
}

async fn laddr_json(http: &reqwest::Client, site: &str, url: &str) -> Result<Value, WindowError> {
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{}{url}{sep}format=json", site.trim_end_matches('/'));
    let r = http
        .get(&full)
        .send()
        .await
        .map_err(|e| WindowError::Failed(format!("laddr: {}", crate::target::describe(&e))))?;
    let status = r.status().as_u16();
    let body = super::bounded_body(r, MAX_BODY)
        .await
        .map_err(|e| WindowError::Failed(format!("laddr: {e}")))?;
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| WindowError::Failed(format!("laddr answered {status}, not JSON")))?;
    match (v.get("success"), v.get("data")) {
        (Some(Value::Bool(true)), Some(d)) if d.is_object() => Ok(d.clone()),
        _ => Err(WindowError::Failed(format!(
            "laddr answered {status} without a record in its envelope"
        ))),
    }
}

async fn compare_one(
    http: &reqwest::Client,
    site: &str,
    target: &TargetClient,
    pair: Pair,
) -> Compared {
    let api = match pair.kind {
        Kind::Person => crate::routes::person(&pair.slug),
        Kind::Project => crate::routes::project(&pair.slug),
    };
    let result = async {
        let old = laddr_json(http, site, &pair.legacy_url).await?;
        let new = target
            .get(&api)
            .await
            .map_err(|e| WindowError::Failed(format!("new API: {e}")))?;
        let data = match (new.status, new.json) {
            (200, Some(j)) => j
                .get("data")
                .cloned()
                .ok_or("new API: no data in its envelope")?,
            (s, _) => {
                return Err(WindowError::Failed(format!(
                    "new API answered {s} for {api}"
                )))
            }
        };
        Ok(differences(&expected(pair.kind, &old), &data))
    }
    .await;
    Compared { pair, result }
}

/// Compare every pair, `concurrency` at a time.
pub async fn collect(
    site: &str,
    target: &TargetClient,
    pairs: Vec<Pair>,
    concurrency: usize,
) -> Result<Vec<Compared>, WindowError> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(futures::stream::iter(pairs)
        .map(|p| compare_one(&http, site, target, p))
        .buffer_unordered(concurrency.clamp(1, MAX_AT_ONCE))
        .collect()
        .await)
}

/// Agreement at or above `threshold`, every disagreement listed.
pub fn judge(results: &[Compared], threshold: f64) -> Evidence {
    let check = "laddr's JSON and the new API agree on every shadowed record";
    let agree = results
        .iter()
        .filter(|c| matches!(&c.result, Ok(d) if d.is_empty()))
        .count();
    let share = if results.is_empty() {
        0.0
    } else {
        agree as f64 / results.len() as f64
    };
    let lines: Vec<String> = results
        .iter()
        .filter_map(|c| match &c.result {
            Ok(d) if d.is_empty() => None,
            Ok(d) => Some(format!(
                "{} ({}): {}",
                c.pair.legacy_url,
                c.pair.slug,
                d.iter()
                    .map(|(k, w, g)| format!("{k}: laddr → {w}, new API {g}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Err(e) => Some(format!(
                "{} ({}): not compared: {e}",
                c.pair.legacy_url, c.pair.slug
            )),
        })
        .collect();
    let outcome = if !results.is_empty() && share >= threshold {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = format!(
        "{agree} of {} records agree ({:.2} %, threshold {:.2} %); {} disagree or could not be compared",
        results.len(),
        share * 100.0,
        threshold * 100.0,
        lines.len()
    );
    Evidence::new(check, outcome, headline)
        .expected(json!({ "threshold": threshold }))
        .observed(json!({ "records": results.len(), "agree": agree }))
        .details(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_mapping_is_applied_before_comparing() {
        let laddr = json!({"Username": "Tonimacattack", "FirstName": "Toni", "LastName": "M", "AccountLevel": "Developer"});
        let want = expected(Kind::Person, &laddr);
        let new = json!({"slug": "tonimacattack", "fullName": "Toni M", "accountLevel": "administrator", "id": "x"});
        assert!(differences(&want, &new).is_empty());
        let renamed = json!({"fullName": "Toni", "accountLevel": "administrator"});
        assert_eq!(differences(&want, &renamed)[0].0, "fullName");
        let p = json!({"Title": "Bikes", "Stage": "Prototyping", "UsersUrl": "http://x.org", "ChatChannel": "#bikes"});
        let new_p = json!({"title": "Bikes", "stage": "prototyping", "chatChannel": "bikes"});
        assert!(differences(&expected(Kind::Project, &p), &new_p).is_empty());
    }

    #[test]
    fn agreement_under_the_threshold_fails_and_lists_each_disagreement() {
        let pair = |u: &str| Pair {
            kind: Kind::Person,
            legacy_url: u.into(),
            slug: "s".into(),
        };
        let ok = Compared {
            pair: pair("/people/a"),
            result: Ok(vec![]),
        };
        let off = Compared {
            pair: pair("/people/b"),
            result: Ok(vec![("fullName".into(), json!("A"), json!("B"))]),
        };
        assert_eq!(judge(&[ok.clone(), ok.clone()], 1.0).outcome, Outcome::Pass);
        let ev = judge(&[ok.clone(), off.clone()], 1.0);
        assert_eq!(ev.outcome, Outcome::Fail);
        assert!(ev.details[0].contains("/people/b"));
        assert_eq!(judge(&[ok.clone(), off], 0.5).outcome, Outcome::Pass);
        assert_eq!(judge(&[], 0.5).outcome, Outcome::Fail);
    }

    #[test]
    fn pairs_come_from_the_map_and_a_sample_spreads() {
        let row = |form: &str, url: &str, t: &str| MapRow {
            form: form.into(),
            url: url.into(),
            expected_status: 301,
            expected_target: t.into(),
        };
        let map = vec![
            row("username", "/people/A", "/members/a"),
            row("username", "/people/B", ""),
            row("person-id", "/people/1", "/members/a"),
            row("project-handle", "/projects/X", "/projects/x"),
        ];
        let p = pairs(&map, None);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].slug.as_str(), p[1].kind), ("a", Kind::Project));
    }
}
