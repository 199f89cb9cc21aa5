//! Where a scenario argument comes from: a built-in example name, `-` for standard input, or a file.

use std::io::Read;

use tlbrace_core::examples::example;
use tlbrace_core::{format, Scenario};

/// Reads the text behind a scenario argument: standard input for `-`, else the file.
pub fn read_source(arg: &str) -> Result<String, String> {
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(arg).map_err(|e| format!("cannot read {arg}: {e}"))
    }
}

/// Loads a scenario: a built-in example by name, else JSON from a file or standard input.
pub fn load_scenario(arg: &str) -> Result<Scenario, String> {
    if let Some(s) = example(arg) {
        return Ok(s);
    }
    if arg != "-" && !std::path::Path::new(arg).exists() {
        return Err(format!(
            "{arg}: no such file, and not a built-in example (see `tlbrace examples`)"
        ));
    }
    let text = read_source(arg)?;
    format::from_json(&text).map_err(|e| format!("{arg}: {e}"))
}
