//! The state a timeline starts from: the default (the seed's starting point) and the overrides a
//! scenario sets, described once in [`FIELDS`], the table every format and the playground's
//! initial-state editor read: JSON (the keys), share links (the presence bits), ASCII diagrams
//! (`initial: dirty=false …`) and the editor (labels and defaults).
//!
//! Overrides have two scopes. Each virtual page ([`PageSpec`]) overrides its PTE, its TLB entries and
//! the page it maps (PG_dirty, versions, …); the mm ([`InitialState`]) overrides its counters.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::state::{
    Frame, FrameStatus, Kernel, Locks, Mapping, Page, PageKind, Pte, State, TlbEntry, MAX_CPUS,
    MAX_FRAMES, MAX_PAGES,
};

/// What kind of value a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `true` or `false`.
    Flag,
    /// A data version or a counter.
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

/// Whose field it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A virtual page's: its PTE and TLB entries, and the page it maps.
    Page,
    /// The mm's.
    Mm,
}

/// Overrides of one virtual page's starting state and of the page it maps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageInitial {
    /// PTE present.
    pub present: Option<bool>,
    /// PTE writable (W).
    pub write: Option<bool>,
    /// PTE hardware dirty (D).
    pub dirty: Option<bool>,
    /// PTE young (A).
    pub young: Option<bool>,
    /// PTE soft-dirty.
    pub soft_dirty: Option<bool>,
    /// PG_dirty.
    pub pg_dirty: Option<bool>,
    /// The page is in memory (for a file page: in the page cache).
    pub in_page_cache: Option<bool>,
    /// Data version in memory.
    pub mem: Option<u32>,
    /// Data version on disk.
    pub disk: Option<u32>,
    /// TLB entries held at the start, one per CPU from CPU0 (`None` for none).
    pub tlb: Option<Vec<Option<TlbEntry>>>,
    /// The page was marked lazily freeable by MADV_FREE earlier.
    pub lazyfree: Option<bool>,
    /// The page is shared with another owner (a fork child): a write fault copies it.
    pub shared: Option<bool>,
}

/// Overrides of the mm's starting counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitialState {
    /// `mm->tlb_flush_pending` at the start (an operation already under way off-diagram).
    pub tlb_flush_pending: Option<u32>,
    /// `mm->tlb_flush_batched` at the start (reclaim batched a flush off-diagram).
    pub tlb_flush_batched: Option<bool>,
}

/// How a field is read and written.
#[derive(Clone, Copy)]
pub enum Access {
    /// A virtual page's field.
    Page(
        fn(&PageInitial) -> Option<FieldValue>,
        fn(&mut PageInitial, Option<FieldValue>),
    ),
    /// The mm's field.
    Mm(
        fn(&InitialState) -> Option<FieldValue>,
        fn(&mut InitialState, Option<FieldValue>),
    ),
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
    /// Its bit in a share link's presence mask, within its scope; values follow in bit order.
    pub share_bit: u8,
    /// Where it lives.
    pub access: Access,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field").field("key", &self.key).finish()
    }
}

impl Field {
    /// The field's scope.
    pub fn scope(&self) -> Scope {
        match self.access {
            Access::Page(..) => Scope::Page,
            Access::Mm(..) => Scope::Mm,
        }
    }

    /// The value for the field's kind that stands for its default.
    pub fn default_value(&self) -> FieldValue {
        match self.kind {
            FieldKind::Flag => FieldValue::Flag(self.default != 0),
            FieldKind::Count => FieldValue::Count(self.default),
            FieldKind::TlbEntries => FieldValue::TlbEntries(Vec::new()),
        }
    }

    /// Whether `value` is the field's default.
    pub fn is_default(&self, value: &FieldValue) -> bool {
        match value {
            FieldValue::Flag(b) => u32::from(*b) == self.default,
            FieldValue::Count(n) => *n == self.default,
            FieldValue::TlbEntries(e) => e.iter().all(Option::is_none),
        }
    }

    /// A page's override of this field (`None` for an mm field).
    pub fn get_page(&self, page: &PageInitial) -> Option<FieldValue> {
        match self.access {
            Access::Page(get, _) => get(page),
            Access::Mm(..) => None,
        }
    }

