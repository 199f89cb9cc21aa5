//! Running a timeline: every state, one explanation event per step, and the verdict with the steps
//! that decided it (docs/model.md §6): the first harm a step did; else data nothing records (at risk);
//! else a stale entry nothing will flush (latent); else guaranteed, naming the step that kept the data.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::action::{Action, KernelPath};
use crate::model::effect::{Bad, Blocked, LossHow, What};
use crate::model::footprint::VarSet;
use crate::model::scenario::{Scenario, ScenarioError, StepCtx};
use crate::model::state::{CpuSet, State, MAX_CPUS, MAX_PAGES};
use crate::model::variant::{Arch, FixSet, Preset, Variant};
use crate::model::{explain, step_consulting, Effect, Locking, StorePath};

/// What one step did. The words are rendered on demand ([`Event::text`]): the playground recomputes
/// every variant's trace on each edit but shows one step's explanation at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The step's index in the timeline, from 0.
    pub step: usize,
    /// The CPU that ran it.
    pub cpu: usize,
    /// The virtual page it acted on.
    pub page: usize,
    /// The action.
    pub action: Action,
    /// What happened.
    pub effect: Effect,
}

impl Event {
    /// What happened, in words, in kernel terms.
    pub fn text(&self) -> String {
        explain(self.cpu, self.page, self.action, &self.effect)
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            step: usize,
            cpu: usize,
            page: usize,
            action: Action,
            effect: &'a Effect,
            text: String,
        }
        Wire {
            step: self.step,
            cpu: self.cpu,
            page: self.page,
            action: self.action,
            effect: &self.effect,
            text: self.text(),
        }
        .serialize(serializer)
    }
}

/// The history that made a harm possible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Culprit {
    /// The store that did the harm, or wrote the data that was lost.
    pub store: Option<usize>,
    /// The step that filled the TLB entry the store went through, if it went through a stale entry.
    pub stale_fill: Option<usize>,
    /// The last step that could have flushed that entry and did not.
    pub skipped_flush: Option<usize>,
}

/// Whether what user space wrote survives the timeline, and what made the difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A step did harm (the first one): data lost, a write to a freed frame, a broken promise.
    Harmed {
        /// The step.
        step: usize,
        /// The harm.
        bad: Bad,
        /// How the data escaped.
        culprit: Culprit,
    },
    /// The timeline ended with a file page's newest data in memory that neither PG_dirty nor a dirty
    /// PTE records: the next reclaim would drop it.
    AtRisk {
        /// The virtual page mapping it.
        page: usize,
        /// The unrecorded version.
        mem_version: u32,
        /// The version on disk.
        disk_version: u32,
        /// How the newest data escaped.
        culprit: Culprit,
    },
    /// The timeline ended with a writable, dirty TLB entry the PTE no longer backs and nothing owed
    /// will flush: the next store through it escapes the kernel.
    Latent {
        /// The virtual page.
        page: usize,
        /// The CPUs holding such entries.
        cpus: CpuSet,
        /// The step since which no owed flush would have removed them (`None`: the initial state
        /// was already so).
        since: Option<usize>,
    },
    /// Neither: every write is on disk, recorded as dirty, or in a page still mapped.
    Guaranteed {
        /// The step that kept the data: the flush that removed a stale entry a later store would
        /// have used, or the fault that recorded a store.
        saved_by: Option<usize>,
    },
}

