//! The state a timeline starts from: the default (the seed's starting point) and the overrides a
//! scenario may set, described once in [`FIELDS`], the table every format and the playground's
//! initial-state editor read: JSON (the field names), share links (the presence bits), ASCII
//! diagrams (`initial: dirty=false …`) and the editor (labels and defaults).

use serde::{Deserialize, Serialize};

use crate::model::state::{Deferred, Page, Pte, State, TlbEntry, MAX_CPUS};

/// Overrides of the default initial state. The default is the seed's starting point: a MAP_SHARED file
/// page that CPU0 wrote earlier through a write fault (PTE present, W, D, young, soft-dirty; PG_dirty;
/// memory holds version 1, disk version 0; all TLBs empty; nothing pending). Every field left out keeps
/// that default, so a scenario names only what its diagram changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitialState {
    /// PTE present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// PTE writable (W).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    /// PTE hardware dirty (D).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dirty: Option<bool>,
    /// PTE young (A).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub young: Option<bool>,
    /// PTE soft-dirty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_dirty: Option<bool>,
    /// PG_dirty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg_dirty: Option<bool>,
    /// The page is in the page cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_page_cache: Option<bool>,
    /// Data version in memory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mem: Option<u32>,
    /// Data version on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<u32>,
    /// `mm->tlb_flush_pending` at the start (an operation already under way off-diagram).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlb_flush_pending: Option<u32>,
    /// TLB entries held at the start, one item per CPU from CPU0 (`null` for none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlb: Option<Vec<Option<TlbEntry>>>,
}

impl InitialState {
    /// Whether nothing is overridden.
    pub fn is_default(&self) -> bool {
        *self == InitialState::default()
    }

    /// The state a timeline starts from, for `cpus` CPUs; an error message if the overrides describe a
    /// machine that cannot exist.
    pub fn build(&self, cpus: usize) -> Result<State, String> {
        let flag = |key| {
            matches!(
                field(key).map(|f| f.value(self)),
                Some(FieldValue::Flag(true))
            )
        };
        let count = |key| match field(key).map(|f| f.value(self)) {
            Some(FieldValue::Count(n)) => n,
            _ => 0,
        };
        let pte = Pte {
            present: flag("present"),
            write: flag("write"),
            dirty: flag("dirty"),
            young: flag("young"),
            soft_dirty: flag("soft_dirty"),
        };
        let page = Page {
            pg_dirty: flag("pg_dirty"),
            in_page_cache: flag("in_page_cache"),
            mem: count("mem"),
        };
        let disk = count("disk");
        if pte.present && !page.in_page_cache {
            return Err(
                "initial state: a page that is not in the page cache cannot be mapped \
                        (set present to false, or in_page_cache to true)"
                    .into(),
            );
        }
        if !pte.present && (pte.write || pte.dirty) {
            return Err("initial state: a PTE that is not present has no W or D bit to set".into());
        }
        if !page.in_page_cache && page.mem != disk {
            return Err("initial state: a page outside the page cache holds no data of its own (mem must equal disk)".into());
        }
        let mut tlb = [None; MAX_CPUS];
        if let Some(entries) = &self.tlb {
            if entries.len() > cpus {
                return Err(format!(
                    "initial state: {} TLB entries given but the scenario has {cpus} CPUs",
                    entries.len()
                ));
            }
            if !pte.present && entries.iter().any(Option::is_some) {
                return Err("initial state: a CPU cannot cache a PTE that is not present".into());
            }
            tlb[..entries.len()].copy_from_slice(entries);
        }
        Ok(State {
            cpus: cpus as u8,
            pte,
            tlb,
            tlb_flush_pending: count("tlb_flush_pending"),
            page,
            disk,
            deferred: [Deferred::default(); MAX_CPUS],
        })
    }
}

/// What kind of value an initial-state field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// A flag: `true` or `false`.
    Flag,
    /// A count: a data version or `tlb_flush_pending`.
    Count,
    /// One TLB entry (or none) per CPU, from CPU0.
    TlbEntries,
}

/// A field's value, of its [`FieldKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// A flag.
    Flag(bool),
    /// A count.
    Count(u32),
    /// TLB entries, from CPU0.
    TlbEntries(Vec<Option<TlbEntry>>),
}

/// One overridable field of the initial state.
#[derive(Clone, Copy)]
pub struct Field {
    /// Its name in JSON and in a diagram's `initial:` line.
    pub key: &'static str,
    /// What the initial-state editor calls it.
    pub label: &'static str,
    /// Its kind.
    pub kind: FieldKind,
    /// Its value when the scenario does not override it (flags as 0 or 1; TLB entries: none).
    pub default: u32,
    /// Its bit in a `v1.` share link's presence mask; values follow in bit order (frozen).
    pub share_bit: u8,
    /// The override, if the scenario sets one.
    pub get: fn(&InitialState) -> Option<FieldValue>,
    /// Sets or clears the override; a value of another kind clears it.
    pub set: fn(&mut InitialState, Option<FieldValue>),
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field").field("key", &self.key).finish()
    }
}

impl Field {
    /// The value the field has in a scenario: its override, else the default.
    pub fn value(&self, initial: &InitialState) -> FieldValue {
        (self.get)(initial).unwrap_or(match self.kind {
            FieldKind::Flag => FieldValue::Flag(self.default != 0),
            FieldKind::Count => FieldValue::Count(self.default),
            FieldKind::TlbEntries => FieldValue::TlbEntries(Vec::new()),
        })
    }

