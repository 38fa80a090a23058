//! How laddr values become new-stack values (new-stack.md §4): the rules the importer
//! follows, written once. The reconciliation derives its expectations from these; the
//! rehearsal's migrated state is written with them too.

/// Slugs: lower-case, runs of characters outside `[a-z0-9-]` (plus `_` for projects) become
/// one `-`, trimmed, cut to `max`. Fewer than 2 valid characters → None, and the caller uses
/// `legacy-<ID>`.
pub fn slugify(s: &str, allow_underscore: bool, max: usize) -> Option<String> {
    let mut out = String::new();
    let mut dash = false;
    for c in s.to_lowercase().chars() {
        let ok = c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '-'
            || (allow_underscore && c == '_');
        if ok {
            out.push(c);
            dash = c == '-';
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '_')
        .chars()
        .take(max)
        .collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    (trimmed.len() >= 2).then_some(trimmed)
}

/// Assigns slugs in laddr ID order, giving collisions `-2`, `-3`, … within `max`.
#[derive(Default)]
pub struct SlugAllocator {
    taken: std::collections::HashSet<String>,
}

impl SlugAllocator {
    pub fn person(&mut self, username: &str, id: u64) -> String {
        self.allocate(slugify(username, false, 50), id, 50)
    }

    pub fn project(&mut self, handle: &str, id: u64) -> String {
        self.allocate(slugify(handle, true, 80), id, 80)
    }

    fn allocate(&mut self, base: Option<String>, id: u64, max: usize) -> String {
        let base = base.unwrap_or_else(|| format!("legacy-{id}"));
        let mut slug = base.clone();
        let mut n = 1;
        while !self.taken.insert(slug.clone()) {
            n += 1;
            let suffix = format!("-{n}");
            slug = format!("{}{suffix}", &base[..base.len().min(max - suffix.len())]);
        }
        slug
    }
}

/// PreferredName, else "First Last", else the username; at most 120 characters.
pub fn full_name(preferred: Option<&str>, first: &str, last: &str, username: &str) -> String {
    let name = preferred
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string)
        .or_else(|| {
            let fl = format!("{first} {last}").trim().to_string();
            (!fl.is_empty()).then_some(fl)
        })
        .unwrap_or_else(|| username.to_string());
    name.chars().take(120).collect()
}

/// Administrator/Developer → administrator; Staff → staff; anything else (NULL reads as
/// User) → user.
pub fn account_level(level: Option<&str>) -> &'static str {
    match level.unwrap_or("User") {
        "Administrator" | "Developer" => "administrator",
        "Staff" => "staff",
        _ => "user",
    }
}

pub const STAGES: [&str; 7] = [
    "commenting",
    "bootstrapping",
    "prototyping",
    "testing",
    "maintaining",
    "drifting",
    "hibernating",
];

/// Lower-cased; unknown or NULL → commenting.
pub fn stage(stage: Option<&str>) -> String {
    let s = stage.unwrap_or("").to_lowercase();
    if STAGES.contains(&s.as_str()) {
        s
    } else {
        "commenting".into()
    }
}

/// Project URLs that are not https are dropped.
pub fn https_only(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("https://"))
        .map(str::to_string)
}

/// Buzz URLs must be https: an http one is carried upgraded (the link is the record).
pub fn buzz_url(url: &str) -> String {
    match url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    }
}

/// `#` stripped; a channel the schema cannot hold (`^[a-z0-9][a-z0-9_-]{0,40}$`) is dropped.
pub fn chat_channel(channel: Option<&str>) -> Option<String> {
    let c = channel?.trim_start_matches('#');
    let b = c.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 41
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || *x == b'_' || *x == b'-');
    ok.then(|| c.to_string())
}

/// `topic.transit` → (`topic`, `transit`); a handle without one of the three namespaces → None.
pub fn tag_handle(handle: &str) -> Option<(&str, String)> {
    let (ns, rest) = handle.split_once('.')?;
    if !["topic", "tech", "event"].contains(&ns) {
        return None;
    }
    Some((
        ns,
        slugify(rest, false, 80).unwrap_or_else(|| rest.to_lowercase()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_importer_rule() {
        assert_eq!(
            slugify("Tonimacattack", false, 50).as_deref(),
            Some("tonimacattack")
        );
        assert_eq!(slugify("john_doe", false, 50).as_deref(), Some("john-doe"));
        assert_eq!(slugify("john.doe", false, 50).as_deref(), Some("john-doe"));
        assert_eq!(
            slugify("Bike_Route_Tracker", true, 80).as_deref(),
            Some("bike_route_tracker")
        );
        assert_eq!(slugify("Q", false, 50), None);
        assert_eq!(slugify("--a--", false, 50), None);
        assert_eq!(slugify(&"x".repeat(70), false, 50).unwrap().len(), 50);
    }

    #[test]
    fn collisions_get_numbered_in_id_order() {
        let mut a = SlugAllocator::default();
        assert_eq!(a.person("john_doe", 3), "john-doe");
        assert_eq!(a.person("john.doe", 4), "john-doe-2");
        assert_eq!(a.person("Q", 8), "legacy-8");
        assert_eq!(a.person(&"y".repeat(60), 9), "y".repeat(50));
        assert_eq!(
            a.person(&"y".repeat(55), 10),
            format!("{}-2", "y".repeat(48))
        );
    }

    #[test]
    fn values_map_as_the_importer_maps_them() {
        assert_eq!(full_name(Some(" "), "Ann", "Lee", "ann"), "Ann Lee");
        assert_eq!(full_name(None, "", "", "ann"), "ann");
        assert_eq!(account_level(Some("Developer")), "administrator");
        assert_eq!(account_level(None), "user");
        assert_eq!(stage(Some("Drifting")), "drifting");
        assert_eq!(stage(Some("Unknown")), "commenting");
        assert_eq!(https_only(Some("http://x")), None);
        assert_eq!(buzz_url("http://n/a"), "https://n/a");
        assert_eq!(chat_channel(Some("#bikes")).as_deref(), Some("bikes"));
        assert_eq!(chat_channel(Some("#Bikes")), None);
        assert_eq!(
            tag_handle("topic.Transit"),
            Some(("topic", "transit".to_string()))
        );
        assert_eq!(tag_handle("civichacking"), None);
        assert_eq!(tag_handle("location.philly"), None);
    }
}
