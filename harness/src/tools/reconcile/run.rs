//! Running the stack's `reconcile` on a copy of the state and reading its JSON report.

use crate::datarepo::DataRepo;
use crate::stack::env::StackEnv;
use crate::tools::report::ReconcileReport;
use crate::tools::scratch::Frozen;
use crate::tools::{read_report, run, Tool, ToolRun, ToolSetup};

/// The state as it is (a frozen copy of it), as the tool reports it (no `--fix`).
pub async fn live(
    setup: &ToolSetup,
    repo: &DataRepo,
    private_store: &std::path::Path,
) -> Result<(Frozen, ToolRun, ReconcileReport), crate::Error> {
    let frozen = Frozen::take(&repo.path, &repo.branch, private_store)?;
    let tmp = crate::tools::tmp()?;
    let (r, report) = run_on(
        setup,
        &frozen.scratch.env(&setup.env),
        tmp.path(),
        "live",
        false,
    )
    .await?;
    Ok((frozen, r, report))
}

pub(super) async fn run_on(
    setup: &ToolSetup,
    env: &StackEnv,
    tmp: &std::path::Path,
    label: &str,
    fix: bool,
) -> Result<(ToolRun, ReconcileReport), crate::Error> {
    let file = tmp.join(format!("reconcile-{label}.json"));
    let mut args = vec![format!("--json={}", file.display())];
    if fix {
        args.push("--fix".into());
    }
    let r = run(setup, Tool::Reconcile, &args, env).await?;
    if r.status == Some(2) || r.status.is_none() {
        return Err(crate::Error::command(r.describe(), r.tail()));
    }
    let report = read_report(&r, &file)?;
    Ok((r, report))
}
