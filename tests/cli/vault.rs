//! Secret files: interoperability with the real `age` tool, every recipient kind, identities
//! from every source, and quiet rewrites.

use std::process::Command as Std;

use bckeys::vault::{self, Identities, Recipient};
use secrecy::SecretString;

use crate::common::{age_available, Repo};

const PLAINTEXT: &[u8] = b"access_token: tok-123\nclient_secret: sec-456\n";

fn ssh_key(repo: &Repo, kind: &str) -> (std::path::PathBuf, String) {
    let path = repo.path(&format!("id_{kind}"));
    let mut cmd = Std::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", "", "-C", "test@bckeys", "-f"]).arg(&path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    assert!(cmd.status().expect("ssh-keygen runs").success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    (path, public.trim().to_owned())
}

fn ssh_keygen_available() -> bool {
    Std::new("ssh-keygen").arg("-?").output().is_ok()
}

#[test]
fn age_decrypts_what_bckeys_wrote() {
    if !age_available() {
        eprintln!("SKIPPED: the `age` command is not installed (.ci/run installs Debian's age)");
        return;
    }
    let repo = Repo::new();
    let file = repo.path("secrets/store/p/erp-sync.age");
    vault::write_file(repo.dir.path(), &file, PLAINTEXT, &repo.recipients(&[]), true, None).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), "armored by default: {text}");
    assert!(!text.contains("tok-123"));
    let out = Std::new("age").arg("-d").arg("-i").arg(&repo.identity).arg(&file).output().unwrap();
    assert!(out.status.success(), "age -d failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, PLAINTEXT);
}

#[test]
fn bckeys_decrypts_what_age_wrote() {
    if !age_available() {
        eprintln!("SKIPPED: the `age` command is not installed (.ci/run installs Debian's age)");
        return;
    }
    let repo = Repo::new();
    let plain = repo.path("plain.txt");
    std::fs::write(&plain, PLAINTEXT).unwrap();
    for armor in [true, false] {
        let file = repo.path(if armor { "by-age.age" } else { "by-age-binary.age" });
        let mut cmd = Std::new("age");
        cmd.arg("-r").arg(&repo.recipient).arg("-o").arg(&file);
        if armor {
            cmd.arg("-a");
        }
        assert!(cmd.arg(&plain).status().unwrap().success());
        let decrypted = vault::read_file(&file, &repo.identities()).unwrap();
        assert_eq!(decrypted.as_slice(), PLAINTEXT);
    }
}

#[test]
fn every_recipient_kind_decrypts_and_others_do_not() {
    if !age_available() || !ssh_keygen_available() {
        eprintln!("SKIPPED: needs the `age` and `ssh-keygen` commands");
        return;
    }
    let repo = Repo::new();
    let (ed_key, ed_pub) = ssh_key(&repo, "ed25519");
    let (rsa_key, rsa_pub) = ssh_key(&repo, "rsa");
    // The third recipient comes from a recipients file, as `age -R` reads it.
    let other = Repo::new();
    repo.write("keys/ops.txt", &format!("# ops\n\n{}\n", other.recipient));
    repo.write(
        "bckeys.yaml",
        &format!("version: 1\nencryption:\n  recipients:\n    - {}\n    - {ed_pub}\n    - {rsa_pub}\n  recipients_files: [keys/ops.txt]\n", repo.recipient),
    );
    let config = bckeys::config::Config::load(&repo.path("bckeys.yaml")).unwrap();
    assert_eq!(config.encryption.recipients.len(), 4);
    let file = repo.path("secrets/x.age");
    vault::write_file(repo.dir.path(), &file, PLAINTEXT, &config.encryption.recipients, true, None).unwrap();
    for key in [&repo.identity, &ed_key, &rsa_key, &other.identity] {
        let out = Std::new("age").arg("-d").arg("-i").arg(key).arg(&file).output().unwrap();
        assert!(out.status.success(), "{} can't decrypt: {}", key.display(), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, PLAINTEXT);
    }
    // bckeys reads with an ssh identity too.
    let ids = Identities::load(&[ed_key], None, None).unwrap().unwrap();
    assert_eq!(vault::read_file(&file, &ids).unwrap().as_slice(), PLAINTEXT);
    // And a stranger can't.
    let stranger = Repo::new();
    let err = vault::read_file(&file, &stranger.identities()).unwrap_err();
    assert!(err.to_string().contains("none of the identities given is a recipient of"), "{err}");
}

#[test]
fn identity_from_the_environment_value() {
    let repo = Repo::new();
    let file = repo.path("s.age");
    vault::write_file(repo.dir.path(), &file, PLAINTEXT, &repo.recipients(&[]), true, None).unwrap();
    let key = SecretString::from(std::fs::read_to_string(&repo.identity).unwrap());
    let ids = Identities::load(&[], None, Some(&key)).unwrap().unwrap();
    assert_eq!(vault::read_file(&file, &ids).unwrap().as_slice(), PLAINTEXT);
    // And from BCKEYS_IDENTITY_FILE's path.
    let ids = Identities::load(&[], Some(&repo.identity), None).unwrap().unwrap();
    assert_eq!(vault::read_file(&file, &ids).unwrap().as_slice(), PLAINTEXT);
    // Nothing given is no identity, not an error: the caller decides.
    assert!(Identities::load(&[], None, None).unwrap().is_none());
}

#[test]
fn bad_identities_say_what_is_wrong_without_showing_the_key() {
    let repo = Repo::new();
    repo.write("not-a-key.txt", "AGE-SECRET-KEY-1NOTAREALKEYATALL\n");
    let err = Identities::load(&[repo.path("not-a-key.txt")], None, None).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("not-a-key.txt"), "{text}");
    assert!(!text.contains("NOTAREALKEY"), "the key text leaked: {text}");
    let err = Identities::load(&[repo.path("missing.txt")], None, None).unwrap_err();
    assert!(err.to_string().contains("cannot read identity file"), "{err}");
}

#[test]
fn unchanged_plaintext_is_not_rewritten() {
    let repo = Repo::new();
    let file = repo.path("secrets/s.age");
    let recipients = repo.recipients(&[]);
    let ids = repo.identities();
    let first = vault::write_file(repo.dir.path(), &file, PLAINTEXT, &recipients, true, None).unwrap();
    let before = std::fs::read(&file).unwrap();
    let fp = vault::fingerprint(&recipients);

    let again = vault::write_file(repo.dir.path(), &file, PLAINTEXT, &recipients, true, Some((&ids, &fp))).unwrap();
    assert!(!again.rewritten);
    assert_eq!(again.sha256, first.sha256);
    assert_eq!(std::fs::read(&file).unwrap(), before, "the bytes must not change");

    let changed = vault::write_file(repo.dir.path(), &file, b"other", &recipients, true, Some((&ids, &fp))).unwrap();
    assert!(changed.rewritten);

    // A new recipient set means a rewrite even for the same plaintext.
    let more = repo.recipients(&[&Repo::new().recipient]);
    let rekeyed = vault::write_file(repo.dir.path(), &file, b"other", &more, true, Some((&ids, &fp))).unwrap();
    assert!(rekeyed.rewritten);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn recipients_are_validated_with_a_reason() {
    let e = Recipient::parse("ssh-dss AAAAB3NzaC1kc3MAAACBAP").unwrap_err();
    assert!(e.message.contains("ssh"), "{e:?}");
}