impl Verdict {
    /// The verdict's short name: a harm's [`Bad::id`], `at risk`, `latent`, `guaranteed`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Harmed { bad, .. } => bad.id(),
            Verdict::AtRisk { .. } => "at risk",
            Verdict::Latent { .. } => "latent",
            Verdict::Guaranteed { .. } => "guaranteed",
        }
    }

    /// The verdict as an identifier (`lost`, `at-risk`, `guaranteed`, …): the one spelling the SVG's
    /// classes, the playground's `data-verdict` attributes and the tests that read them share.
    pub fn id(&self) -> &'static str {
        match self {
            Verdict::Harmed { bad, .. } => bad.id(),
            Verdict::AtRisk { .. } => "at-risk",
            Verdict::Latent { .. } => "latent",
            Verdict::Guaranteed { .. } => "guaranteed",
        }
    }

    /// Whether the verdict is bad: harm done, or data at risk (latent is a warning, not a loss).
    pub fn is_bad(&self) -> bool {
        matches!(self, Verdict::Harmed { .. } | Verdict::AtRisk { .. })
    }

    /// The steps that decided the verdict, in timeline order: the fill that created the stale entry,
    /// the skipped flush, the store through it, and the harm; for a guaranteed verdict, the step
    /// that kept the data.
    pub fn decisive_steps(&self) -> Vec<usize> {
        let (culprit, last) = match self {
            Verdict::Harmed { step, culprit, .. } => (*culprit, Some(*step)),
            Verdict::AtRisk { culprit, .. } => (*culprit, None),
            Verdict::Latent { since, .. } => (Culprit::default(), *since),
            Verdict::Guaranteed { saved_by } => (Culprit::default(), *saved_by),
        };
        let mut steps: Vec<usize> = [
            culprit.stale_fill,
            culprit.skipped_flush,
            culprit.store,
            last,
        ]
        .into_iter()
        .flatten()
        .collect();
        crate::sort::sort_by_key(&mut steps, |&s| s as u64);
        steps.dedup();
        steps
    }

    /// One sentence naming what happened, for a verdict cell or the CLI.
    pub fn summary(&self, scenario: &Scenario) -> String {
        let name = |i: usize| {
            scenario.steps.get(i).map_or_else(
                || format!("step {}", i + 1),
                |s| {
                    let label = s.action.label();
                    format!(
                        "step {} (CPU{} {})",
                        i + 1,
                        s.cpu,
                        label.strip_suffix("()").unwrap_or(label)
                    )
                },
            )
        };
        let how = |c: &Culprit, skip_store: Option<usize>| {
            let mut parts = Vec::new();
            if let Some(i) = c.store.filter(|&i| Some(i) != skip_store) {
                parts.push(format!("the store at {}", name(i)));
            }
            if let Some(i) = c.stale_fill {
                parts.push(format!("went through the stale entry from {}", name(i)));
            }
            if let Some(i) = c.skipped_flush {
                parts.push(format!("after {} skipped its flush", name(i)));
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!("; {}", parts.join(" "))
            }
        };
        match self {
            Verdict::Harmed { step, bad, culprit } => {
                let what = match bad {
                    Bad::Lost {
                        how: LossHow::Dropped,
                        lost,
                        kept,
                    } => format!("lost: {} dropped version {lost} (disk has {kept})", name(*step)),
                    Bad::Lost {
                        how: LossHow::StaleFrame { frame },
                        lost,
                        ..
                    } => format!(
                        "lost: {} wrote version {lost} to frame F{frame}, which no longer holds the page",
                        name(*step)
                    ),
                    Bad::Lost {
                        how: LossHow::Remapped { from, to },
                        lost,
                        kept,
                    } => format!(
                        "lost: {} switched the page to F{to} (version {kept}), leaving version {lost} \
                         behind in F{from}",
                        name(*step)
                    ),
                    Bad::Lost {
                        how: LossHow::Discarded,
                        lost,
                        ..
                    } => format!(
                        "lost: {} discarded the lazily freed page holding version {lost}, written \
                         after MADV_FREE returned",
                        name(*step)
                    ),
                    Bad::UseAfterFree { frame } => format!(
                        "use-after-free: {} wrote to frame F{frame}, which was freed",
                        name(*step)
                    ),
                    Bad::WriteAfterProtect => format!(
                        "write after mprotect: {} completed without a fault after \
                         mprotect(PROT_READ) returned",
                        name(*step)
                    ),
                    Bad::WriteAfterUnmap => format!(
                        "write after unmap: {} completed without a fault after munmap or \
                         MADV_DONTNEED returned",
                        name(*step)
                    ),
                    Bad::SoftDirtyMiss => format!(
                        "soft-dirty miss: {} completed without a fault or soft-dirty after clear_refs \
                         returned",
                        name(*step)
                    ),
                };
                let store_is_step = (culprit.store == Some(*step)).then_some(*step);
                format!("{what}{}", how(culprit, store_is_step))
            }
            Verdict::AtRisk {
                mem_version,
                disk_version,
                culprit,
                ..
            } => format!(
                "at risk: version {mem_version} is in memory (disk has {disk_version}) but neither \
                 PG_dirty nor the PTE's dirty bit records it{}",
                how(culprit, None)
            ),
            Verdict::Latent { page, cpus, since } => format!(
                "latent: {cpus} still {} a writable, dirty entry for page {page} that the PTE no longer \
                 backs and nothing owed will flush ({})",
                if cpus.iter().count() == 1 { "holds" } else { "hold" },
                since.map_or("from the start".to_string(), |s| format!("since {}", name(s)))
            ),
            Verdict::Guaranteed { saved_by } => match saved_by {
                Some(i) => format!(
                    "guaranteed: every write is on disk or recorded as dirty; {} kept it so",
                    name(*i)
                ),
                None => "guaranteed: every write is on disk or recorded as dirty".to_string(),
            },
        }
    }
}

