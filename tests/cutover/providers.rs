//! Each legacy-database provider, forced on its own: it starts a real server, the fixture
//! loads, the harness reads it read-only, and a write made behind the harness's back shows
//! up in the table checksums. (`harness = false`: a test whose tool is missing is reported as
//! ignored, with the reason, never as passed.)

use crate::support::*;
use fixtures::generate::{generate, Size};
use harness::config::{ContainerNetwork, Profile, ProviderKind};
use harness::evidence::Outcome;
use harness::legacy::{provider, LegacyDb};
use libtest_mimic::Trial;
use sqlx::Connection;

/// Provision with one provider, load a small fixture, and check what the harness sees.
fn exercise(profile: Profile) {
    let rt = runtime();
    rt.block_on(async {
        let mut server = provider::provision(&profile)
            .await
            .expect("the provider starts a server");
        let ds = generate(99, Size { people: 60 });
        let sql = fixtures::sql::render(&ds);
        let hash = fixtures::sql::fixture_hash(&sql);
        let ro = fixtures::legacy::prepare(&server.url, &sql, &hash)
            .await
            .expect("fixture loads");
        let db = LegacyDb::connect_read_only(&ro).await.unwrap();
        assert_eq!(db.count("people").await.unwrap(), ds.people.len() as u64);
        assert!(db.server_version().await.unwrap().contains("MariaDB"));

        // The harness's own connection refuses writes.
        let ev = harness::legacy::prove_read_only(&db).await;
        assert_eq!(ev.outcome, Outcome::Pass, "{}", ev.render());

        // A write by someone else is caught by the checksums, naming the table.
        let before = db.checksums().await.unwrap();
        let admin = server.url.replace(
            "/mysql",
            &format!("/{}", fixtures::legacy::database_name(&hash)),
        );
        let mut conn = sqlx::MySqlConnection::connect(&admin).await.unwrap();
        sqlx::query("UPDATE people SET Location = 'Moved' WHERE ID = 2")
            .execute(&mut conn)
            .await
            .unwrap();
        let changed: Vec<String> = db
            .checksums()
            .await
            .unwrap()
            .changes_since(&before)
            .into_iter()
            .map(|c| c.table)
            .collect();
        assert_eq!(changed, vec!["people".to_string()]);
        // Put the database back as the fixture had it for anyone sharing the server.
        sqlx::query(&format!(
            "DROP DATABASE `{}`",
            fixtures::legacy::database_name(&hash)
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
        db.close().await;
        server.shutdown().await;
    });
}

fn local_mariadbd_provider() {
    let mut p = Profile::default();
    p.legacy.providers = Some(vec![ProviderKind::Local]);
    exercise(p);
}

/// Needs a Docker daemon and an image that needs no registry when none can be reached
/// (`CUTOVER_MARIADB_IMAGE`, e.g. the one `fixtures/docker/build-mariadb-image.sh` builds).
fn container_provider() {
    let mut p = Profile::from_env().unwrap();
    p.legacy.providers = Some(vec![ProviderKind::Container]);
    if std::env::var("CUTOVER_DOCKER_NETWORK").is_err() {
        p.legacy.network = Some(ContainerNetwork::Bridge);
    }
    exercise(p);
}

/// The image provider: the reference target's image built locally from this build's binary
/// (`fixtures/docker/build-stack-image.sh`), then a whole rehearsal against it. GO, with the
/// stack's log kept.
fn stack_image_provider() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/docker/build-stack-image.sh"
    );
    let out = std::process::Command::new("bash")
        .args([script, BIN, "cutover/stack:test"])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "building the image: {}", text(&out));
    let dir = tempfile::tempdir().unwrap();
    let network = std::env::var("CUTOVER_DOCKER_NETWORK").unwrap_or_else(|_| "bridge".into());
    let out = cutover(
        &[
            "rehearse",
            "--target-image",
            "cutover/stack:test",
            "--report-dir",
            dir.path().to_str().unwrap(),
        ],
        &[("CUTOVER_DOCKER_NETWORK", network.as_str())],
    );
    let console = text(&out);
    assert_eq!(out.status.code(), Some(harness::exit::GO), "{console}");
    assert!(
        console.contains("target image cutover/stack:test"),
        "{console}"
    );
    let log = std::fs::read_to_string(dir.path().join("stack.log")).unwrap();
    assert!(log.contains("Server listening at"), "{log}");
}

/// Whether a Docker daemon is there: without one the container tests are reported as
/// ignored (never as passed), unless CUTOVER_REQUIRE_DOCKER=1 (as CI sets) makes them run
/// and fail.
fn docker_missing() -> Option<String> {
    let socket =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let present = socket
        .strip_prefix("unix://")
        .is_none_or(|p| std::path::Path::new(p).exists());
    let required = std::env::var("CUTOVER_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
    (!present && !required).then(|| format!("no Docker daemon at {socket}"))
}

/// A connection that is not read-only is caught by the same check.
fn the_read_only_check_fails_on_a_writable_connection() {
    let rt = runtime();
    rt.block_on(async {
        let mut p = Profile::default();
        p.legacy.providers = Some(vec![ProviderKind::Local]);
        let mut server = provider::provision(&p).await.unwrap();
        let mut conn = sqlx::MySqlConnection::connect(&server.url).await.unwrap();
        sqlx::raw_sql(
            "CREATE DATABASE scratch; CREATE TABLE scratch.people (ID int) ENGINE=MyISAM",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
        let writable =
            LegacyDb::connect_writable_for_tests(&server.url.replace("/mysql", "/scratch"))
                .await
                .unwrap();
        let ev = harness::legacy::prove_read_only(&writable).await;
        assert_eq!(ev.outcome, Outcome::Fail, "{}", ev.render());
        assert!(ev.headline.contains("not read-only"));
        writable.close().await;
        server.shutdown().await;
    });
}

/// One trial per provider (the container ones ignored, saying why, without a Docker daemon).
pub fn trials() -> Vec<Trial> {
    let docker = docker_missing();
    if let Some(why) = &docker {
        eprintln!("container tests ignored: {why} (CUTOVER_REQUIRE_DOCKER=1 makes them run)");
    }
    vec![
        trial("provider::container", container_provider).with_ignored_flag(docker.is_some()),
        trial("provider::stack-image", stack_image_provider).with_ignored_flag(docker.is_some()),
        trial("provider::local-mariadbd", local_mariadbd_provider),
        trial(
            "provider::the_read_only_check_fails_on_a_writable_connection",
            the_read_only_check_fails_on_a_writable_connection,
        ),
    ]
}
