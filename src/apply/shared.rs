//! The state file while stores are applied at once: each store's steps work on that store's
//! part of the state, and every change is merged into the one state and saved, so the file on
//! disk always holds every finished step of every store. Saves are group commits: a write (and
//! its fsyncs) covers every change merged before it, so stores don't queue behind each other's
//! disk writes, and no save returns before its change is on disk.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::address::Address;
use crate::error::Error;
use crate::state::State;

pub struct SharedState {
    state: Mutex<Merged>,
    /// Held while the file is written; holds the last change written.
    writer: Mutex<u64>,
    /// Whether the file was written at all.
    wrote: std::sync::atomic::AtomicBool,
    path: PathBuf,
}

struct Merged {
    state: State,
    /// Changes merged so far.
    changes: u64,
}

impl SharedState {
    pub fn new(state: State, path: PathBuf) -> SharedState {
        SharedState {
            state: Mutex::new(Merged { state, changes: 0 }),
            writer: Mutex::new(0),
            wrote: std::sync::atomic::AtomicBool::new(false),
            path,
        }
    }

    /// The part of the state whose addresses `mine` says belong to one applier.
    pub fn part(&self, mine: impl Fn(&Address) -> bool) -> State {
        self.lock().state.filtered(mine)
    }

    /// Puts `part` in the place of the addresses `mine` owns, and saves the state.
    pub fn save(&self, mine: impl Fn(&Address) -> bool, part: &State) -> Result<(), Error> {
        let mine = {
            let mut merged = self.lock();
            merged.state.replace_part(mine, part);
            merged.changes += 1;
            merged.changes
        };
        let mut written = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if *written >= mine {
            // A write that began after this change was merged has it on disk already.
            return Ok(());
        }
        let (mut snapshot, upto) = {
            let merged = self.lock();
            (merged.state.clone(), merged.changes)
        };
        let serial = snapshot.serial;
        snapshot.save(&self.path)?;
        if snapshot.serial != serial {
            self.wrote.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        // Only a writer moves the serial, and writers go one at a time.
        self.lock().state.serial = snapshot.serial;
        *written = upto;
        Ok(())
    }

    /// Whether any save wrote the file (a save of an unchanged state writes nothing).
    pub fn wrote(&self) -> bool {
        self.wrote.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Merged> {
        // A worker that panicked while holding the lock left a state that was either saved
        // whole or not at all: the value is still the last consistent one.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::state::tests::webhook as hook;

    /// Stores saving at once never lose each other's changes, and the file ends with all.
    #[test]
    fn saves_from_many_stores_at_once_keep_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bckeys.state.yaml");
        let shared = SharedState::new(State { serial: 5, ..State::default() }, path.clone());
        std::thread::scope(|scope| {
            for store in 0..8 {
                let shared = &shared;
                scope.spawn(move || {
                    let group = format!("store/s{store}");
                    let mut part = shared.part(|a| a.group() == group);
                    for n in 0..20u64 {
                        let address: Address = format!("store/s{store}/a/webhook/h{n}").parse().unwrap();
                        part.resources.insert(address, hook(n));
                        shared.save(|a| a.group() == group, &part).unwrap();
                    }
                });
            }
        });
        let saved = State::load(&path).unwrap();
        assert_eq!(saved.resources.len(), 8 * 20);
        // At least one write, at most one per change; the serial only moves forward.
        assert!(saved.serial > 5 && saved.serial <= 5 + 160, "{}", saved.serial);
        assert_eq!(shared.part(|a| a.group() == "store/s3").resources.len(), 20);
    }
}
