//! Reading and writing scenarios as JSON, with the version check and migrations that keep every
//! scenario ever written readable. Share URLs and the ASCII diagram format build on this.
//!
//! Rule for later releases: never change what an existing version means. A format change bumps
//! [`FORMAT_VERSION`](crate::scenario::FORMAT_VERSION) and adds a migration from the previous version here.

use crate::scenario::{Scenario, FORMAT_VERSION};

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
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| FormatError(format!("not a tlbrace scenario: {e}")))?;
    if !value.is_object() {
        let kind = match value {
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(FormatError(format!(
            "not a tlbrace scenario: expected a JSON object {{\"version\": 1, …}}, found {kind}"
        )));
    }
    let version = match value.get("version") {
        None => {
            return Err(FormatError(
                "not a tlbrace scenario: it has no \"version\" field".into(),
            ))
        }
        Some(v) => v.as_u64().ok_or_else(|| {
            FormatError(format!(
                "the scenario's version should be a number, not {v}"
            ))
        })?,
    };
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

/// Writes a scenario as pretty JSON in the current format version.
pub fn to_json(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.version = FORMAT_VERSION;
    serde_json::to_string_pretty(&s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Writes a scenario as compact JSON (the form share URLs compress).
pub fn to_json_compact(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.version = FORMAT_VERSION;
    serde_json::to_string(&s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
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
            ("{\"version\":\"one\"}", "should be a number"),
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
