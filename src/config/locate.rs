//! Where each key and value of a YAML document stands, so that a problem found after parsing
//! can still name its line and column; and the duplicate keys that serde would silently merge.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn from_marker(m: Marker) -> Pos {
        Pos { line: m.line(), column: m.col() + 1 }
    }
}

/// The position of a node's key (for sequence items: the item itself) and of its value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub key: Pos,
    pub value: Pos,
}

/// A key written twice in one mapping.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub path: Vec<String>,
    pub first: Pos,
    pub second: Pos,
}

/// Positions of every node, by path of keys and sequence indexes.
#[derive(Debug, Default)]
pub struct Locations {
    spans: HashMap<Vec<String>, Span>,
    pub duplicates: Vec<Duplicate>,
}

/// serde_yaml's error as a position and a message without its trailing " at line N column M".
pub fn serde_error(e: &serde_yaml::Error) -> (Pos, String) {
    let pos = e.location().map(|l| Pos { line: l.line(), column: l.column() }).unwrap_or(Pos { line: 1, column: 1 });
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    (pos, message)
}

/// A YAML syntax error.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl Locations {
    /// Indexes every node. Costs a full parse; callers use it only once a problem is found.
    pub fn scan(source: &str) -> Result<Locations, SyntaxError> {
        Builder::run(source, true)
    }

    /// Finds syntax errors and duplicate keys only, without indexing: the cheap check every
    /// load makes.
    pub fn check(source: &str) -> Result<Vec<Duplicate>, SyntaxError> {
        Builder::run(source, false).map(|l| l.duplicates)
    }

    /// The span of the node at `path`, or of its nearest ancestor that was written down.
    pub fn span<S: AsRef<str>>(&self, path: &[S]) -> Span {
        let mut path: Vec<String> = path.iter().map(|s| s.as_ref().to_owned()).collect();
        loop {
            if let Some(span) = self.spans.get(&path) {
                return *span;
            }
            if path.pop().is_none() {
                return Span { key: Pos { line: 1, column: 1 }, value: Pos { line: 1, column: 1 } };
            }
        }
    }

    pub fn key<S: AsRef<str>>(&self, path: &[S]) -> Pos {
        self.span(path).key
    }

    pub fn value<S: AsRef<str>>(&self, path: &[S]) -> Pos {
        self.span(path).value
    }
}

/// One open mapping or sequence, with the segment its parent knows it by.
enum Frame {
    Map { segment: String, pending_key: Option<(String, Pos)>, seen: HashMap<String, Pos> },
    Seq { segment: String, next: usize },
}

impl Frame {
    fn segment(&self) -> &str {
        match self {
            Frame::Map { segment, .. } | Frame::Seq { segment, .. } => segment,
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    index: bool,
    locations: Locations,
}

impl Builder {
    fn run(source: &str, index: bool) -> Result<Locations, SyntaxError> {
        let mut builder = Builder { stack: Vec::new(), index, locations: Locations::default() };
        Parser::new_from_str(source)
            .load(&mut builder, false)
            .map_err(|e| SyntaxError { pos: Pos::from_marker(*e.marker()), message: e.info().to_owned() })?;
        Ok(builder.locations)
    }

    /// The path of the open frames (the root frame has no segment) plus `last`.
    fn path(&self, last: &str) -> Vec<String> {
        self.stack.iter().skip(1).map(|f| f.segment().to_owned()).chain([last.to_owned()]).collect()
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = Pos::from_marker(mark);
        if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
            self.stack.pop();
            return;
        }
        if !matches!(event, Event::Scalar(..) | Event::Alias(_) | Event::MappingStart(..) | Event::SequenceStart(..)) {
            return;
        }
        let (segment, key_pos) = match self.stack.last_mut() {
            None => (String::new(), pos),
            Some(Frame::Map { pending_key, seen, .. }) => match pending_key.take() {
                None => {
                    // A key. Complex keys (mappings as keys) don't occur in a valid config; they
                    // get a placeholder name and fail later as unknown keys.
                    let name = match &event {
                        Event::Scalar(value, ..) => value.clone(),
                        _ => "?".to_owned(),
                    };
                    let first = seen.get(&name).copied();
                    if first.is_none() {
                        seen.insert(name.clone(), pos);
                    }
                    *pending_key = Some((name.clone(), pos));
                    if let Some(first) = first {
                        let path = self.path(&name);
                        self.locations.duplicates.push(Duplicate { path, first, second: pos });
                    }
                    if matches!(event, Event::MappingStart(..) | Event::SequenceStart(..)) {
                        // Skip over a complex key's contents without recording them.
                        self.stack.push(Frame::Seq { segment: "?".into(), next: 0 });
                    }
                    return;
                }
                Some((name, key_pos)) => (name, key_pos),
            },
            Some(Frame::Seq { next, .. }) => {
                *next += 1;
                ((*next - 1).to_string(), pos)
            }
        };
        if self.index && !self.stack.is_empty() {
            let path = self.path(&segment);
            self.locations.spans.insert(path, Span { key: key_pos, value: pos });
        }
        match event {
            Event::MappingStart(..) => self.stack.push(Frame::Map { segment, pending_key: None, seen: HashMap::new() }),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq { segment, next: 0 }),
            _ => {}
        }
    }
}

