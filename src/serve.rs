//! `cutover serve`: the reference target as a process, configured as the real stack is (the
//! contract's environment), so the command and image providers can start it like any stack.
//! Logs `Server listening at …` when it accepts connections, as the real stack does.

use crate::exit_with;
use fixtures::serve::ServeConfig;
use fixtures::Fault;
use harness::stack::env as names;
use harness::state_layout::StateLayout;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The environment, with what it leaves out taken from a state directory.
fn vars_with_state(state: Option<&Path>) -> impl Fn(&str) -> Option<String> {
    let layout = state.map(StateLayout::new);
    move |k: &str| {
        if let Some(v) = std::env::var(k).ok().filter(|v| !v.is_empty()) {
            return Some(v);
        }
        let l = layout.as_ref()?;
        let read = |p: std::path::PathBuf| std::fs::read_to_string(p).ok();
        match k {
            names::DATA_REPO_PATH => Some(l.data_repo().display().to_string()),
            names::PRIVATE_STORAGE_PATH => Some(l.private_store().display().to_string()),
            names::STORAGE_BACKEND => Some("filesystem".into()),
            names::JWT_SIGNING_KEY => l.read_session_key(),
            names::SAML_PRIVATE_KEY => read(l.idp_key()),
            names::SAML_CERTIFICATE => read(l.idp_cert()),
            names::HOST => Some("127.0.0.1".into()),
            _ => None,
        }
    }
}

pub async fn serve(state: Option<&Path>, faults: Vec<Fault>, seconds: u64) -> ExitCode {
    let mut cfg = match ServeConfig::from_vars(vars_with_state(state)) {
        Ok(c) => c,
        Err(e) => return exit_with::cannot_run(format!("serve: {e}")),
    };
    cfg.faults.extend(faults);
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => return exit_with::cannot_run(format!("serve: cannot listen on {addr}: {e}")),
    };
    // The log goes to stdout, as a stack's does; the suite reads it there.
    let log = std::sync::Arc::new(harness::stack::log::StackLog::to_stdout());
    let running = match fixtures::serve::start_in_process(&cfg, listener, log.clone()) {
        Ok(r) => r,
        Err(e) => return exit_with::cannot_run(e),
    };
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => return exit_with::cannot_run(format!("serve: {e}")),
    };
    let why = tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "terminated",
        _ = tokio::time::sleep(Duration::from_secs(seconds)) => "lifetime over",
        _ = wait_exit(&running) => "stopped serving",
    };
    let died = running.exited().is_some() && why == "stopped serving";
    running.stop().await;
    println!("reference target stopped ({why})");
    if died {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

async fn wait_exit(r: &harness::stack::RunningStack) {
    while r.exited().is_none() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
