//! `bckeys completions`: a script per shell that knows every command.

#[test]
fn completion_scripts_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = assert_cmd::Command::cargo_bin("bckeys").unwrap().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for command in ["plan", "drift", "import", "validate", "scopes"] {
            assert!(text.contains(command), "{shell} completions lack {command}");
        }
    }
    assert_cmd::Command::cargo_bin("bckeys").unwrap().args(["completions", "cmd.exe"]).assert().code(1);
}
