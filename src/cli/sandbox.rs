//! `bckeys sandbox`: runs the local BigCommerce API and simulated control panel in the
//! foreground until the process is interrupted or terminated.

use std::path::PathBuf;

use crate::error::{command_error, Error, Hinted};
use crate::sandbox::{self, Seed};
use crate::ui::Ui;

use super::Outcome;

/// Serve a local BigCommerce API with a simulated control panel, for tests and demos.
///
/// Binds 127.0.0.1 and prints `bckeys sandbox listening on http://127.0.0.1:PORT` as its first
/// line; give that URL to bckeys as --api-base. The control panel lives under /__sandbox/ (see
/// docs/sandbox.md). Runs until interrupted (Ctrl-C) or terminated.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,
    /// A YAML file of the stores, accounts and API accounts to start with.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
}

pub fn run(args: Args, ui: &Ui) -> Result<Outcome, Error> {
    let seed = match &args.seed {
        Some(path) => Seed::load(path).map_err(SandboxError::Seed)?,
        None => Seed::default(),
    };
    let runtime = tokio::runtime::Runtime::new().map_err(SandboxError::Runtime)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .map_err(|e| SandboxError::Listen(args.port, e))?;
        let addr = listener.local_addr().map_err(SandboxError::Address)?;
        ui.out(&format!("bckeys sandbox listening on http://{addr}\n"));
        ui.status(&format!("control panel: http://{addr}/__sandbox/ (docs/sandbox.md); stop with Ctrl-C"));
        sandbox::serve_with_shutdown(listener, seed, stop_signal()).await.map_err(SandboxError::Stopped)
    })?;
    Ok(Outcome::Done)
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[derive(Debug, thiserror::Error)]
enum SandboxError {
    #[error("{0}")]
    Seed(String),
    #[error("cannot start the sandbox: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on 127.0.0.1:{0}: {1}")]
    Listen(u16, std::io::Error),
    #[error("cannot read the sandbox's address: {0}")]
    Address(std::io::Error),
    #[error("the sandbox stopped: {0}")]
    Stopped(std::io::Error),
}

impl Hinted for SandboxError {
    fn hint(&self) -> Option<String> {
        Some(
            match self {
                SandboxError::Seed(_) => "docs/sandbox.md describes the seed file; every key is optional",
                SandboxError::Runtime(_) => "the system refused threads or sockets to the async runtime",
                SandboxError::Listen(..) => "choose another --port, or --port 0 for any free one",
                SandboxError::Address(_) => "try again with another --port",
                SandboxError::Stopped(_) => "start it again; its state lives in memory only",
            }
            .to_owned(),
        )
    }
}

command_error!(SandboxError);
