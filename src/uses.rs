//! What an integration's requests need: each request resolved against the operation table that
//! BigCommerce's specs give (`bckeys_catalogue::operations`), and the least scopes that let them
//! all through. Used by `scopes for`, by `validate` for an API account's `uses`, and by drift.

use std::collections::BTreeMap;

use crate::operations::{self, Needs, NotARequest, Operation, Request};
use crate::scope_set::ScopeSet;
use crate::scopes::Family;

/// One request, as it was given and what the table says of it.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The request as written (for a person), control characters escaped.
    pub given: String,
    /// Where it was given: `argument 2`, `requests.log:7`, `trace.har entry 3`, a config line.
    pub at: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// Any one of these (family, level) lets it through.
    Needs { op: &'static Operation, options: Vec<(&'static Family, &'static str)> },
    /// No scope of an API account is needed.
    Nothing { op: &'static Operation },
    /// The specs do not say which family, if any of these.
    Unclear { op: &'static Operation, candidates: Vec<&'static Family> },
    /// No operation of the specs has this method and path.
    Unknown { request: Request },
    /// Not a request at all.
    Malformed(NotARequest),
}

impl Resolved {
    pub fn of(given: &str, at: String, request: Result<Request, NotARequest>) -> Resolved {
        let outcome = match request {
            Err(e) => Outcome::Malformed(e),
            Ok(request) => match operations::find(&request) {
                None => Outcome::Unknown { request },
                Some(op) => match &op.needs {
                    Needs::AnyOf(options) => Outcome::Needs { op, options: options.clone() },
                    Needs::Nothing => Outcome::Nothing { op },
                    Needs::Unclear(candidates) => Outcome::Unclear { op, candidates: candidates.clone() },
                },
            },
        };
        Resolved { given: crate::text::escape_controls(given.trim()).into_owned(), at, outcome }
    }

    /// Parses `METHOD PATH-OR-URL` and resolves it.
    pub fn parse(given: &str, at: String) -> Resolved {
        Resolved::of(given, at, Request::parse(given))
    }

    /// Whether bckeys could tell what it needs (nothing included).
    pub fn is_known(&self) -> bool {
        matches!(self.outcome, Outcome::Needs { .. } | Outcome::Nothing { .. })
    }

    /// Whether `scopes` let it through; `None` when bckeys can't tell.
    pub fn covered_by(&self, scopes: &ScopeSet) -> Option<bool> {
        match &self.outcome {
            Outcome::Needs { options, .. } => Some(options.iter().any(|(f, l)| scopes.covers(f.key, l))),
            Outcome::Nothing { .. } => Some(true),
            Outcome::Unclear { candidates, .. } if candidates.iter().any(|f| !scopes.levels(f.key).is_empty()) => None,
            _ => None,
        }
    }
}

/// The least scopes that let every known request through, and which requests need each family.
#[derive(Debug, Default)]
pub struct Least {
    pub scopes: ScopeSet,
    /// Family key -> the indices (in the requests given) of those that need it.
    pub needed_by: BTreeMap<&'static str, Vec<usize>>,
    /// Families an unclear request may need: never reported as excess.
    pub maybe: Vec<&'static str>,
}

/// The least scopes for `requests`. A request that one family alone lets through sets that
/// family's level (the highest any such request needs); a request that any of several lets
/// through adds none when one is already there, else its first.
pub fn least(requests: &[Resolved]) -> Least {
    let mut out = Least::default();
    let mut levels: BTreeMap<&'static str, (&'static Family, &'static str)> = BTreeMap::new();
    fn raise(
        levels: &mut BTreeMap<&'static str, (&'static Family, &'static str)>,
        family: &'static Family,
        level: &'static str,
    ) {
        let entry = levels.entry(family.key).or_insert((family, level));
        if family.level_rank(level) > family.level_rank(entry.1) {
            entry.1 = level;
        }
    }
    let single = |r: &Resolved| matches!(&r.outcome, Outcome::Needs { options, .. } if options.len() == 1);
    for r in requests.iter().filter(|r| single(r)) {
        if let Outcome::Needs { options, .. } = &r.outcome {
            raise(&mut levels, options[0].0, options[0].1);
        }
    }
    let set = |levels: &BTreeMap<&'static str, (&'static Family, &'static str)>| {
        let mut set = ScopeSet::default();
        levels.values().for_each(|(f, l)| set.grant(f, l));
        set
    };
    for r in requests.iter().filter(|r| !single(r)) {
        if let Outcome::Needs { options, .. } = &r.outcome {
            let now = set(&levels);
            if !options.iter().any(|(f, l)| now.covers(f.key, l)) {
                raise(&mut levels, options[0].0, options[0].1);
            }
        }
    }
    out.scopes = set(&levels);
    for (i, r) in requests.iter().enumerate() {
        match &r.outcome {
            Outcome::Needs { options, .. } => {
                if let Some((f, _)) = options.iter().find(|(f, l)| out.scopes.covers(f.key, l)) {
                    out.needed_by.entry(f.key).or_default().push(i);
                }
            }
            Outcome::Unclear { candidates, .. } => out.maybe.extend(candidates.iter().map(|f| f.key)),
            _ => {}
        }
    }
    out.maybe.sort_unstable();
    out.maybe.dedup();
    out
}

/// Declared families (or levels) no request needs: `declared` minus `least`, each with the level
/// that would do (`None`: the family is not needed at all). Families an unclear request may
/// need are left out.
pub fn excess(declared: &ScopeSet, least: &Least) -> Vec<(&'static Family, Option<&'static str>)> {
    let mut out = Vec::new();
    for (family, levels) in declared.iter() {
        if least.maybe.contains(&family.key) {
            continue;
        }
        let needed = least.scopes.levels(family.key);
        if needed.is_empty() {
            out.push((family, None));
        } else if levels.iter().any(|l| !least.scopes.covers(family.key, l)) {
            out.push((family, needed.first().copied()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(lines: &[&str]) -> Vec<Resolved> {
        lines.iter().enumerate().map(|(i, l)| Resolved::parse(l, format!("line {}", i + 1))).collect()
    }

    #[test]
    fn the_least_scopes_take_the_highest_level_and_reuse_an_alternative() {
        let r = resolve(&[
            "GET /v3/catalog/products",
            "PUT /v3/catalog/products/1",
            "GET /v2/orders",
            "POST /v3/orders/1/payment_actions/capture",
            "GET /v3/hooks",
        ]);
        let least = least(&r);
        assert_eq!(least.scopes.lines(), ["orders: modify", "products: modify"]);
        assert_eq!(least.needed_by["products"], [0, 1]);
        assert_eq!(least.needed_by["orders"], [2, 3]);
    }

    #[test]
    fn excess_is_what_no_request_needs() {
        let least = least(&resolve(&["GET /v3/catalog/products", "GET /v3/customers"]));
        let mut declared = ScopeSet::default();
        declared.grant(crate::scopes::family("products").unwrap(), "modify");
        declared.grant(crate::scopes::family("orders").unwrap(), "read-only");
        declared.grant(crate::scopes::family("customers").unwrap(), "modify");
        let excess: Vec<_> = excess(&declared, &least).into_iter().map(|(f, l)| (f.key, l)).collect();
        // customers: an unclear request may need it, so it is not called excess.
        assert_eq!(excess, [("orders", None), ("products", Some("read-only"))]);
    }
}
