//! Every interleaving at once: a timeline checks one order of the CPUs' steps, the explorer checks all
//! orders that keep each CPU's own steps in program order, and says whether any of them loses data.
//!
//! # What is searched
//! The per-CPU programs of a [`Scenario`] ([`Scenario::programs`]); the global order is dropped. An
//! *interleaving* is a merge of the programs. Each is classified exactly as [`trace::run`](crate::model::trace::run) would classify
//! the timeline it spells: a `StepError` anywhere makes it an *error* interleaving (an order that cannot
//! happen, not data loss); otherwise it is *lost* if some step's effect [`loses_data`](crate::model::Effect::loses_data),
//! else *at risk* if the end state has [`unrecorded_data`](State::unrecorded_data), else guaranteed.
//! Counterexamples are therefore whole timelines that `trace::run` confirms.
//!
//! # The search
//! Breadth-first over nodes `(state, program counters, lost flag)`. The lost flag must be part of the node:
//! two paths can reach the same machine state and counters, one having already dropped newer data and
//! one not, and they have different verdicts. Every path to a node has the same length (the sum of its
//! counters), so the graph is layered and acyclic: only the current and the next layer need a visited
//! map, every arrival at a node happens before it is expanded, and the first losing step found in
//! breadth-first order is as early as the explored graph allows. An erroring step ends its interleaving;
//! it is counted and not expanded.
//!
//! # State abstraction (on by default, [`Options::abstraction`])
//! Nodes are stored in a canonical form that merges states no future step can tell apart:
//! - `young`, `soft_dirty` and `recorded_pte` are written but never read by [`model::step`](crate::model::step()) nor by the
//!   verdict: they are cleared;
//! - a CPU's TLB entry is read only by its own `Write to page`, and its mmu_gather only by its own
//!   `tlb_gather_mmu`/`tlb_finish_mmu`: once none of those remains in its program, they are cleared;
//! - data versions matter only through `mem != disk`, `mem += 1`, `disk = mem` and `mem = disk`, so only
//!   their difference is kept, clamped to `1` above and to `-(remaining writes + 1)` below;
//! - `tlb_flush_pending` matters only through `> 0`, `> 1` and not going below zero, so it is clamped to
//!   `remaining decrementing steps + 2`.
//!
//! Each rule maps states to representatives such that the representative of a step's result equals the
//! representative of the step applied to the representative, with the same verdict-relevant outcome
//! (error or not, `loses_data`, `unrecorded_data`): a bisimulation, so verdicts are unchanged. A canonical
//! node then packs into a `u128` (at most 120 bits for 8 CPUs and 256 steps).
//!
//! # Partial-order reduction (on by default, [`Options::reduction`])
//! Persistent sets combined with sleep sets. Each action has a static *footprint*: the state variables it
//! may read and may write under the chosen variant (e.g. `page_mkclean_one` reads `tlb_flush_pending` only
//! when the skip test checks it; `tlb_finish_mmu` touches nothing shared when the variant takes no gather).
//! Two steps of different CPUs are *independent* when neither writes what the other reads or writes;
//! then in every state they commute, and neither changes whether the other errors, loses data, or what
//! it writes, because each is a function of the variables it reads. The lost flag is set-only and read by
//! nobody, so two steps that may set it still commute. Few pairs are independent: most actions touch
//! the PTE, `tlb_flush_pending` or every TLB; the ones that are include `clear_refs_write` (touches
//! nothing), fills and local flushes on different CPUs, counter updates against pure PTE updates, and
//! writeback's I/O against TLB work.
//!
//! *Why it is sound.* Model an erroring step as the CPU crashing: it sets a sticky, set-only error flag
//! and jumps to the end of its program; the other CPUs go on. In that model every step of an unfinished
//! CPU is enabled, every maximal path ends in a terminal state, and a terminal state determines the
//! verdict of its interleaving (error flag, lost flag, `unrecorded_data`). The programs are straight-line,
//! so the steps that can still run without CPU set `S` moving are exactly the remaining steps of the CPUs
//! outside `S`; `S`'s next steps form a persistent set when each is independent of all of those
//! (computed as a closure over the CPUs' remaining footprints). Godefroid's theorem (Partial-Order
//! Methods for the Verification of Concurrent Systems, LNCS 1032, thm. 4.3 with sleep sets, ch. 5) says
//! a search exploring persistent sets minus sleep sets reaches every terminal state of the full graph,
//! also with state caching, provided a node revisited with a smaller sleep set is re-expanded; here the
//! layered breadth-first order means a node's sleep set is the intersection over all its arrivals
//! before it is expanded at all. Hence a lost or at-risk terminal exists in the reduced graph exactly
//! when one exists in the full graph. An error exists in the full graph exactly when a crashed terminal
//! does, so the reduced graph has one too, and its first erroring step is seen before its subtree would
//! be pruned. The abstraction commutes with this: a step pair that commutes on concrete states commutes
//! on representatives. Counts of paths under reduction count explored representatives, not all
//! interleavings; with both options off they are exact, and the property tests compare both against
//! brute-force enumeration.
//!
//! # Counterexamples
//! For a loss: the first losing step found breadth-first whose node can still finish without an error
//! (checked by a depth-first search), the path to it, and that completion. The losing step is then moved
//! as early as its causal past allows (only commuting steps are swapped), and the timeline is rerun with
//! [`trace::run`](crate::model::trace::run). With the reduction on, "earliest" is over the explored representatives; with
//! [`Options::exact`] it is over every interleaving.
//!
//! No clocks and no threads: callers pass a progress callback that may cancel, and measure time there.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::scenario::{Scenario, ScenarioError};
use crate::model::state::{MmuGather, State, TlbEntry, MAX_CPUS};
use crate::model::step;
use crate::model::trace::{run, Verdict};
use crate::model::variant::{Arch, Preset, Variant};

/// The default state cap: a few hundred MB natively; a Web Worker should pass its own.
pub const DEFAULT_MAX_STATES: usize = 5_000_000;

/// How far and how cleverly to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Stop after storing this many distinct states, so a large scenario cannot exhaust memory.
    pub max_states: usize,
    /// Stop after this many steps tried: a deterministic work budget, independent of the machine.
    pub max_transitions: u64,
    /// Partial-order reduction (persistent and sleep sets): fewer states and steps, same verdicts.
    pub reduction: bool,
    /// Canonical states (dead bits cleared, counters clamped): fewer states, same verdicts.
    pub abstraction: bool,
    /// Stop at the first confirmed loss instead of completing the statistics.
    pub stop_at_first: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_states: DEFAULT_MAX_STATES,
            max_transitions: u64::MAX,
            reduction: true,
            abstraction: true,
            stop_at_first: false,
        }
    }
}

