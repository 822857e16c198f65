//! Recipients: the public keys every secret file is encrypted to, parsed in one place, and the
//! fingerprint of a set of them that the state records per file.

use std::fmt;
use std::path::Path;

use age::ssh::ParseRecipientKeyError;

/// One age recipient, as the configuration or a recipients file names it.
#[derive(Clone)]
pub struct Recipient {
    /// Canonical text: the key without any ssh comment, so the fingerprint ignores comments.
    canonical: String,
    key: Key,
}

#[derive(Clone)]
enum Key {
    X25519(age::x25519::Recipient),
    Ssh(Box<age::ssh::Recipient>),
}

/// Why a recipient could not be used, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientError {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for RecipientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Recipient {
    pub fn parse(text: &str) -> Result<Recipient, RecipientError> {
        Recipient::parse_shown(text, true)
    }

    /// Parses a recipient; with `show` false, no message quotes the text (a line of a file that
    /// may not be a recipients file at all, such as a private key named by mistake).
    fn parse_shown(text: &str, show: bool) -> Result<Recipient, RecipientError> {
        let text = text.trim();
        let subject = if show { format!("`{}`", shorten(text)) } else { "this line".to_owned() };
        if text.starts_with("age1") {
            return match text.parse::<age::x25519::Recipient>() {
                Ok(r) => Ok(Recipient { canonical: r.to_string(), key: Key::X25519(r) }),
                Err(_) if is_plugin_recipient(text) => unreachable_plugin(&subject),
                Err(_) => Err(RecipientError {
                    message: format!("{subject} is not a valid age X25519 recipient"),
                    hint: "copy the whole `age1...` line that `age-keygen` printed as the public key".into(),
                }),
            };
        }
        if text.starts_with("ssh-") || text.starts_with("ecdsa-") || text.starts_with("sk-") {
            return match text.parse::<age::ssh::Recipient>() {
                Ok(r) => Ok(Recipient { canonical: r.to_string(), key: Key::Ssh(Box::new(r)) }),
                Err(e) => Err(ssh_error(&subject, e)),
            };
        }
        if text.starts_with("AGE-SECRET-KEY-") || text.contains("PRIVATE KEY") {
            return Err(RecipientError {
                message: "this is a private key (an identity), not a recipient".into(),
                hint: "never put an identity in the configuration: give its public key (`age-keygen -y FILE` prints it) and remove the private key from this file and from git history".into(),
            });
        }
        Err(RecipientError {
            message: format!("{subject} is not an age recipient"),
            hint: "write an `age1...` public key, an `ssh-ed25519 ...` key or an `ssh-rsa ...` key".into(),
        })
    }

    /// The canonical text: `age1...` or `ssh-<type> <base64>`.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    pub(crate) fn as_age(&self) -> &dyn age::Recipient {
        match &self.key {
            Key::X25519(r) => r,
            Key::Ssh(r) => r.as_ref(),
        }
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Recipient").field(&self.canonical).finish()
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

fn is_plugin_recipient(text: &str) -> bool {
    text.starts_with("age1") && text[4..].contains('1')
}

fn unreachable_plugin(subject: &str) -> Result<Recipient, RecipientError> {
    Err(RecipientError {
        message: format!("{subject} is an age plugin recipient, which bckeys does not support"),
        hint: "use an X25519 (`age1...`), ssh-ed25519 or ssh-rsa recipient".into(),
    })
}

fn ssh_error(subject: &str, e: ParseRecipientKeyError) -> RecipientError {
    let (message, hint) = match e {
        ParseRecipientKeyError::RsaModulusTooSmall => (
            "this ssh-rsa key is shorter than 2048 bits, too weak for age".to_owned(),
            "use an ssh-ed25519 key or an RSA key of 2048 bits or more".to_owned(),
        ),
        ParseRecipientKeyError::RsaModulusTooLarge => (
            "this ssh-rsa key is larger than age supports".to_owned(),
            "use an ssh-ed25519 key or an RSA key of at most 4096 bits".to_owned(),
        ),
        ParseRecipientKeyError::Unsupported(kind) => {
            (format!("ssh key type `{kind}` is not supported by age"), "use an ssh-ed25519 or ssh-rsa key".to_owned())
        }
        _ => (
            format!("{subject} is not a valid ssh public key"),
            "copy the whole line of the `.pub` file, such as `ssh-ed25519 AAAA... user@host`".to_owned(),
        ),
    };
    RecipientError { message, hint }
}