    /// Sets `value` as an override, or clears the override when `value` is the default: a scenario
    /// names only what its diagram changes.
    pub fn set_value(&self, initial: &mut InitialState, value: FieldValue) {
        let is_default = match &value {
            FieldValue::Flag(b) => u32::from(*b) == self.default,
            FieldValue::Count(n) => *n == self.default,
            FieldValue::TlbEntries(e) => e.iter().all(Option::is_none),
        };
        (self.set)(initial, (!is_default).then_some(value));
    }
}

macro_rules! flag {
    ($key:ident, $label:expr, $default:expr, $bit:expr) => {
        Field {
            key: stringify!($key),
            label: $label,
            kind: FieldKind::Flag,
            default: $default,
            share_bit: $bit,
            get: |i| i.$key.map(FieldValue::Flag),
            set: |i, v| {
                i.$key = match v {
                    Some(FieldValue::Flag(b)) => Some(b),
                    _ => None,
                }
            },
        }
    };
}

macro_rules! count {
    ($key:ident, $label:expr, $default:expr, $bit:expr) => {
        Field {
            key: stringify!($key),
            label: $label,
            kind: FieldKind::Count,
            default: $default,
            share_bit: $bit,
            get: |i| i.$key.map(FieldValue::Count),
            set: |i, v| {
                i.$key = match v {
                    Some(FieldValue::Count(n)) => Some(n),
                    _ => None,
                }
            },
        }
    };
}

/// Every overridable field, in share-bit order. The defaults are the seed's starting point: CPU0
/// wrote the MAP_SHARED file page earlier through a write fault.
pub const FIELDS: [Field; 11] = [
    flag!(present, "PTE present", 1, 0),
    flag!(write, "PTE W", 1, 1),
    flag!(dirty, "PTE D", 1, 2),
    flag!(young, "PTE A (young)", 1, 3),
    flag!(soft_dirty, "PTE soft-dirty", 1, 4),
    flag!(pg_dirty, "PG_dirty", 1, 5),
    flag!(in_page_cache, "in page cache", 1, 6),
    count!(mem, "memory version", 1, 7),
    count!(disk, "disk version", 0, 8),
    count!(tlb_flush_pending, "tlb_flush_pending", 0, 9),
    Field {
        key: "tlb",
        label: "TLB",
        kind: FieldKind::TlbEntries,
        default: 0,
        share_bit: 10,
        get: |i| i.tlb.clone().map(FieldValue::TlbEntries),
        set: |i, v| {
            i.tlb = match v {
                Some(FieldValue::TlbEntries(e)) => Some(e),
                _ => None,
            }
        },
    },
];

/// The field named `key`.
pub fn field(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

impl TlbEntry {
    /// The entry's short name in a diagram's `initial: tlb=…` list and the editor: `r` (read-only,
    /// clean), `d` (read-only, dirty), `w` (writable, clean), `wd` (writable, dirty); `-` for none.
    pub fn code(entry: Option<TlbEntry>) -> &'static str {
        match entry {
            None => "-",
            Some(TlbEntry {
                writable: false,
                dirty: false,
            }) => "r",
            Some(TlbEntry {
                writable: false,
                dirty: true,
            }) => "d",
            Some(TlbEntry {
                writable: true,
                dirty: false,
            }) => "w",
            Some(TlbEntry {
                writable: true,
                dirty: true,
            }) => "wd",
        }
    }

    /// Reads [`TlbEntry::code`]'s names back; `None` for an unknown name.
    pub fn from_code(code: &str) -> Option<Option<TlbEntry>> {
        let e = |writable, dirty| Some(Some(TlbEntry { writable, dirty }));
        match code {
            "-" => Some(None),
            "r" => e(false, false),
            "d" => e(false, true),
            "w" => e(true, false),
            "wd" => e(true, true),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything_overridden() -> InitialState {
        let mut i = InitialState::default();
        for f in FIELDS {
            let v = match f.kind {
                FieldKind::Flag => FieldValue::Flag(f.default == 0),
                FieldKind::Count => FieldValue::Count(f.default + 3),
                FieldKind::TlbEntries => {
                    FieldValue::TlbEntries(vec![None, TlbEntry::from_code("wd").unwrap()])
                }
            };
            f.set_value(&mut i, v);
        }
        i
    }

    #[test]
    fn the_table_names_the_json_fields_in_order() {
        let json = serde_json::to_value(everything_overridden()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut table: Vec<&str> = FIELDS.iter().map(|f| f.key).collect();
        table.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, table);
    }

    #[test]
    fn share_bits_count_up_from_zero() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(usize::from(f.share_bit), i, "{}", f.key);
        }
    }

    #[test]
    fn defaults_are_not_overrides_and_build_the_seeds_start() {
        let mut i = everything_overridden();
        for f in FIELDS {
            let default = match f.kind {
                FieldKind::Flag => FieldValue::Flag(f.default != 0),
                FieldKind::Count => FieldValue::Count(f.default),
                FieldKind::TlbEntries => FieldValue::TlbEntries(vec![None]),
            };
            f.set_value(&mut i, default);
        }
        assert!(i.is_default(), "{i:?}");
        let s = i.build(4).unwrap();
        assert!(s.pte.present && s.pte.write && s.pte.dirty && s.pte.young && s.pte.soft_dirty);
        assert!(s.page.pg_dirty && s.page.in_page_cache);
        assert_eq!((s.page.mem, s.disk, s.tlb_flush_pending), (1, 0, 0));
        assert!(s.tlb.iter().all(Option::is_none));
    }

    #[test]
    fn tlb_codes_round_trip() {
        for code in ["-", "r", "d", "w", "wd"] {
            assert_eq!(TlbEntry::code(TlbEntry::from_code(code).unwrap()), code);
        }
        assert_eq!(TlbEntry::from_code("x"), None);
    }
}
