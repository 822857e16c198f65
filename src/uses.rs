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
        // A query string or fragment may carry a secret (a signed URL, a token): never shown.
        let given = given.trim().split(['?', '#']).next().unwrap_or_default();
        Resolved { given: crate::text::escape_controls(given).into_owned(), at, outcome }
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
    /// Whether some request is not in the specs: it may need what is called excess.
    pub unknown: bool,
}

type Levels = BTreeMap<&'static str, (&'static Family, &'static str)>;

fn raise(levels: &mut Levels, family: &'static Family, level: &'static str) {
    let entry = levels.entry(family.key).or_insert((family, level));
    if family.level_rank(level) > family.level_rank(entry.1) {
        entry.1 = level;
    }
}

fn set_of(levels: &Levels) -> ScopeSet {
    let mut set = ScopeSet::default();
    levels.values().for_each(|(f, l)| set.grant(f, l));
    set
}

fn options(r: &Resolved) -> Option<&[(&'static Family, &'static str)]> {
    match &r.outcome {
        Outcome::Needs { options, .. } => Some(options),
        _ => None,
    }
}

/// Which family lets each request through, from `start` (what must be there anyway, such as
/// what is declared): a request that one family alone lets through sets that family's level; a
/// request that any of several lets through takes one already there, else its first. Then each
/// family that only such requests chose is dropped if the others let them all through.
fn choose(requests: &[Resolved], start: &ScopeSet, prefer_start: bool) -> Levels {
    let mut levels = Levels::new();
    for o in requests.iter().filter_map(options).filter(|o| o.len() == 1) {
        raise(&mut levels, o[0].0, o[0].1);
    }
    for o in requests.iter().filter_map(options).filter(|o| o.len() > 1) {
        let now = set_of(&levels);
        if o.iter().any(|(f, l)| now.covers(f.key, l)) {
            continue;
        }
        let pick = o.iter().find(|(f, l)| prefer_start && start.covers(f.key, l)).unwrap_or(&o[0]);
        raise(&mut levels, pick.0, pick.1);
    }
    let singles: Vec<&str> = requests.iter().filter_map(options).filter(|o| o.len() == 1).map(|o| o[0].0.key).collect();
    let keys: Vec<&'static str> = levels.keys().copied().collect();
    for key in keys.into_iter().filter(|k| !singles.contains(k)) {
        let mut without = levels.clone();
        without.remove(key);
        let rest = set_of(&without);
        if requests.iter().filter_map(options).all(|o| o.iter().any(|(f, l)| rest.covers(f.key, l))) {
            levels = without;
        }
    }
    levels
}

/// The least scopes for `requests`.
pub fn least(requests: &[Resolved]) -> Least {
    let mut out = Least { scopes: set_of(&choose(requests, &ScopeSet::default(), false)), ..Least::default() };
    for (i, r) in requests.iter().enumerate() {
        match &r.outcome {
            Outcome::Needs { options, .. } => {
                if let Some((f, _)) = options.iter().find(|(f, l)| out.scopes.covers(f.key, l)) {
                    out.needed_by.entry(f.key).or_default().push(i);
                }
            }
            Outcome::Unclear { candidates, .. } => out.maybe.extend(candidates.iter().map(|f| f.key)),
            Outcome::Unknown { .. } => out.unknown = true,
            _ => {}
        }
    }
    out.maybe.sort_unstable();
    out.maybe.dedup();
    out
}

/// Declared families (or levels) no request needs, each with the level that would do (`None`:
/// the family is not needed at all). Where a request takes any of several families, the one
/// declared counts. Families an unclear request may need, and those in `own` (what bckeys
/// itself calls with the account, such as creating storefront tokens), are left out.
pub fn excess(
    declared: &ScopeSet,
    requests: &[Resolved],
    own: &[&str],
) -> Vec<(&'static Family, Option<&'static str>)> {
    let needed = set_of(&choose(requests, declared, true));
    let maybe = least(requests).maybe;
    let mut out = Vec::new();
    for (family, levels) in declared.iter() {
        if maybe.contains(&family.key) || own.contains(&family.key) {
            continue;
        }
        let enough = needed.levels(family.key);
        if enough.is_empty() {
            out.push((family, None));
        } else if levels.iter().any(|l| !needed.covers(family.key, l)) {
            out.push((family, enough.first().copied()));
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
    fn an_alternative_the_account_declares_is_needed_and_the_least_is_minimal() {
        let fam = |k| crate::scopes::family(k).unwrap();
        // Capture takes orders or order transactions at modify: whichever is declared counts.
        let capture = resolve(&["POST /v3/orders/1/payment_actions/capture"]);
        let mut declared = ScopeSet::default();
        declared.grant(fam("order_transactions"), "modify");
        assert!(excess(&declared, &capture, &[]).is_empty());
        // Two requests that either family lets through: one family is enough, in either order.
        for lines in [
            ["GET /v3/orders/payment_actions/refunds", "POST /v3/orders/1/payment_actions/capture"],
            ["POST /v3/orders/1/payment_actions/capture", "GET /v3/orders/payment_actions/refunds"],
        ] {
            let least = least(&resolve(&lines));
            assert_eq!(least.scopes.iter().count(), 1, "{lines:?}: {}", least.scopes);
        }
    }

    #[test]
    fn excess_is_what_no_request_needs() {
        let requests = resolve(&["GET /v3/catalog/products", "GET /v3/customers"]);
        let mut declared = ScopeSet::default();
        declared.grant(crate::scopes::family("products").unwrap(), "modify");
        declared.grant(crate::scopes::family("orders").unwrap(), "read-only");
        declared.grant(crate::scopes::family("customers").unwrap(), "modify");
        let excess: Vec<_> = excess(&declared, &requests, &[]).into_iter().map(|(f, l)| (f.key, l)).collect();
        // customers: an unclear request may need it, so it is not called excess.
        assert_eq!(excess, [("orders", None), ("products", Some("read-only"))]);
    }
}
