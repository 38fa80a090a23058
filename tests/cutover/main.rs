//! The `cutover` binary end to end, in one test binary (`harness = false`, libtest-mimic) so
//! that every case shares the machine's cores: while one case waits on a paced run or a
//! container, another rehearses. `cargo test --test cutover -- PREFIX` runs a part:
//! `cli::` (the binary on its own), `external::` (`cutover run` on a profile), `provider::`
//! (each legacy-database and stack provider), and the fault matrix (`rehearsal::`, `fault::`,
//! `run::`). One legacy server is provisioned, when the first case that reads it starts, for
//! the matrix and the external runs; at the end its tables must be as they were.

mod bad_records;
mod cli;
mod external;
mod matrix;
mod matrix_runs;
mod providers;
mod support;

use libtest_mimic::Arguments;
use std::sync::Arc;

fn main() {
    let mut args = Arguments::from_args();
    // Most cases are a whole rehearsal in another process, partly waiting on I/O (a paced
    // run, a container): a little more than one per core keeps both cores busy.
    if args.test_threads.is_none() {
        args.test_threads = Some(3);
    }
    let legacy = Arc::new(support::SharedLegacy::new());
    // The short cases with a deadline first, before the machine is loaded; then the longest,
    // so that none is left running alone at the end.
    let mut trials = cli::trials();
    trials.extend(external::trials(&legacy));
    trials.extend(providers::trials());
    trials.extend(matrix::trials(&legacy));
    let conclusion = libtest_mimic::run(&args, trials);
    let legacy = Arc::into_inner(legacy).expect("every case has ended");
    if let Err(e) = legacy.finish() {
        // Counted like a failed test by whoever sums libtest's closing lines.
        eprintln!("{e}");
        println!("test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out");
        std::process::exit(101);
    }
    conclusion.exit();
}
