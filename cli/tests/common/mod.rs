//! Running the `tlbrace` binary as a script would, shared by the CLI's test files.
// Each test file is its own crate and uses a part of this.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `tlbrace` with `args`, standard input closed.
pub fn tlbrace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlbrace"))
        .args(args)
        .output()
        .expect("run tlbrace")
}

/// Runs `tlbrace` with `args`, `input` on its standard input.
pub fn tlbrace_stdin(args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlbrace"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tlbrace");
    // The child may stop reading early (a refused input); that is its business.
    let _ = child.stdin.take().unwrap().write_all(input.as_ref());
    child.wait_with_output().unwrap()
}

/// Standard output of a run that must succeed.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The message of a run that must fail the way bad input fails: status 2, one `tlbrace: ` line.
pub fn refused(o: Output) -> String {
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(err.starts_with("tlbrace: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

/// A file of core's test fixtures (diagrams as mails and commits draw them), as a path.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}
