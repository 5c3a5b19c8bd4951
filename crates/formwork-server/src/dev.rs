//! Dev mode: watch `forms/`, `components/` and `web/templates` and reload on change.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::state::AppState;

/// Starts a watcher thread that reloads definitions, templates and assets after changes.
/// Returns the watcher, which must be kept alive.
///
/// # Errors
/// When the file watcher cannot start.
pub fn watch(state: AppState, dirs: Vec<PathBuf>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok() {
            let _ = tx.send(());
        }
    })?;
    for dir in &dirs {
        if dir.exists() {
            watcher.watch(dir, RecursiveMode::Recursive)?;
        }
    }
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            // Editors write several events per save: wait for quiet, then reload once.
            while rx.recv_timeout(Duration::from_millis(150)).is_ok() {}
            state.reload();
        }
    });
    Ok(watcher)
}
