//! Every interleaving at once: a timeline checks one order of the CPUs' steps, the explorer checks all
//! orders that keep each CPU's own steps in program order and that the kernel's locks allow, and says
//! whether any of them does harm (loses data, writes a freed frame, breaks a syscall's promise) or
//! ends with data at risk.
//!
//! # What is searched
//! The per-CPU programs of a [`Scenario`] ([`Scenario::programs`]); the global order is dropped. An
//! *interleaving* is a merge of the programs in which every step runs when its locks are free
//! ([`Locking::Strict`]: a step that would wait is not enabled until the holder's release). Each is
//! classified as [`trace::run`](crate::model::trace::run) would classify the timeline it spells: a
//! `StepError` anywhere makes it an *error* interleaving (an order that cannot happen, not harm);
//! otherwise it is *harmed* if some step's effect [`is_bad`](crate::model::Effect::is_bad), else
//! *at risk* if the end state has [`unrecorded_data`](State::unrecorded_data), else guaranteed. A
//! state where every CPU with steps left waits for a lock held by a CPU that has finished its program
//! ends the window: the interleaving is classified there (a *stuck* end state). Counterexamples are
//! whole timelines that `trace::run` confirms.
//!
//! # The search
//! Breadth-first over nodes `(state, program counters, harmed flag)`. The harmed flag must be part of
//! the node: two paths can reach the same machine state and counters, one having already done harm
//! and one not, and they have different verdicts. Every path to a node has the same length (the sum of
//! its counters), so the graph is layered and acyclic: only the current and the next layer need a
//! visited map, every arrival at a node happens before it is expanded, and the first harmful step found
//! in breadth-first order is as early as the explored graph allows. An erroring step ends its
//! interleaving; it is counted and not expanded.
//!
//! # State abstraction (on by default, [`Options::abstraction`])
//! Nodes are stored in a canonical form that merges states no future step can tell apart, derived
//! from the footprints every action declares (`model/actions/`, checked by `core/tests/footprints.rs`):
//! - a variable that no remaining step of any lane reads, and that the end-state verdict does not read,
//!   is set to a fixed value ([`Var::set`] with 0);
//! - a frame that is free or freed holds no data anyone reads: its data and owner are cleared;
//! - data versions matter only through equality and through a store making a new version one above
//!   the page's newest, so each page's versions (disk, newest, and its frames') are renumbered densely
//!   in order;
//! - `tlb_flush_pending` matters only through `> 0`, `> 1` and not going below zero, so it is clamped
//!   to `remaining steps that may change it + 2`.
//!
//! Each rule maps states to representatives such that the representative of a step's result equals the
//! representative of the step applied to the representative, with the same verdict-relevant outcome
//! (error or not, harm, `unrecorded_data`): a bisimulation, so verdicts are unchanged.
//!
//! # Partial-order reduction (on by default, [`Options::reduction`])
//! Persistent sets combined with sleep sets. Each step's footprint is what it may read and write in
//! its lane context under the variant. Two steps of different CPUs are *independent* when neither
//! writes what the other reads or writes; then in every state they commute, and neither changes whether
//! the other errors, waits, does harm, or what it writes, because each is a function of the variables
//! it reads (whether a step waits for a lock is decided by the lock variables it declares). The harmed
//! flag is set-only and read by nobody, so two steps that may set it still commute.
//!
//! *Why it is sound.* Model an erroring step as the CPU crashing: it sets a sticky, set-only error flag
//! and jumps to the end of its program; the other CPUs go on. The steps that can still run without CPU
//! set `S` moving are the remaining steps of the CPUs outside `S`; `S`'s next steps form a persistent
//! set when each is independent of all of those (a closure over the CPUs' remaining footprints). A
//! waiting step's footprint reads its lock, which the holder's release writes, so the closure of a CPU
//! that waits contains the holder. Godefroid's theorem (Partial-Order Methods for the Verification of
//! Concurrent Systems, LNCS 1032, thm. 4.3 with sleep sets, ch. 5) says a search exploring persistent
//! sets minus sleep sets reaches every terminal state of the full graph, also with state caching,
//! provided a node revisited with a smaller sleep set is re-expanded; here the layered breadth-first
//! order means a node's sleep set is the intersection over all its arrivals before it is expanded at
//! all. Hence a harmed or at-risk terminal exists in the reduced graph exactly when one exists in the
//! full graph. Counts of paths under reduction count explored representatives, not all
//! interleavings; with both options off they are exact, and the property tests compare both against
//! brute-force enumeration.
//!
//! # Counterexamples
//! For a harm: the first harmful step found breadth-first whose node can still finish without an
//! error (checked by a depth-first search that counts against the same state cap, step budget and
//! cancellation as the search), the path to it, and that completion. The harmful step is then moved
//! as early as its causal past allows (only commuting steps are swapped), and the timeline is rerun
//! with [`trace::run`](crate::model::trace::run). With the reduction on, "earliest" is over the explored
//! representatives; with [`Options::exact`] it is over every interleaving.
//!
//! No clocks and no threads: callers pass a progress callback that may cancel, and measure time there.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::model::action::Action;
use crate::model::footprint::{Footprint, Var, VarSet};
use crate::model::scenario::{Scenario, ScenarioError, StepCtx};
use crate::model::state::{FrameStatus, State, MAX_CPUS, MAX_FRAMES};
use crate::model::trace::{run, Verdict};
use crate::model::variant::{Arch, FixSet, Preset, Variant};
use crate::model::{step_consulting, Effect, Locking, StepError};

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
#[serde(rename_all = "kebab-case")]
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
    /// Interleavings in which a step did harm (lost data, use-after-free, a broken promise).
    #[serde(serialize_with = "count_json", deserialize_with = "count_from_json")]
    pub harmed: u128,
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
        self.harmed
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
pub enum Failure {
    /// A step did harm: data lost, a use-after-free, a broken promise.
    Harmed,
    /// The timeline ends with data nothing records as dirty.
    AtRisk,
}

