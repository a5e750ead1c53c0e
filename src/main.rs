//! The canaryd binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    // The PDF reader child (see `canaryd::isolate`), before anything else starts.
    if std::env::args_os().nth(1).as_deref() == Some(canaryd::isolate::SUBCOMMAND.as_ref()) {
        return canaryd::isolate::child_main();
    }
    canaryd::isolate::install_self();
    canaryd::cli::main()
}
