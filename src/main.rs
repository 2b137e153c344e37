//! The `pbi-doctor` binary: parse, run, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    // The one place the process environment is read; blank values count as unset.
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    pbi_doctor::run(std::env::args_os(), &env).into()
}
