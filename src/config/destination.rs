//! Webhook destinations: an https URL on port 443 with a host, validated once, and compared as
//! BigCommerce compares them (`https://host:443/x` and `https://host/x` are one destination).
//! The one place that says so, for validation, the plan and apply.

use std::fmt;

#[derive(Debug, Clone, Eq)]
pub struct Destination(String);

impl Destination {
    /// A destination, or why the text is not one.
    pub fn parse(url: &str) -> Result<Destination, &'static str> {
        check(url)?;
        Ok(Destination(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two destinations are compared in.
    pub fn key(&self) -> String {
        key(&self.0)
    }

    /// Whether BigCommerce takes `other` (as its API or the state shows it) for this destination.
    pub fn is(&self, other: &str) -> bool {
        key(&self.0) == key(other)
    }
}

impl PartialEq for Destination {
    fn eq(&self, other: &Destination) -> bool {
        self.is(&other.0)
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn key(url: &str) -> String {
    let url = url.replacen(":443/", "/", 1);
    url.strip_suffix(":443").map(str::to_owned).unwrap_or(url)
}

/// An https URL on port 443 with a host. Returns why not.
fn check(url: &str) -> Result<(), &'static str> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err("is not an https:// URL");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("has credentials in it");
    }
    let (host, port) = super::validate::split_host_port(authority);
    if host.is_empty() {
        return Err("has no host");
    }
    match port {
        None | Some("443") => Ok(()),
        Some(_) => Err("is not on port 443"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_port_makes_no_difference() {
        let d = |s| Destination::parse(s).unwrap();
        assert_eq!(d("https://erp.example.com:443/hooks"), d("https://erp.example.com/hooks"));
        assert!(d("https://erp.example.com:443").is("https://erp.example.com"));
        assert_ne!(d("https://erp.example.com/hooks"), d("https://erp.example.com/other"));
        assert!(!d("https://a.example.com/x").is("https://b.example.com/x"));
    }

    #[test]
    fn only_https_on_443_with_a_host_is_a_destination() {
        assert!(Destination::parse("https://erp.example.com/hooks").is_ok());
        assert!(Destination::parse("https://erp.example.com:443/hooks").is_ok());
        assert_eq!(Destination::parse("http://erp.example.com"), Err("is not an https:// URL"));
        assert_eq!(Destination::parse("https://erp.example.com:8443/x"), Err("is not on port 443"));
        assert_eq!(Destination::parse("https:///x"), Err("has no host"));
        assert_eq!(Destination::parse("https://u:p@erp.example.com/x"), Err("has credentials in it"));
    }
}
