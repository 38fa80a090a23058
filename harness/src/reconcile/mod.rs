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

use crate::evidence::Evidence;
use crate::preflight::Entity;
use crate::Error;

/// Samples of differences kept per field.
pub const SAMPLES: usize = 5;

/// The whole field check of one entity against an environment.
pub async fn fields(env: &crate::env::Environment, entity: Entity) -> Result<Evidence, Error> {
    let expected = match entity {
        Entity::People => env
            .legacy_people()
            .await?
            .iter()
            .map(|p| (p.id.to_string(), p.expected.clone()))
            .collect(),
        _ => legacy_expected(&env.legacy, entity).await?,
    };
    let snap = env.judged_snapshot().await?;
    Ok(crate::preflight::with_sheet_problems(
        compare_fields(entity, &expected, &snap),
        &snap,
        entity.sheet(),
    ))
}