/// A lock a hand-drawn step ran without: the order cannot happen in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    /// The step.
    pub step: usize,
    /// The lock and its holder.
    pub blocked: Blocked,
}

/// The result of running one timeline under one variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The variant it ran under.
    pub variant: Variant,
    /// The state before the first step.
    pub initial: State,
    /// The state after each step (`states[i]` follows `events[i]`). Shared: the presets of a
    /// verdict matrix that ran alike hold the same steps.
    pub states: Arc<[State]>,
    /// One event per step.
    pub events: Arc<[Event]>,
    /// Whether data survived.
    pub verdict: Verdict,
    /// The first step after which a CPU held a stale entry that nothing owed would flush (the hazard
    /// monitor): where the danger began, whether or not harm followed.
    pub hazard: Option<usize>,
    /// Steps that, as drawn, ran without a lock they need: this order cannot happen in the kernel.
    pub waits: Vec<Wait>,
    /// The fixes any step asked about: a variant agreeing on these gives this very trace.
    pub consulted: FixSet,
}

impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            variant: &'a Variant,
            events: &'a [Event],
            verdict: &'a Verdict,
            hazard: Option<usize>,
            waits: &'a [Wait],
        }
        Wire {
            variant: &self.variant,
            events: &self.events,
            verdict: &self.verdict,
            hazard: self.hazard,
            waits: &self.waits,
        }
        .serialize(s)
    }
}

impl Trace {
    /// The state before step `i` (the initial state for the first).
    pub fn before(&self, i: usize) -> &State {
        if i == 0 {
            &self.initial
        } else {
            &self.states[i - 1]
        }
    }

    /// The state at the end of the timeline.
    pub fn last(&self) -> &State {
        self.states.last().unwrap_or(&self.initial)
    }
}

/// The CPUs holding an entry for a virtual page through which a store would complete behind the
/// kernel's back, after every flush the open kernel work owes (each CPU's gather finished, deferred
/// flush done, unmap batch flushed, page-table lock section ended) has happened: what a future store
/// can still exploit. Returns the first page with such entries.
pub fn unowed_stale(s: &State, variant: &Variant) -> Option<(usize, CpuSet)> {
    unowed_stale_consulting(s, variant).0
}

/// [`unowed_stale`], with the fixes the owed completions asked about: the answer depends on them, so
/// a trace that reports it counts them as consulted.
fn unowed_stale_consulting(s: &State, variant: &Variant) -> (Option<(usize, CpuSet)>, FixSet) {
    let mut asked = FixSet::EMPTY;
    let stale_now = (0..s.vpage_count()).any(|v| !s.stale_cpus(v).is_empty());
    if !stale_now {
        return (None, asked);
    }
    let mut done = *s;
    for c in 0..s.cpu_count() {
        let k = s.kernel[c];
        let owed = [
            (k.owed_flush, Action::PteUnmapUnlock),
            (k.deferred.is_some(), Action::FlushTlbRange),
            (k.ubc.flush_required, Action::TryToUnmapFlush),
            (k.gather.is_some(), Action::TlbFinishMmu),
        ];
        for (due, action) in owed {
            if due {
                let ctx = StepCtx::alone(c, 0);
                let (result, fixes) =
                    step_consulting(&done, &ctx, action, variant, Locking::AsDrawn);
                asked = asked.union(fixes);
                if let Ok((next, _)) = result {
                    done = next;
                }
            }
        }
    }
    let found = (0..done.vpage_count())
        .map(|v| (v, done.stale_cpus(v)))
        .find(|(_, cpus)| !cpus.is_empty());
    (found, asked)
}

