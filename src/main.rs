//! `cutover`: the cutover verification suite's command line. Thin: it parses arguments,
//! builds the environment (a rehearsal, or a profile's real systems), runs the features,
//! writes the reports and maps the verdict to the exit code (0 GO, 1 NO-GO, 2 cannot run, 3 a bundle that fails `verify`).

mod cli;
mod commands;
mod error;
mod execute;
mod run;
mod serve;
mod watch;

use clap::Parser;
use cli::{Cli, Command, FixtureArgs};
use fixtures::Fault;
use harness::exit;
use std::process::ExitCode;

/// jemalloc gives back what a phase frees (see Cargo.toml).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The one place a "cannot run" is said and turned into its exit code.
pub mod exit_with {
    use std::process::ExitCode;

    /// Redacted like every report: a git URL with a token, a database URL with a password.
    pub fn cannot_run(msg: impl std::fmt::Display) -> ExitCode {
        eprintln!(
            "cutover: cannot run: {}",
            harness::redact::redact(&msg.to_string())
        );
        ExitCode::from(harness::exit::CANNOT_RUN as u8)
    }

    /// Ctrl-C: whatever the suite started has been stopped.
    pub fn interrupted() -> ExitCode {
        eprintln!("cutover: interrupted; everything the suite started has been stopped");
        ExitCode::from(130)
    }
}

pub fn parse_faults(names: &[String]) -> Result<Vec<Fault>, fixtures::Error> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.trim().parse())
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// `cutover tool NAME ARGS`: a reference tool, its exit code as documented.
fn tool(name: &str, args: &[String]) -> ExitCode {
    let result = match name {
        "reconcile" => fixtures::tools::reconcile(args),
        "cutover-mailout" => runtime().block_on(fixtures::tools::mailout(args)),
        "import-laddr-credentials" => fixtures::tools::import_credentials(args),
        other => Err(fixtures::Error::missing(format!(
            "no tool {other:?} (hint: reconcile, cutover-mailout or import-laddr-credentials)"
        ))),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("{name} failed: {e}");
            ExitCode::from(fixtures::tools::CRASH as u8)
        }
    }
}

fn keygen(out: &std::path::Path) -> ExitCode {
    match reports::manifest::SigningKey::generate().and_then(|k| k.write_pair(out)) {
        Ok((key, public)) => {
            println!(
                "wrote {} (keep it secret) and {}",
                key.display(),
                public.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => exit_with::cannot_run(e),
    }
}

fn verify(report_dir: &std::path::Path, public_key: &std::path::Path) -> ExitCode {
    // A key file that cannot be read is the caller's to fix: cannot run, not a verdict on
    // the bundle.
    let key = match reports::verify::load_public_key(public_key) {
        Ok(k) => k,
        Err(e) => return exit_with::cannot_run(e),
    };
    // No manifest at all: the wrong directory, not a bundle that fails.
    if !report_dir.join(reports::manifest::MANIFEST).is_file() {
        return exit_with::cannot_run(format!(
            "{} has no {} (is it a report directory?)",
            report_dir.display(),
            reports::manifest::MANIFEST
        ));
    }
    match reports::verify::verify(report_dir, &key) {
        Ok(v) => {
            println!(
                "verified: signature good, {} artifacts unchanged",
                v.artifacts
            );
            match &v.signer {
                Some(s) => println!("signed off by: {} ({})", s.name, s.role),
                None => println!("signed off by: nobody named (the signature names only a key)"),
            }
            println!("phase: {}", v.phase.as_deref().unwrap_or("(all phases)"));
            for w in &v.waivers {
                println!("{w}");
            }
            for (i, a) in v.attention.iter().enumerate() {
                println!("needs eyes {}: {a}", i + 1);
            }
            println!("VERDICT: {}", v.verdict);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cutover verify: FAILED: {e}");
            ExitCode::from(exit::BUNDLE_INVALID as u8)
        }
    }
}

/// Every fault a rehearsal can inject, with what it does.
fn faults() -> ExitCode {
    for f in Fault::ALL {
        println!("{} {}", f.name(), f.describe());
    }
    ExitCode::SUCCESS
}

/// The index of the features' scenarios, to stdout or to `out`.
fn index(features: &std::path::Path, out: Option<std::path::PathBuf>) -> ExitCode {
    let text = steps::index::render(features);
    match out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(&path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => exit_with::cannot_run(format!("{}: {e}", path.display())),
        },
    }
}

/// glibc raises its mmap threshold to the size of the largest block freed, so from then on
/// blocks that large (argon2id's 19 MiB, a big SAML or API answer) come from per-thread
/// arenas that keep them after they are freed: at one sign-in per blocking thread the process
/// held 230 MiB it no longer used, for the rest of the run. A fixed threshold gives such
/// blocks back to the system when they are freed.
fn bound_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt sets one allocator parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    bound_heap();
    let cli = Cli::parse();
    match cli.command {
        Command::Faults => faults(),
        Command::Fixture { what } => commands::fixture(what),
        Command::Index { features, out } => index(&features, out),
        Command::Redirects {
            base_url,
            map,
            urls,
            concurrency,
            report_dir,
        } => runtime().block_on(commands::check_redirects(
            base_url,
            map,
            urls,
            concurrency,
            report_dir,
        )),
        Command::Serve {
            state,
            faults,
            seconds,
        } => match parse_faults(&faults) {
            Ok(f) => runtime().block_on(serve::serve(state.as_deref(), f, seconds)),
            Err(e) => exit_with::cannot_run(e),
        },
        Command::Tool { name, args } => tool(&name, &args),
        Command::Watch {
            profile,
            base_url,
            minutes,
            interval,
            report_dir,
        } => runtime().block_on(watch::watch(watch::WatchArgs {
            profile,
            base_url,
            minutes,
            interval,
            report_dir,
        })),
        Command::Keygen { out } => keygen(&out),
        Command::Verify {
            report_dir,
            public_key,
        } => verify(&report_dir, &public_key),
        Command::Freeze { profile, out } => {
            runtime().block_on(commands::record_freeze(profile, out))
        }
        Command::Rehearse {
            run,
            faults,
            fixture: FixtureArgs { people, seed },
            name_ids,
            after_cutover,
        } => match run::rehearsal_options(&run, &faults, people, seed, &name_ids) {
            Ok((profile, mut opts)) => {
                opts.after_cutover = after_cutover;
                runtime().block_on(run::rehearse(run, profile, opts))
            }
            Err(e) => exit_with::cannot_run(e),
        },
        Command::Run { run } => runtime().block_on(run::external(run)),
    }
}