    /// The mm's override of this field (`None` for a page field).
    pub fn get_mm(&self, mm: &InitialState) -> Option<FieldValue> {
        match self.access {
            Access::Mm(get, _) => get(mm),
            Access::Page(..) => None,
        }
    }

    /// Sets or clears a page's override; the default clears it, so a scenario names only what its
    /// diagram changes.
    pub fn set_page(&self, page: &mut PageInitial, value: Option<FieldValue>) {
        if let Access::Page(_, set) = self.access {
            set(page, value.filter(|v| !self.is_default(v)));
        }
    }

    /// Sets or clears the mm's override, as [`Field::set_page`] does.
    pub fn set_mm(&self, mm: &mut InitialState, value: Option<FieldValue>) {
        if let Access::Mm(_, set) = self.access {
            set(mm, value.filter(|v| !self.is_default(v)));
        }
    }

    /// Stores a page's override exactly as given, a default value included: what a reader of a stored
    /// scenario does, so that reading and writing it again changes nothing.
    pub fn store_page(&self, page: &mut PageInitial, value: Option<FieldValue>) {
        if let Access::Page(_, set) = self.access {
            set(page, value);
        }
    }

    /// Stores the mm's override exactly as given, as [`Field::store_page`] does.
    pub fn store_mm(&self, mm: &mut InitialState, value: Option<FieldValue>) {
        if let Access::Mm(_, set) = self.access {
            set(mm, value);
        }
    }

    /// Reads a value of this field's kind from the text form the `initial:` line uses: `true`,
    /// `7`, `wd,-,r`.
    pub fn parse(&self, text: &str) -> Result<FieldValue, String> {
        let key = self.key;
        match self.kind {
            FieldKind::Flag => match text {
                "true" => Ok(FieldValue::Flag(true)),
                "false" => Ok(FieldValue::Flag(false)),
                _ => Err(format!("`{key}` takes true or false, not `{text}`")),
            },
            FieldKind::Count => text
                .parse::<u32>()
                .map(FieldValue::Count)
                .map_err(|_| format!("`{key}` takes a number, not `{text}`")),
            FieldKind::TlbEntries => {
                let entries = text
                    .split(',')
                    .filter(|_| !text.is_empty())
                    .map(TlbEntry::from_code)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        format!(
                            "`{key}` takes a comma-separated list of -, r, d, w, wd (one per CPU), \
                             not `{text}`"
                        )
                    })?;
                if entries.len() > MAX_CPUS {
                    return Err(format!("`{key}` takes at most {MAX_CPUS} entries"));
                }
                Ok(FieldValue::TlbEntries(entries))
            }
        }
    }

    /// Writes a value as [`Field::parse`] reads it.
    pub fn show(value: &FieldValue) -> String {
        match value {
            FieldValue::Flag(b) => b.to_string(),
            FieldValue::Count(n) => n.to_string(),
            FieldValue::TlbEntries(tlb) => {
                let codes: Vec<&str> = tlb.iter().map(|e| TlbEntry::code(*e)).collect();
                codes.join(",")
            }
        }
    }
}

macro_rules! field {
    (page $key:ident: Flag, $label:expr, $default:expr, $bit:expr) => {
        Field {
            key: stringify!($key),
            label: $label,
            kind: FieldKind::Flag,
            default: $default,
            share_bit: $bit,
            access: Access::Page(
                |i| i.$key.map(FieldValue::Flag),
                |i, v| {
                    i.$key = match v {
                        Some(FieldValue::Flag(b)) => Some(b),
                        _ => None,
                    }
                },
            ),
        }
    };
    (page $key:ident: Count, $label:expr, $default:expr, $bit:expr) => {
        Field {
            key: stringify!($key),
            label: $label,
            kind: FieldKind::Count,
            default: $default,
            share_bit: $bit,
            access: Access::Page(
                |i| i.$key.map(FieldValue::Count),
                |i, v| {
                    i.$key = match v {
                        Some(FieldValue::Count(n)) => Some(n),
                        _ => None,
                    }
                },
            ),
        }
    };
}