impl Options {
    /// No reduction and no abstraction: every interleaving is a path, every concrete state a node. Path
    /// counts are then exact and the state count compares with a plain model checker's.
    pub fn exact() -> Options {
        Options {
            reduction: false,
            abstraction: false,
            ..Options::default()
        }
    }
}

/// Where a search is, for a progress bar; the callback's answer decides whether it goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The variant being searched.
    pub variant: Variant,
    /// Distinct states stored so far.
    pub states: usize,
    /// Steps tried so far.
    pub transitions: u64,
    /// Steps taken to reach the layer being expanded.
    pub depth: usize,
    /// The number of steps in the scenario: the last layer.
    pub max_depth: usize,
}

/// Why a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    /// Every interleaving is covered.
    Complete,
    /// [`Options::stop_at_first`]: a confirmed loss was found and the search stopped there.
    StoppedAtFirst,
    /// [`Options::max_states`] was reached.
    StateCap {
        /// The cap.
        limit: usize,
    },
    /// [`Options::max_transitions`] was reached.
    TransitionBudget {
        /// The budget.
        limit: u64,
    },
    /// The progress callback asked to stop.
    Cancelled,
}

impl Outcome {
    /// Words for the CLI: "complete", "stopped after N states: cap reached", …
    pub fn describe(self, states: usize) -> String {
        match self {
            Outcome::Complete => "complete".to_string(),
            Outcome::StoppedAtFirst => {
                format!("stopped at the first loss after {states} states")
            }
            Outcome::StateCap { limit } => {
                format!("stopped after {states} states: cap of {limit} reached")
            }
            Outcome::TransitionBudget { limit } => {
                format!("stopped after {states} states: budget of {limit} steps used")
            }
            Outcome::Cancelled => format!("cancelled after {states} states"),
        }
    }
}

/// Interleavings by verdict, counted along the paths of the explored graph (saturating). Each erroring
/// path stands for every way the remaining steps could have followed the error. Exact when the search
/// ran with [`Options::reduction`] off; with it on, these are counts of the explored representatives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathCounts {
    /// Interleavings in which reclaim dropped newer data.
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub lost: u128,
    /// Interleavings that end with unrecorded data.
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub at_risk: u128,
    /// Interleavings that keep every write.
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub guaranteed: u128,
    /// Interleavings that hit a `StepError`.
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub error: u128,
}

impl PathCounts {
    /// All of them.
    pub fn total(&self) -> u128 {
        self.lost
            .saturating_add(self.at_risk)
            .saturating_add(self.guaranteed)
            .saturating_add(self.error)
    }
}

/// Reads what [`count_json`] writes: an integer, or a number too large for a u64.
fn count_from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
    struct Count;
    impl serde::de::Visitor<'_> for Count {
        type Value = u128;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a count of interleavings")
        }
        fn visit_u64<E>(self, v: u64) -> Result<u128, E> {
            Ok(u128::from(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u128, E> {
            // Only counts above u64::MAX are written as floats; saturate like the counts do.
            if v.is_finite() && v >= 0.0 {
                Ok(v as u128)
            } else {
                Err(E::custom(
                    "a count is a number of interleavings, at least 0",
                ))
            }
        }
    }
    d.deserialize_any(Count)
}

/// Serialises a count as an exact JSON integer while it fits in a u64, else as the nearest f64: JSON
/// (serde_json without arbitrary precision, and JavaScript) has no 128-bit integers, and six CPUs with
/// eight steps each already have ~2.9e33 interleavings.
fn count_json<S: serde::Serializer>(count: &u128, s: S) -> Result<S::Ok, S::Error> {
    match u64::try_from(*count) {
        Ok(small) => s.serialize_u64(small),
        Err(_) => s.serialize_f64(*count as f64),
    }
}

/// The kind of bad outcome a counterexample shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bad {
    /// Reclaim dropped newer data.
    Lost,
    /// The timeline ends with data nothing records as dirty.
    AtRisk,
}

impl Bad {
    /// `lost` or `at risk`, as the verdicts are written.
    pub fn label(self) -> &'static str {
        match self {
            Bad::Lost => "lost",
            Bad::AtRisk => "at risk",
        }
    }
}

/// An interleaving that goes wrong, as a timeline the playground and `tlbrace run` can open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Lost or at risk.
    pub kind: Bad,
    /// The input scenario with its steps reordered (CPUs, labels, initial state and notes kept).
    pub scenario: Scenario,
    /// `order[i]` is the index in the input scenario of the reordered timeline's step `i`.
    pub order: Vec<usize>,
    /// What [`trace::run`](crate::model::trace::run)(crate::model::trace::run) says of `scenario`: the confirmation.
    pub verdict: Verdict,
}

/// The first erroring step the search met: what an impossible order looks like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorWitness {
    /// The steps up to and including the failing one, as indexes into the input scenario.
    pub order: Vec<usize>,
    /// Why the step cannot happen there.
    pub message: String,
}

/// Everything a search found under one variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The variant searched.
    pub variant: Variant,
    /// The options used.
    pub options: Options,
    /// Why the search ended.
    pub outcome: Outcome,
    /// Interleavings of the programs (saturating): what a complete search stands for.
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub interleavings: u128,
    /// Distinct (canonical) states stored, the initial one included.
    pub states: usize,
    /// Steps tried.
    pub transitions: u64,
    /// Distinct states in which every program had finished without error.
    pub end_states: usize,
    /// End states reached after reclaim dropped newer data.
    pub lost_end_states: usize,
    /// End states, without loss, holding unrecorded data.
    pub at_risk_end_states: usize,
    /// Steps tried that raised a `StepError`.
    pub error_steps: u64,
    /// The first of them.
    pub first_error: Option<ErrorWitness>,
    /// Interleavings by verdict along the explored paths.
    pub paths: PathCounts,
    /// The earliest loss found (else an at-risk ending), confirmed by `trace::run`.
    pub counterexample: Option<Counterexample>,
}

/// The answer to "can any interleaving lose data under this variant?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finding {
    /// Every interleaving was covered and none loses data or ends at risk.
    Safe,
    /// Some interleaving loses data or ends at risk: see the counterexample.
    Unsafe,
    /// The search stopped before covering everything and found nothing bad so far.
    Unknown,
}

