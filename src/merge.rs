//! Three-way merge of two states that grew apart on two git branches (`bckeys state merge`, a
//! git merge driver): per address, a change on one side wins over no change on the other;
//! the same change on both sides is one change; different changes on both sides are a conflict
//! that a person resolves. The serial moves past both sides, so that no saved plan of either
//! branch applies to the merge.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::state::State;

/// The merged state, and the addresses both sides changed differently (there `ours` is kept).
pub struct Merged {
    pub state: State,
    pub conflicts: Vec<Address>,
}

pub fn merge(base: &State, ours: &State, theirs: &State) -> Merged {
    let mut conflicts = Vec::new();
    let state = State {
        resources: section(&base.resources, &ours.resources, &theirs.resources, &mut conflicts),
        retiring: section(&base.retiring, &ours.retiring, &theirs.retiring, &mut conflicts),
        intents: section(&base.intents, &ours.intents, &theirs.intents, &mut conflicts),
        serial: ours.serial.max(theirs.serial) + 1,
        version: ours.version.max(theirs.version),
    };
    conflicts.sort();
    conflicts.dedup();
    Merged { state, conflicts }
}

fn section<V: Clone + PartialEq>(
    base: &BTreeMap<Address, V>,
    ours: &BTreeMap<Address, V>,
    theirs: &BTreeMap<Address, V>,
    conflicts: &mut Vec<Address>,
) -> BTreeMap<Address, V> {
    let mut out = BTreeMap::new();
    for address in base.keys().chain(ours.keys()).chain(theirs.keys()) {
        if out.contains_key(address) {
            continue;
        }
        let (b, o, t) = (base.get(address), ours.get(address), theirs.get(address));
        let merged = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            conflicts.push(address.clone());
            o
        };
        if let Some(value) = merged {
            out.insert(address.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::state::tests::webhook as hook;

    fn state(serial: u64, hooks: &[(&str, u64)]) -> State {
        let mut s = State { serial, version: 1, ..State::default() };
        for (name, id) in hooks {
            s.resources.insert(format!("store/p/erp/webhook/{name}").parse().unwrap(), hook(*id));
        }
        s
    }

    #[test]
    fn each_side_keeps_its_changes_and_the_serial_moves_past_both() {
        let base = state(4, &[("a", 1), ("b", 2), ("gone", 3)]);
        // Ours changes a and removes gone; theirs adds c and keeps the rest.
        let ours = state(6, &[("a", 10), ("b", 2)]);
        let theirs = state(5, &[("a", 1), ("b", 2), ("gone", 3), ("c", 4)]);
        let merged = merge(&base, &ours, &theirs);
        assert!(merged.conflicts.is_empty());
        assert_eq!(merged.state, state(7, &[("a", 10), ("b", 2), ("c", 4)]));
    }

    #[test]
    fn different_changes_to_one_address_are_a_conflict_that_keeps_ours() {
        let base = state(1, &[("a", 1)]);
        let merged = merge(&base, &state(2, &[("a", 2)]), &state(2, &[("a", 3)]));
        assert_eq!(merged.conflicts, ["store/p/erp/webhook/a".parse::<Address>().unwrap()]);
        assert_eq!(merged.state.resources.values().next(), Some(&hook(2)));
        // Removed on one side, changed on the other: also a conflict.
        let merged = merge(&base, &state(2, &[]), &state(2, &[("a", 3)]));
        assert_eq!(merged.conflicts.len(), 1);
        // The same change on both sides is no conflict.
        let merged = merge(&base, &state(2, &[("a", 5)]), &state(3, &[("a", 5)]));
        assert!(merged.conflicts.is_empty());
        assert_eq!(merged.state.serial, 4);
    }
}
