//! Which scope each operation of BigCommerce's REST API needs: the table generated from the
//! official OpenAPI specs (`data/operations.tsv`, made by `cargo run -p bckeys-generate`), and
//! the matching of a request (`GET /v3/catalog/products/123?limit=5`) to its operation.

use std::sync::OnceLock;

use crate::scopes::{self, Family};

/// The committed table.
const TABLE: &str = include_str!("../data/operations.tsv");

/// What an operation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Needs {
    /// Any one of these (family, level); most operations name one.
    AnyOf(Vec<(&'static Family, &'static str)>),
    /// No scope of an API account: every account reaches it, or it takes another credential.
    Nothing,
    /// The specs do not say; the families they leave it between, if they name some.
    Unclear(Vec<&'static Family>),
}

/// One operation of the table.
#[derive(Debug)]
pub struct Operation {
    pub method: &'static str,
    /// Its path template under `/stores/{store_hash}`, such as `/v3/catalog/products/{product_id}`.
    pub path: &'static str,
    pub needs: Needs,
    /// The spec it comes from.
    pub spec: &'static str,
    /// On what `needs` rests, or why it is unclear.
    pub basis: &'static str,
    segments: Vec<&'static str>,
}

impl Operation {
    /// Whether the operation takes another credential than an API account's token (a shopper's
    /// session, a payment access token, an app's own endpoint): an account never calls it.
    pub fn other_credential(&self) -> bool {
        self.needs == Needs::Nothing && !self.basis.contains("default scope")
    }
}

/// Every operation, parsed once.
pub fn table() -> &'static [Operation] {
    static PARSED: OnceLock<Vec<Operation>> = OnceLock::new();
    PARSED.get_or_init(|| TABLE.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).filter_map(row).collect())
}

fn row(line: &'static str) -> Option<Operation> {
    let mut cells = line.split('\t');
    let (method, path, needs, spec, basis) =
        (cells.next()?, cells.next()?, cells.next()?, cells.next()?, cells.next()?);
    Some(Operation { method, path, needs: Needs::parse(needs), spec, basis, segments: segments(path) })
}

impl Needs {
    /// The table's cell: `family:level` options joined by `|`, `-` for none, `?` and the
    /// candidate families for unclear.
    pub fn cell(&self) -> String {
        let keys = |families: &[&Family]| families.iter().map(|f| f.key).collect::<Vec<_>>().join("|");
        match self {
            Needs::AnyOf(options) => {
                options.iter().map(|(f, l)| format!("{}:{l}", f.key)).collect::<Vec<_>>().join("|")
            }
            Needs::Nothing => "-".into(),
            Needs::Unclear(candidates) => format!("?{}", keys(candidates)),
        }
    }

    /// The inverse of [`Needs::cell`]; what the catalogue does not know is left out.
    pub fn parse(cell: &str) -> Needs {
        match cell {
            "-" => Needs::Nothing,
            n if n.starts_with('?') => Needs::Unclear(n[1..].split('|').filter_map(scopes::family).collect()),
            n => Needs::AnyOf(
                n.split('|')
                    .filter_map(|option| {
                        let (key, level) = option.split_once(':')?;
                        let family = scopes::family(key)?;
                        Some((family, family.level(level)?.name))
                    })
                    .collect(),
            ),
        }
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// A request as an integration makes it, reduced to what the table is keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path under the store, without query or fragment.
    pub path: String,
}

/// Why a line is not a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotARequest(pub String);

impl std::fmt::Display for NotARequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

impl Request {
    /// `METHOD PATH-OR-URL`: `GET /v3/catalog/products/123`, `get
    /// https://api.bigcommerce.com/stores/abc123/v3/catalog/products?limit=5`, or a template
    /// such as `PUT /stores/{store_hash}/v3/catalog/products/{product_id}`.
    pub fn parse(text: &str) -> Result<Request, NotARequest> {
        let mut words = text.split_whitespace();
        let (Some(method), Some(target)) = (words.next(), words.next()) else {
            return Err(NotARequest("it is not `METHOD /path`".into()));
        };
        Request::new(method, target)
    }

    pub fn new(method: &str, target: &str) -> Result<Request, NotARequest> {
        let method = method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(NotARequest(format!("`{}` is not an HTTP method of the REST API", shorten(&method))));
        }
        let mut rest = target;
        let mut host = "";
        if let Some((scheme, after)) = rest.split_once("://") {
            if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                return Err(NotARequest(format!("`{}` is not an http(s) URL", shorten(target))));
            }
            let (h, path) =
                after.split_once('/').map(|(h, p)| (h, &after[h.len()..][..p.len() + 1])).unwrap_or((after, "/"));
            host = h;
            rest = path;
        }
        if !rest.starts_with('/') {
            return Err(NotARequest(format!("`{}` is neither a path nor a URL", shorten(target))));
        }
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        let mut parts = segments(path);
        if parts.first() == Some(&"stores") && parts.len() >= 2 {
            parts.drain(..2);
        }
        // The payments API lives on its own host, and the table keys it so.
        let prefix =
            if host.eq_ignore_ascii_case("payments.bigcommerce.com") { "payments.bigcommerce.com" } else { "" };
        Ok(Request { method, path: format!("{prefix}/{}", parts.join("/")) })
    }
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The operation a request is: of the templates that match it, the one with a literal segment
/// where another has a parameter, earliest first (`/carts/metafields` over `/carts/{cartId}`).
/// HEAD is answered as GET is.
pub fn find(request: &Request) -> Option<&'static Operation> {
    let method = if request.method == "HEAD" { "GET" } else { request.method.as_str() };
    let wanted = segments(&request.path);
    table()
        .iter()
        .filter(|op| op.method == method && op.segments.len() == wanted.len())
        .filter(|op| op.segments.iter().zip(&wanted).all(|(t, w)| segment_matches(t, w)))
        .max_by(|a, b| literals(a).cmp(&literals(b)).then_with(|| b.path.cmp(a.path)))
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn segment_matches(template: &str, given: &str) -> bool {
    match (is_parameter(template), is_parameter(given)) {
        (true, _) => !given.is_empty(),
        (false, false) => template == given,
        // A template in the request names a parameter, never a literal.
        (false, true) => false,
    }
}