impl Report {
    /// Safe, unsafe, or unknown (stopped early).
    pub fn finding(&self) -> Finding {
        if self.counterexample.is_some() {
            Finding::Unsafe
        } else if self.outcome == Outcome::Complete {
            Finding::Safe
        } else {
            Finding::Unknown
        }
    }

    /// Distinct end states that lose data or hold it at risk.
    pub fn bad_end_states(&self) -> usize {
        self.lost_end_states + self.at_risk_end_states
    }
}

/// One row of the variant matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// The preset.
    pub preset: Preset,
    /// Its search.
    pub report: Report,
}

/// Searches every interleaving of `scenario`'s programs under `variant`. `on_progress` is called every
/// few thousand states and at each layer; returning `ControlFlow::Break(())` cancels the search, which
/// still returns what it found. Errors only for a scenario that cannot be run at all.
pub fn explore(
    scenario: &Scenario,
    variant: &Variant,
    options: &Options,
    mut on_progress: impl FnMut(&Progress) -> ControlFlow<()>,
) -> Result<Report, ScenarioError> {
    let initial = scenario.validate()?;
    let ctx = Ctx::new(scenario, *variant, *options, initial)?;
    match Packer::new(&ctx) {
        Some(packer) => Ok(ctx.search(&packer, &mut on_progress)),
        None => Ok(ctx.search(&RawCodec, &mut on_progress)),
    }
}

/// [`explore`] under every preset on `arch`: which kernels are safe for all interleavings, each unsafe
/// one with its counterexample. A cancel from the callback stops the matrix after the current preset.
pub fn matrix(
    scenario: &Scenario,
    arch: Arch,
    options: &Options,
    mut on_progress: impl FnMut(&Progress) -> ControlFlow<()>,
) -> Result<Vec<MatrixRow>, ScenarioError> {
    let mut rows = Vec::new();
    for preset in Preset::ALL {
        let variant = preset.variant().on(arch);
        let mut cancelled = false;
        let report = explore(scenario, &variant, options, |p| {
            let flow = on_progress(p);
            cancelled |= flow.is_break();
            flow
        })?;
        rows.push(MatrixRow { preset, report });
        if cancelled {
            break;
        }
    }
    Ok(rows)
}

/// Why a timeline cannot be minimised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum MinimizeError {
    /// The scenario does not run under the variant.
    Invalid {
        /// Why.
        error: ScenarioError,
    },
    /// The timeline keeps its data under the variant: there is no loss to keep.
    NotLosing,
}

impl std::fmt::Display for MinimizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MinimizeError::Invalid { error } => write!(f, "{error}"),
            MinimizeError::NotLosing => f.write_str(
                "the timeline is guaranteed under this variant as written: nothing to minimise \
                 (explore searches its other interleavings)",
            ),
        }
    }
}

impl std::error::Error for MinimizeError {}

/// Drops steps from a losing timeline while it keeps its verdict under `variant` (lost stays lost, at
/// risk stays at risk), until no single step can be removed: a 1-minimal counterexample, the smallest
/// diagram worth posting. A removal that makes the timeline invalid (a finish without its gather, a
/// counter below zero) does not keep the verdict. Lanes and the initial state are kept.
pub fn minimize(scenario: &Scenario, variant: &Variant) -> Result<Scenario, MinimizeError> {
    minimize_with(scenario, variant, false)
}

/// [`minimize`], optionally keeping writeback whole: the model lets `write page to disk` run without
/// `page_mkclean_one`, so a 1-minimal timeline often drops the mkclean, and the race it shows then
/// happens under every variant. With `keep_writeback_pairs`, a `write page to disk` and the
/// `page_mkclean_one` right before it on the same CPU (what `clear_page_dirty_for_io` does) are
/// removed only together, and the result is 1-minimal over steps and such pairs.
pub fn minimize_with(
    scenario: &Scenario,
    variant: &Variant,
    keep_writeback_pairs: bool,
) -> Result<Scenario, MinimizeError> {
    let kind = |s: &Scenario| -> Option<Bad> {
        match run(s, variant).ok()?.verdict {
            Verdict::Lost { .. } => Some(Bad::Lost),
            Verdict::AtRisk { .. } => Some(Bad::AtRisk),
            Verdict::Guaranteed => None,
        }
    };
    let want = match run(scenario, variant) {
        Err(error) => return Err(MinimizeError::Invalid { error }),
        Ok(t) => match t.verdict {
            Verdict::Lost { .. } => Bad::Lost,
            Verdict::AtRisk { .. } => Bad::AtRisk,
            Verdict::Guaranteed => return Err(MinimizeError::NotLosing),
        },
    };
    let mut best = scenario.clone();
    loop {
        let mut changed = false;
        // Removal units from the end: the steps after the loss go first, in one sweep.
        let mut units = removal_units(&best, keep_writeback_pairs);
        while let Some(unit) = units.pop() {
            let mut candidate = best.clone();
            for &i in unit.iter().rev() {
                candidate.steps.remove(i);
            }
            if kind(&candidate) == Some(want) {
                best = candidate;
                changed = true;
                // Indexes moved: recompute the units and keep those this sweep has not tried, the
                // ones ending before the removed unit's last step (now at `cutoff` or later).
                let cutoff = unit[unit.len() - 1] + 1 - unit.len();
                units = removal_units(&best, keep_writeback_pairs);
                units.retain(|u| u[u.len() - 1] < cutoff);
            }
        }
        if !changed {
            return Ok(best);
        }
    }
}

/// The step sets `minimize` tries to remove, each in ascending order, ordered by their last index.
fn removal_units(s: &Scenario, keep_writeback_pairs: bool) -> Vec<Vec<usize>> {
    let mut paired = vec![false; s.steps.len()];
    let mut units = Vec::new();
    let mut last_on_cpu: Vec<Option<usize>> = vec![None; s.cpus];
    for (i, st) in s.steps.iter().enumerate() {
        let prev = last_on_cpu.get(st.cpu).copied().flatten();
        match prev {
            Some(j)
                if keep_writeback_pairs
                    && st.action == Action::WritePageToDisk
                    && s.steps[j].action == Action::PageMkcleanOne
                    && !paired[j] =>
            {
                paired[j] = true;
                paired[i] = true;
                units.retain(|u: &Vec<usize>| u != &vec![j]);
                units.push(vec![j, i]);
            }
            _ => units.push(vec![i]),
        }
        if let Some(slot) = last_on_cpu.get_mut(st.cpu) {
            *slot = Some(i);
        }
    }
    units
}

