//! Reading and writing scenarios as JSON, with the version check and migrations that keep every
//! scenario ever written readable. Share URLs and the ASCII diagram format build on this.
//!
//! Rule for later releases: never change what an existing version means. A format change bumps
//! [`FORMAT_VERSION`] and adds a migration from the previous version here.

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
    let probe: Probe = serde_json::from_str(text)
        .map_err(|e| FormatError(format!("not a tlbrace scenario: {e}")))?;
    let version = match probe {
        Probe::Other(kind) => {
            return Err(FormatError(format!(
                "not a tlbrace scenario: expected a JSON object {{\"version\": 1, …}}, found {kind}"
            )))
        }
        Probe::Object(None) => {
            return Err(FormatError(
                "not a tlbrace scenario: it has no \"version\" field".into(),
            ))
        }
        Probe::Object(Some(Err(v))) => {
            return Err(FormatError(format!(
                "the scenario's version should be a whole number, not {v}"
            )))
        }
        Probe::Object(Some(Ok(v))) => v,
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

/// What [`from_json`] reads first: a document's kind and, for an object, its `version` (a whole number,
/// or the words for what it is instead). Read with a visitor rather than into a `serde_json::Value`,
/// whose map, number and printing code would otherwise be linked into the playground's wasm for this
/// one check.
enum Probe {
    /// An object, with its `version` if it has one.
    Object(Option<Result<u64, String>>),
    /// Not an object: what it is, e.g. "an array".
    Other(&'static str),
}

struct ProbeVisitor;

impl<'de> serde::de::Visitor<'de> for ProbeVisitor {
    type Value = Probe;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Probe, E> {
        Ok(Probe::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Probe, E> {
        Ok(Probe::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Probe, E> {
        Ok(Probe::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Probe, E> {
        Ok(Probe::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Probe, E> {
        Ok(Probe::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Probe, E> {
        Ok(Probe::Other("null"))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Probe, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Probe::Other("an array"))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
        let mut version = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "version" {
                // As a JSON object with a repeated key reads: the last one wins.
                version = Some(map.next_value::<VersionField>()?.0);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(Probe::Object(version))
    }
}

impl<'de> serde::Deserialize<'de> for Probe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
        d.deserialize_any(ProbeVisitor)
    }
}

/// A `version` field's value: a whole number, or what it is instead.
struct VersionField(Result<u64, String>);

struct VersionVisitor;

impl<'de> serde::de::Visitor<'de> for VersionVisitor {
    type Value = VersionField;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a version")
    }

    fn visit_bool<E>(self, v: bool) -> Result<VersionField, E> {
        Ok(VersionField(Err(v.to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> Result<VersionField, E> {
        Ok(VersionField(Err(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<VersionField, E> {
        Ok(VersionField(Ok(v)))
    }

    fn visit_f64<E>(self, _: f64) -> Result<VersionField, E> {
        Ok(VersionField(Err("a fraction".into())))
    }

    fn visit_str<E>(self, v: &str) -> Result<VersionField, E> {
        Ok(VersionField(Err(format!("the string \"{v}\""))))
    }

    fn visit_unit<E>(self) -> Result<VersionField, E> {
        Ok(VersionField(Err("null".into())))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<VersionField, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(VersionField(Err("an array".into())))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<VersionField, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(VersionField(Err("an object".into())))
    }
}

impl<'de> serde::Deserialize<'de> for VersionField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<VersionField, D::Error> {
        d.deserialize_any(VersionVisitor)
    }
}

/// Writes a scenario as pretty JSON in the current format version: `serde_json`'s pretty layout (two
/// spaces, `"key": value`), made by re-indenting the compact form. One serializer for both forms keeps
/// a second copy of every `Serialize` impl out of the playground's wasm.
pub fn to_json(scenario: &Scenario) -> String {
    indent_json(&to_json_compact(scenario))
}

/// Lays out compact JSON as `serde_json::to_string_pretty` does; string contents are copied as they are.
fn indent_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
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
    fn pretty_json_is_laid_out_as_serde_json_does() {
        let mut tricky = EXAMPLES[0].scenario();
        tricky.title = Some("a \\\"title\\\" with {braces}, [brackets]: and \\\\ \u{e9}".into());
        tricky.steps[0].note = Some("{}[],:\"\\".into());
        let mut empty = Scenario::new(2);
        empty.version = FORMAT_VERSION;
        let scenarios = EXAMPLES.iter().map(|e| e.scenario()).chain([tricky, empty]);
        for mut s in scenarios {
            s.version = FORMAT_VERSION;
            assert_eq!(to_json(&s), serde_json::to_string_pretty(&s).unwrap());
        }
    }

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