/// Keeps messages readable when someone pastes a whole key file into one line.
fn shorten(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.chars().count() > 40 {
        format!("{}...", first_line.chars().take(37).collect::<String>())
    } else {
        first_line.to_owned()
    }
}

/// A problem in a recipients file, at a 1-based line.
#[derive(Debug, Clone)]
pub struct RecipientsFileProblem {
    pub line: usize,
    pub error: RecipientError,
}

/// Parses a recipients file in the format of `age -R`: one recipient per line, `#` comments and
/// blank lines ignored. Returns every problem, not just the first.
pub fn parse_recipients_file(text: &str) -> (Vec<Recipient>, Vec<RecipientsFileProblem>) {
    let mut recipients = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match Recipient::parse_shown(line, false) {
            Ok(r) => recipients.push(r),
            Err(error) => problems.push(RecipientsFileProblem { line: index + 1, error }),
        }
    }
    (recipients, problems)
}

/// The fingerprint of a recipient set: order and duplicates don't matter, comments don't matter.
pub fn fingerprint(recipients: &[Recipient]) -> String {
    let mut keys: Vec<&str> = recipients.iter().map(|r| r.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let digest = crate::fsutil::sha256_hex(keys.join("\n").as_bytes());
    format!("sha256:{}", &digest[..32])
}

/// Reads a recipients file relative to `base`, which it must not leave (no `..` out of it, no
/// absolute path, no symbolic link that leads out of it); bounded.
pub fn read_recipients_file(base: &Path, name: &str) -> std::io::Result<String> {
    let outside = || {
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "is outside the configuration's directory: bckeys reads recipients files only from inside the repository",
        )
    };
    let path = base.join(name);
    let root = base.canonicalize()?;
    let real = path.canonicalize()?;
    if !real.starts_with(&root) {
        return Err(outside());
    }
    crate::fsutil::read_text_bounded(&real, crate::fsutil::MAX_SMALL)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDwu2UZCl2+u7vig8Zqz7rW3cgA1gzukUg4pO3XUA7nQ";

    #[test]
    fn parses_x25519_and_ssh() {
        assert_eq!(Recipient::parse(X).unwrap().as_str(), X);
        let with_comment = format!("{ED} alice@laptop");
        assert_eq!(Recipient::parse(&with_comment).unwrap().as_str(), ED);
    }

    #[test]
    fn rejects_identities_and_garbage_with_hints() {
        let e = Recipient::parse("AGE-SECRET-KEY-1QQQ").unwrap_err();
        assert!(e.message.contains("private key"), "{e:?}");
        let e = Recipient::parse("age1notakey").unwrap_err();
        assert!(e.message.contains("not a valid age X25519 recipient"), "{e:?}");
        let e = Recipient::parse("hello").unwrap_err();
        assert!(e.hint.contains("age1"), "{e:?}");
    }

    #[test]
    fn fingerprint_ignores_order_duplicates_and_comments() {
        let a = Recipient::parse(X).unwrap();
        let b = Recipient::parse(&format!("{ED} bob")).unwrap();
        let b2 = Recipient::parse(ED).unwrap();
        assert_eq!(fingerprint(&[a.clone(), b.clone()]), fingerprint(&[b2, a.clone(), b]));
        assert_ne!(fingerprint(std::slice::from_ref(&a)), fingerprint(&[]));
    }

    #[test]
    fn recipients_file_reports_line_numbers() {
        let (ok, bad) = parse_recipients_file(&format!("# ops\n{X}\n\nnot-a-key\n"));
        assert_eq!(ok.len(), 1);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 4);
    }

    #[test]
    fn a_recipients_file_line_is_never_quoted() {
        let (_, bad) = parse_recipients_file("root:$6$secret-hash:19000:0:99999:7:::\nage1notakeysecretish\n");
        assert_eq!(bad.len(), 2);
        for p in bad {
            assert!(!p.error.message.contains("secret"), "{:?}", p.error);
        }
    }
}
