//! Reconciliation: record by record and field by field, laddr against the new stack.
//!
//! laddr is read in ID order with the columns each mapping needs; the expected new-stack
//! values are derived with [`crate::mapping`]; the new stack's records are matched by
//! `legacyId` (references between records, e.g. a project's maintainer, are compared as the
//! laddr ids they resolve to). Every difference is counted per field with samples that name
//! legacy ids and slugs — never an email or a hash.
//!
//! laddr's side is in `expected` and `expected_content`, the new stack's in `actual`, the
//! comparison in `compare`.

mod actual;
mod compare;
mod expected;
mod expected_content;

pub use compare::compare_fields;
pub use expected::{legacy_expected, legacy_people, LegacyPerson};

use crate::datarepo::Snapshot;
use crate::evidence::Evidence;
use crate::preflight::Entity;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Samples of differences kept per field.
pub const SAMPLES: usize = 5;

/// The whole field check of one entity: laddr's expected records by legacy id
/// ([`legacy_expected`], or [`expected_people`]) against the snapshot judged, and any
/// data-repo file of the entity's sheet that could not be read.
pub fn fields(
    entity: Entity,
    expected: &BTreeMap<String, Map<String, Value>>,
    snap: &Snapshot,
) -> Evidence {
    crate::preflight::with_sheet_problems(
        compare_fields(entity, expected, snap),
        snap,
        entity.sheet(),
    )
}

/// laddr's people (read once per run for every people check) as expected records by id.
pub fn expected_people(people: &[LegacyPerson]) -> BTreeMap<String, Map<String, Value>> {
    people
        .iter()
        .map(|p| (p.id.to_string(), p.expected.clone()))
        .collect()
}
