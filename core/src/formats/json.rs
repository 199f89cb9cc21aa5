//! Reading and writing scenarios as JSON, with the version check and migrations that keep every
//! scenario ever written readable. Share URLs and the ASCII diagram format build on this.
//!
//! Rule for later releases: never change what an existing version means. A format change bumps
//! [`FORMAT_VERSION`] and adds a migration from the previous version here (version 1: [`super::v1`]).

use serde_json::Value;

use crate::model::scenario::{Scenario, FORMAT_VERSION, MAX_STEPS, MAX_TEXT, MAX_VIEW_ENTRIES};
use crate::model::state::MAX_CPUS;

/// The largest JSON document accepted, in bytes: derived from the scenario's limits, so that every
/// valid scenario written as pretty JSON reads back. Each text (title, labels, notes, the view's
/// entries) may hold [`MAX_TEXT`] characters that JSON escapes to at most six bytes each (`\u0001`),
/// and each step, label or entry brings at most a few hundred bytes of keys and indentation.
pub const MAX_JSON_BYTES: usize =
    (1 + MAX_CPUS + MAX_STEPS + 2 * MAX_VIEW_ENTRIES) * (6 * MAX_TEXT + 256) + 64 * 1024;

/// Why a document is not a scenario: a message fit to show the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

/// What a JSON value is, in words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

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
    // The version is probed on a `Value`; the document is then read again from the text, so that
    // the scenario's readers are the ones the worker's messages link (reading it from the `Value`
    // linked a second copy of every reader: 8.3 KB of the page, gzip).
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| FormatError(format!("not a tlbrace scenario: {e}")))?;
    let Value::Object(fields) = &doc else {
        return Err(FormatError(format!(
            "not a tlbrace scenario: expected a JSON object {{\"version\": {FORMAT_VERSION}, …}}, \
             found {}",
            kind(&doc)
        )));
    };
    let version = match fields.get("version") {
        None => {
            return Err(FormatError(
                "not a tlbrace scenario: it has no \"version\" field".into(),
            ))
        }
        Some(Value::Number(n)) if n.is_u64() => n.as_u64().unwrap_or(0),
        Some(Value::Number(n)) if n.is_i64() => {
            return Err(FormatError(format!(
                "the scenario's version should be a whole number, not {n}"
            )))
        }
        Some(Value::Number(_)) => {
            return Err(FormatError(
                "the scenario's version should be a whole number, not a fraction".into(),
            ))
        }
        Some(Value::String(s)) => {
            return Err(FormatError(format!(
                "the scenario's version should be a whole number, not the string \"{s}\""
            )))
        }
        Some(other) => {
            return Err(FormatError(format!(
                "the scenario's version should be a whole number, not {}",
                kind(other)
            )))
        }
    };
    let scenario = match version {
        1 => {
            let v1 = serde_json::from_str::<super::v1::ScenarioV1>(text)
                .map_err(|e| FormatError(format!("not a valid version-1 scenario: {e}")))?;
            // Version 1 is frozen: its actions are model v1's seventeen (share codes 0 to 16).
            if let Some(st) = v1.steps.iter().find(|s| s.action.def().code > 16) {
                return Err(FormatError(format!(
                    "not a valid version-1 scenario: `{}` is not a version-1 action (it came with \
                     format version 2)",
                    st.action.id()
                )));
            }
            Scenario::from(v1)
        }
        2 => serde_json::from_str::<Scenario>(text)
            .map_err(|e| FormatError(format!("not a valid version-2 scenario: {e}")))?,
        v if v > u64::from(FORMAT_VERSION) => {
            return Err(FormatError(format!(
                "this scenario was written by a newer tlbrace (format version {v}); this one reads \
                 versions 1 to {FORMAT_VERSION}"
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

/// Writes a scenario as compact JSON (what the autosave keeps).
pub fn to_json_compact(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.version = FORMAT_VERSION;
    serde_json::to_string(&s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_is_frozen_to_its_seventeen_actions() {
        let doc = r#"{"version": 1, "cpus": 1, "steps": [{"cpu": 0, "action": "zap_pte_range"}]}"#;
        let e = from_json(doc).unwrap_err();
        assert!(e.0.contains("not a version-1 action"), "{e}");
        let ok = r#"{"version": 1, "cpus": 1, "steps": [{"cpu": 0, "action": "pte_mkold"}]}"#;
        assert!(from_json(ok).is_ok());
    }

    #[test]
    fn a_second_mapping_takes_no_kind() {
        let doc = r#"{"version": 2, "cpus": 1, "pages": [{}, {"same_as": 0, "kind": "anon"}]}"#;
        let e = from_json(doc).unwrap_err();
        assert!(e.0.contains("remove `kind`"), "{e}");
    }
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
    fn a_version_1_document_migrates_to_one_file_page() {
        let v1 = r#"{"version":1,"cpus":2,"initial":{"dirty":false,"tlb_flush_pending":1,
            "tlb":[{"writable":true,"dirty":true}]},"steps":[{"cpu":1,"action":"pte_mkclean"}]}"#;
        let s = from_json(v1).unwrap();
        assert_eq!(s.version, FORMAT_VERSION);
        assert_eq!(s.pages.len(), 1);
        assert_eq!(s.pages[0].initial.dirty, Some(false));
        assert_eq!(s.initial.tlb_flush_pending, Some(1));
        assert_eq!(s.steps[0].page, 0);
        assert!(from_json(&to_json(&s)).is_ok());
    }

    #[test]
    fn bad_documents_give_messages() {
        let cases = [
            ("", "not a tlbrace scenario"),
            ("[1,2]", "found an array"),
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
            ("{\"cpus\":2,\"version\":99,\"notes\":{\"a\":[1,{}]}}", "newer tlbrace"),
            ("true", "found a boolean"),
            ("7", "found a number"),
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
            (
                "{\"version\":2,\"cpus\":2,\"pages\":[{\"kind\":\"anon\"},{\"same_as\":3}]}",
                "must come before it",
            ),
            (
                "{\"version\":2,\"cpus\":2,\"steps\":[{\"cpu\":0,\"action\":\"write_to_page\",\"page\":1}]}",
                "acts on page 1",
            ),
            (
                "{\"version\":2,\"cpus\":1,\"initial\":{\"tlb\":[{\"writable\":true,\"dirty\":true,\"x\":1}]}}",
                "unknown field",
            ),
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
            "{{\"version\":2,\"cpus\":1,\"steps\":[{}]}}",
            steps.join(",")
        );
        assert!(from_json(&text)
            .unwrap_err()
            .0
            .contains("at most 256 steps"));
    }
}
