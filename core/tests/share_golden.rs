//! Link stability: every fragment in `tests/golden/` was made by an earlier release and must keep
//! opening to exactly the scenario stored next to it, forever. The encoder must also still produce
//! those very fragments, so that a change to it is a decision someone takes, not an accident.
//!
//! Each case is a pair `NAME.url` (the fragment, one line) and `NAME.json` (the scenario it opens to),
//! in the folder of the format version that wrote it: `golden/v1/` holds links made by model v1's
//! releases (frozen: they must open, the encoder no longer writes them), `golden/v2/` the current
//! encoder's. To add a case, write `v2/NAME.json` and run
//! `cargo test -p tlbrace-core --test share_golden -- --ignored`, which writes the missing `.url` files
//! and never overwrites one.

use std::fs;
use std::path::{Path, PathBuf};

use tlbrace_core::{formats::json, formats::share};

/// The folder of links the current encoder writes.
const CURRENT: &str = "v2";

fn golden_dir(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(version)
}

fn cases(version: &str) -> Vec<(String, PathBuf, PathBuf)> {
    let mut cases: Vec<_> = fs::read_dir(golden_dir(version))
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|json| {
            let name = json.file_stem().unwrap().to_string_lossy().into_owned();
            (name, json.with_extension("url"), json)
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_golden_link_opens_to_its_scenario() {
    for version in ["v1", CURRENT] {
        let cases = cases(version);
        assert!(
            cases.len() >= 10,
            "{version}: expected the examples and the edge cases"
        );
        for (name, url, json) in cases {
            let fragment = fs::read_to_string(&url)
                .unwrap_or_else(|e| panic!("{name}: {}: {e}", url.display()));
            let want = json::from_json(&fs::read_to_string(&json).unwrap())
                .unwrap_or_else(|e| panic!("{name}.json: {e}"));
            let got = share::decode(fragment.trim()).unwrap_or_else(|e| panic!("{name}.url: {e}"));
            assert_eq!(
                got, want,
                "{version}/{name}: the link opens to a different scenario"
            );
        }
    }
}

#[test]
fn v1_links_open_as_their_v2_scenarios() {
    // Model v1's links open as one-file-page scenarios, the same as the v1 JSON migrated.
    for (name, url, _) in cases("v1") {
        let v2 = golden_dir(CURRENT).join(format!("{name}.json"));
        let want = json::from_json(&fs::read_to_string(&v2).unwrap()).unwrap();
        let got = share::decode(fs::read_to_string(&url).unwrap().trim()).unwrap();
        assert_eq!(got, want, "{name}");
        assert_eq!(got.version, 2);
    }
}

#[test]
fn the_encoder_still_writes_the_golden_links() {
    for (name, url, json) in cases(CURRENT) {
        let scenario = json::from_json(&fs::read_to_string(&json).unwrap()).unwrap();
        let fragment = fs::read_to_string(&url).unwrap();
        assert_eq!(
            share::encode(&scenario),
            fragment.trim(),
            "{name}: encode() output changed; old links still open (the test above), but a new \
             encoding needs a deliberate decision: see docs/scenario-format.md"
        );
    }
}

#[test]
fn every_example_has_a_golden_link() {
    for e in tlbrace_core::examples::EXAMPLES {
        let url = golden_dir(CURRENT).join(format!("{}.url", e.name));
        assert!(
            url.exists(),
            "{}: add tests/golden/v2/{}.json and .url",
            e.name,
            e.name
        );
    }
}

/// Writes the `.url` of every golden `.json` that has none; never overwrites.
#[test]
#[ignore]
fn write_missing_golden_links() {
    for (name, url, json) in cases(CURRENT) {
        if url.exists() {
            continue;
        }
        let scenario = json::from_json(&fs::read_to_string(&json).unwrap()).unwrap();
        fs::write(&url, format!("{}\n", share::encode(&scenario))).unwrap();
        println!("wrote {name}.url");
    }
}

#[test]
fn the_documented_dictionaries_are_the_ones_in_use() {
    let doc = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scenario-format.md"),
    )
    .expect("docs/scenario-format.md");
    for (version, dictionary) in [("v1", share::DICTIONARY_V1), ("v2", share::DICTIONARY_V2)] {
        let begin = format!("<!-- dictionary-{version} begin -->\n```text\n");
        let begin = doc
            .find(&begin)
            .unwrap_or_else(|| panic!("{version} begin marker"));
        let body = &doc[begin..];
        let body = &body[body.find("```text\n").unwrap() + "```text\n".len()..];
        let end = format!("\n```\n<!-- dictionary-{version} end -->");
        let end = body
            .find(&end)
            .unwrap_or_else(|| panic!("{version} end marker"));
        assert_eq!(&body[..end], dictionary, "{version}");
    }
}

/// The issue's budget: a link to Example 1 carries at most 160 characters of fragment, whether it is
/// the stored link, the built-in example's or the one made from the diagram as mailed; the seed's other
/// diagrams too. `-- --nocapture` prints the lengths.
#[test]
fn the_seed_diagrams_fit_in_160_characters() {
    const BUDGET: usize = 160;
    let golden = fs::read_to_string(golden_dir(CURRENT).join("example-1.url")).unwrap();
    assert!(
        golden.trim().len() <= BUDGET,
        "golden example-1: {}",
        golden.trim().len()
    );
    for (name, fixture) in [
        ("example-1", "seed-example-1.txt"),
        ("example-2a", "seed-example-2a.txt"),
        ("example-2b", "seed-example-2b.txt"),
        ("example-2c", "seed-example-2c.txt"),
    ] {
        let example = share::encode(&tlbrace_core::examples::example(name).unwrap());
        let text = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(fixture),
        )
        .unwrap();
        let mailed = share::encode(&tlbrace_core::formats::ascii::import(&text).unwrap());
        println!(
            "{name:<12} example {:>3} characters, {fixture} {:>3} characters",
            example.len(),
            mailed.len()
        );
        assert!(
            example.len() <= BUDGET,
            "{name}: {} characters",
            example.len()
        );
        assert!(
            mailed.len() <= BUDGET,
            "{fixture}: {} characters",
            mailed.len()
        );
    }
}
