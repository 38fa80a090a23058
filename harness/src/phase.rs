//! The runbook's phases and owners, as the feature files tag them: `@T-0` for a phase,
//! `@cutover-lead` for who acts on a scenario. One place says their order and their meaning,
//! so the console, the reports, `--phase` and the runbook index agree.

use std::str::FromStr;

/// A phase of the cutover runbook, in the order the runbook runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::EnumIter)]
pub enum Phase {
    WeekBefore,
    ThreeDaysBefore,
    DayBefore,
    Cutover,
    FirstHour,
    DayAfter,
    WeekAfter,
    NinetyDays,
    HalfYear,
}

impl Phase {
    pub fn all() -> impl Iterator<Item = Phase> {
        <Phase as strum::IntoEnumIterator>::iter()
    }

    /// The tag without `@`: `T-7d` … `T+180d`.
    pub fn tag(self) -> &'static str {
        match self {
            Phase::WeekBefore => "T-7d",
            Phase::ThreeDaysBefore => "T-3d",
            Phase::DayBefore => "T-1d",
            Phase::Cutover => "T-0",
            Phase::FirstHour => "T+1h",
            Phase::DayAfter => "T+1d",
            Phase::WeekAfter => "T+7d",
            Phase::NinetyDays => "T+90d",
            Phase::HalfYear => "T+180d",
        }
    }

    /// One line on what the phase is for.
    pub fn summary(self) -> &'static str {
        match self {
            Phase::WeekBefore => "announce, freeze laddr's writes, stage secrets and SAML metadata",
            Phase::ThreeDaysBefore => "dry run on staging: import, redirects, Slack identity",
            Phase::DayBefore => "final dump and import, credentials, reconcile to zero",
            Phase::Cutover => "maintenance page, DNS flip, sign-in and Slack on the new site",
            Phase::FirstHour => "watch: health, sign-in and SAML; roll back on a trigger",
            Phase::DayAfter => "past the point of no return: still healthy, laddr untouched",
            Phase::WeekAfter => "weekly reconcile against production; the public snapshot",
            Phase::NinetyDays => "reminder mail to members who have not come back",
            Phase::HalfYear => "retire the legacy credentials nobody used",
        }
    }

    /// The phases among `tags` (with or without `@`), in runbook order.
    pub fn of_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> Vec<Phase> {
        let mut out: Vec<Phase> = tags.into_iter().filter_map(|t| t.parse().ok()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The tag expression `cutover run --phase` stands for.
    pub fn tag_expression(self) -> String {
        format!("@{}", self.tag())
    }
}

impl FromStr for Phase {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        let bare = s.trim().trim_start_matches('@');
        Phase::all()
            .find(|p| p.tag().eq_ignore_ascii_case(bare))
            .ok_or_else(|| {
                let known: Vec<&str> = Phase::all().map(Phase::tag).collect();
                crate::Error::Unknown {
                    what: "phase",
                    value: s.to_string(),
                    known: format!("the runbook's phases: {}", known.join(", ")),
                }
            })
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// Who acts on a scenario's result, as its owner tag says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::EnumIter)]
pub enum Owner {
    CutoverLead,
    Data,
    Platform,
    OnCall,
    Staff,
}

impl Owner {
    pub fn all() -> impl Iterator<Item = Owner> {
        <Owner as strum::IntoEnumIterator>::iter()
    }

    pub fn tag(self) -> &'static str {
        match self {
            Owner::CutoverLead => "cutover-lead",
            Owner::Data => "data",
            Owner::Platform => "platform",
            Owner::OnCall => "on-call",
            Owner::Staff => "staff",
        }
    }

    pub fn role(self) -> &'static str {
        match self {
            Owner::CutoverLead => "decides GO or NO-GO, signs the report, announces",
            Owner::Data => "the laddr dump, the import, the private store, reconcile",
            Owner::Platform => "the new stack, its secrets, DNS, TLS, redirects, the IdP",
            Owner::OnCall => "watches the first hours and starts a rollback on a trigger",
            Owner::Staff => "review claims, answer members",
        }
    }

    /// The owners among `tags` (with or without `@`), in a fixed order.
    pub fn of_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> Vec<Owner> {
        let mut out: Vec<Owner> = tags
            .into_iter()
            .filter_map(|t| {
                let bare = t.trim_start_matches('@');
                Owner::all().find(|o| o.tag() == bare)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_parse_with_or_without_at_and_keep_runbook_order() {
        assert_eq!("@T-0".parse::<Phase>().unwrap(), Phase::Cutover);
        assert_eq!("t+180d".parse::<Phase>().unwrap(), Phase::HalfYear);
        assert!("T-2d"
            .parse::<Phase>()
            .unwrap_err()
            .to_string()
            .contains("T-7d, T-3d"));
        let tags: Vec<String> = ["@T+7d", "@saml", "@T-3d", "@T-3d"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            Phase::of_tags(&tags),
            vec![Phase::ThreeDaysBefore, Phase::WeekAfter]
        );
        assert_eq!(Phase::all().count(), 9);
    }

    #[test]
    fn owners_are_read_from_tags() {
        let tags: Vec<String> = ["@staff", "@T-0", "@cutover-lead"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            Owner::of_tags(&tags),
            vec![Owner::CutoverLead, Owner::Staff]
        );
    }
}
