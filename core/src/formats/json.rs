//! Reading and writing scenarios as JSON, with the version check and migrations that keep every
//! scenario ever written readable. Share URLs and the ASCII diagram format build on this.
//!
//! Rule for later releases: never change what an existing version means. A format change bumps
//! [`FORMAT_VERSION`] and adds a migration from the previous version here.

use serde_json::Value;

use crate::model::scenario::{Scenario, FORMAT_VERSION};

/// The largest JSON document accepted, in bytes: a full 8-CPU, 256-step scenario with notes fits easily.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Why a document is not a scenario: a message fit to show the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

/// Parses a scenario from JSON in any format version this release knows, migrating it to the current
/// one, and checks it. Every failure is a readable message; nothing panics.
pub fn from_json(text: &str) -> Result<Scenario, FormatError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(FormatError(format!(
            "the scenario is {} KiB; at most {} KiB is accepted",
            text.len() / 1024,
            MAX_JSON_BYTES / 1024
        )));
    }
    let document: Value = serde_json::from_str(text)
        .map_err(|e| FormatError(format!("not a tlbrace scenario: {e}")))?;
    let version = match &document {
        Value::Object(fields) => fields.get("version").ok_or_else(|| {
            FormatError("not a tlbrace scenario: it has no \"version\" field".into())
        })?,
        other => {
            return Err(FormatError(format!(
                "not a tlbrace scenario: expected a JSON object {{\"version\": 1, …}}, found {}",
                kind(other)
            )))
        }
    };
    let version = version.as_u64().ok_or_else(|| {
        FormatError(format!(
            "the scenario's version should be a whole number, not {}",
            version_text(version)
        ))
    })?;
    let scenario = match version {
        1 => serde_json::from_str::<Scenario>(text)
            .map_err(|e| FormatError(format!("not a valid version-1 scenario: {e}")))?,
        v if v > u64::from(FORMAT_VERSION) => {
            return Err(FormatError(format!(
                "this scenario was written by a newer tlbrace (format version {v}); this one reads versions 1 to \
                 {FORMAT_VERSION}"
            )))
        }
        v => return Err(FormatError(format!("unknown scenario format version {v}"))),
    };
    scenario
        .validate()
        .map_err(|e| FormatError(e.to_string()))?;
    Ok(scenario)
}

/// What a JSON value is, for messages: "an array", "a number", …
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A `version` that is not a whole number, as a message names it: `-1`, `a fraction`, `the string "one"`.
fn version_text(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_i64() => n.to_string(),
        Value::Number(_) => "a fraction".to_string(),
        Value::String(s) => format!("the string \"{s}\""),
        other => kind(other).to_string(),
    }
}

/// Writes a scenario as pretty JSON (two-space indents) in the current format version: the form of
/// downloaded files and `tlbrace convert --to json`.
pub fn to_json(scenario: &Scenario) -> String {
    serde_json::to_string_pretty(&current(scenario))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Writes a scenario as compact JSON (the form share URLs compress).
pub fn to_json_compact(scenario: &Scenario) -> String {
    serde_json::to_string(&current(scenario)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The scenario as this release writes it: in [`FORMAT_VERSION`].
fn current(scenario: &Scenario) -> Scenario {
    Scenario {
        version: FORMAT_VERSION,
        ..scenario.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::EXAMPLES;

    #[test]
    fn examples_round_trip_through_json() {
        for e in EXAMPLES {
            let s = e.scenario();
            assert_eq!(from_json(&to_json(&s)).unwrap(), s, "{}", e.name);
            assert_eq!(from_json(&to_json_compact(&s)).unwrap(), s, "{}", e.name);
        }
    }

    #[test]
    fn bad_documents_give_messages() {
        let cases = [
            ("", "not a tlbrace scenario"),
            ("[1,2]", "not a tlbrace scenario"),
            (
                "[1]",
                "expected a JSON object {\"version\": 1, …}, found an array",
            ),
            ("\"v1.AAAA\"", "found a string"),
            ("null", "found null"),
            ("{}", "no \"version\""),
            (
                "{\"version\":\"one\"}",
                "should be a whole number, not the string \"one\"",
            ),
            ("{\"version\":1.5}", "not a fraction"),
            ("{\"version\":-1}", "not -1"),
            ("{\"version\":[1]}", "not an array"),
            (
                "{\"cpus\":2,\"version\":99,\"notes\":{\"a\":[1,{}]}}",
                "newer tlbrace",
            ),
            (
                "{\"version\":\"x\",\"version\":1,\"cpus\":4}",
                "not a valid version-1 scenario",
            ),
            ("true", "found a boolean"),
            ("7", "found a number"),
            ("{\"version\":99,\"cpus\":4}", "newer tlbrace"),
            (
                "{\"version\":1,\"cpus\":4,\"steps\":[{\"cpu\":0,\"action\":\"madvise\"}]}",
                "unknown variant",
            ),
            ("{\"version\":1,\"cpus\":9}", "1 to 8 CPUs"),
            (
                "{\"version\":1,\"cpus\":2,\"steps\":[{\"cpu\":5,\"action\":\"pte_mkclean\"}]}",
                "CPU5",
            ),
            ("{\"version\":1,\"cpus\":2,\"colour\":1}", "unknown field"),
        ];
        for (text, want) in cases {
            let err = from_json(text).unwrap_err().0;
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn too_many_steps_is_refused() {
        let steps: Vec<String> = (0..257)
            .map(|_| "{\"cpu\":0,\"action\":\"pte_mkold\"}".to_string())
            .collect();
        let text = format!(
            "{{\"version\":1,\"cpus\":1,\"steps\":[{}]}}",
            steps.join(",")
        );
        assert!(from_json(&text)
            .unwrap_err()
            .0
            .contains("at most 256 steps"));
    }
}