/// The values of a YAML document that hold a control character, by path, with the value shown
/// escaped. Walked only when the text could hold one (a raw control character, or a backslash
/// escape in a quoted string), so a plain document costs one scan.
pub fn control_characters(text: &str) -> Vec<(Vec<String>, String)> {
    if !text.chars().any(|c| (crate::text::is_unsafe(c) && c != '\n' && c != '\r' && c != '\t') || c == '\\') {
        return Vec::new();
    }
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(text) else { return Vec::new() };
    let mut found = Vec::new();
    walk(&value, &mut Vec::new(), &mut found);
    return found;

    fn walk(value: &serde_yaml::Value, path: &mut Vec<String>, found: &mut Vec<(Vec<String>, String)>) {
        match value {
            serde_yaml::Value::String(s) if s.chars().any(crate::text::is_unsafe) => {
                found.push((path.clone(), crate::text::escape_controls(s).into_owned()));
            }
            serde_yaml::Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(item, path, found);
                    path.pop();
                }
            }
            serde_yaml::Value::Mapping(map) => {
                for (k, v) in map {
                    let key = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_owned(),
                    };
                    if key.chars().any(crate::text::is_unsafe) {
                        // Named by its parent: the key itself can't be shown as it is.
                        let shown = crate::text::escape_controls(&key).into_owned();
                        found.push((path.clone(), format!("in the key `{shown}`")));
                        continue;
                    }
                    path.push(key);
                    walk(v, path, found);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "version: 1\nstores:\n  prod:\n    store_hash: abc\n    list:\n      - a\n      - b: 1\n";

    #[test]
    fn control_characters_are_found_in_values_and_keys() {
        let found = control_characters("a:\n  b: \"x\\e[2J\"\n  \"k\\u202e\": 1\nc: plain\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0], (vec!["a".to_owned(), "b".to_owned()], "x\\x1b[2J".to_owned()));
        assert_eq!(found[1].0, vec!["a".to_owned()]);
        assert!(control_characters("a: b\n").is_empty());
    }

    #[test]
    fn keys_and_values_are_located() {
        let loc = Locations::scan(DOC).unwrap();
        assert_eq!(loc.key(&["version"]), Pos { line: 1, column: 1 });
        assert_eq!(loc.value(&["version"]), Pos { line: 1, column: 10 });
        assert_eq!(loc.key(&["stores", "prod", "store_hash"]), Pos { line: 4, column: 5 });
        assert_eq!(loc.value(&["stores", "prod", "list", "1"]).line, 7);
        assert_eq!(loc.key(&["stores", "prod", "list", "1", "b"]), Pos { line: 7, column: 9 });
        // An unknown path falls back to its nearest ancestor.
        assert_eq!(loc.key(&["stores", "prod", "missing"]), Pos { line: 3, column: 3 });
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_positions() {
        let loc = Locations::scan("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap();
        assert_eq!(loc.duplicates.len(), 1);
        let d = &loc.duplicates[0];
        assert_eq!(d.path, vec!["b", "c"]);
        assert_eq!((d.first.line, d.second.line), (3, 4));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = Locations::scan("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
    }
}
