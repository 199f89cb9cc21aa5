//! The `tlbrace` binary as a script would use it: exit codes, text and JSON output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

mod common;
use common::{tlbrace, tlbrace_stdin};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The line of `text` whose names column holds preset `name`: alone, in a list, or inside a range of
/// presets that ran alike (`v4.13 … v5.10-rc4, v5.10`, in `Preset::ALL`'s order).
fn line_naming<'a>(text: &'a str, name: &str) -> &'a str {
    let all: Vec<&str> = tlbrace_core::Preset::ALL.iter().map(|p| p.name()).collect();
    let index = |n: &str| all.iter().position(|a| *a == n);
    let names = |line: &str| -> Vec<String> {
        let column = line.split("  ").next().unwrap_or("");
        column
            .split(", ")
            .flat_map(|part| match part.split_once(" … ") {
                Some((a, b)) => match (index(a), index(b)) {
                    (Some(i), Some(j)) => all[i..=j].iter().map(|n| n.to_string()).collect(),
                    _ => vec![],
                },
                None => vec![part.to_string()],
            })
            .collect()
    };
    text.lines()
        .find(|l| names(l).iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
}

#[test]
fn run_prints_every_presets_verdict() {
    let o = tlbrace(&["run", "example-1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for (preset, verdict) in [
        ("v3.12", "lost"),
        ("v5.10-rc4", "lost"),
        ("will-4+6", "lost"),
        ("yu-fix", "guaranteed"),
        ("yu-fix+flush", "guaranteed"),
        ("v5.12", "lost"),
    ] {
        let line = line_naming(&text, preset);
        assert!(line.contains(&format!("  {verdict}:")), "{line}");
    }
    // Every preset is on exactly one line, alone, listed or within a range.
    for p in tlbrace_core::Preset::ALL {
        line_naming(&text, p.name());
    }
    // Presets that ran alike share a line, and the output says why.
    assert!(text.contains(" … "), "{text}");
    assert!(text.contains("never consulted"), "{text}");
}

#[test]
fn a_custom_spec_runs_like_the_preset_it_approximates() {
    // Yu Zhao's fix is yu-mkclean-pending plus yu-no-gather; the first alone decides example-1.
    let verdict = |spec: &str| {
        let o = tlbrace(&["run", "example-1", "--variant", spec, "--json"]);
        assert!(o.status.success(), "{spec}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        doc["runs"][0]["label"].as_str().unwrap().to_string()
    };
    assert_eq!(verdict("v5.10-rc4+yu-mkclean-pending"), verdict("yu-fix"));
    assert_eq!(verdict("yu-fix"), "guaranteed");
    // A commit id names a fix, and the name printed is the canonical one.
    let o = tlbrace(&["run", "example-1", "--variant", "v4.13+912efa17e512@arm64"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("v4.13+clear-refs-flush@arm64  lost:"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_bad_spec_is_refused_with_the_valid_names() {
    let o = tlbrace(&["run", "example-1", "--variant", "linux-2.4"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("tlbrace: unknown variant `linux-2.4`"),
        "{err}"
    );
    assert!(
        err.contains("v5.12") && err.contains("yu-fix+flush"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let o = tlbrace(&["explore", "example-1", "--variant", "v5.12+nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unknown fix `nonsense`"), "{err}");
    assert!(err.contains("clear-refs-flush"), "lists the fixes: {err}");

    let o = tlbrace(&["minimize", "example-1", "--variant", "v5.12@sparc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown architecture `sparc`"),
        "{}",
        stderr(&o)
    );
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
        text.contains("this kernel does not check mm_tlb_flush_pending"),
        "{text}"
    );
    // The fix that decided a step is named with it.
    assert!(text.contains("[yu-mkclean-pending off"), "{text}");
    assert!(text.contains("fixes consulted: "), "{text}");
    assert!(
        text.contains(" *11 "),
        "the drop is marked decisive:\n{text}"
    );
}

#[test]
fn explain_shows_both_pages() {
    let json = r#"{"version":2,"cpus":2,"pages":[{"kind":"file"},{"kind":"anon"}],"steps":[
        {"cpu":0,"action":"cache_pte_in_tlb","page":1},
        {"cpu":0,"action":"cache_pte_in_tlb"},
        {"cpu":1,"action":"try_to_migrate_one","page":1},
        {"cpu":1,"action":"move_to_new_page","page":1},
        {"cpu":0,"action":"write_to_page","page":1}]}"#;
    let o = tlbrace_stdin(
        &["run", "-", "--explain", "--variant", "v6.2"],
        json.as_bytes(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for want in ["PTE0", "PTE1", "mem0", "mem1", "@p1", "@p0"] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
}

#[test]
fn json_output_is_machine_readable() {
    let o = tlbrace(&["run", "example-2b", "--json", "--explain"]);
    assert!(o.status.success());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), tlbrace_core::Preset::ALL.len());
    assert!(runs
        .iter()
        .all(|r| r["label"] == "guaranteed" && r["verdict"].get("guaranteed").is_some()));
    assert_eq!(runs[0]["events"].as_array().unwrap().len(), 7);
    assert_eq!(runs[0]["variant"], "v3.12");
    assert!(runs[0]["consulted"].is_array());
    assert_eq!(doc["irregular"], serde_json::json!([]));
}

#[test]
fn reads_a_scenario_from_standard_input() {
    let json = r#"{"version":1,"cpus":2,"initial":{"pg_dirty":false,"disk":1},"steps":[{"cpu":0,"action":"cache_pte_in_tlb"},{"cpu":1,"action":"pte_mkclean"},{"cpu":0,"action":"write_to_page"}]}"#;
    let o = tlbrace_stdin(&["run", "-", "--variant", "v5.12@arm64"], json.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("v5.12@arm64  at risk"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_step_without_its_paths_head_is_warned_about() {
    // Example 1 without CPU1's inc_tlb_flush_pending(): its clean_record_pte() runs alone.
    let mut s = tlbrace_core::examples::example("example-1").unwrap();
    assert_eq!(s.steps[1].action, tlbrace_core::Action::IncTlbFlushPending);
    s.steps.remove(1);
    let json = tlbrace_core::formats::json::to_json(&s);
    let o = tlbrace_stdin(&["run", "-", "--variant", "v5.12"], json.as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "tlbrace: warning: step 2 (clean_record_pte() on CPU1) has no inc_tlb_flush_pending() \
             before it in its path: no kernel runs it alone"
        ),
        "{err}"
    );
    let o = tlbrace_stdin(&["run", "-", "--json"], json.as_bytes());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["irregular"][0]["step"], 1);
    assert_eq!(doc["irregular"][0]["missing"], "inc_tlb_flush_pending");
    // A regular timeline says nothing.
    assert!(stderr(&tlbrace(&["run", "example-1"])).is_empty());
}

#[test]
fn oversize_input_is_refused_with_a_message() {
    let big = vec![b' '; 3 << 20];
    let o = tlbrace_stdin(&["run", "-"], &big);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("tlbrace: standard input: more than 2112 KiB, the most tlbrace reads"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    let o = tlbrace_stdin(&["convert", "-", "--to", "json"], b"{\"version\": 2, \xff}");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
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
    let examples = stdout(&tlbrace(&["examples"]));
    assert!(examples.contains("example-2c"));
    // The history: each race with its commit and the two kernels to compare.
    let ksm = examples.lines().find(|l| l.contains("ksm")).unwrap();
    assert!(
        ksm.contains("b3a81d0841a9") && ksm.contains("v4.12 / v4.13"),
        "{ksm}"
    );
    let variants = stdout(&tlbrace(&["variants"]));
    for want in [
        "yu-fix+flush",
        "v5.12",
        "912efa17e512",
        "*clear-refs-flush",
        "page_mkclean_one",
    ] {
        assert!(variants.contains(want), "{want}:\n{variants}");
    }
    let actions = stdout(&tlbrace(&["actions"]));
    assert!(actions.contains("page_mkclean_one"));
    let reclaim = actions
        .split("\n\n")
        .find(|block| block.starts_with("reclaim:"))
        .unwrap_or_else(|| panic!("{actions}"));
    assert!(reclaim.contains("try_to_unmap_one"), "{reclaim}");
}

#[test]
fn listings_have_json_forms() {
    let o = tlbrace(&["variants", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let v512 = doc["presets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "v5.12")
        .unwrap();
    assert!(v512["new"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("clear-refs-flush")));
    let fix = doc["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["commit"] == "912efa17e512")
        .unwrap();
    assert_eq!(fix["name"], "clear-refs-flush");
    assert_eq!(fix["release"], "v5.12-rc1");
    assert_eq!(fix["function"], "clear_refs_write");

    let o = tlbrace(&["actions", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let reclaim = doc["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "reclaim")
        .unwrap();
    let unmap = reclaim["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "try_to_unmap_one")
        .unwrap();
    assert_eq!(unmap["per_page"], true);
    assert!(unmap["summary"].as_str().is_some_and(|s| !s.is_empty()));
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

#[test]
fn fix_names_yu_zhaos_check_with_the_flush_for_example_1() {
    let out = stdout(&tlbrace(&["fix", "example-1", "--base", "v5.10-rc4"]));
    assert!(out.contains("add yu-mkclean-pending"), "{out}");
    assert!(
        out.contains("(these changes are also in yu-fix+flush)"),
        "{out}"
    );
    assert!(out.contains("Tempting but not enough"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&tlbrace(&["fix", "example-2a", "--json"]))).unwrap();
    assert_eq!(
        json["closing"][0]["changes"][0]["fix"],
        "yu-mkclean-pending"
    );
    let safe = stdout(&tlbrace(&["fix", "example-2b"]));
    assert!(safe.contains("nothing to fix"), "{safe}");
}

#[test]
fn diff_names_page_mkclean_one_as_where_they_part_ways() {
    let out = stdout(&tlbrace(&["diff", "example-1", "v5.10-rc4", "yu-fix"]));
    assert!(
        out.contains("They part ways at step 8 (CPU3 page_mkclean_one())"),
        "{out}"
    );
    assert!(out.contains("decided by: yu-mkclean-pending"), "{out}");
    let bad = tlbrace(&["diff", "example-1", "v5.10-rc4", "v9.9"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_reply_fits_a_mail_and_reads_back() {
    let out = tlbrace(&["reply", "example-1", "--url", "https://example.org/t/"]);
    let text = stdout(&out);
    assert!(text.lines().all(|l| l.chars().count() <= 78), "{text}");
    assert!(text.contains("yu-fix, yu-fix+flush: guaranteed"), "{text}");
    // Quoted as a mail client would, then read back as a scenario.
    let quoted: String = text.lines().map(|l| format!("> {l}\n")).collect();
    let dir = std::env::temp_dir().join(format!("tlbrace-reply-{}", std::process::id()));
    std::fs::write(&dir, quoted).unwrap();
    let json = stdout(&tlbrace(&[
        "convert",
        dir.to_str().unwrap(),
        "--to",
        "json",
    ]));
    let _ = std::fs::remove_file(&dir);
    let back = tlbrace_core::formats::json::from_json(&json).unwrap();
    assert_eq!(back, tlbrace_core::examples::example("example-1").unwrap());
}

#[test]
fn convert_writes_a_mermaid_sequence_diagram() {
    let out = stdout(&tlbrace(&["convert", "example-2c", "--to", "mermaid"]));
    assert!(out.starts_with("sequenceDiagram"), "{out}");
    assert!(
        out.contains("Note over CPU2: 4. page_mkclean_one()"),
        "{out}"
    );
}

#[test]
fn run_names_the_commits_where_the_releases_part_ways() {
    let out = stdout(&tlbrace(&["run", "soft-dirty"]));
    assert!(
        out.contains("v5.2 -> v5.10-rc4: guaranteed -> soft-dirty-miss, by 0758cd830494"),
        "{out}"
    );
    assert!(
        out.contains("v5.11 -> v5.12: soft-dirty-miss -> guaranteed, by 912efa17e512"),
        "{out}"
    );
}