/// Runs the timeline under `variant`, as drawn. Deterministic and panic-free: a scenario that cannot
/// happen returns an error naming the step.
pub fn run(scenario: &Scenario, variant: &Variant) -> Result<Trace, ScenarioError> {
    let order: Vec<usize> = (0..scenario.steps.len()).collect();
    run_order(scenario, &order, variant)
}

/// Runs some of the scenario's steps, in the order given (indexes into `scenario.steps`, each lane's
/// in program order), each in the context its lane gives it in the whole scenario: a prefix of an
/// interleaving, as the explorer sees it. Events and verdict culprits are numbered by position in
/// `order`.
pub fn run_order(
    scenario: &Scenario,
    order: &[usize],
    variant: &Variant,
) -> Result<Trace, ScenarioError> {
    let initial = scenario.validate()?;
    let all_contexts = scenario.contexts();
    let mut runner = Runner::new(initial, order.len());
    for (i, &k) in order.iter().enumerate() {
        let (st, ctx) = (&scenario.steps[k], &all_contexts[k]);
        let (outcome, asked) = runner.compute(i, st, ctx, variant);
        runner.apply(i, st, ctx, outcome?, asked);
    }
    let shared = runner.shared();
    Ok(runner.finish(variant, &shared))
}

/// One run in progress: the state so far and what the verdict will need. [`run_order`] drives one
/// under one variant; [`run_all`] drives one per group of presets that have behaved alike so far.
#[derive(Clone)]
struct Runner {
    initial: State,
    states: Vec<State>,
    events: Vec<Event>,
    consulted: FixSet,
    waits: Vec<Wait>,
    history: History,
    harm: Option<Verdict>,
    /// The first step after which a stale entry outlived every owed flush (checked until found).
    hazard: Option<usize>,
}

/// What one step does, computed before it is applied.
struct Outcome {
    next: State,
    effect: Effect,
    /// The hazard check after it found a hazard (only checked while none has been found).
    hazard: bool,
}

impl Runner {
    fn new(initial: State, steps: usize) -> Runner {
        Runner {
            initial,
            states: Vec::with_capacity(steps),
            events: Vec::with_capacity(steps),
            consulted: FixSet::EMPTY,
            waits: Vec::new(),
            history: History::default(),
            harm: None,
            hazard: None,
        }
    }

    fn state(&self) -> &State {
        self.states.last().unwrap_or(&self.initial)
    }

    /// Step `i` under `variant`, not yet applied, and every fix it (and the hazard check after it)
    /// asked about: variants agreeing on those would compute the same.
    fn compute(
        &self,
        i: usize,
        st: &crate::model::scenario::Step,
        ctx: &StepCtx,
        variant: &Variant,
    ) -> (Result<Outcome, ScenarioError>, FixSet) {
        let (result, mut asked) =
            step_consulting(self.state(), ctx, st.action, variant, Locking::AsDrawn);
        let outcome = match result {
            Err(e) => Err(ScenarioError::at(
                i,
                format!("CPU{} {}: {e}", st.cpu, st.action.label()),
            )),
            Ok((next, effect)) => {
                let mut hazard = false;
                if self.hazard.is_none() {
                    let (unowed, fixes) = unowed_stale_consulting(&next, variant);
                    asked = asked.union(fixes);
                    hazard = unowed.is_some();
                }
                Ok(Outcome {
                    next,
                    effect,
                    hazard,
                })
            }
        };
        (outcome, asked)
    }

    /// Applies a computed step; `asked` joins the fixes consulted.
    fn apply(
        &mut self,
        i: usize,
        st: &crate::model::scenario::Step,
        ctx: &StepCtx,
        o: Outcome,
        asked: FixSet,
    ) {
        self.consulted = self.consulted.union(asked);
        let Outcome {
            next,
            effect,
            hazard,
        } = o;
        if let Some(blocked) = effect.waited {
            self.waits.push(Wait { step: i, blocked });
        }
        // Footprints do not depend on the variant: any will do.
        let could_flush = st.action.path() != KernelPath::UserSpace
            && (st.action.def().footprint)(ctx, &Variant::default())
                .write
                .meets(VarSet::all_tlbs());
        let before = *self.state();
        let culprit = self
            .history
            .note(i, ctx, could_flush, &before, &next, &effect);
        if let (None, Some(bad)) = (&self.harm, effect.bad) {
            self.harm = Some(Verdict::Harmed {
                step: i,
                bad,
                culprit,
            });
        }
        if hazard {
            self.hazard = Some(i);
        }
        self.events.push(Event {
            step: i,
            cpu: st.cpu,
            page: st.page,
            action: st.action,
            effect,
        });
        self.states.push(next);
    }

