//! Text from outside (configuration values, names in credentials files, what BigCommerce answers)
//! made safe for a terminal: control characters are shown escaped, so an answer can't move the
//! cursor, clear the screen, retitle the window or hide a line behind another; so are the
//! invisible Unicode characters that reorder or hide text (bidirectional overrides and isolates,
//! zero-width characters, line and paragraph separators).

/// Whether a character must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

use std::borrow::Cow;

/// The `s` of an English plural: "1 file", "2 files".
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Every control character (C0, DEL, C1, newlines included) as a visible escape: for values that
/// belong on one line.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Control characters escaped except line feeds and tabs: for whole messages.
pub fn escape_terminal(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !is_unsafe(c) || keep(c) => out.push(c),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A URL that someone else set (a webhook destination found live), shown without what may be
/// a secret in it: no user information, no path or query (capability URLs keep their secret
/// there), but a digest of the whole, so two can be told apart. Control characters escaped.
pub fn redact_url(url: &str) -> String {
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(url.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let more = rest.len() > authority.len() && &rest[authority.len()..] != "/";
    let shown = if scheme.is_empty() { host.to_owned() } else { format!("{scheme}://{host}") };
    let shown = escape_controls(&shown).into_owned();
    if more || authority.contains('@') {
        format!("{shown}/… (sha256 {digest})")
    } else {
        format!("{shown} (sha256 {digest})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_set_by_others_are_shown_without_their_secrets() {
        let shown = redact_url("https://user:pw@hooks.example.net/catch/123/s3cr3t?token=abc");
        assert!(shown.starts_with("https://hooks.example.net/… (sha256 "), "{shown}");
        assert!(!shown.contains("s3cr3t") && !shown.contains("abc") && !shown.contains("pw"), "{shown}");
        assert_ne!(redact_url("https://a.example.net/x"), redact_url("https://a.example.net/y"));
        assert!(redact_url("https://a.example.net").starts_with("https://a.example.net (sha256"));
        assert!(!redact_url("https://a.example.net\u{1b}[2J/x").contains('\u{1b}'));
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(escape_controls("erp-sync"), "erp-sync");
        assert_eq!(escape_controls("a\u{1b}[2Jb\r\n\u{7}\u{9b}"), "a\\x1b[2Jb\\r\\n\\x07\\x9b");
        assert_eq!(escape_terminal("line one\n\tline \u{1b}]0;title\u{7}"), "line one\n\tline \\x1b]0;title\\x07");
        assert_eq!(escape_controls("abc\u{202e}fed\u{200b}"), "abc\\u{202e}fed\\u{200b}");
    }
}