/// The number of ways to interleave programs of these lengths (saturating).
pub fn interleavings(lengths: &[usize]) -> u128 {
    let mut total: u128 = 1;
    let mut n: u128 = 0;
    for &len in lengths {
        // total *= C(n + len, len), one factor at a time; each partial product is itself a binomial.
        let mut c: u128 = 1;
        for i in 1..=len as u128 {
            c = match c.checked_mul(n + i) {
                Some(v) => v / i,
                None => return u128::MAX,
            };
        }
        n += len as u128;
        total = match total.checked_mul(c) {
            Some(v) => v,
            None => return u128::MAX,
        };
    }
    total
}

/// What the verdict of a finished interleaving reads ([`State::unrecorded_data`]).
const VERDICT_READS: VarSet = State::UNRECORDED_DATA_READS;

/// Whether `action` may lower `tlb_flush_pending`.
fn decrements(action: Action) -> bool {
    matches!(action, Action::DecTlbFlushPending | Action::TlbFinishMmu)
}

// ---------------------------------------------------------------------------------------------------
// The search.

/// A node of the search graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Node {
    state: State,
    pcs: [u16; MAX_CPUS],
    lost: bool,
}

/// Per-node bookkeeping while its layer is live.
#[derive(Clone, Copy, Debug)]
struct Meta {
    sleep: u8,
    paths: u128,
    id: u32,
}

/// How nodes are stored in the visited maps.
trait Codec {
    type Key: Copy + Eq + Hash;
    fn encode(&self, node: &Node) -> Self::Key;
    fn decode(&self, key: &Self::Key) -> Node;
}

/// Nodes as they are: for exact searches and anything the packer cannot fit.
struct RawCodec;

impl Codec for RawCodec {
    type Key = Node;
    fn encode(&self, node: &Node) -> Node {
        *node
    }
    fn decode(&self, key: &Node) -> Node {
        *key
    }
}

/// Nodes packed into 128 bits, field widths sized to the scenario. Canonical nodes (abstraction on)
/// leave out the bits the abstraction clears and keep one clamped version difference; exact nodes keep
/// every bit and both versions.
struct Packer {
    cpus: usize,
    exact: bool,
    pc_bits: [u32; MAX_CPUS],
    pending_bits: u32,
    /// Abstraction: the width and bias of `mem - disk`. Exact: the width of `mem` and of `disk`.
    version_bits: u32,
    version_bias: i64,
    initial: State,
}

fn bits_for(max: u64) -> u32 {
    64 - max.leading_zeros()
}

impl Packer {
    fn new(ctx: &Ctx) -> Option<Packer> {
        let exact = !ctx.options.abstraction;
        let mut pc_bits = [0; MAX_CPUS];
        let per_cpu = if exact { 3 + 2 + 1 } else { 3 + 2 };
        let mut total = 0;
        for (bits, lane) in pc_bits.iter_mut().zip(&ctx.actions) {
            *bits = bits_for(lane.len() as u64);
            total += *bits + per_cpu;
        }
        let count =
            |f: fn(Action) -> bool| ctx.actions.iter().flatten().filter(|&&a| f(a)).count() as u64;
        let writes = count(|a| a == Action::WriteToPage);
        let (pending_bits, version_bits, versions) = if exact {
            let raises = count(|a| matches!(a, Action::IncTlbFlushPending | Action::TlbGatherMmu));
            let top = u64::from(ctx.initial.page.mem.max(ctx.initial.disk)) + writes;
            let v = bits_for(top);
            (
                bits_for(u64::from(ctx.initial.tlb_flush_pending) + raises),
                v,
                2 * v,
            )
        } else {
            let decs = count(decrements);
            let v = bits_for(writes + 2);
            (bits_for(decs + 2), v, v)
        };
        total += 6 + if exact { 2 } else { 0 } + pending_bits + versions;
        (total <= 128).then_some(Packer {
            cpus: ctx.cpus,
            exact,
            pc_bits,
            pending_bits,
            version_bits,
            version_bias: writes as i64 + 1,
            initial: ctx.initial,
        })
    }
}

fn tlb_code(e: Option<TlbEntry>) -> u128 {
    match e {
        None => 0,
        Some(e) => 1 + u128::from(e.writable) + 2 * u128::from(e.dirty),
    }
}

fn tlb_decode(code: u128) -> Option<TlbEntry> {
    match code {
        0 => None,
        c => Some(TlbEntry {
            writable: (c - 1) & 1 != 0,
            dirty: (c - 1) & 2 != 0,
        }),
    }
}

impl Codec for Packer {
    type Key = u128;

    fn encode(&self, n: &Node) -> u128 {
        // The layout `decode` reads, field by field; the fields of one CPU, and the flags, are first
        // gathered in a u64 so that only a few 128-bit shifts remain (the hottest code of a search).
        let mut key: u128 = 0;
        let mut at = 0u32;
        let s = &n.state;
        for c in 0..self.cpus {
            let pc_bits = self.pc_bits[c];
            let g = match s.deferred[c].gather {
                None => 0,
                Some(MmuGather { raised_pending }) => 1 + u64::from(raised_pending),
            };
            let mut v =
                u64::from(n.pcs[c]) | (tlb_code(s.tlb[c]) as u64) << pc_bits | g << (pc_bits + 3);
            let mut width = pc_bits + 5;
            if self.exact {
                v |= u64::from(s.deferred[c].recorded_pte) << width;
                width += 1;
            }
            key |= u128::from(v) << at;
            at += width;
        }
        if self.exact {
            let young_soft = u64::from(s.pte.young) | u64::from(s.pte.soft_dirty) << 1;
            key |= u128::from(young_soft) << at;
            at += 2;
            key |= u128::from(s.page.mem) << at;
            at += self.version_bits;
            key |= u128::from(s.disk) << at;
            at += self.version_bits;
        } else {
            let version = i64::from(s.page.mem) - i64::from(s.disk) + self.version_bias;
            key |= (version as u128) << at;
            at += self.version_bits;
        }
        let flags = u64::from(s.pte.present)
            | u64::from(s.pte.write) << 1
            | u64::from(s.pte.dirty) << 2
            | u64::from(s.page.pg_dirty) << 3
            | u64::from(s.page.in_page_cache) << 4
            | u64::from(n.lost) << 5
            | u64::from(s.tlb_flush_pending) << 6;
        key | u128::from(flags) << at
    }

