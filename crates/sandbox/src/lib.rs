//! `bckeys sandbox`: a local BigCommerce API on 127.0.0.1 with a simulated control panel.
//!
//! The API side answers with BigCommerce's paths, status codes, error bodies and rate-limit
//! headers, and enforces each token's OAuth scopes, so that the client, refresh, drift and apply
//! can be tested end to end without a store. The control panel side (`/__sandbox/`) does what a
//! person does in BigCommerce's control panel, plus what a test needs: change scopes behind the
//! tool's back, set limits and latency, inject faults, read counters. docs/sandbox.md is the
//! reference of both.
//!
//! Layout: `seed` (what a sandbox starts with), `state` (the memory behind one mutex), `auth` and
//! `limits` (scopes and rate limits), `store_api` (the pipeline every store request goes
//! through) with `webhooks`, `storefront` and `resources` (the routes), `account_api`
//! (account-level GraphQL), `control` (the control panel), `faults`, `reply` (answer shapes).

mod account_api;
mod auth;
mod control;
mod faults;
mod ids;
mod limits;
mod reply;
mod resources;
mod seed;
mod state;
mod store_api;
mod storefront;
mod webhooks;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{any, get, post, put};
use axum::Router;

pub use seed::{AccountSeed, ApiAccountSeed, Seed, StoreSeed};

use reply::Dialect;
use state::Sandbox;

/// What every handler shares: the base URL the sandbox is reached at, and its memory.
pub(crate) struct App {
    base_url: String,
    state: Mutex<Sandbox>,
}

impl App {
    /// The state; a handler that panicked (none should) does not lock everyone else out.
    fn lock(&self) -> MutexGuard<'_, Sandbox> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Serves the sandbox on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, seed: Seed) -> std::io::Result<()> {
    serve_with_shutdown(listener, seed, std::future::pending()).await
}

/// Serves the sandbox on `listener` until `shutdown` completes; requests in flight are finished.
pub async fn serve_with_shutdown<F>(listener: tokio::net::TcpListener, seed: Seed, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let app = build(&seed, listener.local_addr()?)?;
    let neighbours = tokio::spawn(neighbours(app.clone()));
    let served = axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await;
    neighbours.abort();
    served
}

/// The stores' neighbour clients: each takes its share of every window from the store's quota,
/// one request at a time, spread evenly, and counts the 429s it would have got.
async fn neighbours(app: Arc<App>) {
    let paces: Vec<(String, std::time::Duration)> = {
        let state = app.lock();
        state.stores.iter().filter_map(|(h, s)| Some((h.clone(), s.neighbour_pace()?))).collect()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (hash, pace) in paces {
        let app = app.clone();
        tasks.spawn(async move {
            let mut ticks = tokio::time::interval(pace);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let mut state = app.lock();
                let store = state.store(&hash, Instant::now());
                let verdict = store.window.take(Instant::now());
                store.neighbour_requests += 1;
                if !verdict.allowed {
                    store.neighbour_rate_limited += 1;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

/// A sandbox running on a thread of its own; dropping it stops the server.
pub struct Running {
    /// `http://127.0.0.1:PORT`: the API base to give bckeys.
    pub base_url: String,
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Stops the server and waits until its port is closed.
    pub fn stop(self) {}
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a sandbox on 127.0.0.1 on a free port, on a background thread with its own runtime.
pub fn spawn(seed: Seed) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let app = build(&seed, addr)?;
    let base_url = app.base_url.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
    // The runtime is made and dropped on its own thread: never inside a caller's async context.
    let thread = std::thread::Builder::new().name("bckeys-sandbox".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = started_tx.send(Err(e));
                return;
            }
        };
        runtime.block_on(async move {
            let listener = match tokio::net::TcpListener::from_std(listener) {
                Ok(l) => l,
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            let _ = started_tx.send(Ok(()));
            // Not a graceful shutdown: a slow answer in flight must not keep the caller waiting.
            tokio::select! {
                _ = axum::serve(listener, router(app)) => {}
                _ = rx => {}
            }
        });
        runtime.shutdown_timeout(Duration::from_millis(200));
    })?;
    let started = started_rx.recv().unwrap_or_else(|_| Err(std::io::Error::other("the sandbox thread ended")));
    if let Err(e) = started {
        let _ = thread.join();
        return Err(e);
    }
    Ok(Running { base_url, addr, shutdown: Some(tx), thread: Some(thread) })
}

fn build(seed: &Seed, addr: SocketAddr) -> std::io::Result<Arc<App>> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("sandbox seed: {e}"));
    seed.check().map_err(invalid)?;
    let state = Sandbox::from_seed(seed, Instant::now()).map_err(invalid)?;
    Ok(Arc::new(App { base_url: format!("http://{addr}"), state: Mutex::new(state) }))
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/stores/{store_hash}/{*path}", any(store_api::handle))
        .route("/accounts/{account_uuid}/graphql", post(account_api::graphql))
        .route("/__sandbox/health", get(control::health))
        .route("/__sandbox/stats", get(control::stats))
        .route("/__sandbox/faults", post(control::add_fault).delete(control::clear_faults))
        .route("/__sandbox/api-accounts", get(control::list_accounts))
        .route("/__sandbox/api-accounts/{client_id}", axum::routing::delete(control::delete_account))
        .route("/__sandbox/api-accounts/{client_id}/scopes", put(control::change_scopes))
        .route("/__sandbox/stores/{store_hash}/api-accounts", post(control::create_store_account))
        .route("/__sandbox/stores/{store_hash}/settings", put(control::store_settings))
        .route("/__sandbox/stores/{store_hash}/storefront-tokens", get(control::storefront_tokens))
        .route("/__sandbox/stores/{store_hash}/webhooks", get(control::webhooks))
        .route("/__sandbox/webhooks/{id}/deactivate", post(control::deactivate_webhook))
        .route("/__sandbox/accounts/{account_uuid}/api-accounts", post(control::create_account_account))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/__sandbox") {
        control::unknown().await
    } else {
        reply::not_found_v3()
    }
}

async fn method_not_allowed() -> Response {
    reply::error(Dialect::V3, StatusCode::METHOD_NOT_ALLOWED, reply::TITLE_405)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> std::io::Result<String> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await?;
        Ok(answer)
    }

    #[tokio::test]
    async fn spawn_and_drop_work_inside_an_async_context() {
        let running = spawn(Seed::default()).unwrap();
        assert_eq!(running.base_url, format!("http://{}", running.addr));
        let answer = get(running.addr, "/__sandbox/health").await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let addr = running.addr;
        drop(running);
        assert!(get(addr, "/__sandbox/health").await.is_err());
    }

    #[tokio::test]
    async fn serve_with_shutdown_stops_when_told() {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve_with_shutdown(listener, Seed::default(), async {
            let _ = rx.await;
        }));
        let answer = get(addr, "/stores/abc/v3/hooks").await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(answer.contains("x-rate-limit-requests-left: 149"), "{answer}");
        tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}
