//! Man pages from a clap definition plus the sections clap does not write
//! (EXIT STATUS, EXAMPLES, SEE ALSO), for ngctl(8) and nghook(8).

use std::io::Write;
use std::process::ExitCode;

/// Writes `cmd`'s man page in section 8 followed by `extra` (roff) to
/// standard output; the exit status says whether that worked.
pub fn print(cmd: clap::Command, extra: &str) -> ExitCode {
    let mut out = std::io::stdout();
    match clap_mangen::Man::new(cmd)
        .section("8")
        .render(&mut out)
        .and_then(|()| out.write_all(extra.as_bytes()))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(71),
    }
}
