//! The `tlbrace` binary as a script would use it: exit codes, text and JSON output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tlbrace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlbrace"))
        .args(args)
        .output()
        .expect("run tlbrace")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn run_prints_every_presets_verdict() {
    let o = tlbrace(&["run", "example-1"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for (preset, verdict) in [
        ("v5.10-rc4", "lost"),
        ("will-4+6", "lost"),
        ("yu-fix", "guaranteed"),
        ("yu-fix+flush", "guaranteed"),
        ("v5.12", "lost"),
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{preset} ")))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(line.contains(&format!(" {verdict}:")), "{line}");
    }
}

#[test]
fn explain_draws_the_diagram_with_state_and_reasons() {
    let o = tlbrace(&["run", "example-1", "--explain", "--variant", "will-4+6"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("CPU0        CPU1        CPU2        CPU3"),
        "{text}"
    );
    assert!(text.contains("[using stale PTE]"));
    assert!(
        text.contains("this variant does not check mm_tlb_flush_pending"),
        "{text}"
    );
    assert!(
        text.contains(" *11 "),
        "the drop is marked decisive:\n{text}"
    );
}

#[test]
fn json_output_is_machine_readable() {
    let o = tlbrace(&["run", "example-2b", "--json", "--explain"]);
    assert!(o.status.success());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    assert!(runs.iter().all(|r| r["verdict"]["verdict"] == "guaranteed"));
    assert_eq!(runs[0]["events"].as_array().unwrap().len(), 7);
}

#[test]
fn reads_a_scenario_from_standard_input() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlbrace"))
        .args(["run", "-", "--variant", "v5.12@arm64"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let json = r#"{"version":1,"cpus":2,"initial":{"pg_dirty":false,"disk":1},"steps":[{"cpu":0,"action":"cache_pte_in_tlb"},{"cpu":1,"action":"pte_mkclean"},{"cpu":0,"action":"write_to_page"}]}"#;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("v5.12@arm64  at risk"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_input_exits_non_zero_with_a_message() {
    for args in [
        vec!["run", "no-such-example"],
        vec!["run", "example-1", "--variant", "linux-2.4"],
    ] {
        let o = tlbrace(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("tlbrace: "), "{err}");
    }
    let dir = std::env::temp_dir().join(format!("tlbrace-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"version":1,"cpus":4,"steps":[{"cpu":0,"action":"madvise"}]}"#,
    )
    .unwrap();
    let o = tlbrace(&["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown variant `madvise`"));
}

#[test]
fn listings_name_the_built_ins() {
    assert!(stdout(&tlbrace(&["examples"])).contains("example-2c"));
    assert!(stdout(&tlbrace(&["variants"])).contains("yu-fix+flush"));
    assert!(stdout(&tlbrace(&["actions"])).contains("page_mkclean_one"));
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `tlbrace run long.json --explain | head -1`: the pipe closes after one line while hundreds of
    // kilobytes (more than a pipe holds) are still to come; the rest must not panic.
    let steps: Vec<String> = (0..256)
        .map(|i| {
            let action = ["cache_pte_in_tlb", "write_to_page", "local_flush_tlb_page"][i % 3];
            format!(r#"{{"cpu":{},"action":"{action}"}}"#, i % 4)
        })
        .collect();
    let json = format!(r#"{{"version":1,"cpus":4,"steps":[{}]}}"#, steps.join(","));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlbrace"))
        .args(["run", "-", "--explain"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tlbrace");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
}