    fn decode(&self, key: &u128) -> Node {
        let mut key = *key;
        let mut take = |bits: u32| -> u128 {
            let v = key & ((1u128 << bits) - 1);
            key >>= bits;
            v
        };
        let mut s = self.initial;
        let mut pcs = [0u16; MAX_CPUS];
        for (c, pc) in pcs.iter_mut().enumerate().take(self.cpus) {
            *pc = take(self.pc_bits[c]) as u16;
            s.tlb[c] = tlb_decode(take(3));
            s.deferred[c].gather = match take(2) {
                0 => None,
                g => Some(MmuGather {
                    raised_pending: g == 2,
                }),
            };
            s.deferred[c].recorded_pte = self.exact && take(1) != 0;
        }
        if self.exact {
            s.pte.young = take(1) != 0;
            s.pte.soft_dirty = take(1) != 0;
            s.page.mem = take(self.version_bits) as u32;
            s.disk = take(self.version_bits) as u32;
        } else {
            s.pte.young = false;
            s.pte.soft_dirty = false;
            let version = take(self.version_bits) as i64 - self.version_bias;
            (s.page.mem, s.disk) = if version >= 0 {
                (version as u32, 0)
            } else {
                (0, (-version) as u32)
            };
        }
        s.pte.present = take(1) != 0;
        s.pte.write = take(1) != 0;
        s.pte.dirty = take(1) != 0;
        s.page.pg_dirty = take(1) != 0;
        s.page.in_page_cache = take(1) != 0;
        let lost = take(1) != 0;
        s.tlb_flush_pending = take(self.pending_bits) as u32;
        Node {
            state: s,
            pcs,
            lost,
        }
    }
}

/// A fast, deterministic hasher for the visited maps (the keys are not attacker-controlled: they are
/// states of a finite model).
#[derive(Default)]
struct FxHasher(u64);

const FX: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(FX);
    }
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        // Spread the product's high bits into the low bits the table indexes with.
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(FX) ^ (h >> 29)
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;
type Map<K, V> = HashMap<K, V, FxBuild>;

/// Everything fixed for one search.
struct Ctx<'a> {
    scenario: &'a Scenario,
    variant: Variant,
    options: Options,
    initial: State,
    cpus: usize,
    total_steps: usize,
    /// Each CPU's actions in program order.
    actions: Vec<Vec<Action>>,
    /// Each CPU's step indexes in the scenario.
    steps: Vec<Vec<usize>>,
    /// The footprint of each CPU's step at each counter.
    fp: Vec<Vec<Footprint>>,
    /// Where CPU `m`'s step at counter `pc` starts in the flat tables below: `base[m] + pc`.
    base: Vec<usize>,
    /// `last_conflict[(base[m] + pc) * cpus + d]`: the last index in `d`'s program whose step conflicts
    /// with `m`'s step at `pc` (-1 for none). `m`'s step conflicts with the rest of `d`'s program from
    /// counter `pc_d` exactly when `pc_d <= last`: suffixes only shrink.
    last_conflict: Vec<i16>,
    /// Decrementing steps from each counter on.
    decs_left: Vec<Vec<u32>>,
    /// Stores from each counter on.
    writes_left: Vec<Vec<u32>>,
    /// The variables the steps from each counter on may read: what must survive the abstraction.
    reads_left: Vec<Vec<VarSet>>,
    /// Variables no step of the scenario reads and the verdict does not read: left out of
    /// footprints and cleared in every canonical node (with the abstraction on).
    never_read: VarSet,
}

