//! The `pbi-doctor` binary: parse, run, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    pbi_doctor::run(std::env::args_os()).into()
}