fn literals(op: &Operation) -> Vec<bool> {
    op.segments.iter().map(|s| !is_parameter(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(line: &str) -> (&'static str, Needs) {
        let op = find(&Request::parse(line).unwrap()).unwrap_or_else(|| panic!("no operation for {line}"));
        (op.path, op.needs.clone())
    }

    fn one(key: &str, level: &'static str) -> Needs {
        Needs::AnyOf(vec![(scopes::family(key).unwrap(), level)])
    }

    #[test]
    fn every_row_of_the_table_parses() {
        let rows = TABLE.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).count();
        assert_eq!(table().len(), rows);
        for op in table() {
            if let Needs::AnyOf(options) = &op.needs {
                assert!(!options.is_empty(), "{} {}: a family or level the catalogue lacks", op.method, op.path);
            }
        }
    }

    /// A dozen operations checked by hand against the specs, across v2 and v3.
    #[test]
    fn hand_checked_operations() {
        let cases = [
            ("GET /v3/catalog/products/123", "/v3/catalog/products/{product_id}", one("products", "read-only")),
            ("PUT /v3/catalog/products/123", "/v3/catalog/products/{product_id}", one("products", "modify")),
            ("GET /v3/catalog/brands", "/v3/catalog/brands", one("products", "read-only")),
            ("POST /v2/orders", "/v2/orders", one("orders", "modify")),
            ("GET /v2/orders/100/products", "/v2/orders/{order_id}/products", one("orders", "read-only")),
            ("GET /v2/coupons", "/v2/coupons", one("marketing", "read-only")),
            ("POST /v3/content/widgets", "/v3/content/widgets", one("content", "modify")),
            ("GET /v2/store", "/v2/store", one("information_and_settings", "read-only")),
            ("POST /v3/themes/actions/activate", "/v3/themes/actions/activate", one("themes", "modify")),
            ("GET /v3/inventory/locations", "/v3/inventory/locations", one("store_locations", "read-only")),
            ("GET /v3/settings/analytics", "/v3/settings/analytics", one("content", "read-only")),
            ("POST /v3/storefront/api-token", "/v3/storefront/api-token", one("storefront_api_tokens", "modify")),
            ("GET /v3/segments", "/v3/segments", one("customers", "read-only")),
            // A GET that its note says needs modify.
            (
                "GET /v3/segments/5/shopper-profiles",
                "/v3/segments/{segmentId}/shopper-profiles",
                one("customers", "modify"),
            ),
        ];
        for (line, path, expected) in cases {
            let Some(op) = find(&Request::parse(line).unwrap()) else { panic!("{line} is not in the table") };
            assert_eq!((op.path, op.needs.clone()), (path, expected), "{line}");
        }
    }

    #[test]
    fn any_of_and_none_and_unclear_are_kept_apart() {
        let capture = needs("POST /v3/orders/1/payment_actions/capture").1;
        assert_eq!(
            capture,
            Needs::AnyOf(vec![
                (scopes::family("orders").unwrap(), "modify"),
                (scopes::family("order_transactions").unwrap(), "modify")
            ])
        );
        assert_eq!(needs("GET /v3/hooks").1, Needs::Nothing);
        assert!(matches!(needs("GET /v3/customers").1, Needs::Unclear(c) if c.len() == 2));
    }

    #[test]
    fn paths_match_with_ids_queries_hosts_and_templates() {
        let same = [
            "GET https://api.bigcommerce.com/stores/abc123/v3/catalog/products/77?include=variants#x",
            "get /stores/abc123/v3/catalog/products/77/",
            "GET /stores/{store_hash}/v3/catalog/products/{product_id}",
            "HEAD /v3/catalog/products/77",
        ];
        for line in same {
            assert_eq!(needs(line).0, "/v3/catalog/products/{product_id}", "{line}");
        }
        // A literal segment wins over a parameter at the same place.
        assert_eq!(needs("GET /v3/catalog/products/channel-assignments").0, "/v3/catalog/products/channel-assignments");
        assert!(find(&Request::parse("GET /v3/catalog/nothing-here").unwrap()).is_none());
        assert!(find(&Request::parse("GET /v3/catalog/products/{product_id}/extra/{x}").unwrap()).is_none());
        for bad in ["", "GET", "FETCH /v3/x", "GET v3/x", "GET ftp://h/v3/x"] {
            assert!(Request::parse(bad).is_err(), "{bad}");
        }
    }
}
