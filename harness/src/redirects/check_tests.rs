//! The checker against a hostile little server: every outcome class, every hostile answer.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A hostile little server on 127.0.0.1: canned answers per path, at most 100
/// connections and 30 s, then it stops by itself.
async fn hostile() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        for _ in 0..100 {
            let Ok(Ok((mut sock, _))) = tokio::time::timeout_at(deadline, listener.accept()).await
            else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let redirect = |code: u16, loc: &str| {
                    format!("HTTP/1.1 {code} X\r\nLocation: {loc}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                };
                let resp = match path.as_str() {
                    "/ok" => redirect(301, "/target"),
                    "/two" => redirect(301, "/ok"),
                    "/temp" => redirect(302, "/target"),
                    "/loop-a" => redirect(301, "/loop-b"),
                    "/loop-b" => redirect(301, "/loop-a"),
                    "/other-host" => redirect(301, "https://evil.example.net/x"),
                    "/js" => redirect(301, "javascript:alert(1)"),
                    "/long" => redirect(301, &format!("/{}", "a".repeat(5000))),
                    "/broken" => {
                        "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
                    }
                    "/stall" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        return;
                    }
                    "/huge" => {
                        let head = "HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\nConnection: close\r\n\r\n";
                        let _ = sock.write_all(head.as_bytes()).await;
                        let chunk = vec![b'x'; 65536];
                        for _ in 0..128 {
                            if sock.write_all(&chunk).await.is_err() {
                                return;
                            }
                        }
                        return;
                    }
                    _ => {
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".into()
                    }
                };
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/")
}

fn row(url: &str) -> MapRow {
    MapRow {
        form: "t".into(),
        url: url.into(),
        expected_status: 301,
        expected_target: "/target".into(),
    }
}

#[tokio::test]
async fn every_outcome_class_and_hostile_answer_is_a_reported_result() {
    let base = hostile().await;
    let c = Checker::with_timeout(&base, 4, None, Duration::from_secs(1)).unwrap();
    let cases = [
        ("/ok", Class::Ok),
        ("/two", Class::ExtraHops),
        ("/temp", Class::WrongStatus),
        ("/loop-a", Class::Loop),
        ("/other-host", Class::WrongTarget),
        ("/js", Class::DeadEnd),
        ("/long", Class::DeadEnd),
        ("/broken", Class::ServerError),
        ("/stall", Class::ServerError),
        ("/huge", Class::WrongTarget),
    ];
    let started = std::time::Instant::now();
    let rows: Vec<MapRow> = cases.iter().map(|(u, _)| row(u)).collect();
    let results = c.check_all(&rows, 4).await;
    for ((url, want), got) in cases.iter().zip(&results) {
        assert_eq!(got.class, *want, "{url}: {} ({})", got.chain(), got.detail);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "nothing hangs: {:?}",
        started.elapsed()
    );
    assert_eq!(
        results[1].chain(),
        "/two --301--> /ok --301--> /target --200"
    );
    assert!(
        results[6].detail.contains("5001 characters"),
        "{}",
        results[6].detail
    );
    assert!(
        results[5].detail.contains("javascript"),
        "{}",
        results[5].detail
    );
}

/// A host that refused every retry is not retried again until it answers: a stack that
/// died mid-run fails its remaining URLs at once.
#[tokio::test]
async fn a_host_that_refused_every_retry_is_not_retried_until_it_answers() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Checker::new(&format!("http://127.0.0.1:{port}/"), 4, None).unwrap();
    let timed = |path: &'static str| {
        let c = c.clone();
        async move {
            let t = std::time::Instant::now();
            let got = c.check(&row(path)).await;
            (got, t.elapsed())
        }
    };
    let (first, retried) = timed("/ok").await;
    assert_eq!(first.class, Class::ServerError, "{}", first.detail);
    assert!(retried >= Duration::from_millis(400), "{retried:?}");
    let (second, at_once) = timed("/two").await;
    assert_eq!(second.class, Class::ServerError, "{}", second.detail);
    assert!(at_once < Duration::from_millis(200), "{at_once:?}");
}
