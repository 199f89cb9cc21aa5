//! `tlbrace convert --to promela` and `--promela-flags`: the model as Spin reads it. Whether Spin and
//! tlbrace agree on it is bench/'s business (bench/compare.sh, bench/spin/crosscheck.py); here Spin
//! only has to accept Example 1's export, and only where it is installed.

use std::path::PathBuf;
use std::process::Command;

use tlbrace_core::examples::example;

mod common;
use common::{ok, refused, tlbrace};

#[test]
fn example_1_exports_as_a_promela_model_naming_each_steps_action() {
    let pml = ok(tlbrace(&["convert", "example-1", "--to", "promela"]));
    assert!(pml.starts_with("/* Example 1"), "{}", &pml[..60]);
    let sc = example("example-1").unwrap();
    for c in 0..sc.cpus {
        assert!(pml.contains(&format!("active proctype cpu{c}()")), "cpu{c}");
    }
    for (k, st) in sc.steps.iter().enumerate() {
        let call = format!("{}_s{}();", st.action.id(), k + 1);
        assert!(pml.contains(&call), "{call}");
    }
    assert!(pml.contains("#ifndef FIX_YU_MKCLEAN_PENDING\n#define FIX_YU_MKCLEAN_PENDING 0\n"));
}

#[test]
fn every_history_example_exports() {
    for name in [
        "ksm",
        "migrate-vma",
        "uffd-wp-cow",
        "oom-reaper",
        "zap-delayed-rmap",
    ] {
        let pml = ok(tlbrace(&["convert", name, "--to", "promela"]));
        assert!(pml.contains("active proctype stuck_end()"), "{name}");
    }
}

#[test]
fn the_variant_option_sets_the_models_defaults() {
    let pml = ok(tlbrace(&[
        "convert",
        "example-1",
        "--to",
        "promela",
        "--variant",
        "v5.12@arm64",
    ]));
    assert!(pml.contains("#define FIX_CLEAR_REFS_FLUSH 1\n"));
    assert!(pml.contains("#define ARM64 1\n"));
    let err = refused(tlbrace(&[
        "convert",
        "example-1",
        "--to",
        "json",
        "--variant",
        "v5.12",
    ]));
    assert!(
        err.contains("--variant only applies to --to promela"),
        "{err}"
    );
}

#[test]
fn promela_flags_prints_one_define_per_fix_and_the_architecture() {
    let out = ok(tlbrace(&[
        "convert",
        "--promela-flags",
        "v5.10-rc4+yu-mkclean-pending@arm64",
    ]));
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(words.len(), tlbrace_core::Fix::ALL.len() + 1, "{out}");
    assert!(words.contains(&"-DFIX_YU_MKCLEAN_PENDING=1"), "{out}");
    assert!(words.contains(&"-DFIX_ELIDE_EMPTY_FINISH=1"), "{out}");
    assert!(words.contains(&"-DFIX_CLEAR_REFS_FLUSH=0"), "{out}");
    assert_eq!(words.last(), Some(&"-DARM64=1"));
    // --arch applies to a spec without `@`.
    let out = ok(tlbrace(&[
        "convert",
        "--promela-flags",
        "v5.12",
        "--arch",
        "arm64",
    ]));
    assert!(out.trim_end().ends_with("-DARM64=1"), "{out}");
    let err = refused(tlbrace(&["convert", "--promela-flags", "v9"]));
    assert!(err.contains("unknown variant"), "{err}");
}

#[test]
fn a_scenario_that_cannot_run_is_refused_with_its_step() {
    let dir = std::env::temp_dir().join(format!("tlbrace-promela-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        r#"{"version": 2, "cpus": 2, "steps": [{"cpu": 0, "action": "write_to_page", "page": 1}]}"#,
    )
    .unwrap();
    let err = refused(tlbrace(&[
        "convert",
        path.to_str().unwrap(),
        "--to",
        "promela",
    ]));
    assert!(err.contains("step 1") && err.contains("page 1"), "{err}");
}

/// Spin accepts Example 1's export (`spin -a` writes pan.c). Skipped where Spin is not installed
/// (test.sh does not install it); bench/compare.sh and bench/spin/crosscheck.py install it and check
/// that Spin and the explorer agree on verdicts and state counts.
#[test]
fn spin_accepts_example_1_if_installed_else_skipped_bench_covers_it() {
    if Command::new("spin").arg("-V").output().is_err() {
        eprintln!("spin is not installed: skipped (bench/compare.sh covers the Promela export)");
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("tlbrace-promela-spin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pml = ok(tlbrace(&["convert", "example-1", "--to", "promela"]));
    std::fs::write(dir.join("model.pml"), pml).unwrap();
    let flags = ok(tlbrace(&["convert", "--promela-flags", "will-4+6"]));
    let out = Command::new("spin")
        .args(flags.split_whitespace())
        .args(["-a", "model.pml"])
        .current_dir(&dir)
        .output()
        .expect("run spin");
    assert!(
        out.status.success() && dir.join("pan.c").exists(),
        "spin -a failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