impl<'a> Ctx<'a> {
    fn new(
        scenario: &'a Scenario,
        variant: Variant,
        options: Options,
        initial: State,
    ) -> Result<Ctx<'a>, ScenarioError> {
        let cpus = scenario.cpus;
        let programs = scenario.programs();
        let actions: Vec<Vec<Action>> = programs
            .iter()
            .map(|p| p.iter().map(|&i| scenario.steps[i].action).collect())
            .collect();
        // The model adds without overflow checks; refuse starting values where that could matter,
        // instead of panicking halfway (a concrete timeline is rerun for every counterexample).
        let count =
            |f: fn(Action) -> bool| scenario.steps.iter().filter(|s| f(s.action)).count() as u64;
        let writes = count(|a| a == Action::WriteToPage);
        let raises = count(|a| matches!(a, Action::IncTlbFlushPending | Action::TlbGatherMmu));
        let high = u64::from(initial.page.mem.max(initial.disk)) + writes;
        if high > u64::from(u32::MAX)
            || u64::from(initial.tlb_flush_pending) + raises > u64::from(u32::MAX)
        {
            return Err(ScenarioError::whole(
                "initial mem, disk or tlb_flush_pending is so close to 2^32 that the steps would overflow it",
            ));
        }
        let declared: Vec<Vec<Footprint>> = actions
            .iter()
            .enumerate()
            .map(|(c, lane)| {
                lane.iter()
                    .map(|a| (a.def().footprint)(c, &variant))
                    .collect()
            })
            .collect();
        let read_anywhere = declared
            .iter()
            .flatten()
            .fold(VERDICT_READS, |acc, f| acc.union(f.read));
        let never_read = if options.abstraction {
            Var::all(cpus)
                .filter(|&v| !read_anywhere.contains(v))
                .fold(VarSet::EMPTY, VarSet::with)
        } else {
            VarSet::EMPTY
        };
        let mut fp: Vec<Vec<Footprint>> = Vec::with_capacity(cpus);
        let mut decs_left = Vec::with_capacity(cpus);
        let mut writes_left = Vec::with_capacity(cpus);
        let mut reads_left = Vec::with_capacity(cpus);
        for (lane, lane_fp) in actions.iter().zip(&declared) {
            let n = lane.len();
            let mut decs = vec![0u32; n + 1];
            let mut wr = vec![0u32; n + 1];
            let mut reads = vec![VarSet::EMPTY; n + 1];
            for i in (0..n).rev() {
                decs[i] = decs[i + 1] + u32::from(decrements(lane[i]));
                wr[i] = wr[i + 1] + u32::from(lane[i] == Action::WriteToPage);
                reads[i] = reads[i + 1].union(lane_fp[i].read);
            }
            fp.push(
                lane_fp
                    .iter()
                    .map(|f| Footprint {
                        read: f.read.minus(never_read),
                        write: f.write.minus(never_read),
                    })
                    .collect(),
            );
            decs_left.push(decs);
            writes_left.push(wr);
            reads_left.push(reads);
        }
        let mut base = Vec::with_capacity(cpus);
        let mut last_conflict = Vec::new();
        for (m, lane) in fp.iter().enumerate() {
            base.push(last_conflict.len() / cpus.max(1));
            for &f in lane {
                for (d, other) in fp.iter().enumerate() {
                    let last = if d == m {
                        None
                    } else {
                        other.iter().rposition(|&g| f.conflicts(g))
                    };
                    last_conflict.push(last.map_or(-1, |j| j as i16));
                }
            }
        }
        Ok(Ctx {
            scenario,
            variant,
            options,
            initial,
            cpus,
            total_steps: scenario.steps.len(),
            actions,
            steps: programs,
            fp,
            base,
            last_conflict,
            decs_left,
            writes_left,
            reads_left,
            never_read,
        })
    }

    /// CPUs with steps left, as a bitmask.
    fn enabled(&self, pcs: &[u16; MAX_CPUS]) -> u8 {
        let mut m = 0u8;
        for (c, lane) in self.actions.iter().enumerate() {
            if (pcs[c] as usize) < lane.len() {
                m |= 1 << c;
            }
        }
        m
    }

    /// Puts a node in canonical form (see the module documentation); no-op without abstraction.
    fn canon(&self, n: &mut Node) {
        if !self.options.abstraction {
            return;
        }
        let s = &mut n.state;
        let mut live = VERDICT_READS;
        let mut decs = 0u32;
        let mut writes = 0u32;
        for c in 0..self.cpus {
            let pc = n.pcs[c] as usize;
            live = live.union(self.reads_left[c][pc]);
            decs += self.decs_left[c][pc];
            writes += self.writes_left[c][pc];
        }
        // A variable no remaining step reads cannot change what happens next: one value stands for all.
        for v in Var::all(self.cpus) {
            if !live.contains(v) {
                v.set(s, 0);
            }
        }
        s.tlb_flush_pending = s.tlb_flush_pending.min(decs + 2);
        let (mem, disk) = (s.page.mem, s.disk);
        if mem >= disk {
            s.page.mem = (mem - disk).min(1);
            s.disk = 0;
        } else {
            s.page.mem = 0;
            s.disk = (disk - mem).min(writes + 1);
        }
    }

    /// The smallest persistent set of CPUs at `pcs` (fewest awake members first): a set whose next
    /// steps are independent of every remaining step of every CPU outside it.
    fn persistent(&self, pcs: &[u16; MAX_CPUS], enabled: u8, sleep: u8) -> u8 {
        // needs[m]: the CPUs whose remaining steps conflict with m's next step.
        let mut needs = [0u8; MAX_CPUS];
        for m in Bits(enabled) {
            let row = (self.base[m] + pcs[m] as usize) * self.cpus;
            let last = &self.last_conflict[row..row + self.cpus];
            for d in Bits(enabled & !(1 << m)) {
                if pcs[d] as i16 <= last[d] {
                    needs[m] |= 1 << d;
                }
            }
        }
        let mut best = enabled;
        let mut best_cost = ((enabled & !sleep).count_ones(), enabled.count_ones());
        for c0 in Bits(enabled) {
            let mut set = 1u8 << c0;
            loop {
                let grown = Bits(set).fold(set, |acc, m| acc | needs[m]);
                if grown == set {
                    break;
                }
                set = grown;
            }
            let cost = ((set & !sleep).count_ones(), set.count_ones());
            if cost < best_cost {
                best = set;
                best_cost = cost;
            }
        }
        best
    }

    /// CPUs (with steps left) whose next step is independent of `c`'s next step.
    fn independent_of(&self, pcs: &[u16; MAX_CPUS], enabled: u8, c: usize) -> u8 {
        let f = self.fp[c][pcs[c] as usize];
        let mut m = 0u8;
        for u in Bits(enabled) {
            if u != c && !f.conflicts(self.fp[u][pcs[u] as usize]) {
                m |= 1 << u;
            }
        }
        m
    }

    /// Interleavings of what remains after `pcs`.
    fn completions(&self, pcs: &[u16; MAX_CPUS]) -> u128 {
        let lens: Vec<usize> = (0..self.cpus)
            .map(|c| self.actions[c].len() - pcs[c] as usize)
            .collect();
        interleavings(&lens)
    }

    fn search<C: Codec>(
        &self,
        codec: &C,
        on_progress: &mut dyn FnMut(&Progress) -> ControlFlow<()>,
    ) -> Report {
        let lengths: Vec<usize> = self.actions.iter().map(Vec::len).collect();
        let mut report = Report {
            variant: self.variant,
            options: self.options,
            outcome: Outcome::Complete,
            interleavings: interleavings(&lengths),
            states: 1,
            transitions: 0,
            end_states: 0,
            lost_end_states: 0,
            at_risk_end_states: 0,
            error_steps: 0,
            first_error: None,
            paths: PathCounts::default(),
            counterexample: None,
        };
        let max_states = self.options.max_states.clamp(1, u32::MAX as usize - 1);
        // The search tree's parent links, by node id: enough to spell any node's path.
        let mut parent: Vec<u32> = vec![u32::MAX];
        let mut moved: Vec<u8> = vec![0];
        let mut root = Node {
            state: self.initial,
            pcs: [0; MAX_CPUS],
            lost: false,
        };
        self.canon(&mut root);
        let mut level: Map<C::Key, Meta> = Map::default();
        level.insert(
            codec.encode(&root),
            Meta {
                sleep: 0,
                paths: 1,
                id: 0,
            },
        );
        let mut lost_cex: Option<Vec<u8>> = None;
        let mut at_risk_id: Option<u32> = None;
        let mut dead: HashSet<C::Key, FxBuild> = HashSet::default();
        let mut expanded: u64 = 0;
        let mut depth = 0usize;

        'search: while !level.is_empty() {
            let progress = |report: &Report, depth| Progress {
                variant: self.variant,
                states: report.states,
                transitions: report.transitions,
                depth,
                max_depth: self.total_steps,
            };
            if on_progress(&progress(&report, depth)).is_break() {
                report.outcome = Outcome::Cancelled;
                break;
            }
            let mut next: Map<C::Key, Meta> = Map::default();
            for (key, meta) in &level {
                expanded += 1;
                if expanded.is_multiple_of(4096)
                    && on_progress(&progress(&report, depth)).is_break()
                {
                    report.outcome = Outcome::Cancelled;
                    break 'search;
                }
                let node = codec.decode(key);
                let enabled = self.enabled(&node.pcs);
                if enabled == 0 {
                    report.end_states += 1;
                    if node.lost {
                        report.lost_end_states += 1;
                        report.paths.lost = report.paths.lost.saturating_add(meta.paths);
                    } else if node.state.unrecorded_data() {
                        report.at_risk_end_states += 1;
                        report.paths.at_risk = report.paths.at_risk.saturating_add(meta.paths);
                        at_risk_id.get_or_insert(meta.id);
                    } else {
                        report.paths.guaranteed =
                            report.paths.guaranteed.saturating_add(meta.paths);
                    }
                    continue;
                }
                let explore = if self.options.reduction {
                    self.persistent(&node.pcs, enabled, meta.sleep) & !meta.sleep
                } else {
                    enabled
                };
                let mut done = 0u8;
                for c in Bits(explore) {
                    if report.transitions >= self.options.max_transitions {
                        report.outcome = Outcome::TransitionBudget {
                            limit: self.options.max_transitions,
                        };
                        break 'search;
                    }
                    report.transitions += 1;
                    let pc = node.pcs[c] as usize;
                    let action = self.actions[c][pc];
                    match step(&node.state, c, action, &self.variant) {
                        Err(e) => {
                            report.error_steps += 1;
                            let mut after = node.pcs;
                            after[c] += 1;
                            let weight = meta.paths.saturating_mul(self.completions(&after));
                            report.paths.error = report.paths.error.saturating_add(weight);
                            if report.first_error.is_none() {
                                let mut path = self.path_to(&parent, &moved, meta.id);
                                path.push(c as u8);
                                let order = self.order(&path);
                                let message = format!("CPU{c} {}: {e}", action.label());
                                report.first_error = Some(ErrorWitness { order, message });
                            }
                        }
                        Ok((state, effect)) => {
                            let mut child = Node {
                                state,
                                pcs: node.pcs,
                                lost: node.lost || effect.loses_data(),
                            };
                            child.pcs[c] += 1;
                            self.canon(&mut child);
                            let sleep = if self.options.reduction {
                                (meta.sleep | done) & self.independent_of(&node.pcs, enabled, c)
                            } else {
                                0
                            };
                            let child_key = codec.encode(&child);
                            let child_id = match next.entry(child_key) {
                                Entry::Occupied(mut o) => {
                                    let m = o.get_mut();
                                    m.sleep &= sleep;
                                    m.paths = m.paths.saturating_add(meta.paths);
                                    m.id
                                }
                                Entry::Vacant(v) => {
                                    if report.states >= max_states {
                                        report.outcome = Outcome::StateCap { limit: max_states };
                                        break 'search;
                                    }
                                    let id = parent.len() as u32;
                                    parent.push(meta.id);
                                    moved.push(c as u8);
                                    report.states += 1;
                                    v.insert(Meta {
                                        sleep,
                                        paths: meta.paths,
                                        id,
                                    });
                                    id
                                }
                            };
                            if child.lost && !node.lost && lost_cex.is_none() {
                                if let Some(rest) = self.finish(codec, child, &mut dead) {
                                    let mut path = self.path_to(&parent, &moved, child_id);
                                    path.extend(rest);
                                    lost_cex = Some(path);
                                    if self.options.stop_at_first {
                                        report.outcome = Outcome::StoppedAtFirst;
                                        break 'search;
                                    }
                                }
                            }
                        }
                    }
                    done |= 1 << c;
                }
            }
            level = next;
            depth += 1;
        }
        if report.outcome == Outcome::Complete {
            let _ = on_progress(&Progress {
                variant: self.variant,
                states: report.states,
                transitions: report.transitions,
                depth: self.total_steps,
                max_depth: self.total_steps,
            });
        }
        report.counterexample = match (lost_cex, at_risk_id) {
            (Some(path), _) => self.counterexample(&path, Bad::Lost),
            (None, Some(id)) => {
                let path = self.path_to(&parent, &moved, id);
                self.counterexample(&path, Bad::AtRisk)
            }
            (None, None) => None,
        };
        report
    }

    /// A way from `start` to the end of every program without an error, as the CPUs that move; every
    /// node found unable to finish is remembered in `dead`.
    fn finish<C: Codec>(
        &self,
        codec: &C,
        start: Node,
        dead: &mut HashSet<C::Key, FxBuild>,
    ) -> Option<Vec<u8>> {
        if dead.contains(&codec.encode(&start)) {
            return None;
        }
        let mut stack: Vec<(Node, usize)> = vec![(start, 0)];
        let mut path: Vec<u8> = Vec::new();
        while let Some(top) = stack.last_mut() {
            let (node, next_cpu) = (top.0, top.1);
            let enabled = self.enabled(&node.pcs);
            if enabled == 0 {
                return Some(path);
            }
            match (next_cpu..self.cpus).find(|&c| enabled & (1 << c) != 0) {
                None => {
                    dead.insert(codec.encode(&node));
                    stack.pop();
                    path.pop();
                }
                Some(c) => {
                    top.1 = c + 1;
                    let action = self.actions[c][node.pcs[c] as usize];
                    if let Ok((state, _)) = step(&node.state, c, action, &self.variant) {
                        let mut child = Node {
                            state,
                            pcs: node.pcs,
                            lost: true,
                        };
                        child.pcs[c] += 1;
                        self.canon(&mut child);
                        if !dead.contains(&codec.encode(&child)) {
                            stack.push((child, 0));
                            path.push(c as u8);
                        }
                    }
                }
            }
        }
        None
    }

    /// The CPUs that moved on the tree path from the root to node `id`.
    fn path_to(&self, parent: &[u32], moved: &[u8], mut id: u32) -> Vec<u8> {
        let mut path = Vec::new();
        while id != 0 && (id as usize) < parent.len() {
            path.push(moved[id as usize]);
            id = parent[id as usize];
        }
        path.reverse();
        path
    }

    /// A sequence of moving CPUs as step indexes of the scenario.
    fn order(&self, path: &[u8]) -> Vec<usize> {
        let mut pcs = [0usize; MAX_CPUS];
        path.iter()
            .filter_map(|&c| {
                let c = c as usize;
                let i = self.steps.get(c)?.get(pcs[c]).copied();
                pcs[c] += 1;
                i
            })
            .collect()
    }

    /// The footprint of the scenario's step `i`.
    fn step_footprint(&self, i: usize) -> Footprint {
        let s = &self.scenario.steps[i];
        let f = (s.action.def().footprint)(s.cpu, &self.variant);
        Footprint {
            read: f.read.minus(self.never_read),
            write: f.write.minus(self.never_read),
        }
    }

    fn reordered(&self, order: &[usize]) -> Scenario {
        let mut s = self.scenario.clone();
        s.steps = order
            .iter()
            .map(|&i| self.scenario.steps[i].clone())
            .collect();
        s
    }

    /// Spells a bad path as a timeline, moves a loss as early as its causal past allows, and keeps the
    /// result only if `trace::run` confirms it.
    fn counterexample(&self, path: &[u8], kind: Bad) -> Option<Counterexample> {
        let order = self.order(path);
        let scenario = self.reordered(&order);
        let verdict = run(&scenario, &self.variant).ok()?.verdict;
        let confirmed = matches!(
            (kind, verdict),
            (Bad::Lost, Verdict::Lost { .. }) | (Bad::AtRisk, Verdict::AtRisk { .. })
        );
        if !confirmed {
            return None;
        }
        if let Verdict::Lost { drop, .. } = verdict {
            // Keep, before the drop, only the steps it depends on (same CPU or conflicting footprints,
            // transitively); the others commute past it.
            let mut past_cpus = 1u16 << self.scenario.steps[order[drop]].cpu;
            let mut past = self.step_footprint(order[drop]);
            let mut before = vec![false; order.len()];
            for k in (0..drop).rev() {
                let f = self.step_footprint(order[k]);
                let cpu = self.scenario.steps[order[k]].cpu;
                if past_cpus & (1 << cpu) != 0 || f.conflicts(past) {
                    before[k] = true;
                    past_cpus |= 1 << cpu;
                    past = past.union(f);
                }
            }
            let compact: Vec<usize> = (0..drop)
                .filter(|&k| before[k])
                .chain(std::iter::once(drop))
                .chain((0..order.len()).filter(|&k| k > drop || (k < drop && !before[k])))
                .map(|k| order[k])
                .collect();
            if compact != order {
                let s = self.reordered(&compact);
                if let Ok(t) = run(&s, &self.variant) {
                    if matches!(t.verdict, Verdict::Lost { .. }) {
                        return Some(Counterexample {
                            kind,
                            scenario: s,
                            order: compact,
                            verdict: t.verdict,
                        });
                    }
                }
            }
        }
        Some(Counterexample {
            kind,
            scenario,
            order,
            verdict,
        })
    }
}

