use std::process::ExitCode;

fn main() -> ExitCode {
    bckeys::cli::main()
}