    /// The steps' states and events, to share among the traces of a group.
    fn shared(&self) -> (Arc<[State]>, Arc<[Event]>) {
        (self.states.as_slice().into(), self.events.as_slice().into())
    }

    /// The trace under `variant`, whose verdict may consult fixes of its own (the owed flushes of a
    /// latent ending).
    fn finish(&self, variant: &Variant, shared: &(Arc<[State]>, Arc<[Event]>)) -> Trace {
        let mut consulted = self.consulted;
        let state = *self.state();
        let verdict = self.harm.unwrap_or_else(|| {
            if let Some(p) = state.unrecorded_data() {
                let page = (0..state.vpage_count())
                    .find(|&v| state.page_of(v) == p)
                    .unwrap_or(0);
                let f = state.page[p].frame.map_or(0, usize::from);
                return Verdict::AtRisk {
                    page,
                    mem_version: state.frame[f].data,
                    disk_version: state.page[p].disk,
                    culprit: self.history.writer[p],
                };
            }
            let (end, asked) = unowed_stale_consulting(&state, variant);
            consulted = consulted.union(asked);
            match end {
                Some((page, cpus)) => {
                    // Since when: back from the end while every state is in the hazard; `None`
                    // when the initial state already was (no step to blame).
                    let mut since = Some(self.states.len().saturating_sub(1));
                    while let Some(s) = since {
                        let earlier = if s == 0 {
                            &self.initial
                        } else {
                            &self.states[s - 1]
                        };
                        let (stale, asked) = unowed_stale_consulting(earlier, variant);
                        consulted = consulted.union(asked);
                        if stale.is_none() {
                            break;
                        }
                        since = s.checked_sub(1);
                    }
                    Verdict::Latent { page, cpus, since }
                }
                None => Verdict::Guaranteed {
                    saved_by: self.history.saved_by,
                },
            }
        });
        Trace {
            variant: *variant,
            initial: self.initial,
            states: shared.0.clone(),
            events: shared.1.clone(),
            verdict,
            hazard: self.hazard,
            waits: self.waits.clone(),
            consulted,
        }
    }
}

/// What the verdict names, gathered step by step: which step created each CPU's entry, the last step
/// that could have flushed a stale one and did not, who wrote each page's data, and what kept it.
#[derive(Clone, Default)]
struct History {
    origin: [[Option<usize>; MAX_PAGES]; MAX_CPUS],
    skipped: [[Option<usize>; MAX_PAGES]; MAX_CPUS],
    /// The step that removed a stale entry, per CPU and page: if that CPU stores there later, this
    /// step kept the data.
    rescued: [[Option<usize>; MAX_PAGES]; MAX_CPUS],
    writer: [Culprit; MAX_PAGES],
    saved_by: Option<usize>,
}

