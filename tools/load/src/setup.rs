//! Setup over HTTP, as the consoles do it: create the sessions, join every team seat.

use std::time::{Duration, Instant};

use actix_tls::connect::{ConnectError, ConnectInfo, Connection};
use awc::http;
use futures_util::StreamExt;
use serde_json::json;

use crate::server::fail;
use crate::{MAX_TURNS, TEAMS};

/// HTTP requests in flight while creating sessions.
const SETUP_PARALLEL: usize = 32;

/// One session's tokens: the facilitator's and each team seat's, in `TEAMS` order.
#[derive(Debug, Clone)]
pub struct Creds {
    pub index: usize,
    pub facilitator: String,
    pub teams: Vec<String>,
}

pub fn http_client() -> awc::Client {
    awc::Client::builder()
        .connector(
            awc::Connector::new()
                .connector(actix_service::fn_service(connect_nodelay))
                .limit(0)
                .timeout(Duration::from_secs(30)),
        )
        .timeout(Duration::from_secs(30))
        .finish()
}

/// Opens the client's TCP connections with Nagle's algorithm off, as browsers do.
/// With it on (awc's default), a command sent right after a pong waits for the
/// server's delayed ACK, up to 40 ms, which is the client's delay, not the server's.
async fn connect_nodelay(
    req: ConnectInfo<http::Uri>,
) -> Result<Connection<http::Uri, actix_rt::net::TcpStream>, ConnectError> {
    let stream = actix_rt::net::TcpStream::connect((req.hostname(), req.port()))
        .await
        .map_err(ConnectError::Io)?;
    stream.set_nodelay(true).map_err(ConnectError::Io)?;
    Ok(Connection::new(req.request().clone(), stream))
}

async fn post(
    client: &awc::Client,
    url: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let mut resp = client
        .post(url)
        .send_json(&body)
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let bytes = resp.body().await.map_err(|e| format!("POST {url}: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!(
            "POST {url}: {} {}",
            resp.status(),
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("POST {url}: {e}"))
}

async fn create_session(client: &awc::Client, port: u16, index: usize) -> Result<Creds, String> {
    let base = format!("http://127.0.0.1:{port}");
    let s = post(
        client,
        &format!("{base}/api/sessions"),
        json!({"scenario": "belarus-2025", "title": format!("Load {index}"), "seed": index, "max_turns": MAX_TURNS}),
    )
    .await?;
    let code = s["join_code"].as_str().unwrap_or_default().to_string();
    let facilitator = s["facilitator_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut teams = Vec::new();
    for (i, team) in TEAMS.iter().enumerate() {
        let j = post(
            client,
            &format!("{base}/api/join"),
            json!({"join_code": code, "team": team, "name": format!("Player {i} of session {index}")}),
        )
        .await?;
        teams.push(j["token"].as_str().unwrap_or_default().to_string());
    }
    Ok(Creds {
        index,
        facilitator,
        teams,
    })
}

/// Creates `n` sessions with every team seat joined.
pub fn setup_sessions(port: u16, n: usize) -> Vec<Creds> {
    let started = Instant::now();
    let result: Result<Vec<Creds>, String> = actix_rt::System::new().block_on(async move {
        let client = http_client();
        let results: Vec<Result<Creds, String>> = futures_util::stream::iter(0..n)
            .map(|i| {
                let client = client.clone();
                async move { create_session(&client, port, i).await }
            })
            .buffer_unordered(SETUP_PARALLEL)
            .collect()
            .await;
        results.into_iter().collect()
    });
    let mut creds = result.unwrap_or_else(|e| fail(&format!("session setup failed: {e}")));
    creds.sort_by_key(|c| c.index);
    println!(
        "setup: {n} sessions created and {} seats joined over HTTP in {:.1} s",
        n * TEAMS.len(),
        started.elapsed().as_secs_f64()
    );
    creds
}