impl Failure {
    /// `harmed` or `at risk`.
    pub fn label(self) -> &'static str {
        match self {
            Failure::Harmed => "harmed",
            Failure::AtRisk => "at risk",
        }
    }
}

/// An interleaving that goes wrong, as a timeline the playground and `tlbrace run` can open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// Harmed or at risk.
    pub kind: Failure,
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
    /// End states reached after a step did harm.
    pub harmed_end_states: usize,
    /// End states where every CPU with steps left waits for a lock no one will release in the
    /// window (counted among the end states too).
    pub stuck_end_states: usize,
    /// End states, without loss, holding unrecorded data.
    pub at_risk_end_states: usize,
    /// Steps tried that raised a `StepError`.
    pub error_steps: u64,
    /// The first of them.
    pub first_error: Option<ErrorWitness>,
    /// Interleavings by verdict along the explored paths.
    pub paths: PathCounts,
    /// The earliest harm found (else an at-risk ending), confirmed by `trace::run`.
    pub counterexample: Option<Counterexample>,
    /// Every fix some explored step asked about: the variant's other fixes cannot change any
    /// interleaving's outcome (a step's consulted fixes depend only on what it reads, so the reduced
    /// search sees the same ones as a full one).
    #[serde(default)]
    pub consulted: FixSet,
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
        self.harmed_end_states + self.at_risk_end_states
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
    let ctx = Ctx::new(scenario, *variant, *options, initial);
    Ok(ctx.search(&mut on_progress))
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
fn verdict_reads() -> VarSet {
    State::unrecorded_data_reads()
}

// ---------------------------------------------------------------------------------------------------
// The search.

/// A node of the search graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Node {
    state: State,
    pcs: [u16; MAX_CPUS],
    harmed: bool,
}

/// Per-node bookkeeping while its layer is live.
#[derive(Clone, Copy, Debug)]
struct Meta {
    sleep: u8,
    paths: u128,
    id: u32,
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
    /// The fixes the steps tried so far asked about.
    consulted: std::cell::Cell<FixSet>,
    variant: Variant,
    options: Options,
    initial: State,
    cpus: usize,
    total_steps: usize,
    /// Each CPU's actions in program order.
    actions: Vec<Vec<Action>>,
    /// Each CPU's step contexts in program order.
    contexts: Vec<Vec<StepCtx>>,
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
    /// Steps that may change `tlb_flush_pending`, from each counter on.
    pending_writes_left: Vec<Vec<u32>>,
    /// The variables the steps from each counter on may read: what must survive the abstraction.
    reads_left: Vec<Vec<VarSet>>,
    /// Variables no step of the scenario reads and the verdict does not read: left out of
    /// footprints and cleared in every canonical node (with the abstraction on).
    never_read: VarSet,
}

/// What a CPU's next step does at a node: runs (with its result), fails, or waits for a lock.
enum Next {
    Done,
    Runs(Box<(State, Effect)>),
    Fails(StepError),
    Waits,
}