/// Every overridable field. The defaults are the seed's starting point: CPU0 wrote the MAP_SHARED file
/// page earlier through a write fault (PTE present, W, D, young, soft-dirty; PG_dirty; memory holds
/// version 1, disk version 0; no TLB entries; nothing pending). Page fields come first, in share-bit
/// order; the page fields keep model v1's keys (v1's `tlb_flush_pending` is now an mm field).
pub const FIELDS: [Field; 14] = [
    field!(page present: Flag, "PTE present", 1, 0),
    field!(page write: Flag, "PTE W", 1, 1),
    field!(page dirty: Flag, "PTE D", 1, 2),
    field!(page young: Flag, "PTE A (young)", 1, 3),
    field!(page soft_dirty: Flag, "PTE soft-dirty", 1, 4),
    field!(page pg_dirty: Flag, "PG_dirty", 1, 5),
    field!(page in_page_cache: Flag, "in memory", 1, 6),
    field!(page mem: Count, "memory version", 1, 7),
    field!(page disk: Count, "disk version", 0, 8),
    Field {
        key: "tlb",
        label: "TLB",
        kind: FieldKind::TlbEntries,
        default: 0,
        share_bit: 9,
        access: Access::Page(
            |i| i.tlb.clone().map(FieldValue::TlbEntries),
            |i, v| {
                i.tlb = match v {
                    Some(FieldValue::TlbEntries(e)) => Some(e),
                    _ => None,
                }
            },
        ),
    },
    field!(page lazyfree: Flag, "lazyfree (MADV_FREE)", 0, 10),
    field!(page shared: Flag, "shared (COW)", 0, 11),
    Field {
        key: "tlb_flush_pending",
        label: "tlb_flush_pending",
        kind: FieldKind::Count,
        default: 0,
        share_bit: 0,
        access: Access::Mm(
            |i| i.tlb_flush_pending.map(FieldValue::Count),
            |i, v| {
                i.tlb_flush_pending = match v {
                    Some(FieldValue::Count(n)) => Some(n),
                    _ => None,
                }
            },
        ),
    },
    Field {
        key: "tlb_flush_batched",
        label: "tlb_flush_batched",
        kind: FieldKind::Flag,
        default: 0,
        share_bit: 1,
        access: Access::Mm(
            |i| i.tlb_flush_batched.map(FieldValue::Flag),
            |i, v| {
                i.tlb_flush_batched = match v {
                    Some(FieldValue::Flag(b)) => Some(b),
                    _ => None,
                }
            },
        ),
    },
];

/// The field named `key`.
pub fn field(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

/// The fields of one scope, in share-bit order.
pub fn fields(scope: Scope) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.scope() == scope)
}

impl PageInitial {
    /// Whether nothing is overridden.
    pub fn is_default(&self) -> bool {
        *self == PageInitial::default()
    }

    fn value(&self, key: &str) -> FieldValue {
        field(key)
            .map(|f| f.get_page(self).unwrap_or_else(|| f.default_value()))
            .unwrap_or(FieldValue::Flag(false))
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.value(key), FieldValue::Flag(true))
    }

    fn count(&self, key: &str) -> u32 {
        match self.value(key) {
            FieldValue::Count(n) => n,
            _ => 0,
        }
    }
}

impl InitialState {
    /// Whether nothing is overridden.
    pub fn is_default(&self) -> bool {
        *self == InitialState::default()
    }
}

/// One virtual page of a scenario: a page of its own (file or anonymous), or a second mapping of an
/// earlier virtual page's page; and the overrides of its starting state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageSpec {
    /// The kind of page it maps (ignored with `same_as`).
    pub kind: PageKind,
    /// Maps the page of this earlier virtual page (one file page mapped twice).
    pub same_as: Option<usize>,
    /// Overrides of its starting state.
    pub initial: PageInitial,
}

impl PageSpec {
    /// A page of `kind`, with no overrides.
    pub fn new(kind: PageKind) -> PageSpec {
        PageSpec {
            kind,
            ..PageSpec::default()
        }
    }

    /// Whether this is model v1's one page: a file page of its own.
    pub fn is_v1_page(&self) -> bool {
        self.kind == PageKind::File && self.same_as.is_none()
    }
}

impl Serialize for PageSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if self.same_as.is_none() {
            map.serialize_entry("kind", &self.kind)?;
        }
        if let Some(v) = self.same_as {
            map.serialize_entry("same_as", &v)?;
        }
        for f in fields(Scope::Page) {
            if let Some(v) = f.get_page(&self.initial) {
                serialize_value(&mut map, f.key, &v)?;
            }
        }
        map.end()
    }
}