/// The CPUs in a bitmask, lowest first.
struct Bits(u8);

impl Iterator for Bits {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::{example, EXAMPLES};

    fn go(s: &Scenario, v: &Variant, o: &Options) -> Report {
        explore(s, v, o, |_| ControlFlow::Continue(())).unwrap()
    }

    #[test]
    fn interleavings_are_multinomials() {
        assert_eq!(interleavings(&[]), 1);
        assert_eq!(interleavings(&[3]), 1);
        assert_eq!(interleavings(&[2, 2]), 6);
        assert_eq!(interleavings(&[2, 4, 4, 3]), 900_900);
        assert_eq!(interleavings(&[64, 64, 64, 64]), u128::MAX);
    }

    #[test]
    fn packing_round_trips_canonical_nodes() {
        for e in EXAMPLES {
            let s = e.scenario();
            let initial = s.validate().unwrap();
            let ctx = Ctx::new(&s, Variant::default(), Options::default(), initial).unwrap();
            let packer = Packer::new(&ctx).unwrap();
            let mut n = Node {
                state: initial,
                pcs: [0; MAX_CPUS],
                lost: true,
            };
            ctx.canon(&mut n);
            assert_eq!(packer.decode(&packer.encode(&n)), n, "{}", e.name);
            // Exact nodes keep everything, a state after some steps included.
            let ctx = Ctx::new(&s, Variant::default(), Options::exact(), initial).unwrap();
            let packer = Packer::new(&ctx).unwrap();
            let t = run(&s, &Variant::default()).unwrap();
            let mut pcs = [0; MAX_CPUS];
            for st in &s.steps[..3] {
                pcs[st.cpu] += 1;
            }
            let n = Node {
                state: t.states[2],
                pcs,
                lost: false,
            };
            assert_eq!(packer.decode(&packer.encode(&n)), n, "{}", e.name);
        }
    }