impl<'a> Ctx<'a> {
    fn new(scenario: &'a Scenario, variant: Variant, options: Options, initial: State) -> Ctx<'a> {
        let cpus = scenario.cpus;
        let programs = scenario.programs();
        let all_contexts = scenario.contexts();
        let actions: Vec<Vec<Action>> = programs
            .iter()
            .map(|p| p.iter().map(|&i| scenario.steps[i].action).collect())
            .collect();
        let contexts: Vec<Vec<StepCtx>> = programs
            .iter()
            .map(|p| p.iter().map(|&i| all_contexts[i]).collect())
            .collect();
        let declared: Vec<Vec<Footprint>> = actions
            .iter()
            .zip(&contexts)
            .map(|(lane, ctxs)| {
                lane.iter()
                    .zip(ctxs)
                    .map(|(a, ctx)| (a.def().footprint)(ctx, &variant))
                    .collect()
            })
            .collect();
        let read_anywhere = declared
            .iter()
            .flatten()
            .fold(verdict_reads(), |acc, f| acc.union(f.read));
        let never_read = if options.abstraction {
            Var::all(cpus, scenario.pages.len())
                .filter(|&v| !read_anywhere.contains(v))
                .fold(VarSet::EMPTY, VarSet::with)
        } else {
            VarSet::EMPTY
        };
        let mut fp: Vec<Vec<Footprint>> = Vec::with_capacity(cpus);
        let mut pending_writes_left = Vec::with_capacity(cpus);
        let mut reads_left = Vec::with_capacity(cpus);
        for lane_fp in &declared {
            let n = lane_fp.len();
            let mut pend = vec![0u32; n + 1];
            let mut reads = vec![VarSet::EMPTY; n + 1];
            for i in (0..n).rev() {
                pend[i] = pend[i + 1] + u32::from(lane_fp[i].write.contains(Var::Pending));
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
            pending_writes_left.push(pend);
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
        Ctx {
            scenario,
            consulted: std::cell::Cell::new(FixSet::EMPTY),
            variant,
            options,
            initial,
            cpus,
            total_steps: scenario.steps.len(),
            actions,
            contexts,
            steps: programs,
            fp,
            base,
            last_conflict,
            pending_writes_left,
            reads_left,
            never_read,
        }
    }

    /// What each CPU's next step does at `node`.
    fn next_steps(&self, node: &Node) -> Vec<Next> {
        (0..self.cpus)
            .map(|c| {
                let pc = node.pcs[c] as usize;
                let Some(&action) = self.actions[c].get(pc) else {
                    return Next::Done;
                };
                let ctx = &self.contexts[c][pc];
                let (result, asked) =
                    step_consulting(&node.state, ctx, action, &self.variant, Locking::Strict);
                self.consulted.set(self.consulted.get().union(asked));
                match result {
                    Ok(r) => Next::Runs(Box::new(r)),
                    Err(StepError::Blocked(_)) => Next::Waits,
                    Err(e) => Next::Fails(e),
                }
            })
            .collect()
    }

    /// Puts a node in canonical form (see the module documentation); no-op without abstraction.
    fn canon(&self, n: &mut Node) {
        if !self.options.abstraction {
            return;
        }
        let s = &mut n.state;
        let mut live = verdict_reads();
        let mut pending_writes = 0u32;
        for c in 0..self.cpus {
            let pc = n.pcs[c] as usize;
            live = live.union(self.reads_left[c][pc]);
            pending_writes += self.pending_writes_left[c][pc];
        }
        // A variable no remaining step reads cannot change what happens next: one value stands for all.
        for v in Var::all(self.cpus, s.vpage_count()) {
            if !live.contains(v) || self.never_read.contains(v) {
                v.set(s, 0);
            }
        }
        s.tlb_flush_pending = s.tlb_flush_pending.min(pending_writes + 2);
        for f in 0..MAX_FRAMES {
            if s.frame[f].status != FrameStatus::Used {
                s.frame[f].data = 0;
                s.frame[f].page = 0;
            }
        }
        // Each page's versions, renumbered densely in order.
        for p in 0..usize::from(s.pages) {
            let mut values: Vec<u32> = vec![s.page[p].disk, s.page[p].writes];
            values.extend(
                (0..MAX_FRAMES)
                    .filter(|&f| {
                        s.frame[f].status == FrameStatus::Used && usize::from(s.frame[f].page) == p
                    })
                    .map(|f| s.frame[f].data),
            );
            // A version's new number: how many distinct versions of the page are older (at most
            // 2 + MAX_FRAMES values, so counting beats sorting, and this runs for every state).
            let rank = |v: u32| {
                let older = values.iter().enumerate();
                older
                    .filter(|&(i, &x)| x < v && !values[..i].contains(&x))
                    .count() as u32
            };
            s.page[p].disk = rank(s.page[p].disk);
            s.page[p].writes = rank(s.page[p].writes);
            for f in 0..MAX_FRAMES {
                if s.frame[f].status == FrameStatus::Used && usize::from(s.frame[f].page) == p {
                    s.frame[f].data = rank(s.frame[f].data);
                }
            }
        }
    }

    /// The smallest persistent set of CPUs at `pcs` (fewest awake members first): a set whose next
    /// steps are independent of every remaining step of every CPU outside it, with at least one
    /// member that can move (a set of CPUs that all wait would make no progress: a waiting step whose
    /// lock nothing outside the set releases waits forever, so leaving it out loses nothing).
    fn persistent(&self, pcs: &[u16; MAX_CPUS], unfinished: u8, enabled: u8, sleep: u8) -> u8 {
        // needs[m]: the CPUs whose remaining steps conflict with m's next step.
        let mut needs = [0u8; MAX_CPUS];
        for m in Bits(unfinished) {
            let row = (self.base[m] + pcs[m] as usize) * self.cpus;
            let last = &self.last_conflict[row..row + self.cpus];
            for d in Bits(unfinished & !(1 << m)) {
                if pcs[d] as i16 <= last[d] {
                    needs[m] |= 1 << d;
                }
            }
        }
        let mut best = unfinished;
        let mut best_cost = ((unfinished & !sleep).count_ones(), unfinished.count_ones());
        for c0 in Bits(unfinished) {
            let mut set = 1u8 << c0;
            loop {
                let grown = Bits(set).fold(set, |acc, m| acc | needs[m]);
                if grown == set {
                    break;
                }
                set = grown;
            }
            let cost = ((set & !sleep).count_ones(), set.count_ones());
            if set & enabled != 0 && cost < best_cost {
                best = set;
                best_cost = cost;
            }
        }
        best
    }

    /// CPUs (with steps left) whose next step is independent of `c`'s next step.
    fn independent_of(&self, pcs: &[u16; MAX_CPUS], unfinished: u8, c: usize) -> u8 {
        let f = self.fp[c][pcs[c] as usize];
        let mut m = 0u8;
        for u in Bits(unfinished) {
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

    fn search(&self, on_progress: &mut dyn FnMut(&Progress) -> ControlFlow<()>) -> Report {
        let lengths: Vec<usize> = self.actions.iter().map(Vec::len).collect();
        let mut report = Report {
            variant: self.variant,
            options: self.options,
            outcome: Outcome::Complete,
            interleavings: interleavings(&lengths),
            states: 1,
            transitions: 0,
            end_states: 0,
            harmed_end_states: 0,
            stuck_end_states: 0,
            at_risk_end_states: 0,
            error_steps: 0,
            first_error: None,
            paths: PathCounts::default(),
            counterexample: None,
            consulted: FixSet::EMPTY,
        };
        let max_states = self.options.max_states.clamp(1, u32::MAX as usize - 1);
        // The search tree's parent links, by node id: enough to spell any node's path.
        let mut parent: Vec<u32> = vec![u32::MAX];
        let mut moved: Vec<u8> = vec![0];
        let mut root = Node {
            state: self.initial,
            pcs: [0; MAX_CPUS],
            harmed: false,
        };
        self.canon(&mut root);
        let mut level: Map<Node, Meta> = Map::default();
        level.insert(
            root,
            Meta {
                sleep: 0,
                paths: 1,
                id: 0,
            },
        );
        let mut harm_cex: Option<Vec<u8>> = None;
        let mut at_risk_id: Option<u32> = None;
        let mut dead: HashSet<Node, FxBuild> = HashSet::default();
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
            let mut next: Map<Node, Meta> = Map::default();
            for (node, meta) in &level {
                expanded += 1;
                if expanded.is_multiple_of(4096)
                    && on_progress(&progress(&report, depth)).is_break()
                {
                    report.outcome = Outcome::Cancelled;
                    break 'search;
                }
                let nexts = self.next_steps(node);
                let mut unfinished = 0u8;
                let mut enabled = 0u8;
                for (c, n) in nexts.iter().enumerate() {
                    if !matches!(n, Next::Done) {
                        unfinished |= 1 << c;
                    }
                    if matches!(n, Next::Runs(_) | Next::Fails(_)) {
                        enabled |= 1 << c;
                    }
                }
                if enabled == 0 {
                    report.end_states += 1;
                    if unfinished != 0 {
                        report.stuck_end_states += 1;
                    }
                    if node.harmed {
                        report.harmed_end_states += 1;
                        report.paths.harmed = report.paths.harmed.saturating_add(meta.paths);
                    } else if node.state.unrecorded_data().is_some() {
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
                    self.persistent(&node.pcs, unfinished, enabled, meta.sleep)
                        & enabled
                        & !meta.sleep
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
                    match &nexts[c] {
                        Next::Done | Next::Waits => {}
                        Next::Fails(e) => {
                            report.error_steps += 1;
                            let mut after = node.pcs;
                            after[c] += 1;
                            let weight = meta.paths.saturating_mul(self.completions(&after));
                            report.paths.error = report.paths.error.saturating_add(weight);
                            if report.first_error.is_none() {
                                let mut path = path_to(&parent, &moved, meta.id);
                                path.push(c as u8);
                                let order = self.order(&path);
                                let message = format!("CPU{c} {}: {e}", action.label());
                                report.first_error = Some(ErrorWitness { order, message });
                            }
                        }
                        Next::Runs(r) => {
                            let (state, effect) = **r;
                            let mut child = Node {
                                state,
                                pcs: node.pcs,
                                harmed: node.harmed || effect.is_bad(),
                            };
                            child.pcs[c] += 1;
                            self.canon(&mut child);
                            let sleep = if self.options.reduction {
                                (meta.sleep | done) & self.independent_of(&node.pcs, unfinished, c)
                            } else {
                                0
                            };
                            let child_id = match next.entry(child) {
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
                            if child.harmed && !node.harmed && harm_cex.is_none() {
                                let mut budget = Budget {
                                    report: &mut report,
                                    max_states,
                                    dead: &mut dead,
                                    on_progress: &mut *on_progress,
                                    depth,
                                    ctx: self,
                                };
                                match self.finish(child, &mut budget) {
                                    Finished::Path(rest) => {
                                        let mut path = path_to(&parent, &moved, child_id);
                                        path.extend(rest);
                                        harm_cex = Some(path);
                                        if self.options.stop_at_first {
                                            report.outcome = Outcome::StoppedAtFirst;
                                            break 'search;
                                        }
                                    }
                                    Finished::Impossible => {}
                                    Finished::Stopped(outcome) => {
                                        report.outcome = outcome;
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
        report.counterexample = match (harm_cex, at_risk_id) {
            (Some(path), _) => self.counterexample(&path, Failure::Harmed),
            (None, Some(id)) => {
                let path = path_to(&parent, &moved, id);
                self.counterexample(&path, Failure::AtRisk)
            }
            (None, None) => None,
        };
        report.consulted = self.consulted.get();
        report
    }

    /// A way from `start` to the end of the window without an error, as the CPUs that move; every
    /// node found unable to finish is remembered in the budget's `dead` set. Its work counts against
    /// the search's step budget, state cap and cancellation.
    fn finish(&self, start: Node, budget: &mut Budget<'_, '_>) -> Finished {
        if budget.dead.contains(&start) {
            return Finished::Impossible;
        }
        let mut stack: Vec<(Node, usize, Vec<Next>)> = vec![(start, 0, self.next_steps(&start))];
        let mut path: Vec<u8> = Vec::new();
        while let Some(top) = stack.last_mut() {
            let (node, next_cpu) = (top.0, top.1);
            let runnable = |n: &Next| matches!(n, Next::Runs(_) | Next::Fails(_));
            if !top.2.iter().any(runnable) {
                return Finished::Path(path);
            }
            match (next_cpu..self.cpus).find(|&c| runnable(&top.2[c])) {
                None => {
                    if budget.dead.len() >= budget.max_states {
                        return Finished::Stopped(Outcome::StateCap {
                            limit: budget.max_states,
                        });
                    }
                    budget.dead.insert(node);
                    stack.pop();
                    path.pop();
                }
                Some(c) => {
                    top.1 = c + 1;
                    if let Some(stop) = budget.charge() {
                        return Finished::Stopped(stop);
                    }
                    if let Next::Runs(r) = &top.2[c] {
                        let mut child = Node {
                            state: r.0,
                            pcs: node.pcs,
                            harmed: true,
                        };
                        child.pcs[c] += 1;
                        self.canon(&mut child);
                        if !budget.dead.contains(&child) {
                            let nexts = self.next_steps(&child);
                            stack.push((child, 0, nexts));
                            path.push(c as u8);
                        }
                    }
                }
            }
        }
        Finished::Impossible
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

    /// The footprint of the scenario's step `i`, in its lane context.
    fn step_footprint(&self, i: usize) -> Footprint {
        let s = &self.scenario.steps[i];
        let ctx = self.scenario.contexts()[i];
        let f = (s.action.def().footprint)(&ctx, &self.variant);
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

    /// Spells a bad path as a timeline, moves a harm as early as its causal past allows, and keeps the
    /// result only if `trace::run` confirms it (and it runs without ignoring a lock).
    fn counterexample(&self, path: &[u8], kind: Failure) -> Option<Counterexample> {
        let order = self.order(path);
        let scenario = self.reordered(&order);
        let confirms = |s: &Scenario| -> Option<Verdict> {
            let t = run(s, &self.variant).ok()?;
            let ok = t.waits.is_empty()
                && match kind {
                    Failure::Harmed => matches!(t.verdict, Verdict::Harmed { .. }),
                    Failure::AtRisk => matches!(t.verdict, Verdict::AtRisk { .. }),
                };
            ok.then_some(t.verdict)
        };
        let verdict = confirms(&scenario)?;
        if let Verdict::Harmed { step: harm, .. } = verdict {
            // Keep, before the harm, only the steps it depends on (same CPU or conflicting
            // footprints, transitively); the others commute past it.
            let mut past_cpus = 1u16 << self.scenario.steps[order[harm]].cpu;
            let mut past = self.step_footprint(order[harm]);
            let mut before = vec![false; order.len()];
            for k in (0..harm).rev() {
                let f = self.step_footprint(order[k]);
                let cpu = self.scenario.steps[order[k]].cpu;
                if past_cpus & (1 << cpu) != 0 || f.conflicts(past) {
                    before[k] = true;
                    past_cpus |= 1 << cpu;
                    past = past.union(f);
                }
            }
            let compact: Vec<usize> = (0..harm)
                .filter(|&k| before[k])
                .chain(std::iter::once(harm))
                .chain((0..order.len()).filter(|&k| k > harm || (k < harm && !before[k])))
                .map(|k| order[k])
                .collect();
            if compact != order {
                let s = self.reordered(&compact);
                if let Some(v) = confirms(&s) {
                    return Some(Counterexample {
                        kind,
                        scenario: s,
                        order: compact,
                        verdict: v,
                    });
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

/// How the completion search ended.
enum Finished {
    /// It reached the end of the window; the CPUs that moved.
    Path(Vec<u8>),
    /// No completion exists.
    Impossible,
    /// A limit stopped it (and with it the search).
    Stopped(Outcome),
}

/// The search's limits, shared with the completion search.
struct Budget<'r, 'p> {
    report: &'r mut Report,
    max_states: usize,
    dead: &'r mut HashSet<Node, FxBuild>,
    on_progress: &'p mut dyn FnMut(&Progress) -> ControlFlow<()>,
    depth: usize,
    ctx: &'r Ctx<'r>,
}

impl Budget<'_, '_> {
    /// Counts one step tried; the outcome that stops the search, if a limit is reached.
    fn charge(&mut self) -> Option<Outcome> {
        let r = &mut *self.report;
        if r.transitions >= self.ctx.options.max_transitions {
            return Some(Outcome::TransitionBudget {
                limit: self.ctx.options.max_transitions,
            });
        }
        r.transitions += 1;
        if r.transitions.is_multiple_of(4096) {
            let p = Progress {
                variant: self.ctx.variant,
                states: r.states + self.dead.len(),
                transitions: r.transitions,
                depth: self.depth,
                max_depth: self.ctx.total_steps,
            };
            if (self.on_progress)(&p).is_break() {
                return Some(Outcome::Cancelled);
            }
        }
        None
    }
}

/// The CPUs that moved on the tree path from the root to node `id`.
fn path_to(parent: &[u32], moved: &[u8], mut id: u32) -> Vec<u8> {
    let mut path = Vec::new();
    while id != 0 && (id as usize) < parent.len() {
        path.push(moved[id as usize]);
        id = parent[id as usize];
    }
    path.reverse();
    path
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