impl History {
    /// Updates the history for step `i`; returns the culprit of a harm it did. `could_flush`: the
    /// step is kernel work whose action may flush TLB entries.
    fn note(
        &mut self,
        i: usize,
        ctx: &StepCtx,
        could_flush: bool,
        before: &State,
        after: &State,
        e: &Effect,
    ) -> Culprit {
        let (c, v) = (ctx.cpu, ctx.page);
        let p = after.page_of(v);
        let mut culprit = self.writer[p];
        match e.what {
            What::Filled { .. } => self.origin[c][v] = Some(i),
            What::Stored { path, .. } => {
                let stale = path == (StorePath::Entry { stale: true });
                let store = Culprit {
                    store: Some(i),
                    stale_fill: if stale { self.origin[c][v] } else { None },
                    skipped_flush: if stale { self.skipped[c][v] } else { None },
                };
                self.writer[p] = store;
                culprit = store;
                if path != (StorePath::Entry { stale: false }) && !stale {
                    self.origin[c][v] = Some(i);
                }
                if !stale {
                    if let Some(r) = self.rescued[c][v].take() {
                        self.saved_by = Some(r);
                    }
                }
            }
            What::Faulted { .. } => {
                self.writer[p] = Culprit {
                    store: Some(i),
                    ..Culprit::default()
                };
                culprit = self.writer[p];
                self.origin[c][v] = Some(i);
                // The fault recorded the store: the flush that made it fault kept the data, or, when
                // the CPU's own writable entry met a write-protected PTE, the fault itself did.
                if let Some(r) = self.rescued[c][v].take() {
                    self.saved_by = Some(r);
                } else if before.tlb[c][v].is_some_and(|e| e.writable) {
                    self.saved_by = Some(i);
                }
            }
            What::Read { .. } if before.tlb[c][v].is_none() => {
                self.origin[c][v] = Some(i);
            }
            _ => {}
        }
        // A step that could flush (its action may write TLB entries) and left a stale entry in place
        // skipped that flush; one that removed a stale entry rescued that CPU's later stores.
        for cpu in 0..after.cpu_count() {
            for page in 0..after.vpage_count() {
                let was_stale =
                    before.tlb[cpu][page].is_some_and(|en| en.stale_for(before.pte[page]));
                let gone = before.tlb[cpu][page].is_some() && after.tlb[cpu][page].is_none();
                if gone {
                    if was_stale {
                        self.rescued[cpu][page] = Some(i);
                    }
                    self.origin[cpu][page] = None;
                    self.skipped[cpu][page] = None;
                } else if could_flush
                    && after.tlb[cpu][page].is_some_and(|en| en.stale_for(after.pte[page]))
                {
                    self.skipped[cpu][page] = Some(i);
                }
            }
        }
        culprit
    }
}

/// The result of one preset in [`run_all`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PresetRun {
    /// The preset.
    pub preset: Preset,
    /// Its trace, or why the scenario cannot happen under it.
    pub result: Result<Trace, ScenarioError>,
}

/// Runs the timeline under every preset on `arch`: the verdict matrix. The presets run in lockstep, in
/// groups that have behaved alike so far: a step runs once per group, and a group splits only where
/// a step (or the hazard check after it) asks about a fix its members disagree on.
pub fn run_all(scenario: &Scenario, arch: Arch) -> Vec<PresetRun> {
    let variants: Vec<Variant> = Preset::ALL.iter().map(|p| p.variant().on(arch)).collect();
    let on: Vec<FixSet> = variants.iter().map(|v| v.effective()).collect();
    let mut results: Vec<Option<Result<Trace, ScenarioError>>> = vec![None; variants.len()];
    let initial = match scenario.validate() {
        Ok(s) => s,
        Err(e) => {
            return Preset::ALL
                .iter()
                .map(|&preset| PresetRun {
                    preset,
                    result: Err(e.clone()),
                })
                .collect()
        }
    };
    let contexts = scenario.contexts();
    // Groups stay where they are (a runner is a few KB: moving them each step would cost more than
    // the steps); a split appends the new group, which then takes the same step.
    let mut groups: Vec<(Vec<usize>, Runner)> = Vec::with_capacity(variants.len());
    groups.push((
        (0..variants.len()).collect(),
        Runner::new(initial, scenario.steps.len()),
    ));
    for (i, (st, ctx)) in scenario.steps.iter().zip(&contexts).enumerate() {
        let mut g = 0;
        while g < groups.len() {
            let (members, runner) = &mut groups[g];
            // The lead computes; those agreeing with it on every fix it asked about share the
            // result; the others split off and compute again from the same runner.
            let lead = variants[members[0]];
            let (outcome, asked) = runner.compute(i, st, ctx, &lead);
            let lead_on = on[members[0]].intersect(asked);
            let agrees = |m: &usize| on[*m].intersect(asked) == lead_on;
            let split = if members.iter().all(agrees) {
                None
            } else {
                let rest: Vec<usize> = members.iter().copied().filter(|m| !agrees(m)).collect();
                members.retain(agrees);
                let mut copy = runner.clone();
                let left = scenario.steps.len() - copy.states.len();
                copy.states.reserve_exact(left);
                copy.events.reserve_exact(left);
                Some((rest, copy))
            };
            match outcome {
                Err(e) => {
                    for &m in members.iter() {
                        results[m] = Some(Err(e.clone()));
                    }
                    members.clear();
                }
                Ok(o) => runner.apply(i, st, ctx, o, asked),
            }
            if let Some(split) = split {
                groups.push(split);
            }
            g += 1;
        }
        groups.retain(|(members, _)| !members.is_empty());
    }
    for (members, runner) in groups {
        let shared = runner.shared();
        for m in members {
            results[m] = Some(Ok(runner.finish(&variants[m], &shared)));
        }
    }
    Preset::ALL
        .iter()
        .zip(results)
        .map(|(&preset, result)| PresetRun {
            preset,
            result: result.unwrap_or_else(|| Err(ScenarioError::whole("not run"))),
        })
        .collect()
}

