//! A validated set of granted scope levels, comparable whichever way it was obtained: from the
//! configuration (family keys and level names) or from the state (OAuth parameters).

use std::collections::BTreeMap;
use std::fmt;

use crate::scopes::{self, Family};

/// Levels granted per family; families at `none` are absent. Levels are kept in the control
/// panel's order so two equal grants always compare and print the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet {
    grants: BTreeMap<&'static str, Vec<&'static str>>,
}

/// An OAuth parameter that the catalogue does not know.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown OAuth scope parameter `{0}`")]
pub struct UnknownParameter(pub String);

impl ScopeSet {
    /// Grants `level` of `family`. Both must come from the catalogue.
    pub fn grant(&mut self, family: &'static Family, level: &'static str) {
        let levels = self.grants.entry(family.key).or_default();
        if !levels.contains(&level) {
            levels.push(level);
            levels.sort_by_key(|l| family.level_rank(l));
        }
    }

    pub fn from_parameters<S: AsRef<str>>(parameters: &[S]) -> Result<ScopeSet, UnknownParameter> {
        let mut set = ScopeSet::default();
        for p in parameters {
            let p = p.as_ref();
            let (family, level) = scopes::FAMILIES
                .iter()
                .find_map(|f| f.levels.iter().find(|l| l.parameter == p).map(|l| (f, l.name)))
                .ok_or_else(|| UnknownParameter(p.to_owned()))?;
            set.grant(family, level);
        }
        Ok(set)
    }

    /// The OAuth parameters, sorted: the form the state records.
    pub fn parameters(&self) -> Vec<&'static str> {
        let mut out: Vec<_> = self
            .iter()
            .flat_map(|(family, levels)| levels.iter().filter_map(move |l| family.level(l).map(|l| l.parameter)))
            .collect();
        out.sort_unstable();
        out
    }

    /// Families with their levels, in family key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Family, &[&'static str])> {
        self.grants.iter().filter_map(|(k, v)| scopes::family(k).map(|f| (f, v.as_slice())))
    }

    pub fn levels(&self, family: &str) -> &[&'static str] {
        self.grants.get(family).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has(&self, family: &str, level: &str) -> bool {
        self.levels(family).contains(&level)
    }

    /// Whether this lets a request that needs `level` of `family` through: that level, or the
    /// modify level where read-only is needed (modify grants everything read-only grants).
    pub fn covers(&self, family: &str, level: &str) -> bool {
        self.has(family, level) || (level == "read-only" && self.has(family, "modify"))
    }

    /// Whether this grants any family or level that `other` does not: more access than it.
    pub fn exceeds(&self, other: &ScopeSet) -> bool {
        self.iter().any(|(family, levels)| levels.iter().any(|l| !other.has(family.key, l)))
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// One `family: level` line per family, the form diffs and plans show.
    pub fn lines(&self) -> Vec<String> {
        self.iter().map(|(f, levels)| format!("{}: {}", f.key, levels.join(", "))).collect()
    }

    /// Families whose levels differ between `self` and `other`.
    pub fn differing_families(&self, other: &ScopeSet) -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = self.grants.keys().chain(other.grants.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        keys.retain(|k| self.levels(k) != other.levels(k));
        keys
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(no scopes)");
        }
        f.write_str(&self.lines().join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(k: &str) -> &'static Family {
        scopes::family(k).unwrap()
    }

    #[test]
    fn parameters_round_trip() {
        let mut set = ScopeSet::default();
        set.grant(fam("products"), "modify");
        set.grant(fam("account_users"), "delete");
        set.grant(fam("account_users"), "read-only");
        let params = set.parameters();
        assert_eq!(params, vec!["account_users_delete", "account_users_read", "store_v2_products"]);
        assert_eq!(ScopeSet::from_parameters(&params).unwrap(), set);
        assert_eq!(set.levels("account_users"), ["read-only", "delete"]);
    }

    #[test]
    fn unknown_parameter_is_an_error() {
        assert!(ScopeSet::from_parameters(&["store_v2_everything"]).is_err());
    }

    #[test]
    fn differing_families_are_listed() {
        let mut a = ScopeSet::default();
        a.grant(fam("products"), "modify");
        a.grant(fam("orders"), "read-only");
        let mut b = ScopeSet::default();
        b.grant(fam("products"), "read-only");
        b.grant(fam("orders"), "read-only");
        b.grant(fam("themes"), "read-only");
        assert_eq!(a.differing_families(&b), vec!["products", "themes"]);
    }
}