    #[test]
    fn the_biggest_scenario_still_packs() {
        let mut s = Scenario::new(MAX_CPUS);
        for i in 0..crate::model::scenario::MAX_STEPS {
            let a = [
                Action::WriteToPage,
                Action::DecTlbFlushPending,
                Action::TlbFinishMmu,
            ][i % 3];
            s.steps
                .push(crate::model::scenario::Step::new(i % MAX_CPUS, a));
        }
        let initial = s.validate().unwrap();
        let ctx = Ctx::new(&s, Variant::default(), Options::default(), initial).unwrap();
        assert!(Packer::new(&ctx).is_some());
    }

    #[test]
    fn reports_round_trip_through_json() {
        // The playground's worker sends reports to the page as JSON.
        let s = example("example-1").unwrap();
        for preset in Preset::ALL {
            let r = go(&s, &preset.variant(), &Options::default());
            let back: Report = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back, r, "{}", preset.name());
        }
        let huge = PathCounts {
            lost: u128::MAX,
            ..PathCounts::default()
        };
        let back: PathCounts =
            serde_json::from_str(&serde_json::to_string(&huge).unwrap()).unwrap();
        assert!(back.lost > u128::from(u64::MAX));
    }

    #[test]
    fn cancelling_stops_at_once() {
        let s = example("example-1").unwrap();
        let r = explore(&s, &Variant::default(), &Options::default(), |_| {
            ControlFlow::Break(())
        })
        .unwrap();
        assert_eq!(r.outcome, Outcome::Cancelled);
        assert_eq!(r.finding(), Finding::Unknown);
    }

    #[test]
    fn the_state_cap_is_a_clear_outcome() {
        let s = example("example-1").unwrap();
        let o = Options {
            max_states: 50,
            ..Options::exact()
        };
        let r = go(&s, &Preset::YuFix.variant(), &o);
        assert_eq!(r.outcome, Outcome::StateCap { limit: 50 });
        assert_eq!(r.states, 50);
        assert_eq!(r.finding(), Finding::Unknown);
        assert_eq!(
            r.outcome.describe(r.states),
            "stopped after 50 states: cap of 50 reached"
        );
        let o = Options {
            max_transitions: 10,
            ..Options::default()
        };
        assert_eq!(
            go(&s, &Preset::YuFix.variant(), &o).outcome,
            Outcome::TransitionBudget { limit: 10 }
        );
    }

    #[test]
    fn huge_initial_counters_are_refused_not_overflowed() {
        let mut s = example("example-1").unwrap();
        s.initial.mem = Some(u32::MAX);
        s.initial.disk = Some(0);
        let err = explore(&s, &Variant::default(), &Options::default(), |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
        assert!(err.message.contains("overflow"), "{err}");
    }
}