/// Where the verdict changes from one kernel release to the next, and the fixes that changed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flip {
    /// The earlier release.
    pub from: Preset,
    /// The next release.
    pub to: Preset,
    /// The verdict label under each.
    pub labels: (&'static str, &'static str),
    /// The fixes `to` has and `from` lacks (or lost) that the run under `to` asked about: the commits
    /// that flipped it.
    pub fixes: Vec<crate::model::variant::Fix>,
}

/// The release timeline of a verdict matrix: each pair of consecutive releases (proposals skipped)
/// whose verdicts differ.
pub fn release_flips(runs: &[PresetRun]) -> Vec<Flip> {
    let releases: Vec<(&PresetRun, &Trace)> = runs
        .iter()
        .filter(|r| r.preset.def().kind == crate::model::variant::PresetKind::Release)
        .filter_map(|r| r.result.as_ref().ok().map(|t| (r, t)))
        .collect();
    releases
        .windows(2)
        .filter(|w| w[0].1.verdict.label() != w[1].1.verdict.label())
        .map(|w| {
            let (a, b) = (w[0].1, w[1].1);
            let fixes = crate::model::variant::Fix::ALL
                .into_iter()
                .filter(|&f| a.variant.has(f) != b.variant.has(f))
                .filter(|&f| b.consulted.has(f) || a.consulted.has(f))
                .collect();
            Flip {
                from: w[0].0.preset,
                to: w[1].0.preset,
                labels: (a.verdict.label(), b.verdict.label()),
                fixes,
            }
        })
        .collect()
}

#[cfg(test)]
mod flip_tests {
    use super::*;
    use crate::examples::example;
    use crate::model::variant::Fix;

    #[test]
    fn the_ksm_race_flips_at_v4_13_by_its_commit() {
        let runs = run_all(&example("ksm").unwrap(), Arch::X86);
        let flips = release_flips(&runs);
        let first = &flips[0];
        assert_eq!((first.from, first.to), (Preset::V4_12, Preset::V4_13));
        assert_eq!(first.labels, ("lost", "guaranteed"));
        assert!(
            first.fixes.contains(&Fix::KsmChecksPending),
            "{:?}",
            first.fixes
        );
    }

    #[test]
    fn the_soft_dirty_hole_opens_and_closes() {
        let runs = run_all(&example("soft-dirty").unwrap(), Arch::X86);
        let flips: Vec<_> = release_flips(&runs)
            .into_iter()
            .map(|f| {
                (
                    f.from,
                    f.to,
                    f.fixes.contains(&Fix::ElideEmptyFinish),
                    f.fixes.contains(&Fix::ClearRefsFlush),
                )
            })
            .collect();
        assert_eq!(
            flips,
            vec![
                (Preset::V5_2, Preset::V5_10Rc4, true, false),
                (Preset::V5_11, Preset::V5_12, false, true),
            ]
        );
    }
}

#[cfg(test)]
mod decisive_tests {
    use super::{Culprit, Verdict};
    use crate::model::effect::{Bad, LossHow};

    #[test]
    fn decisive_steps_come_sorted_and_once() {
        let lost = |store, stale_fill, skipped_flush, step| Verdict::Harmed {
            step,
            bad: Bad::Lost {
                how: LossHow::Dropped,
                lost: 2,
                kept: 1,
            },
            culprit: Culprit {
                store,
                stale_fill,
                skipped_flush,
            },
        };
        assert_eq!(
            lost(Some(9), Some(4), Some(1), 7).decisive_steps(),
            vec![1, 4, 7, 9]
        );
        assert_eq!(lost(Some(3), Some(3), None, 0).decisive_steps(), vec![0, 3]);
        assert_eq!(lost(None, None, None, 5).decisive_steps(), vec![5]);
        assert!(Verdict::Guaranteed { saved_by: None }
            .decisive_steps()
            .is_empty());
    }
}
