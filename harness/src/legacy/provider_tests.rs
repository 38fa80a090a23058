//! Unit tests of [`super`]: image names, and MariaDB known by its own programs.

use super::*;

#[test]
fn image_names_split_at_the_tag() {
    assert_eq!(
        split_image("mariadb:11.4"),
        ("mariadb".into(), "11.4".into())
    );
    assert_eq!(
        split_image("reg:5000/x/mariadb"),
        ("reg:5000/x/mariadb".into(), "latest".into())
    );
    assert_eq!(
        split_image("cutover/mariadb:local"),
        ("cutover/mariadb".into(), "local".into())
    );
}

/// A `mysqld` that is MySQL (as on GitHub's runners) is not taken for MariaDB; one that
/// says it is MariaDB is, with its `mariadb-install-db`.
#[test]
fn mariadb_is_known_by_its_own_programs_not_by_any_mysqld() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let dirs = vec![dir.path().to_path_buf()];
    assert!(find_mariadb(&dirs)
        .unwrap_err()
        .to_string()
        .contains("no mariadbd"));
    script(
        "mysqld",
        "echo '/usr/sbin/mysqld  Ver 8.0.40-0ubuntu0.24.04.1 for Linux on x86_64 ((Ubuntu))'",
    );
    let err = find_mariadb(&dirs).unwrap_err().to_string();
    assert!(
        err.contains("is not MariaDB") && err.contains("8.0.40"),
        "{err}"
    );
    script(
        "mysqld",
        "echo 'mysqld  Ver 10.11.11-MariaDB-0+deb12u1 for debian-linux-gnu'",
    );
    let err = find_mariadb(&dirs).unwrap_err().to_string();
    assert!(err.contains("no mariadb-install-db"), "{err}");
    script("mariadb-install-db", "true");
    let (server, init) = find_mariadb(&dirs).unwrap();
    assert!(server.ends_with("mysqld") && init.ends_with("mariadb-install-db"));
    script("mariadbd", "true");
    assert!(find_mariadb(&dirs).unwrap().0.ends_with("mariadbd"));
}

#[tokio::test]
async fn no_provider_names_all_three_ways() {
    let mut p = Profile::default();
    p.legacy.mariadbd = Some("/nonexistent/mariadbd".into());
    std::env::set_var("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    let err = provision(&p).await.unwrap_err().to_string();
    assert!(err.contains("LADDR_DATABASE_URL"), "{err}");
    assert!(err.contains("no Docker daemon"), "{err}");
    assert!(err.contains("MARIADBD=/nonexistent/mariadbd"), "{err}");
}
