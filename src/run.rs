//! `cutover rehearse` and `cutover run`: build the environment, run the features, and stop
//! whatever the suite started — at the end, on error, and on Ctrl-C.

use crate::cli::{RunArgs, StackArgs};
use crate::execute::execute;
use crate::exit_with;
use fixtures::migrate::NameIds;
use fixtures::rehearsal::{Options, Rehearsal, TargetKind};
use harness::config::Profile;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) fn load_profile(path: Option<&std::path::Path>) -> Result<Profile, harness::Error> {
    match path {
        Some(p) => Profile::load(p),
        None => Profile::from_env(),
    }
}

/// The flags beat the profile: `--target-image` or `--target-command` replace `[target]`'s.
fn apply_stack_flags(profile: &mut Profile, flags: &StackArgs) {
    if flags.target_image.is_some() || flags.target_command.is_some() {
        profile.target.image = flags.target_image.clone();
        profile.target.command = flags.target_command.clone();
    }
}

pub fn rehearsal_options(
    run: &RunArgs,
    faults: &[String],
    people: usize,
    seed: u64,
    name_ids: &str,
) -> Result<(Profile, Options), crate::error::Error> {
    let mut profile = load_profile(run.profile.as_deref())?;
    apply_stack_flags(&mut profile, &run.stack);
    let target = match profile.stack_provider()? {
        Some(p) => TargetKind::Started(p),
        None => TargetKind::InProcess,
    };
    let opts = Options {
        people,
        seed,
        faults: crate::parse_faults(faults)?,
        name_ids: name_ids.parse::<NameIds>()?,
        target,
        tool_exe: None,
        after_cutover: false,
    };
    Ok((profile, opts))
}

pub async fn rehearse(args: RunArgs, profile: Profile, opts: Options) -> ExitCode {
    let faults: Vec<&str> = opts.faults.iter().map(|f| f.name()).collect();
    println!(
        "rehearsal: {} people, seed {}, faults [{}], target {}",
        opts.people,
        opts.seed,
        faults.join(", "),
        match &opts.target {
            TargetKind::InProcess => "reference target (in-process)".to_string(),
            TargetKind::Started(p) => p.describe(),
        }
    );
    if let Err(e) = crate::execute::framing(&args, &profile) {
        return exit_with::cannot_run(e);
    }
    let started = tokio::select! {
        r = Rehearsal::start(&profile, &opts) => r,
        _ = tokio::signal::ctrl_c() => return exit_with::interrupted(),
    };
    let rehearsal = match started {
        Ok(r) => r,
        Err(e) => return exit_with::cannot_run(e),
    };
    let timings: Vec<String> = rehearsal
        .timings
        .iter()
        .map(|(n, s)| format!("{n} {s:.1}s"))
        .collect();
    println!(
        "environment ready: {} ({})",
        rehearsal.env.identity["legacy"]["provider"]
            .as_str()
            .unwrap_or("?"),
        timings.join(", ")
    );
    let code = tokio::select! {
        c = execute(rehearsal.env.clone(), &args, &profile, "rehearsal", true) => c,
        _ = tokio::signal::ctrl_c() => exit_with::interrupted(),
    };
    rehearsal.stop().await;
    code
}

pub async fn external(args: RunArgs) -> ExitCode {
    let Some(path) = args.profile.clone() else {
        return exit_with::cannot_run(
            "`cutover run` needs --profile <file> (see profiles/staging.example.toml)",
        );
    };
    let mut profile = match Profile::load(&path) {
        Ok(p) => p,
        Err(e) => return exit_with::cannot_run(e),
    };
    apply_stack_flags(&mut profile, &args.stack);
    if let Err(e) = crate::execute::framing(&args, &profile) {
        return exit_with::cannot_run(e);
    }
    let built = tokio::select! {
        e = harness::external::environment(&profile) => e,
        _ = tokio::signal::ctrl_c() => return exit_with::interrupted(),
    };
    let env = match built {
        Ok(e) => Arc::new(e),
        Err(e) => return exit_with::cannot_run(e),
    };
    let name = profile.name.clone().unwrap_or_else(|| "external".into());
    let code = tokio::select! {
        c = execute(env.clone(), &args, &profile, &name, false) => c,
        _ = tokio::signal::ctrl_c() => exit_with::interrupted(),
    };
    if let Some(s) = &env.stack {
        s.stop().await;
    }
    code
}