impl Serialize for InitialState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for f in fields(Scope::Mm) {
            if let Some(v) = f.get_mm(self) {
                serialize_value(&mut map, f.key, &v)?;
            }
        }
        map.end()
    }
}

fn serialize_value<M: SerializeMap>(
    map: &mut M,
    key: &str,
    v: &FieldValue,
) -> Result<(), M::Error> {
    match v {
        FieldValue::Flag(b) => map.serialize_entry(key, b),
        FieldValue::Count(n) => map.serialize_entry(key, n),
        FieldValue::TlbEntries(e) => {
            let e: Vec<Option<ScenarioTlb>> = e.iter().map(|e| e.map(ScenarioTlb::from)).collect();
            map.serialize_entry(key, &e)
        }
    }
}

/// A starting TLB entry as a scenario writes it: no frame, since it translates to its page's frame.
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioTlb {
    writable: bool,
    dirty: bool,
}

impl From<TlbEntry> for ScenarioTlb {
    fn from(e: TlbEntry) -> ScenarioTlb {
        ScenarioTlb {
            writable: e.writable,
            dirty: e.dirty,
        }
    }
}

impl From<ScenarioTlb> for TlbEntry {
    fn from(e: ScenarioTlb) -> TlbEntry {
        TlbEntry {
            writable: e.writable,
            dirty: e.dirty,
            frame: 0,
        }
    }
}

/// Reads a field's value of its kind from a map entry.
fn next_value<'de, A: MapAccess<'de>>(map: &mut A, f: &Field) -> Result<FieldValue, A::Error> {
    Ok(match f.kind {
        FieldKind::Flag => FieldValue::Flag(map.next_value()?),
        FieldKind::Count => FieldValue::Count(map.next_value()?),
        FieldKind::TlbEntries => {
            let e: Vec<Option<ScenarioTlb>> = map.next_value()?;
            FieldValue::TlbEntries(e.into_iter().map(|e| e.map(TlbEntry::from)).collect())
        }
    })
}

fn unknown_key<E: de::Error>(key: &str, scope: Scope) -> E {
    let mut known: Vec<&str> = fields(scope).map(|f| f.key).collect();
    if scope == Scope::Page {
        known.splice(0..0, ["kind", "same_as"]);
    }
    E::custom(format!(
        "unknown field `{key}`, expected one of {}",
        known.join(", ")
    ))
}

impl<'de> Deserialize<'de> for PageSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PageSpec, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PageSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a page: {\"kind\": \"file\" or \"anon\", its overrides}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageSpec, A::Error> {
                let mut spec = PageSpec::default();
                let mut kind_given = false;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "kind" => {
                            spec.kind = map.next_value()?;
                            kind_given = true;
                        }
                        "same_as" => spec.same_as = Some(map.next_value()?),
                        k => match field(k).filter(|f| f.scope() == Scope::Page) {
                            Some(f) => {
                                let v = next_value(&mut map, f)?;
                                f.store_page(&mut spec.initial, Some(v));
                            }
                            None => return Err(unknown_key(k, Scope::Page)),
                        },
                    }
                }
                // The kind of a second mapping is its page's: a `kind` beside `same_as` would be
                // dropped by every writer, so it is refused rather than silently forgotten.
                if spec.same_as.is_some() && kind_given {
                    return Err(de::Error::custom(
                        "a page with `same_as` maps another page and takes its kind: remove `kind`",
                    ));
                }
                Ok(spec)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for InitialState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<InitialState, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InitialState;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the mm's initial counters")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<InitialState, A::Error> {
                let mut mm = InitialState::default();
                while let Some(key) = map.next_key::<String>()? {
                    match field(&key).filter(|f| f.scope() == Scope::Mm) {
                        Some(f) => {
                            let v = next_value(&mut map, f)?;
                            f.store_mm(&mut mm, Some(v));
                        }
                        None => return Err(unknown_key(&key, Scope::Mm)),
                    }
                }
                Ok(mm)
            }
        }
        d.deserialize_map(V)
    }
}

