//! Webhook destinations as BigCommerce compares them: `https://host:443/x` and `https://host/x`
//! are one destination. The one place that says so, for validation and for apply.

/// The form two destinations are compared in.
pub fn destination_key(url: &str) -> String {
    let url = url.replacen(":443/", "/", 1);
    url.strip_suffix(":443").map(str::to_owned).unwrap_or(url)
}

/// Whether BigCommerce takes two destinations for the same.
pub fn same_destination(a: &str, b: &str) -> bool {
    destination_key(a) == destination_key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_port_makes_no_difference() {
        assert!(same_destination("https://erp.example.com:443/hooks", "https://erp.example.com/hooks"));
        assert!(same_destination("https://erp.example.com:443", "https://erp.example.com"));
        assert!(!same_destination("https://erp.example.com/hooks", "https://erp.example.com/other"));
        assert!(!same_destination("https://a.example.com/x", "https://b.example.com/x"));
    }
}