/// Builds the state a timeline starts from, for `cpus` CPUs and these virtual pages; an error message
/// if the overrides describe a machine that cannot exist.
pub fn build(cpus: usize, pages: &[PageSpec], mm: &InitialState) -> Result<State, String> {
    if pages.is_empty() || pages.len() > MAX_PAGES {
        return Err(format!(
            "a scenario maps 1 to {MAX_PAGES} virtual pages, not {}",
            pages.len()
        ));
    }
    let mut s = State {
        cpus: cpus as u8,
        vpages: pages.len() as u8,
        pages: 0,
        pte: [Pte::NONE; MAX_PAGES],
        tlb: [[None; MAX_PAGES]; MAX_CPUS],
        map: [Mapping::default(); MAX_PAGES],
        page: [Page::default(); MAX_PAGES],
        frame: [Frame::default(); MAX_FRAMES],
        tlb_flush_pending: 0,
        tlb_flush_batched: false,
        kernel: [Kernel::default(); MAX_CPUS],
        locks: Locks::default(),
    };
    for (v, spec) in pages.iter().enumerate() {
        let i = &spec.initial;
        let name = format!("page {v}");
        let p = match spec.same_as {
            Some(o) if o < v => {
                let shared_fields: Vec<&str> = fields(Scope::Page)
                    .filter(|f| {
                        matches!(
                            f.key,
                            "pg_dirty" | "in_page_cache" | "mem" | "disk" | "lazyfree" | "shared"
                        ) && f.get_page(i).is_some()
                    })
                    .map(|f| f.key)
                    .collect();
                if !shared_fields.is_empty() {
                    return Err(format!(
                        "initial state: {name} maps the page of page {o}: set {} on page {o}",
                        shared_fields.join(", ")
                    ));
                }
                s.map[o].page
            }
            Some(o) => {
                return Err(format!(
                    "{name} maps the same page as page {o}, which must come before it"
                ))
            }
            None => {
                let p = s.pages;
                s.pages += 1;
                let in_memory = i.flag("in_page_cache");
                let (mem, disk) = (i.count("mem"), i.count("disk"));
                if !in_memory && mem != disk {
                    return Err(format!(
                        "initial state: {name} is not in memory, so it holds no data of its own \
                         (mem must equal disk)"
                    ));
                }
                s.page[usize::from(p)] = Page {
                    kind: spec.kind,
                    frame: in_memory.then_some(p),
                    disk,
                    writes: mem.max(disk),
                    madv_freed: false,
                    rewritten: false,
                };
                if in_memory {
                    s.frame[usize::from(p)] = Frame {
                        status: FrameStatus::Used,
                        page: p,
                        data: mem,
                        pg_dirty: i.flag("pg_dirty"),
                        lazyfree: i.flag("lazyfree"),
                        mapcount: 0,
                        shared: i.flag("shared"),
                    };
                }
                p
            }
        };
        s.map[v] = Mapping {
            page: p,
            vm_write: true,
            write_revoked: false,
            soft_dirty_armed: false,
            zapping: false,
            unmapped: false,
        };
        let present = i.flag("present");
        let backing = s.page[usize::from(p)].frame;
        if present && backing.is_none() {
            return Err(format!(
                "initial state: {name}'s page is not in memory, so its PTE cannot be present \
                 (set present to false, or in_page_cache to true)"
            ));
        }
        let pte = Pte {
            present,
            write: i.flag("write"),
            dirty: i.flag("dirty"),
            young: i.flag("young"),
            soft_dirty: i.flag("soft_dirty"),
            frame: backing.unwrap_or(0),
            ..Pte::NONE
        };
        if !pte.present && (pte.write || pte.dirty) {
            return Err(format!(
                "initial state: {name}'s PTE is not present, so it has no W or D bit to set"
            ));
        }
        if let Some(f) = backing.filter(|_| present) {
            s.frame[usize::from(f)].mapcount += 1;
        }
        s.pte[v] = pte;
        if let Some(entries) = &i.tlb {
            if entries.len() > cpus {
                return Err(format!(
                    "initial state: {} TLB entries given for {name} but the scenario has {cpus} CPUs",
                    entries.len()
                ));
            }
            if !present && entries.iter().any(Option::is_some) {
                return Err(format!(
                    "initial state: a CPU cannot cache {name}'s PTE, which is not present"
                ));
            }
            for (c, e) in entries.iter().enumerate() {
                s.tlb[c][v] = e.map(|e| TlbEntry {
                    frame: pte.frame,
                    ..e
                });
            }
        }
    }
    s.tlb_flush_pending = mm.tlb_flush_pending.unwrap_or(0);
    s.tlb_flush_batched = mm.tlb_flush_batched.unwrap_or(false);
    Ok(s)
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
                ..
            }) => "r",
            Some(TlbEntry {
                writable: false,
                dirty: true,
                ..
            }) => "d",
            Some(TlbEntry {
                writable: true,
                dirty: false,
                ..
            }) => "w",
            Some(TlbEntry {
                writable: true,
                dirty: true,
                ..
            }) => "wd",
        }
    }

    /// Reads [`TlbEntry::code`]'s names back (frame 0; the page's frame is filled in when the state
    /// is built); `None` for an unknown name.
    pub fn from_code(code: &str) -> Option<Option<TlbEntry>> {
        let e = |writable, dirty| {
            Some(Some(TlbEntry {
                writable,
                dirty,
                frame: 0,
            }))
        };
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

    fn everything_overridden() -> (PageSpec, InitialState) {
        let mut page = PageSpec::default();
        let mut mm = InitialState::default();
        for f in &FIELDS {
            let v = match f.kind {
                FieldKind::Flag => FieldValue::Flag(f.default == 0),
                FieldKind::Count => FieldValue::Count(f.default + 3),
                FieldKind::TlbEntries => {
                    FieldValue::TlbEntries(vec![None, TlbEntry::from_code("wd").unwrap()])
                }
            };
            f.set_page(&mut page.initial, Some(v.clone()));
            f.set_mm(&mut mm, Some(v));
        }
        (page, mm)
    }

    #[test]
    fn the_table_names_the_json_fields() {
        let (page, mm) = everything_overridden();
        let json = serde_json::to_value(&page).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut table: Vec<&str> = fields(Scope::Page).map(|f| f.key).chain(["kind"]).collect();
        table.sort_unstable();
        assert_eq!(keys, table);
        let back: PageSpec = serde_json::from_value(json).unwrap();
        assert_eq!(back, page);
        let json = serde_json::to_value(&mm).unwrap();
        assert_eq!(json.as_object().unwrap().len(), fields(Scope::Mm).count());
        assert_eq!(serde_json::from_value::<InitialState>(json).unwrap(), mm);
    }

    #[test]
    fn unknown_keys_are_refused_with_the_known_ones() {
        let e = serde_json::from_str::<PageSpec>("{\"colour\": 1}")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `colour`") && e.contains("pg_dirty"),
            "{e}"
        );
        let e = serde_json::from_str::<InitialState>("{\"dirty\": true}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `dirty`"), "{e}");
    }

    #[test]
    fn share_bits_count_up_from_zero_in_each_scope() {
        for scope in [Scope::Page, Scope::Mm] {
            for (i, f) in fields(scope).enumerate() {
                assert_eq!(usize::from(f.share_bit), i, "{}", f.key);
            }
        }
    }

    #[test]
    fn defaults_are_not_overrides_and_build_the_seeds_start() {
        let (mut page, mut mm) = everything_overridden();
        for f in &FIELDS {
            f.set_page(&mut page.initial, Some(f.default_value()));
            f.set_mm(&mut mm, Some(f.default_value()));
        }
        assert!(
            page.initial.is_default() && mm.is_default(),
            "{page:?} {mm:?}"
        );
        let s = build(4, &[page], &mm).unwrap();
        let pte = s.pte[0];
        assert!(pte.present && pte.write && pte.dirty && pte.young && pte.soft_dirty);
        let f = s.frame[0];
        assert!(f.pg_dirty && f.status == FrameStatus::Used && f.mapcount == 1);
        assert_eq!((f.data, s.page[0].disk, s.tlb_flush_pending), (1, 0, 0));
        assert!(s.tlb.iter().flatten().all(Option::is_none));
    }

    #[test]
    fn a_second_mapping_shares_the_page() {
        let second = PageSpec {
            same_as: Some(0),
            ..PageSpec::default()
        };
        let s = build(2, &[PageSpec::default(), second], &InitialState::default()).unwrap();
        assert_eq!((s.vpages, s.pages), (2, 1));
        assert_eq!(s.frame[0].mapcount, 2);
        assert_eq!(s.backing(1), Some(0));
    }

    #[test]
    fn tlb_codes_round_trip() {
        for code in ["-", "r", "d", "w", "wd"] {
            assert_eq!(TlbEntry::code(TlbEntry::from_code(code).unwrap()), code);
        }
        assert_eq!(TlbEntry::from_code("x"), None);
    }
}
