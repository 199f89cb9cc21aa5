//! The model as Spin reads it: a scenario written as a Promela model for the Spin model checker
//! (`tlbrace convert SCENARIO --to promela`).
//!
//! One `active proctype` per CPU with steps runs that CPU's steps in program order; every step is one
//! `d_step` (one atomic transition, as a step is one call of [`crate::model::step_in`]), whose body is
//! an `inline` named after the action and mirroring its row in `model/actions/` branch by branch,
//! specialised to the step's CPU, page and lane context ([`StepCtx`]). The variant is not in the text:
//! every fix of [`FIXES`] is a preprocessor symbol `FIX_<NAME>` (0 or 1) and the architecture is
//! `ARM64`, so one file serves every variant ([`flags`] prints them for a spec; the file's defaults are
//! the scenario's view variant, else v5.10-rc4 on x86).
//!
//! What the explorer ([`crate::search::explore`]) does, the model does:
//! - a step that would wait for a lock another CPU holds ([`crate::model::Locking::Strict`]) is not
//!   enabled: its `d_step` starts with the guard `!S<k>_WAITS`;
//! - a step that fails with any other [`crate::StepError`] is a disabled transition too (`!S<k>_FAILS`):
//!   the interleavings through it end there and the other CPUs go on, as the explorer counts an
//!   erroring step and does not expand it;
//! - the verdict (docs/model.md §6, `trace::run`'s harm and at-risk verdicts) is an assertion: no step
//!   did harm (`harmed`, set where the Rust model calls `Run::harm`) and no file page holds data that
//!   neither PG_dirty nor a dirty PTE records ([`State::unrecorded_data`]). It is checked in the step
//!   that finishes the last program, and by a small `stuck_end` process at a `timeout` where every CPU
//!   with steps left waits for a lock no one will release (the explorer's stuck end states);
//! - the Promela state is the explorer's exact node one to one: the machine [`State`] field by field
//!   (an `Option` as `some` plus fields kept at zero when it is `None`), the program counters
//!   (`lane_pc`, and each process's own), and the harmed flag; scratch variables are `hidden`. With
//!   `spin -o1 -o2 -o3`, `gcc -DNOREDUCE` and `pan -E -c0`, pan's "states, stored" equals
//!   `tlbrace explore --exact`'s states (bench/README.md).
//!
//! Every action is covered. [`to_promela`] refuses only a scenario that cannot run at all, or whose
//! data versions or pending count could outgrow Promela's `int`.

use crate::model::action::Action;
use crate::model::scenario::{Scenario, StepCtx};
use crate::model::state::{FrameStatus, GatherKind, PageKind, State, MAX_FRAMES};
use crate::model::variant::{Arch, Fix, Variant, FIXES};

/// Why a scenario cannot be written as Promela.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromelaError {
    /// The step (from 0) it concerns, if one.
    pub step: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for PromelaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(i) => write!(f, "promela: step {}: {}", i + 1, self.message),
            None => write!(f, "promela: {}", self.message),
        }
    }
}

impl std::error::Error for PromelaError {}

/// The preprocessor symbol of a fix: `FIX_` and its name in upper case, `-` as `_`
/// (`FIX_YU_MKCLEAN_PENDING`).
pub fn fix_symbol(fix: Fix) -> String {
    format!("FIX_{}", fix.name().to_ascii_uppercase().replace('-', "_"))
}

/// The `-D` flags that select `variant` in an exported model: one `-DFIX_<NAME>=0/1` per row of
/// [`FIXES`] (a fix for the other architecture is 0, as [`Variant::has`] says), then `-DARM64=0/1`.
pub fn flags(variant: &Variant) -> String {
    let mut out: Vec<String> = FIXES
        .iter()
        .map(|d| format!("-D{}={}", fix_symbol(d.fix), u8::from(variant.has(d.fix))))
        .collect();
    out.push(format!("-DARM64={}", u8::from(variant.arch == Arch::Arm64)));
    out.join(" ")
}

/// The scenario as a Promela model whose default variant is the one its view names (else
/// v5.10-rc4 on x86); any variant is chosen with [`flags`].
pub fn to_promela(scenario: &Scenario) -> Result<String, PromelaError> {
    let defaults = scenario
        .view
        .variant
        .as_deref()
        .and_then(|s| Variant::parse(s).ok())
        .unwrap_or_default();
    to_promela_for(scenario, &defaults)
}

/// The scenario as a Promela model whose preprocessor defaults select `defaults`.
pub fn to_promela_for(scenario: &Scenario, defaults: &Variant) -> Result<String, PromelaError> {
    let init = scenario.validate().map_err(|e| PromelaError {
        step: e.step,
        message: e.message,
    })?;
    let g = Gen::new(scenario, init)?;
    Ok(g.model(defaults))
}

// ---------------------------------------------------------------------------------------------------
// Statements.

/// A Promela statement as the generator builds it: a plain statement, a comment before the next one,
/// or an `if` with its branches (an `else -> skip` is added when no branch is `else`). The guards of an
/// `if` are written mutually exclusive, as the Rust `if … else if` they mirror: Promela chooses among
/// the true ones.
enum St {
    Do(String),
    Note(String),
    If(Vec<(String, Vec<St>)>),
}

fn s(text: impl Into<String>) -> St {
    St::Do(text.into())
}

fn note(text: impl Into<String>) -> St {
    St::Note(text.into())
}

/// `if :: cond -> then :: else -> skip fi`.
fn when(cond: impl Into<String>, then: Vec<St>) -> St {
    St::If(vec![(cond.into(), then)])
}

/// `if :: cond -> then :: else -> els fi`.
fn either(cond: impl Into<String>, then: Vec<St>, els: Vec<St>) -> St {
    St::If(vec![(cond.into(), then), ("else".into(), els)])
}

/// Writes a sequence at `indent`, statements separated by `;`, comments before what they describe.
fn render(seq: &[St], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let last = seq.iter().rposition(|x| !matches!(x, St::Note(_)));
    if last.is_none() {
        for x in seq {
            if let St::Note(n) = x {
                out.push_str(&format!("{pad}/* {n} */\n"));
            }
        }
        out.push_str(&format!("{pad}skip\n"));
        return;
    }
    for (i, x) in seq.iter().enumerate() {
        let sep = if Some(i) < last { ";" } else { "" };
        match x {
            St::Note(n) => out.push_str(&format!("{pad}/* {n} */\n")),
            St::Do(t) => out.push_str(&format!("{pad}{t}{sep}\n")),
            St::If(branches) => {
                out.push_str(&format!("{pad}if\n"));
                for (cond, body) in branches {
                    out.push_str(&format!("{pad}:: {cond} ->\n"));
                    render(body, indent + 3, out);
                }
                if !branches.iter().any(|(c, _)| c == "else") {
                    out.push_str(&format!("{pad}:: else -> skip\n"));
                }
                out.push_str(&format!("{pad}fi{sep}\n"));
            }
        }
    }
}

/// The symbol of a fix, for building expressions.
fn fx(f: Fix) -> String {
    fix_symbol(f)
}

/// `a || b || …` over the parts, `0` for none.
fn any(parts: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = parts.into_iter().collect();
    if v.is_empty() {
        "0".into()
    } else {
        format!("({})", v.join(" || "))
    }
}

/// `a && b && …` over the parts, `1` for none.
fn all(parts: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = parts.into_iter().collect();
    if v.is_empty() {
        "1".into()
    } else {
        format!("({})", v.join(" && "))
    }
}

/// Where an action's row lives, for the comment on its body.
fn source_file(a: Action) -> &'static str {
    use Action::*;
    match a {
        CachePteInTlb | WriteToPage | ReadPage => "user.rs",
        IncTlbFlushPending | CleanRecordPte | PteMkclean | FlushTlbRange | DecTlbFlushPending
        | FlushTlbMm | LocalFlushTlbPage => "wp_clean.rs",
        ClearRefsWrite | PteWrprotect | PteMkold => "clear_refs.rs",
        TlbGatherMmu | TlbFinishMmu | OomReapTaskMm => "gather.rs",
        MadviseFreePteRange | ZapPteRange | PteUnmapUnlock => "unmap.rs",
        Mprotect | ChangeProtNuma | MwriteprotectRange => "protect.rs",
        DoNumaPage | TryToMigrateOne | MoveToNewPage | MigrateVmaCollectPmd => "migrate.rs",
        TryToUnmapOne | TryToUnmapFlush | DropCleanPage => "reclaim.rs",
        PageMkcleanOne | WritePageToDisk => "writeback.rs",
        WriteProtectPage | PagesIdentical | ReplacePage | WpPageCopy | SetPteAtNotify => "copy.rs",
    }
}

/// The Promela constant of a gather kind.
fn gather_kind(k: GatherKind) -> &'static str {
    match k {
        GatherKind::ClearRefsSoftDirty => "GK_CLEAR_REFS_SOFT_DIRTY",
        GatherKind::ClearRefsAging => "GK_CLEAR_REFS_AGING",
        GatherKind::MadvFree => "GK_MADV_FREE",
        GatherKind::Zap => "GK_ZAP",
        GatherKind::OomReaper => "GK_OOM_REAPER",
    }
}

// ---------------------------------------------------------------------------------------------------
// The generator.

/// One step's Promela: when it waits, when it fails, and what it does.
struct StepCode {
    waits: Option<String>,
    fails: Option<String>,
    body: Vec<St>,
}

impl StepCode {
    fn always(body: Vec<St>) -> StepCode {
        StepCode {
            waits: None,
            fails: None,
            body,
        }
    }
}

struct Gen<'a> {
    sc: &'a Scenario,
    init: State,
    ctxs: Vec<StepCtx>,
    programs: Vec<Vec<usize>>,
    /// Promela types of the data versions and of the pending count.
    data_type: &'static str,
    count_type: &'static str,
}

/// The smallest Promela integer type holding 0..=max.
fn int_type(max: u64) -> Option<&'static str> {
    match max {
        0..=255 => Some("byte"),
        256..=32767 => Some("short"),
        32768..=2147483647 => Some("int"),
        _ => None,
    }
}

impl<'a> Gen<'a> {
    fn new(sc: &'a Scenario, init: State) -> Result<Gen<'a>, PromelaError> {
        let steps = sc.steps.len() as u64;
        let pages = usize::from(init.pages);
        // Each step stores at most once and raises the count at most once.
        let versions = (0..pages)
            .map(|p| u64::from(init.page[p].writes.max(init.page[p].disk)))
            .chain(init.frame.iter().map(|f| u64::from(f.data)))
            .max()
            .unwrap_or(0);
        let data_type = int_type(versions + steps).ok_or_else(|| PromelaError {
            step: None,
            message: format!(
                "data versions up to {versions} plus {steps} stores do not fit Promela's int"
            ),
        })?;
        let pending = u64::from(init.tlb_flush_pending);
        let count_type = int_type(pending + steps).ok_or_else(|| PromelaError {
            step: None,
            message: format!(
                "tlb_flush_pending {pending} plus {steps} steps does not fit Promela's int"
            ),
        })?;
        Ok(Gen {
            sc,
            init,
            ctxs: sc.contexts(),
            programs: sc.programs(),
            data_type,
            count_type,
        })
    }

    fn cpus(&self) -> usize {
        self.init.cpu_count()
    }

    fn vpages(&self) -> usize {
        self.init.vpage_count()
    }

    fn pages(&self) -> usize {
        usize::from(self.init.pages)
    }

    fn kind(&self, p: usize) -> PageKind {
        self.init.page[p].kind
    }

    fn model(&self, defaults: &Variant) -> String {
        let mut out = String::new();
        self.header(defaults, &mut out);
        self.declarations(&mut out);
        self.primitives(&mut out);
        let codes: Vec<StepCode> = (0..self.sc.steps.len()).map(|k| self.step(k)).collect();
        self.steps(&codes, &mut out);
        self.processes(&codes, &mut out);
        out
    }

    fn header(&self, defaults: &Variant, out: &mut String) {
        let title = self
            .sc
            .title
            .as_deref()
            .unwrap_or("(untitled)")
            .replace("*/", "* /");
        out.push_str(&format!(
            "/* {title}\n\
             \x20*\n\
             \x20* tlbrace's model v2 (docs/model.md) as Spin reads it, written by `tlbrace convert --to promela`\n\
             \x20* (core/src/formats/promela.rs). One process per CPU runs that CPU's steps in program order,\n\
             \x20* each step one d_step mirroring its action's row in core/src/model/actions/. A step that would\n\
             \x20* wait for a lock, or that the model refuses (a StepError), is not enabled. The assertion is\n\
             \x20* the verdict: no step did harm and no data is left at risk.\n\
             \x20*\n\
             \x20*   spin $(tlbrace convert --promela-flags v5.12) -a model.pml\n\
             \x20*   gcc -O2 -DSAFETY -o pan pan.c && ./pan -E -c0\n\
             \x20*\n\
             \x20* -E: a CPU stopped by a refused step or a lock no one releases is not an error of the model.\n\
             \x20* With spin -o1 -o2 -o3 and gcc -DNOREDUCE, pan's states equal `tlbrace explore --exact`'s.\n\
             \x20*/\n\n"
        ));
        out.push_str(&format!(
            "/* The variant: one symbol per fix (variant::FIXES) and the architecture; by default\n   {} ({}). */\n",
            defaults.name(),
            defaults.describe()
        ));
        for d in FIXES.iter() {
            let sym = fix_symbol(d.fix);
            out.push_str(&format!(
                "#ifndef {sym}\n#define {sym} {}\n#endif\n",
                u8::from(defaults.has(d.fix))
            ));
        }
        out.push_str(&format!(
            "#ifndef ARM64\n#define ARM64 {}\n#endif\n\n",
            u8::from(defaults.arch == Arch::Arm64)
        ));
    }

    fn declarations(&self, out: &mut String) {
        let s = &self.init;
        let (cpus, vpages, pages) = (self.cpus(), self.vpages(), self.pages());
        let list = |items: Vec<String>| format!("{{ {} }}", items.join(", "));
        let bools = |f: &dyn Fn(usize) -> bool, n: usize| {
            list((0..n).map(|i| u8::from(f(i)).to_string()).collect())
        };
        let nums =
            |f: &dyn Fn(usize) -> u64, n: usize| list((0..n).map(|i| f(i).to_string()).collect());
        let (dt, ct) = (self.data_type, self.count_type);
        out.push_str(&format!(
            "/* The scenario's shape. */\n\
             #define CPUS {cpus}\n\
             #define VPAGES {vpages}\n\
             #define PAGES {pages}\n\
             #define FRAMES {MAX_FRAMES}\n\
             #define TLB(c, v) ((c) * VPAGES + (v))\n\n\
             /* FrameStatus, GatherKind, CopyKind (model/state.rs) and the gather's role (model/effect.rs). */\n\
             #define FREE 0\n#define USED 1\n#define FREED 2\n\
             #define GK_CLEAR_REFS_SOFT_DIRTY 0\n#define GK_CLEAR_REFS_AGING 1\n#define GK_MADV_FREE 2\n\
             #define GK_ZAP 3\n#define GK_OOM_REAPER 4\n\
             #define CK_MIGRATION 0\n#define CK_COW 1\n#define CK_KSM 2\n\
             #define ROLE_NO_GATHER 0\n#define ROLE_INC_PENDING 1\n#define ROLE_FLUSH_AT_END 2\n#define ROLE_GATHER 3\n\n"
        ));
        out.push_str(
            "/* model/state.rs: the per-CPU kernel work (an Option is `some` with its fields at 0 when None). */\n\
             typedef Pte { bool present; bool write; bool dirty; bool young; bool soft_dirty; bool protnone;\n\
             \x20             bool uffd_wp; bool migration; byte frame };\n\
             typedef Gather { bool some; byte kind; bool raised_pending; bool fullmm; bool cleared;\n\
             \x20                byte frees; byte zapped; byte refs };\n\
             typedef Deferred { bool some; bool raised; byte pages };\n\
             typedef UnmapBatch { bool flush_required; bool writable };\n\
             typedef Copy { bool some; byte kind; byte vpage; byte from; byte to; Pte orig };\n\
             typedef Kernel { Gather gather; Deferred deferred; UnmapBatch ubc; Copy copy; bool owed_flush;\n\
             \x20                bool has_delayed_rmap; byte delayed_rmap };\n\n",
        );
        out.push_str(
            "/* model/state.rs State, from the scenario's initial state (model/initial.rs). */\n",
        );
        out.push_str("/* Each virtual page's PTE. */\n");
        for (name, f) in [
            (
                "present",
                (|p: crate::Pte| p.present) as fn(crate::Pte) -> bool,
            ),
            ("write", |p| p.write),
            ("dirty", |p| p.dirty),
            ("young", |p| p.young),
            ("soft_dirty", |p| p.soft_dirty),
            ("protnone", |p| p.protnone),
            ("uffd_wp", |p| p.uffd_wp),
            ("migration", |p| p.migration),
        ] {
            out.push_str(&format!(
                "bool pte_{name}[VPAGES] = {};\n",
                bools(&|v| f(s.pte[v]), vpages)
            ));
        }
        out.push_str(&format!(
            "byte pte_frame[VPAGES] = {};\n",
            nums(&|v| u64::from(s.pte[v].frame), vpages)
        ));
        out.push_str("/* Each CPU's TLB entry for each virtual page, at TLB(cpu, vpage). */\n");
        let n = cpus * vpages;
        let entry = |i: usize| s.tlb[i / vpages][i % vpages];
        out.push_str(&format!(
            "bool tlb_some[CPUS * VPAGES] = {};\n",
            bools(&|i| entry(i).is_some(), n)
        ));
        out.push_str(&format!(
            "bool tlb_writable[CPUS * VPAGES] = {};\n",
            bools(&|i| entry(i).is_some_and(|e| e.writable), n)
        ));
        out.push_str(&format!(
            "bool tlb_dirty[CPUS * VPAGES] = {};\n",
            bools(&|i| entry(i).is_some_and(|e| e.dirty), n)
        ));
        out.push_str(&format!(
            "byte tlb_frame[CPUS * VPAGES] = {};\n",
            nums(&|i| entry(i).map_or(0, |e| u64::from(e.frame)), n)
        ));
        let maps: Vec<String> = (0..vpages)
            .map(|v| format!("page {v} maps page {}", s.page_of(v)))
            .collect();
        out.push_str(&format!(
            "/* Each virtual page's VMA and promises ({}). */\n",
            maps.join(", ")
        ));
        for (name, f) in [
            (
                "vm_write",
                (|m: crate::model::state::Mapping| m.vm_write) as fn(_) -> bool,
            ),
            ("write_revoked", |m| m.write_revoked),
            ("soft_dirty_armed", |m| m.soft_dirty_armed),
            ("zapping", |m| m.zapping),
            ("unmapped", |m| m.unmapped),
        ] {
            out.push_str(&format!(
                "bool map_{name}[VPAGES] = {};\n",
                bools(&|v| f(s.map[v]), vpages)
            ));
        }
        let kinds: Vec<String> = (0..pages)
            .map(|p| {
                format!(
                    "page {p} is {}",
                    match s.page[p].kind {
                        PageKind::File => "a file page",
                        PageKind::Anon => "anonymous",
                    }
                )
            })
            .collect();
        out.push_str(&format!("/* The pages ({}). */\n", kinds.join(", ")));
        out.push_str(&format!(
            "bool page_in_memory[PAGES] = {};\n",
            bools(&|p| s.page[p].frame.is_some(), pages)
        ));
        out.push_str(&format!(
            "byte page_frame[PAGES] = {};\n",
            nums(&|p| u64::from(s.page[p].frame.unwrap_or(0)), pages)
        ));
        out.push_str(&format!(
            "{dt} page_disk[PAGES] = {};\n",
            nums(&|p| u64::from(s.page[p].disk), pages)
        ));
        out.push_str(&format!(
            "{dt} page_writes[PAGES] = {};\n",
            nums(&|p| u64::from(s.page[p].writes), pages)
        ));
        out.push_str(&format!(
            "bool page_madv_freed[PAGES] = {};\n",
            bools(&|p| s.page[p].madv_freed, pages)
        ));
        out.push_str(&format!(
            "bool page_rewritten[PAGES] = {};\n",
            bools(&|p| s.page[p].rewritten, pages)
        ));
        out.push_str("/* The frames. */\n");
        let status = |f: usize| match s.frame[f].status {
            FrameStatus::Free => 0,
            FrameStatus::Used => 1,
            FrameStatus::Freed => 2,
        };
        out.push_str(&format!(
            "byte frame_status[FRAMES] = {};\n",
            nums(&status, MAX_FRAMES)
        ));
        out.push_str(&format!(
            "byte frame_page[FRAMES] = {};\n",
            nums(&|f| u64::from(s.frame[f].page), MAX_FRAMES)
        ));
        out.push_str(&format!(
            "{dt} frame_data[FRAMES] = {};\n",
            nums(&|f| u64::from(s.frame[f].data), MAX_FRAMES)
        ));
        out.push_str(&format!(
            "bool frame_pg_dirty[FRAMES] = {};\n",
            bools(&|f| s.frame[f].pg_dirty, MAX_FRAMES)
        ));
        out.push_str(&format!(
            "bool frame_lazyfree[FRAMES] = {};\n",
            bools(&|f| s.frame[f].lazyfree, MAX_FRAMES)
        ));
        out.push_str(&format!(
            "byte frame_mapcount[FRAMES] = {};\n",
            nums(&|f| u64::from(s.frame[f].mapcount), MAX_FRAMES)
        ));
        out.push_str(&format!(
            "bool frame_shared[FRAMES] = {};\n",
            bools(&|f| s.frame[f].shared, MAX_FRAMES)
        ));
        out.push_str(&format!(
            "/* The mm. */\n{ct} tlb_flush_pending = {};\nbool tlb_flush_batched = {};\n",
            s.tlb_flush_pending,
            u8::from(s.tlb_flush_batched)
        ));
        out.push_str(
            "Kernel kernel[CPUS];\n\
             /* The locks: 0 free, else the holder's CPU + 1; mmap_lock's readers as a bit mask. */\n\
             byte ptl;\n\
             byte page_lock[PAGES];\n\
             byte mmap_writer;\n\
             byte mmap_readers;\n\
             /* The explorer's node beyond the state: a step did harm, and each CPU's program counter. */\n\
             bool harmed;\n\
             byte lane_pc[CPUS];\n\n\
             /* Scratch for the d_steps, not part of the state (`hidden`; Spin hides no bit, so bytes). */\n\
             hidden byte old_present;\n\
             hidden byte old_write;\n\
             hidden byte old_dirty;\n\
             hidden byte old_young;\n\
             hidden byte old_soft_dirty;\n\
             hidden byte old_protnone;\n\
             hidden byte old_uffd_wp;\n\
             hidden byte old_migration;\n\
             hidden byte old_frame;\n\
             hidden byte f_old;\n\
             hidden byte f_new;\n\
             hidden byte f_to;\n\
             hidden byte b_acc;\n\
             hidden byte b_flag;\n\
             hidden byte b_dirty;\n\
             hidden byte b_write;\n\
             hidden byte b_soft;\n\
             hidden byte b_same;\n\
             hidden byte discarded;\n\n",
        );
    }

    /// The shared primitives: model/state.rs's helpers and model/actions/kernel.rs's.
    fn primitives(&self, out: &mut String) {
        let (cpus, vpages, pages) = (self.cpus(), self.vpages(), self.pages());
        let frames = 0..MAX_FRAMES;
        let no_frame = all(frames.clone().map(|f| format!("frame_status[{f}] == USED")));
        // State::alloc_frame: the first frame never used, else the first freed one.
        let mut first = String::from("0");
        for f in frames.clone().rev() {
            first = format!("(frame_status[{f}] == FREED -> {f} : {first})");
        }
        for f in frames.clone().rev() {
            first = format!("(frame_status[{f}] == FREE -> {f} : {first})");
        }
        let referenced = any((0..cpus).map(|c| {
            format!(
                "(kernel[{c}].gather.some && ((kernel[{c}].gather.frees | kernel[{c}].gather.refs) & (1 << (f))) != 0) \
                 || (kernel[{c}].copy.some && (kernel[{c}].copy.from == (f) || kernel[{c}].copy.to == (f))) \
                 || (kernel[{c}].has_delayed_rmap && kernel[{c}].delayed_rmap == (f))"
            )
        }));
        let at_risk =
            any((0..pages)
                .filter(|&p| self.kind(p) == PageKind::File)
                .map(|p| {
                    let dirty_pte = any((0..vpages).map(|v| {
                format!("(pte_present[{v}] && pte_frame[{v}] == page_frame[{p}] && pte_dirty[{v}])")
            }));
                    format!(
                        "(page_in_memory[{p}] && frame_data[page_frame[{p}]] != page_disk[{p}] && \
                 !frame_pg_dirty[page_frame[{p}]] && !{dirty_pte})"
                    )
                }));
        let flush_page: Vec<String> = (0..cpus)
            .map(|c| format!("tlb_none(TLB({c}, v))"))
            .collect();
        let flush_mm: Vec<String> = (0..vpages).map(|v| format!("flush_page({v})")).collect();
        out.push_str(&format!(
            "/* ---- model/state.rs and model/actions/kernel.rs: the shared primitives ---- */\n\n\
             /* Locks held by another CPU than c (the step waits: kernel.rs Run::ptl, mmap_read, mmap_write,\n\
             \x20  lock_page). */\n\
             #define PTL_OTHER(c) (ptl != 0 && ptl != (c) + 1)\n\
             #define MMAP_WRITER_OTHER(c) (mmap_writer != 0 && mmap_writer != (c) + 1)\n\
             #define MMAP_HOLDER_OTHER(c) (MMAP_WRITER_OTHER(c) || (mmap_readers & ~(1 << (c))) != 0)\n\
             #define PAGE_LOCK_OTHER(p, c) (page_lock[p] != 0 && page_lock[p] != (c) + 1)\n\
             #define MMAP_HELD(c) (mmap_writer == (c) + 1 || (mmap_readers & (1 << (c))) != 0)\n\n\
             /* State::alloc_frame fails (StepError::OutOfFrames) when every frame is in use. */\n\
             #define NO_FRAME {no_frame}\n\
             #define FIRST_FREE_FRAME {first}\n\n\
             /* State::pte_accessible (docs/model.md 2.3). */\n\
             #if ARM64\n\
             #define pte_accessible(v) (tlb_flush_pending > 0 -> (pte_present[v] || pte_protnone[v]) : \\\n\
             \x20   (FIX_ARM64_ACCESSIBLE_OLD -> pte_present[v] : (pte_present[v] && pte_young[v])))\n\
             #else\n\
             #define pte_accessible(v) (pte_present[v] || (pte_protnone[v] && tlb_flush_pending > 0 && \\\n\
             \x20   FIX_PTE_ACCESSIBLE_PENDING))\n\
             #endif\n\n\
             /* State::frame_referenced: a kernel path holds a reference to frame f. */\n\
             #define FRAME_REFERENCED(f) {referenced}\n\n\
             /* State::unrecorded_data: a file page holds data nothing records (the at-risk verdict). */\n\
             #define AT_RISK {at_risk}\n\n\
             /* gather.rs clear_refs_role and role: what a gather of kind k stands for in this kernel. */\n\
             #define CLEAR_REFS_ROLE(k) ({yng} -> ROLE_NO_GATHER : ({crf} -> \\\n\
             \x20   ((k) == GK_CLEAR_REFS_SOFT_DIRTY -> ROLE_INC_PENDING : ROLE_NO_GATHER) : \\\n\
             \x20   (({ksm} || {will}) -> ROLE_GATHER : ROLE_FLUSH_AT_END)))\n\
             #define ROLE(k) ((k) <= GK_CLEAR_REFS_AGING -> CLEAR_REFS_ROLE(k) : ROLE_GATHER)\n\n\
             inline tlb_none(i) {{ tlb_some[i] = 0; tlb_writable[i] = 0; tlb_dirty[i] = 0; tlb_frame[i] = 0 }}\n\
             inline tlb_fill(i, w, d, f) {{ tlb_some[i] = 1; tlb_writable[i] = w; tlb_dirty[i] = d; tlb_frame[i] = f }}\n\
             /* State::flush_page on every CPU, State::flush_mm on every CPU. */\n\
             inline flush_page(v) {{ {} }}\n\
             inline flush_mm() {{ {} }}\n\
             inline pte_none(v) {{\n\
             \x20 pte_present[v] = 0; pte_write[v] = 0; pte_dirty[v] = 0; pte_young[v] = 0; pte_soft_dirty[v] = 0;\n\
             \x20 pte_protnone[v] = 0; pte_uffd_wp[v] = 0; pte_migration[v] = 0; pte_frame[v] = 0\n\
             }}\n\
             /* Pte::mapping(f, w, d). */\n\
             inline pte_mapping(v, f, w, d) {{\n\
             \x20 pte_present[v] = 1; pte_write[v] = w; pte_dirty[v] = d; pte_young[v] = 1; pte_soft_dirty[v] = d;\n\
             \x20 pte_protnone[v] = 0; pte_uffd_wp[v] = 0; pte_migration[v] = 0; pte_frame[v] = f\n\
             }}\n\
             inline save_old(v) {{\n\
             \x20 old_present = pte_present[v]; old_write = pte_write[v]; old_dirty = pte_dirty[v]; old_young = pte_young[v];\n\
             \x20 old_soft_dirty = pte_soft_dirty[v]; old_protnone = pte_protnone[v]; old_uffd_wp = pte_uffd_wp[v];\n\
             \x20 old_migration = pte_migration[v]; old_frame = pte_frame[v]\n\
             }}\n\
             /* A copy's orig_pte: the PTE as the copy found it. */\n\
             inline copy_orig(c, v) {{\n\
             \x20 kernel[c].copy.orig.present = pte_present[v]; kernel[c].copy.orig.write = pte_write[v];\n\
             \x20 kernel[c].copy.orig.dirty = pte_dirty[v]; kernel[c].copy.orig.young = pte_young[v];\n\
             \x20 kernel[c].copy.orig.soft_dirty = pte_soft_dirty[v]; kernel[c].copy.orig.protnone = pte_protnone[v];\n\
             \x20 kernel[c].copy.orig.uffd_wp = pte_uffd_wp[v]; kernel[c].copy.orig.migration = pte_migration[v];\n\
             \x20 kernel[c].copy.orig.frame = pte_frame[v]\n\
             }}\n\
             /* pte_same(*pte, orig_pte). */\n\
             #define PTE_SAME(c, v) (pte_present[v] == kernel[c].copy.orig.present && pte_write[v] == kernel[c].copy.orig.write \\\n\
             \x20   && pte_dirty[v] == kernel[c].copy.orig.dirty && pte_young[v] == kernel[c].copy.orig.young \\\n\
             \x20   && pte_soft_dirty[v] == kernel[c].copy.orig.soft_dirty && pte_protnone[v] == kernel[c].copy.orig.protnone \\\n\
             \x20   && pte_uffd_wp[v] == kernel[c].copy.orig.uffd_wp && pte_migration[v] == kernel[c].copy.orig.migration \\\n\
             \x20   && pte_frame[v] == kernel[c].copy.orig.frame)\n\
             inline copy_none(c) {{\n\
             \x20 kernel[c].copy.some = 0; kernel[c].copy.kind = 0; kernel[c].copy.vpage = 0; kernel[c].copy.from = 0;\n\
             \x20 kernel[c].copy.to = 0; kernel[c].copy.orig.present = 0; kernel[c].copy.orig.write = 0;\n\
             \x20 kernel[c].copy.orig.dirty = 0; kernel[c].copy.orig.young = 0; kernel[c].copy.orig.soft_dirty = 0;\n\
             \x20 kernel[c].copy.orig.protnone = 0; kernel[c].copy.orig.uffd_wp = 0; kernel[c].copy.orig.migration = 0;\n\
             \x20 kernel[c].copy.orig.frame = 0\n\
             }}\n\
             inline gather_none(c) {{\n\
             \x20 kernel[c].gather.some = 0; kernel[c].gather.kind = 0; kernel[c].gather.raised_pending = 0;\n\
             \x20 kernel[c].gather.fullmm = 0; kernel[c].gather.cleared = 0; kernel[c].gather.frees = 0;\n\
             \x20 kernel[c].gather.zapped = 0; kernel[c].gather.refs = 0\n\
             }}\n\
             /* kernel.rs set_page_dirty, page_remove_rmap; State::free_frame, State::alloc_frame. */\n\
             inline set_page_dirty(f) {{ frame_pg_dirty[f] = 1 }}\n\
             inline page_remove_rmap(f) {{ if :: frame_mapcount[f] > 0 -> frame_mapcount[f]-- :: else -> skip fi }}\n\
             inline mapcount_inc(f) {{ if :: frame_mapcount[f] < 255 -> frame_mapcount[f]++ :: else -> skip fi }}\n\
             inline free_frame(f) {{\n\
             \x20 frame_status[f] = FREED; frame_pg_dirty[f] = 0; frame_lazyfree[f] = 0; frame_mapcount[f] = 0;\n\
             \x20 frame_shared[f] = 0\n\
             }}\n\
             inline alloc_frame(p, f) {{\n\
             \x20 f = FIRST_FREE_FRAME;\n\
             \x20 frame_status[f] = USED; frame_page[f] = p; frame_data[f] = 0; frame_pg_dirty[f] = 0;\n\
             \x20 frame_lazyfree[f] = 0; frame_mapcount[f] = 0; frame_shared[f] = 0\n\
             }}\n\
             /* Run::raise_pending, Run::lower_pending: a counter since 16af97dc5a89, a flag before. A lower\n\
             \x20  below zero is StepError::PendingBelowZero, which each step's FAILS guard excludes. */\n\
             inline raise_pending() {{ if :: {pc} -> tlb_flush_pending++ :: else -> tlb_flush_pending = 1 fi }}\n\
             inline lower_pending() {{ if :: {pc} -> tlb_flush_pending-- :: else -> tlb_flush_pending = 0 fi }}\n\
             #define LOWER_FAILS ({pc} && tlb_flush_pending == 0)\n\
             /* Run::ptep_clear_flush: the old PTE in `old`, whether it flushed in b_acc. */\n\
             inline ptep_clear_flush(v) {{\n\
             \x20 save_old(v); b_acc = pte_accessible(v); pte_none(v);\n\
             \x20 if :: b_acc -> flush_page(v) :: else -> skip fi\n\
             }}\n\
             /* Run::flush_tlb_batched_pending (3ea277194daa). */\n\
             inline flush_tlb_batched_pending() {{\n\
             \x20 if :: {fbp} && tlb_flush_batched -> tlb_flush_batched = 0; flush_mm() :: else -> skip fi\n\
             }}\n\
             /* Kernel::defer: this CPU owes a flush_tlb_range of v (if changed), raised the count if raised. */\n\
             inline defer(c, v, chg, rsd) {{\n\
             \x20 kernel[c].deferred.some = 1; kernel[c].deferred.raised = kernel[c].deferred.raised || rsd;\n\
             \x20 if :: chg -> kernel[c].deferred.pages = kernel[c].deferred.pages | (1 << (v)) :: else -> skip fi\n\
             }}\n\
             /* kernel.rs store_to: a user store of virtual page v (page p) reaching frame f; the harm it does. */\n\
             inline store_to(v, p, f, faulted) {{\n\
             \x20 page_writes[p] = page_writes[p] + 1;\n\
             \x20 if\n\
             \x20 :: frame_status[f] == FREED || (!faulted && map_unmapped[v]) || (!map_zapping[v] &&\n\
             \x20    (!(page_in_memory[p] && page_frame[p] == f) || (!faulted && (map_write_revoked[v] ||\n\
             \x20    (map_soft_dirty_armed[v] && !pte_soft_dirty[v])))))\n\
             \x20    -> harmed = 1\n\
             \x20 :: else -> skip\n\
             \x20 fi;\n\
             \x20 frame_data[f] = page_writes[p];\n\
             \x20 if :: page_in_memory[p] && page_frame[p] == f && page_madv_freed[p] -> page_rewritten[p] = 1\n\
             \x20    :: else -> skip\n\
             \x20 fi\n\
             }}\n\
             /* Run::unlock_page, Run::mmap_unlock. */\n\
             inline unlock_page(p, c) {{ if :: page_lock[p] == (c) + 1 -> page_lock[p] = 0 :: else -> skip fi }}\n\
             inline mmap_unlock(c) {{\n\
             \x20 mmap_readers = mmap_readers & ~(1 << (c));\n\
             \x20 if :: mmap_writer == (c) + 1 -> mmap_writer = 0 :: else -> skip fi\n\
             }}\n\n",
            flush_page.join("; "),
            flush_mm.join("; "),
            yng = fx(Fix::YuNoGather),
            crf = fx(Fix::ClearRefsFlush),
            ksm = fx(Fix::KsmChecksPending),
            will = fx(Fix::WillRecords),
            pc = fx(Fix::PendingCounter),
            fbp = fx(Fix::FlushBatchedPending),
        ));
    }

    // ---- the steps ----

    fn steps(&self, codes: &[StepCode], out: &mut String) {
        out.push_str(
            "/* ---- The steps, each an action's row in core/src/model/actions/ ---- */\n\n",
        );
        for (k, code) in codes.iter().enumerate() {
            let st = &self.sc.steps[k];
            let a = st.action;
            let ctx = &self.ctxs[k];
            let on = if a.def().per_page {
                format!(" on page {}", st.page)
            } else {
                String::new()
            };
            let mut extra = Vec::new();
            if ctx.keeps_locks {
                extra.push("keeps its locks until the step that ends its path".to_string());
            }
            if a == Action::TlbGatherMmu {
                extra.push(format!("opens a {} gather", gather_kind(ctx.gather)));
            }
            if ctx.next == Some(Action::PteUnmapUnlock) {
                extra.push("pte_unmap_unlock() follows".to_string());
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!("; {}", extra.join("; "))
            };
            out.push_str(&format!(
                "/* Step {}: CPU{} {}{on}{extra}.\n   Mirrors core/src/model/actions/{} ({}). */\n",
                k + 1,
                st.cpu,
                a.label(),
                source_file(a),
                a.id().to_ascii_uppercase(),
            ));
            let name = step_name(k, a);
            out.push_str(&format!(
                "#define S{}_WAITS {}\n#define S{}_FAILS {}\n",
                k + 1,
                code.waits.as_deref().unwrap_or("0"),
                k + 1,
                code.fails.as_deref().unwrap_or("0")
            ));
            out.push_str(&format!("inline {name}() {{\n"));
            render(&code.body, 2, out);
            out.push_str("}\n\n");
        }
    }

    fn processes(&self, codes: &[StepCode], out: &mut String) {
        let busy: Vec<usize> = (0..self.cpus())
            .filter(|&c| !self.programs[c].is_empty())
            .collect();
        let all_done = all(busy
            .iter()
            .map(|&c| format!("lane_pc[{c}] == {}", self.programs[c].len())));
        let any_fails = any(busy.iter().flat_map(|&c| {
            self.programs[c]
                .iter()
                .enumerate()
                .filter(|(_, &k)| codes[k].fails.is_some())
                .map(move |(j, &k)| format!("(lane_pc[{c}] == {j} && S{}_FAILS)", k + 1))
        }));
        out.push_str(&format!(
            "/* ---- The verdict (docs/model.md 6; trace.rs): no step did harm, no data at risk ---- */\n\n\
             #define ALL_DONE {all_done}\n\
             #define ANY_FAILS {any_fails}\n\
             #define VERDICT_OK (!harmed && !AT_RISK)\n\n"
        ));
        out.push_str("/* ---- One process per CPU, its steps in program order ---- */\n\n");
        for &c in &busy {
            let label = self
                .sc
                .label(c)
                .map(|l| format!(" ({})", l.replace("*/", "* /")))
                .unwrap_or_default();
            out.push_str(&format!(
                "active proctype cpu{c}() {{ /* CPU{c}{label} */\n"
            ));
            let lane = &self.programs[c];
            for (j, &k) in lane.iter().enumerate() {
                let code = &codes[k];
                let a = self.sc.steps[k].action;
                let mut guard = Vec::new();
                if code.waits.is_some() {
                    guard.push(format!("!S{}_WAITS", k + 1));
                }
                if code.fails.is_some() {
                    guard.push(format!("!S{}_FAILS", k + 1));
                }
                let guard = if guard.is_empty() {
                    String::new()
                } else {
                    format!("{} -> ", guard.join(" && "))
                };
                let end = if j + 1 == lane.len() {
                    "; if :: ALL_DONE -> assert(VERDICT_OK) :: else -> skip fi"
                } else {
                    ""
                };
                out.push_str(&format!("  /* {}. {} */\n", k + 1, a.label()));
                out.push_str(&format!(
                    "  d_step {{ {guard}{}(); lane_pc[{c}] = {}{end} }};\n",
                    step_name(k, a),
                    j + 1
                ));
            }
            // Stay, blocked at a valid end state: Spin removes terminated processes only in reverse
            // creation order, which would add states the explorer does not have.
            out.push_str("end:\n  false\n}\n\n");
        }
        let when = if busy.is_empty() {
            "timeout".to_string()
        } else {
            "timeout && !ALL_DONE && !ANY_FAILS".to_string()
        };
        out.push_str(&format!(
            "/* Every CPU with steps left waits for a lock no one will release (or there are no steps): the\n\
             \x20  explorer's end state, whose verdict is checked here. The loop comes back to the same state. */\n\
             active proctype stuck_end() {{\n\
             end:\n\
             \x20 do\n\
             \x20 :: atomic {{ {when} -> assert(VERDICT_OK) }}\n\
             \x20 od\n\
             }}\n"
        ));
    }

    /// The Promela of step `k`.
    fn step(&self, k: usize) -> StepCode {
        let st = &self.sc.steps[k];
        let ctx = &self.ctxs[k];
        let (c, v) = (st.cpu, st.page);
        let p = self.init.page_of(v);
        let anon = self.kind(p) == PageKind::Anon;
        use Action::*;
        match st.action {
            CachePteInTlb => StepCode::always(vec![when(
                format!("pte_present[{v}]"),
                vec![
                    s(format!(
                        "tlb_fill(TLB({c}, {v}), pte_write[{v}], pte_dirty[{v}], pte_frame[{v}])"
                    )),
                    s(format!("pte_young[{v}] = 1")),
                ],
            )]),
            WriteToPage => self.write_to_page(c, v, p),
            ReadPage => self.read_page(c, v, p),
            IncTlbFlushPending => StepCode::always(vec![s("raise_pending()")]),
            CleanRecordPte => StepCode::always(vec![when(
                format!("pte_present[{v}]"),
                vec![s(format!("pte_dirty[{v}] = 0")), s(format!("defer({c}, {v}, 1, 0)"))],
            )]),
            PteMkclean => StepCode::always(vec![when(
                format!("pte_present[{v}]"),
                vec![s(format!("pte_dirty[{v}] = 0"))],
            )]),
            FlushTlbRange => self.flush_everywhere(c, true),
            FlushTlbMm => self.flush_everywhere(c, false),
            DecTlbFlushPending => StepCode {
                waits: None,
                fails: Some("LOWER_FAILS".into()),
                body: vec![s("lower_pending()")],
            },
            ClearRefsWrite => {
                let (waits, body) = self.clear_refs_enter(c, ctx.keeps_locks);
                StepCode {
                    waits: Some(waits),
                    fails: None,
                    body,
                }
            }
            PteWrprotect => {
                let (waits, mut body) = self.clear_refs_enter(c, ctx.keeps_locks);
                body.push(when(
                    format!("pte_present[{v}]"),
                    vec![
                        note("arm64 with DBM: before ff1712f953e2 pte_wrprotect() lost the hardware dirty state"),
                        s(format!(
                            "b_flag = ARM64 && pte_write[{v}] && pte_dirty[{v}] && !{}",
                            fx(Fix::Arm64WrprotectKeepsDirty)
                        )),
                        s(format!("pte_write[{v}] = 0")),
                        s(format!("pte_soft_dirty[{v}] = 0")),
                        when("b_flag", vec![s(format!("pte_dirty[{v}] = 0"))]),
                        when(
                            format!("{} && kernel[{c}].gather.some", fx(Fix::WillRecords)),
                            vec![s(format!("kernel[{c}].gather.cleared = 1"))],
                        ),
                    ],
                ));
                StepCode {
                    waits: Some(waits),
                    fails: None,
                    body,
                }
            }
            PteMkold => {
                let (waits, mut body) = self.clear_refs_enter(c, ctx.keeps_locks);
                body.push(when(
                    format!("pte_present[{v}]"),
                    vec![s(format!("pte_young[{v}] = 0"))],
                ));
                StepCode {
                    waits: Some(waits),
                    fails: None,
                    body,
                }
            }
            TlbGatherMmu => self.open_gather_step(c, ctx.gather, ctx.keeps_locks),
            OomReapTaskMm => self.open_gather_step(c, GatherKind::OomReaper, ctx.keeps_locks),
            TlbFinishMmu => self.finish(c),
            MadviseFreePteRange => {
                if !anon {
                    return StepCode::always(vec![note(
                        "MADV_FREE refuses a file page (What::MadvFreeRefused)",
                    )]);
                }
                self.madvise_free(c, v, p)
            }
            ZapPteRange => self.zap(c, v, p, ctx.next == Some(PteUnmapUnlock)),
            PteUnmapUnlock => StepCode::always(vec![when(
                format!("ptl == {}", c + 1),
                vec![
                    note("the flush owed before the unlock (1cf35d47712d, 60bae7370896), then the rmap removal waiting for it (5df397dec7c4)"),
                    when(format!("kernel[{c}].owed_flush"), vec![s("flush_mm()")]),
                    when(
                        format!("kernel[{c}].has_delayed_rmap"),
                        vec![s(format!("page_remove_rmap(kernel[{c}].delayed_rmap)"))],
                    ),
                    s(format!("kernel[{c}].owed_flush = 0")),
                    s(format!("kernel[{c}].has_delayed_rmap = 0")),
                    s(format!("kernel[{c}].delayed_rmap = 0")),
                    s("ptl = 0"),
                ],
            )]),
            Mprotect => self.mprotect(c, v),
            ChangeProtNuma => self.deferred_change(
                c,
                v,
                vec![s(format!("pte_present[{v}] = 0")), s(format!("pte_protnone[{v}] = 1"))],
            ),
            MwriteprotectRange => self.deferred_change(
                c,
                v,
                vec![s(format!("pte_write[{v}] = 0")), s(format!("pte_uffd_wp[{v}] = 0"))],
            ),
            DoNumaPage => StepCode::always(vec![note("a marker: the steps that follow do the work")]),
            TryToMigrateOne => self.try_to_migrate_one(c, v, p, ctx.keeps_locks),
            MoveToNewPage => self.move_to_new_page(c, v, p),
            MigrateVmaCollectPmd => {
                self.migrate_vma_collect_pmd(c, v, ctx.next == Some(PteUnmapUnlock))
            }
            TryToUnmapOne => self.try_to_unmap_one(c, v, p, ctx.keeps_locks, anon),
            TryToUnmapFlush => StepCode::always(vec![
                when(format!("kernel[{c}].ubc.flush_required"), vec![s("flush_mm()")]),
                s(format!("kernel[{c}].ubc.flush_required = 0")),
                s(format!("kernel[{c}].ubc.writable = 0")),
            ]),
            DropCleanPage => self.drop_clean_page(c, p, anon),
            PageMkcleanOne => self.page_mkclean_one(c, v, p, ctx.keeps_locks),
            WritePageToDisk => StepCode {
                waits: Some(format!("PAGE_LOCK_OTHER({p}, {c})")),
                fails: None,
                body: vec![
                    s(format!("unlock_page({p}, {c})")),
                    note("TestClearPageDirty, then the I/O"),
                    when(
                        format!("page_in_memory[{p}] && frame_pg_dirty[page_frame[{p}]]"),
                        vec![
                            s(format!("frame_pg_dirty[page_frame[{p}]] = 0")),
                            s(format!("page_disk[{p}] = frame_data[page_frame[{p}]]")),
                        ],
                    ),
                ],
            },
            WriteProtectPage => {
                if !anon {
                    return StepCode::always(vec![note(
                        "KSM merges only anonymous pages (What::AnonOnly)",
                    )]);
                }
                self.write_protect_page(c, v, p, ctx.keeps_locks)
            }
            PagesIdentical => {
                if !anon {
                    return StepCode::always(vec![note(
                        "KSM merges only anonymous pages (What::AnonOnly)",
                    )]);
                }
                self.pages_identical(c, v, p)
            }
            ReplacePage => self.replace_page(c, v, p),
            WpPageCopy => {
                if !anon {
                    return StepCode::always(vec![note(
                        "a shared file mapping never copies (What::AnonOnly)",
                    )]);
                }
                self.wp_page_copy(c, v, p)
            }
            SetPteAtNotify => self.set_pte_at_notify(c, v, p),
            LocalFlushTlbPage => StepCode::always(vec![s(format!("tlb_none(TLB({c}, {v}))"))]),
        }
    }

    // ---- user.rs ----

    /// The frame the fault handler must allocate: a non-present PTE whose page is not in memory, or
    /// (anonymous) a write-protected page someone else also uses (the COW copy).
    fn write_to_page(&self, c: usize, v: usize, p: usize) -> StepCode {
        let i = format!("TLB({c}, {v})");
        let anon = self.kind(p) == PageKind::Anon;
        let faults = format!(
            "!(tlb_writable[{i}] && tlb_dirty[{i}]) && !(pte_present[{v}] && pte_write[{v}])"
        );
        let waits = format!(
            "({faults} && (pte_migration[{v}] -> PAGE_LOCK_OTHER({p}, {c}) : (MMAP_WRITER_OTHER({c}) || PTL_OTHER({c}))))"
        );
        let needs_frame = if anon {
            format!(
                "(pte_present[{v}] -> (frame_shared[pte_frame[{v}]] || frame_mapcount[pte_frame[{v}]] > 1) : !page_in_memory[{p}])"
            )
        } else {
            format!("(!pte_present[{v}] && !page_in_memory[{p}])")
        };
        let fails = format!(
            "({faults} && !pte_migration[{v}] && !MMAP_WRITER_OTHER({c}) && !PTL_OTHER({c}) && map_vm_write[{v}] \
             && !pte_uffd_wp[{v}] && !pte_protnone[{v}] && {needs_frame} && NO_FRAME)"
        );
        let walk = vec![
            note("walk_and_store: the walk sets D, the entry becomes writable and dirty"),
            s(format!("pte_dirty[{v}] = 1")),
            s(format!("pte_young[{v}] = 1")),
            s(format!("f_new = pte_frame[{v}]")),
            s(format!("tlb_fill({i}, 1, 1, f_new)")),
            s(format!("store_to({v}, {p}, f_new, 0)")),
        ];
        let mut fault = vec![when(
            format!("tlb_writable[{i}]"),
            vec![
                note("the dirty-bit walk found no writable PTE: the entry is dropped"),
                s(format!("tlb_none({i})")),
            ],
        )];
        fault.push(self.write_fault(c, v, p));
        StepCode {
            waits: Some(waits),
            fails: Some(fails),
            body: vec![
                note("write_to_page: the hardware's three store paths, and the fault"),
                St::If(vec![
                    (
                        format!("tlb_writable[{i}] && tlb_dirty[{i}]"),
                        vec![
                            note("through a writable, dirty entry: the PTE is not touched"),
                            s(format!("f_new = tlb_frame[{i}]")),
                            s(format!("store_to({v}, {p}, f_new, 0)")),
                        ],
                    ),
                    (
                        "else".into(),
                        vec![either(
                            format!("pte_present[{v}] && pte_write[{v}]"),
                            walk,
                            fault,
                        )],
                    ),
                ]),
            ],
        }
    }

    /// user.rs write_fault (the refusals are the guard's, or a no-op here).
    fn write_fault(&self, c: usize, v: usize, p: usize) -> St {
        let anon = self.kind(p) == PageKind::Anon;
        let present_branch = if anon {
            vec![
                s(format!("f_old = pte_frame[{v}]")),
                either(
                    "frame_shared[f_old] || frame_mapcount[f_old] > 1",
                    vec![
                        note("wp_page_copy, atomically: copy, flush, map the copy"),
                        s(format!("alloc_frame({p}, f_new)")),
                        s("frame_data[f_new] = frame_data[f_old]"),
                        s("frame_mapcount[f_new] = 1"),
                        s("page_remove_rmap(f_old)"),
                        s(format!("page_in_memory[{p}] = 1")),
                        s(format!("page_frame[{p}] = f_new")),
                        s(format!("flush_page({v})")),
                        s(format!("pte_mapping({v}, f_new, 1, 1)")),
                    ],
                    vec![
                        note("do_wp_page reuses the page"),
                        s(format!("pte_write[{v}] = 1")),
                        s("f_new = f_old"),
                    ],
                ),
            ]
        } else {
            vec![
                note("wp_page_shared: page_mkwrite, set_page_dirty, a writable PTE"),
                s(format!("f_new = pte_frame[{v}]")),
                s("frame_pg_dirty[f_new] = 1"),
                s(format!("pte_write[{v}] = 1")),
            ]
        };
        let mut fault_in = self.fault_in(v, p);
        if !anon {
            fault_in.push(s("frame_pg_dirty[f_new] = 1"));
        }
        fault_in.push(s(format!("pte_mapping({v}, f_new, 1, 1)")));
        St::If(vec![
            (
                format!("pte_migration[{v}]"),
                vec![note(
                    "the fault waits for the migration (guard), then is refused",
                )],
            ),
            (
                format!("!pte_migration[{v}] && (!map_vm_write[{v}] || pte_uffd_wp[{v}])"),
                vec![note("SIGSEGV, or handed to userfaultfd: no store")],
            ),
            (
                "else".into(),
                vec![
                    St::If(vec![
                        (
                            format!("pte_protnone[{v}]"),
                            vec![
                                note("do_numa_page restores the PTE"),
                                s(format!("pte_protnone[{v}] = 0")),
                                s(format!("pte_present[{v}] = 1")),
                                s(format!("pte_write[{v}] = 1")),
                                s(format!("f_new = pte_frame[{v}]")),
                            ],
                        ),
                        (format!("!pte_protnone[{v}] && !pte_present[{v}]"), fault_in),
                        ("else".into(), present_branch),
                    ]),
                    s(format!("pte_dirty[{v}] = 1")),
                    s(format!("pte_young[{v}] = 1")),
                    s(format!("pte_soft_dirty[{v}] = 1")),
                    s(format!("tlb_fill(TLB({c}, {v}), 1, 1, f_new)")),
                    s(format!("store_to({v}, {p}, f_new, 1)")),
                ],
            ),
        ])
    }

    /// user.rs fault_in: the page of a non-present PTE back in f_new, counted as mapped.
    fn fault_in(&self, v: usize, p: usize) -> Vec<St> {
        let anon = self.kind(p) == PageKind::Anon;
        let absent = if anon {
            vec![
                note("a fresh zeroed anonymous page"),
                s(format!("alloc_frame({p}, f_new)")),
                s(format!("page_in_memory[{p}] = 1")),
                s(format!("page_frame[{p}] = f_new")),
                s(format!("page_madv_freed[{p}] = 0")),
                s(format!("page_rewritten[{p}] = 0")),
            ]
        } else {
            vec![
                note("read back from disk"),
                s(format!("alloc_frame({p}, f_new)")),
                s(format!("frame_data[f_new] = page_disk[{p}]")),
                s(format!("page_in_memory[{p}] = 1")),
                s(format!("page_frame[{p}] = f_new")),
            ]
        };
        vec![
            note("fault_in"),
            either(
                format!("page_in_memory[{p}]"),
                vec![s(format!("f_new = page_frame[{p}]"))],
                absent,
            ),
            s("mapcount_inc(f_new)"),
            s(format!("map_unmapped[{v}] = 0")),
            s(format!("map_zapping[{v}] = 0")),
        ]
    }

    fn read_page(&self, c: usize, v: usize, p: usize) -> StepCode {
        let i = format!("TLB({c}, {v})");
        let faults = format!("!tlb_some[{i}] && !pte_present[{v}]");
        let waits = format!(
            "({faults} && (pte_migration[{v}] -> PAGE_LOCK_OTHER({p}, {c}) : (MMAP_WRITER_OTHER({c}) || PTL_OTHER({c}))))"
        );
        let fails = format!(
            "({faults} && !pte_migration[{v}] && !MMAP_WRITER_OTHER({c}) && !PTL_OTHER({c}) && !pte_protnone[{v}] \
             && !page_in_memory[{p}] && NO_FRAME)"
        );
        let mut map_in = self.fault_in(v, p);
        map_in.extend([
            s(format!("b_soft = pte_soft_dirty[{v}]")),
            s(format!("pte_mapping({v}, f_new, 0, 0)")),
            s(format!("pte_soft_dirty[{v}] = b_soft")),
        ]);
        StepCode {
            waits: Some(waits),
            fails: Some(fails),
            body: vec![St::If(vec![
                (format!("tlb_some[{i}]"), vec![note("through the entry")]),
                (
                    format!("!tlb_some[{i}] && pte_present[{v}]"),
                    vec![
                        s(format!(
                            "tlb_fill({i}, pte_write[{v}], pte_dirty[{v}], pte_frame[{v}])"
                        )),
                        s(format!("pte_young[{v}] = 1")),
                    ],
                ),
                (
                    format!("!tlb_some[{i}] && !pte_present[{v}] && pte_migration[{v}]"),
                    vec![note("refused: waits for the migration (guard)")],
                ),
                (
                    "else".into(),
                    vec![
                        St::If(vec![
                            (
                                format!("pte_protnone[{v}]"),
                                vec![
                                    s(format!("pte_protnone[{v}] = 0")),
                                    s(format!("pte_present[{v}] = 1")),
                                    s(format!("pte_write[{v}] = 1")),
                                ],
                            ),
                            ("else".into(), map_in),
                        ]),
                        s(format!("pte_young[{v}] = 1")),
                        s(format!(
                            "tlb_fill({i}, pte_write[{v}], pte_dirty[{v}], pte_frame[{v}])"
                        )),
                    ],
                ),
            ])],
        }
    }

    // ---- wp_clean.rs ----

    /// flush_everywhere: the range this CPU's walk changed (`range`) or the whole mm, then the deferred
    /// flush is settled, lowering the count its walk raised.
    fn flush_everywhere(&self, c: usize, range: bool) -> StepCode {
        let mut body = Vec::new();
        for v in 0..self.vpages() {
            let cond = if range {
                format!(
                    "!kernel[{c}].deferred.some || (kernel[{c}].deferred.pages & {}) != 0",
                    1 << v
                )
            } else {
                "1".into()
            };
            if range {
                body.push(when(cond, vec![s(format!("flush_page({v})"))]));
            } else {
                body.push(s(format!("flush_page({v})")));
            }
        }
        body.extend([
            s(format!(
                "b_flag = kernel[{c}].deferred.some && kernel[{c}].deferred.raised"
            )),
            s(format!("kernel[{c}].deferred.some = 0")),
            s(format!("kernel[{c}].deferred.raised = 0")),
            s(format!("kernel[{c}].deferred.pages = 0")),
            when("b_flag", vec![s("lower_pending()")]),
        ]);
        StepCode {
            waits: None,
            fails: Some(format!(
                "(kernel[{c}].deferred.some && kernel[{c}].deferred.raised && LOWER_FAILS)"
            )),
            body,
        }
    }

    // ---- clear_refs.rs ----

    /// clear_refs_enter: the guard (it waits for mmap_lock unless this CPU holds it) and the body.
    fn clear_refs_enter(&self, c: usize, keeps: bool) -> (String, Vec<St>) {
        let lock = fx(Fix::ClearRefsWriteLock);
        let waits = format!(
            "(!MMAP_HELD({c}) && ({lock} -> MMAP_HOLDER_OTHER({c}) : MMAP_WRITER_OTHER({c})))"
        );
        let body = if keeps {
            vec![
                note("clear_refs_enter: mmap_lock for the walk (for writing since 29a951dfb3c3), kept"),
                when(
                    format!("!MMAP_HELD({c})"),
                    vec![either(
                        lock,
                        vec![s(format!("mmap_writer = {}", c + 1))],
                        vec![s(format!("mmap_readers = mmap_readers | {}", 1 << c))],
                    )],
                ),
            ]
        } else {
            vec![note(
                "clear_refs_enter: mmap_lock for this step only (nothing after it ends the walk)",
            )]
        };
        (waits, body)
    }

    // ---- gather.rs ----

    /// open_gather's body for a gather of `kind` (static), without its guard.
    fn open_gather(&self, c: usize, kind: GatherKind, keeps: bool) -> Vec<St> {
        let mut body = Vec::new();
        if kind.is_clear_refs() {
            body.extend(self.clear_refs_enter(c, keeps).1);
        } else if keeps {
            body.push(s(format!("mmap_readers = mmap_readers | {}", 1 << c)));
        }
        let k = gather_kind(kind);
        let fullmm = match kind {
            GatherKind::ClearRefsSoftDirty | GatherKind::ClearRefsAging => {
                format!("!{}", fx(Fix::WillRanged))
            }
            GatherKind::OomReaper => format!("!{}", fx(Fix::OomReaperRanged)),
            GatherKind::MadvFree | GatherKind::Zap => "0".into(),
        };
        body.extend([
            s(format!("kernel[{c}].gather.some = 1")),
            s(format!("kernel[{c}].gather.kind = {k}")),
            s(format!("kernel[{c}].gather.fullmm = {fullmm}")),
            when(
                format!(
                    "(ROLE({k}) == ROLE_GATHER && {}) || ROLE({k}) == ROLE_INC_PENDING",
                    fx(Fix::NestedFlush)
                ),
                vec![
                    s("raise_pending()"),
                    s(format!("kernel[{c}].gather.raised_pending = 1")),
                ],
            ),
        ]);
        body
    }

    /// What opening a gather of `kind` waits for.
    fn open_gather_waits(&self, c: usize, kind: GatherKind, keeps: bool) -> String {
        if kind.is_clear_refs() {
            self.clear_refs_enter(c, keeps).0
        } else {
            format!("MMAP_WRITER_OTHER({c})")
        }
    }

    fn open_gather_step(&self, c: usize, kind: GatherKind, keeps: bool) -> StepCode {
        StepCode {
            waits: Some(format!(
                "(!kernel[{c}].gather.some && {})",
                self.open_gather_waits(c, kind, keeps)
            )),
            fails: Some(format!("kernel[{c}].gather.some")),
            body: self.open_gather(c, kind, keeps),
        }
    }

    fn finish(&self, c: usize) -> StepCode {
        let g = format!("kernel[{c}].gather");
        let plain = format!(
            "((ARM64 && {g}.fullmm) -> 0 : ({g}.cleared -> 1 : (({g}.fullmm && !{}) -> 1 : 0)))",
            fx(Fix::ElideEmptyFinish)
        );
        let forced = format!(
            "((ARM64 && {g}.fullmm && !{}) -> 0 : 1)",
            fx(Fix::NestedFullmm)
        );
        let flushes = format!(
            "(ROLE({g}.kind) == ROLE_NO_GATHER -> 0 : (ROLE({g}.kind) != ROLE_GATHER -> 1 : \
             ((tlb_flush_pending > 1 && {}) -> {forced} : {plain})))",
            fx(Fix::NestedFlush)
        );
        let mut body = vec![
            note("whether the finish flushes (FinishFlush::flushes): no gather; flush_tlb_mm; or the gather's rules"),
            s(format!("b_flag = {flushes}")),
            when("b_flag", vec![s("flush_mm()")]),
        ];
        for f in 0..MAX_FRAMES {
            body.push(when(
                format!("({g}.frees & {}) != 0", 1 << f),
                vec![s(format!("free_frame({f})"))],
            ));
        }
        body.push(when(
            format!("{g}.raised_pending"),
            vec![s("lower_pending()")],
        ));
        body.push(note("the syscall returns: its promise holds from now on"));
        let soft: Vec<St> = (0..self.vpages())
            .map(|v| s(format!("map_soft_dirty_armed[{v}] = 1")))
            .collect();
        let zap: Vec<St> = (0..self.vpages())
            .map(|v| {
                when(
                    format!("({g}.zapped & {}) != 0 && map_zapping[{v}]", 1 << v),
                    vec![
                        s(format!("map_zapping[{v}] = 0")),
                        s(format!("map_unmapped[{v}] = 1")),
                    ],
                )
            })
            .collect();
        let lazy: Vec<St> = (0..self.pages())
            .map(|p| {
                when(
                    format!("page_in_memory[{p}] && frame_lazyfree[page_frame[{p}]]"),
                    vec![
                        s(format!("page_madv_freed[{p}] = 1")),
                        s(format!("page_rewritten[{p}] = 0")),
                    ],
                )
            })
            .collect();
        body.push(St::If(vec![
            (format!("{g}.kind == GK_CLEAR_REFS_SOFT_DIRTY"), soft),
            (format!("{g}.kind == GK_ZAP"), zap),
            (format!("{g}.kind == GK_MADV_FREE"), lazy),
        ]));
        body.push(s(format!("mmap_unlock({c})")));
        body.push(s(format!("gather_none({c})")));
        StepCode {
            waits: None,
            fails: Some(format!(
                "(!{g}.some || ({g}.raised_pending && LOWER_FAILS))"
            )),
            body,
        }
    }

    // ---- unmap.rs ----

    fn madvise_free(&self, c: usize, v: usize, p: usize) -> StepCode {
        let mut body = vec![when(
            format!("!kernel[{c}].gather.some"),
            self.open_gather(c, GatherKind::MadvFree, false),
        )];
        body.extend([
            s("flush_tlb_batched_pending()"),
            when(
                format!("pte_present[{v}] && (pte_young[{v}] || pte_dirty[{v}])"),
                vec![
                    s(format!("pte_dirty[{v}] = 0")),
                    s(format!("pte_young[{v}] = 0")),
                    s(format!("kernel[{c}].gather.cleared = 1")),
                ],
            ),
            when(
                format!(
                    "(pte_present[{v}] || pte_protnone[{v}]) && frame_mapcount[pte_frame[{v}]] == 1 && \
                     !frame_shared[pte_frame[{v}]]"
                ),
                vec![
                    s(format!("frame_pg_dirty[pte_frame[{v}]] = 0")),
                    s(format!("frame_lazyfree[pte_frame[{v}]] = 1")),
                    s(format!("page_madv_freed[{p}] = 0")),
                    s(format!("page_rewritten[{p}] = 0")),
                ],
            ),
        ]);
        StepCode {
            waits: Some(format!(
                "((!kernel[{c}].gather.some && MMAP_WRITER_OTHER({c})) || PTL_OTHER({c}))"
            )),
            fails: None,
            body,
        }
    }

    fn zap(&self, c: usize, v: usize, p: usize, holds_ptl: bool) -> StepCode {
        let file = self.kind(p) == PageKind::File;
        let g = format!("kernel[{c}].gather");
        let mut body = vec![
            when(
                format!("!{g}.some"),
                self.open_gather(c, GatherKind::Zap, false),
            ),
            s("flush_tlb_batched_pending()"),
        ];
        let mut none = vec![when(format!("pte_migration[{v}]"), {
            let mut m = vec![
                s(format!("{g}.zapped = {g}.zapped | {}", 1 << v)),
                s(format!("map_zapping[{v}] = 1")),
            ];
            if !file {
                m.push(note("MADV_DONTNEED drops the page from the mm"));
                m.push(s(format!("page_in_memory[{p}] = 0")));
                m.push(s(format!("page_frame[{p}] = 0")));
            }
            m
        })];
        none.push(s(format!("pte_none({v})")));
        let mut mapped = vec![
            s(format!("f_old = pte_frame[{v}]")),
            s(format!("b_dirty = pte_dirty[{v}]")),
            s(format!("pte_none({v})")),
            s(format!("{g}.cleared = 1")),
            s(format!("{g}.zapped = {g}.zapped | {}", 1 << v)),
            s(format!("map_zapping[{v}] = 1")),
        ];
        if file {
            let zf = fx(Fix::ZapFlushUnderPtl);
            let dr = fx(Fix::DelayRmap);
            let forced = if holds_ptl {
                vec![
                    s(format!("kernel[{c}].owed_flush = 1")),
                    when(
                        dr.clone(),
                        vec![
                            s(format!("kernel[{c}].has_delayed_rmap = 1")),
                            s(format!("kernel[{c}].delayed_rmap = f_old")),
                        ],
                    ),
                ]
            } else {
                vec![
                    s("flush_mm()"),
                    when(dr.clone(), vec![s("page_remove_rmap(f_old)")]),
                ]
            };
            mapped.extend([
                when("b_dirty", vec![s("set_page_dirty(f_old)")]),
                note("1cf35d47712d: a dirty file PTE forces the flush before the unlock; 5df397dec7c4: its rmap removal waits for it"),
                when(
                    format!("!(b_dirty && {zf} && {dr})"),
                    vec![s("page_remove_rmap(f_old)")],
                ),
                s(format!("{g}.refs = {g}.refs | (1 << f_old)")),
                when(format!("b_dirty && {zf}"), forced),
            ]);
        } else {
            mapped.extend([
                s("page_remove_rmap(f_old)"),
                s(format!("{g}.frees = {g}.frees | (1 << f_old)")),
                s(format!("page_in_memory[{p}] = 0")),
                s(format!("page_frame[{p}] = 0")),
            ]);
        }
        body.push(either(
            format!("!(pte_present[{v}] || pte_protnone[{v}])"),
            none,
            mapped,
        ));
        if holds_ptl {
            body.push(s(format!("ptl = {}", c + 1)));
        }
        StepCode {
            waits: Some(format!(
                "((!{g}.some && MMAP_WRITER_OTHER({c})) || PTL_OTHER({c}))"
            )),
            fails: None,
            body,
        }
    }

    // ---- protect.rs ----

    fn mprotect(&self, c: usize, v: usize) -> StepCode {
        let pap = fx(Fix::PteAccessiblePending);
        StepCode {
            waits: Some(format!("(MMAP_HOLDER_OTHER({c}) || PTL_OTHER({c}))")),
            fails: None,
            body: vec![
                when(pap.clone(), vec![s("raise_pending()")]),
                s("flush_tlb_batched_pending()"),
                when(
                    format!("pte_present[{v}]"),
                    vec![
                        s(format!("pte_write[{v}] = 0")),
                        s(format!("flush_page({v})")),
                    ],
                ),
                when(pap, vec![s("lower_pending()")]),
                s(format!("map_vm_write[{v}] = 0")),
                s(format!("map_write_revoked[{v}] = 1")),
            ],
        }
    }

    fn deferred_change(&self, c: usize, v: usize, change: Vec<St>) -> StepCode {
        StepCode {
            waits: Some(format!("(MMAP_WRITER_OTHER({c}) || PTL_OTHER({c}))")),
            fails: None,
            body: vec![
                s(format!(
                    "b_flag = {} && !kernel[{c}].deferred.some",
                    fx(Fix::PteAccessiblePending)
                )),
                when("b_flag", vec![s("raise_pending()")]),
                s("flush_tlb_batched_pending()"),
                s(format!("b_acc = pte_present[{v}]")),
                when("b_acc", change),
                s(format!("defer({c}, {v}, b_acc, b_flag)")),
            ],
        }
    }

    // ---- migrate.rs ----

    /// The PTE maps the page's frame (present or PROT_NONE).
    fn maps_page(v: usize, p: usize) -> String {
        format!(
            "(page_in_memory[{p}] && (pte_present[{v}] || pte_protnone[{v}]) && pte_frame[{v}] == page_frame[{p}])"
        )
    }

    fn try_to_migrate_one(&self, c: usize, v: usize, p: usize, keeps: bool) -> StepCode {
        let mapped = Self::maps_page(v, p);
        let mut body = Vec::new();
        if keeps {
            body.push(s(format!("page_lock[{p}] = {}", c + 1)));
        }
        body.push(when(
            mapped.clone(),
            vec![
                s(format!("f_old = page_frame[{p}]")),
                s(format!("ptep_clear_flush({v})")),
                when("old_dirty", vec![s("set_page_dirty(f_old)")]),
                note("a migration entry, keeping the soft-dirty bit"),
                s(format!("pte_migration[{v}] = 1")),
                s(format!("pte_write[{v}] = old_write || old_protnone")),
                s(format!("pte_soft_dirty[{v}] = old_soft_dirty")),
                s(format!("pte_frame[{v}] = f_old")),
                s(format!("kernel[{c}].copy.some = 1")),
                s(format!("kernel[{c}].copy.kind = CK_MIGRATION")),
                s(format!("kernel[{c}].copy.vpage = {v}")),
                s(format!("kernel[{c}].copy.from = f_old")),
                s(format!("kernel[{c}].copy.to = f_old")),
                s(format!("copy_orig({c}, {v})")),
            ],
        ));
        StepCode {
            waits: Some(format!(
                "(PAGE_LOCK_OTHER({p}, {c}) || ({mapped} && !kernel[{c}].copy.some && PTL_OTHER({c})))"
            )),
            fails: Some(format!(
                "(!PAGE_LOCK_OTHER({p}, {c}) && {mapped} && kernel[{c}].copy.some)"
            )),
            body,
        }
    }

    /// This CPU's copy of `kind` for virtual page `v`.
    fn copy_match(c: usize, v: usize, kind: &str) -> String {
        format!(
            "(kernel[{c}].copy.some && kernel[{c}].copy.kind == {kind} && kernel[{c}].copy.vpage == {v})"
        )
    }

    fn move_to_new_page(&self, c: usize, v: usize, p: usize) -> StepCode {
        let m = Self::copy_match(c, v, "CK_MIGRATION");
        let copied = any((0..self.cpus()).filter(|&d| d != c).map(|d| {
            format!("(kernel[{d}].copy.some && kernel[{d}].copy.from == kernel[{c}].copy.from)")
        }));
        let busy = format!("(frame_mapcount[kernel[{c}].copy.from] > 1 || {copied})");
        StepCode {
            waits: None,
            fails: Some(format!("({m} && !{busy} && NO_FRAME)")),
            body: vec![when(
                m,
                vec![
                    s(format!("f_old = kernel[{c}].copy.from")),
                    s(format!("b_write = pte_write[{v}]")),
                    s(format!("b_soft = pte_soft_dirty[{v}]")),
                    either(
                        busy,
                        vec![
                            note("migrate_page_move_mapping: -EAGAIN, the PTE is put back"),
                            s(format!("pte_mapping({v}, f_old, b_write, 0)")),
                            s(format!("pte_soft_dirty[{v}] = b_soft")),
                        ],
                        vec![
                            s(format!("alloc_frame({p}, f_new)")),
                            s("frame_data[f_new] = frame_data[f_old]"),
                            s("frame_pg_dirty[f_new] = frame_pg_dirty[f_old]"),
                            s("frame_mapcount[f_new] = 1"),
                            s(format!("page_in_memory[{p}] = 1")),
                            s(format!("page_frame[{p}] = f_new")),
                            s(format!("pte_mapping({v}, f_new, b_write, 0)")),
                            s(format!("pte_soft_dirty[{v}] = b_soft")),
                            s("free_frame(f_old)"),
                        ],
                    ),
                    s(format!("copy_none({c})")),
                    s(format!("unlock_page({p}, {c})")),
                ],
            )],
        }
    }

    fn migrate_vma_collect_pmd(&self, c: usize, v: usize, holds_ptl: bool) -> StepCode {
        let mut body = Vec::new();
        if holds_ptl {
            body.push(s(format!("ptl = {}", c + 1)));
        }
        let under = if holds_ptl {
            vec![s(format!("kernel[{c}].owed_flush = 1"))]
        } else {
            vec![s(format!("flush_page({v})"))]
        };
        body.push(when(
            format!("pte_present[{v}] || pte_protnone[{v}]"),
            vec![
                s(format!("f_old = pte_frame[{v}]")),
                when(format!("pte_dirty[{v}]"), vec![s("set_page_dirty(f_old)")]),
                s(format!("b_soft = pte_soft_dirty[{v}]")),
                s(format!("pte_none({v})")),
                s(format!("pte_migration[{v}] = 1")),
                s(format!("pte_soft_dirty[{v}] = b_soft")),
                s(format!("pte_frame[{v}] = f_old")),
                s("page_remove_rmap(f_old)"),
                either(
                    fx(Fix::MigrateVmaFlushUnderPtl),
                    under,
                    vec![s(format!("defer({c}, {v}, 1, 0)"))],
                ),
            ],
        ));
        StepCode {
            waits: Some(format!("PTL_OTHER({c})")),
            fails: None,
            body,
        }
    }

    // ---- reclaim.rs ----

    /// discard_if_lazy on an anonymous page: `discarded` says whether it was.
    fn discard_if_lazy(p: usize, pte_dirty: &str) -> St {
        either(
            "!frame_lazyfree[f_old]",
            vec![s("discarded = 0")],
            vec![either(
                format!("{pte_dirty} || frame_pg_dirty[f_old]"),
                vec![s("frame_lazyfree[f_old] = 0"), s("discarded = 0")],
                vec![
                    note("a write after MADV_FREE returned is lost with the page"),
                    when(format!("page_rewritten[{p}]"), vec![s("harmed = 1")]),
                    s(format!("page_in_memory[{p}] = 0")),
                    s(format!("page_frame[{p}] = 0")),
                    s(format!("page_madv_freed[{p}] = 0")),
                    s(format!("page_rewritten[{p}] = 0")),
                    s("discarded = 1"),
                ],
            )],
        )
    }

    fn try_to_unmap_one(&self, c: usize, v: usize, p: usize, keeps: bool, anon: bool) -> StepCode {
        let mapped = Self::maps_page(v, p);
        let mut body = Vec::new();
        if keeps {
            body.push(s(format!("page_lock[{p}] = {}", c + 1)));
        }
        let mut unmap = vec![
            s(format!("f_old = page_frame[{p}]")),
            either(
                format!("!ARM64 && {}", fx(Fix::BatchedUnmapFlush)),
                vec![
                    note("72b252aed506: ptep_get_and_clear, set_tlb_ubc_flush_pending, mm->tlb_flush_batched"),
                    s(format!("save_old({v})")),
                    s(format!("pte_none({v})")),
                    s(format!("kernel[{c}].ubc.flush_required = 1")),
                    s(format!(
                        "kernel[{c}].ubc.writable = kernel[{c}].ubc.writable || old_dirty"
                    )),
                    s("tlb_flush_batched = 1"),
                ],
                vec![s(format!("ptep_clear_flush({v})"))],
            ),
            when("old_dirty", vec![s("set_page_dirty(f_old)")]),
            s("page_remove_rmap(f_old)"),
        ];
        if anon {
            unmap.push(Self::discard_if_lazy(p, "old_dirty"));
        }
        body.push(when(mapped, unmap));
        StepCode {
            waits: Some(format!("(PAGE_LOCK_OTHER({p}, {c}) || PTL_OTHER({c}))")),
            fails: None,
            body,
        }
    }

    fn drop_clean_page(&self, c: usize, p: usize, anon: bool) -> StepCode {
        let maps = |w: usize| {
            format!(
                "((pte_present[{w}] || pte_protnone[{w}]) && pte_frame[{w}] == page_frame[{p}])"
            )
        };
        let any_mapped = any((0..self.vpages()).map(maps));
        let mut cached = vec![s(format!("f_old = page_frame[{p}]")), s("b_dirty = 0")];
        for w in 0..self.vpages() {
            cached.push(when(
                format!("(pte_present[{w}] || pte_protnone[{w}]) && pte_frame[{w}] == f_old"),
                vec![
                    s(format!("ptep_clear_flush({w})")),
                    s("b_dirty = b_dirty || old_dirty"),
                    when("old_dirty", vec![s("set_page_dirty(f_old)")]),
                    s("page_remove_rmap(f_old)"),
                ],
            ));
        }
        cached.push(s(format!("unlock_page({p}, {c})")));
        let kept_or_dropped =
            if anon {
                vec![
                    Self::discard_if_lazy(p, "b_dirty"),
                    when("discarded", vec![s("free_frame(f_old)")]),
                ]
            } else {
                vec![when(
                    "!frame_pg_dirty[f_old]",
                    vec![
                    note("a clean file page leaves the page cache: memory newer than disk is lost"),
                    when(format!("frame_data[f_old] != page_disk[{p}]"), vec![s("harmed = 1")]),
                    s(format!("page_in_memory[{p}] = 0")),
                    s(format!("page_frame[{p}] = 0")),
                    s("free_frame(f_old)"),
                ],
                )]
            };
        cached.push(either(
            "FRAME_REFERENCED(f_old) && !frame_pg_dirty[f_old]",
            vec![note("a kernel path still holds a reference: kept")],
            kept_or_dropped,
        ));
        StepCode {
            waits: Some(format!(
                "(PAGE_LOCK_OTHER({p}, {c}) || (page_in_memory[{p}] && {any_mapped} && PTL_OTHER({c})))"
            )),
            fails: None,
            body: vec![either(
                format!("!page_in_memory[{p}]"),
                vec![s(format!("unlock_page({p}, {c})"))],
                cached,
            )],
        }
    }

    // ---- writeback.rs ----

    fn page_mkclean_one(&self, c: usize, v: usize, p: usize, keeps: bool) -> StepCode {
        let mapped = format!("(page_in_memory[{p}] && frame_mapcount[page_frame[{p}]] != 0)");
        let mut body = Vec::new();
        if keeps {
            body.push(s(format!("page_lock[{p}] = {}", c + 1)));
        }
        body.push(when(
            format!("{mapped} && pte_present[{v}] && pte_frame[{v}] == page_frame[{p}]"),
            vec![either(
                format!(
                    "!pte_dirty[{v}] && !pte_write[{v}] && !{} && !({} && tlb_flush_pending > 0)",
                    fx(Fix::MkcleanNeverSkips),
                    fx(Fix::YuMkcleanPending)
                ),
                vec![note("the skip test: the PTE looks clean, no flush")],
                vec![
                    s(format!("f_old = page_frame[{p}]")),
                    s(format!("ptep_clear_flush({v})")),
                    note("the PTE put back read-only and clean, the page re-dirtied"),
                    s(format!("pte_present[{v}] = old_present")),
                    s(format!("pte_young[{v}] = old_young")),
                    s(format!("pte_soft_dirty[{v}] = old_soft_dirty")),
                    s(format!("pte_protnone[{v}] = old_protnone")),
                    s(format!("pte_uffd_wp[{v}] = old_uffd_wp")),
                    s(format!("pte_migration[{v}] = old_migration")),
                    s(format!("pte_frame[{v}] = old_frame")),
                    s("frame_pg_dirty[f_old] = 1"),
                ],
            )],
        ));
        StepCode {
            waits: Some(format!(
                "(PAGE_LOCK_OTHER({p}, {c}) || ({mapped} && PTL_OTHER({c})))"
            )),
            fails: None,
            body,
        }
    }

    // ---- copy.rs ----

    fn write_protect_page(&self, c: usize, v: usize, p: usize, keeps: bool) -> StepCode {
        let mut body = Vec::new();
        if keeps {
            body.push(s(format!("page_lock[{p}] = {}", c + 1)));
        }
        body.push(when(
            format!("page_in_memory[{p}] && pte_present[{v}] && pte_frame[{v}] == page_frame[{p}]"),
            vec![either(
                format!(
                    "!pte_write[{v}] && !pte_dirty[{v}] && !({} && tlb_flush_pending > 0)",
                    fx(Fix::KsmChecksPending)
                ),
                vec![note("a clean read-only PTE is left alone, without a flush")],
                vec![
                    s(format!("f_old = page_frame[{p}]")),
                    s(format!("ptep_clear_flush({v})")),
                    when("old_dirty", vec![s("set_page_dirty(f_old)")]),
                    s(format!("pte_present[{v}] = old_present")),
                    s(format!("pte_young[{v}] = old_young")),
                    s(format!("pte_soft_dirty[{v}] = old_soft_dirty")),
                    s(format!("pte_protnone[{v}] = old_protnone")),
                    s(format!("pte_uffd_wp[{v}] = old_uffd_wp")),
                    s(format!("pte_migration[{v}] = old_migration")),
                    s(format!("pte_frame[{v}] = old_frame")),
                ],
            )],
        ));
        StepCode {
            waits: Some(format!("(PAGE_LOCK_OTHER({p}, {c}) || PTL_OTHER({c}))")),
            fails: None,
            body,
        }
    }

    fn pages_identical(&self, c: usize, v: usize, p: usize) -> StepCode {
        StepCode {
            waits: None,
            fails: Some(format!(
                "(kernel[{c}].copy.some || (page_in_memory[{p}] && NO_FRAME))"
            )),
            body: vec![when(
                format!("page_in_memory[{p}]"),
                vec![
                    s(format!("f_old = page_frame[{p}]")),
                    s(format!("alloc_frame({p}, f_new)")),
                    note("the stable page: a frame holding the same data"),
                    s("frame_data[f_new] = frame_data[f_old]"),
                    s("frame_shared[f_new] = 1"),
                    s(format!("kernel[{c}].copy.some = 1")),
                    s(format!("kernel[{c}].copy.kind = CK_KSM")),
                    s(format!("kernel[{c}].copy.vpage = {v}")),
                    s(format!("kernel[{c}].copy.from = f_old")),
                    s(format!("kernel[{c}].copy.to = f_new")),
                    s(format!("copy_orig({c}, {v})")),
                ],
            )],
        }
    }

    /// switch_to_copy from f_old to f_to, after the new PTE is set by `set_pte`.
    fn switch_to_copy(v: usize, p: usize, set_pte: Vec<St>) -> Vec<St> {
        let mut out = vec![
            s("b_flag = frame_data[f_old] != frame_data[f_to]"),
            s(format!("flush_page({v})")),
            note("a store that reached the old frame after the copy is lost"),
            when("b_flag", vec![s("harmed = 1")]),
        ];
        out.extend(set_pte);
        out.extend([
            s(format!("page_in_memory[{p}] = 1")),
            s(format!("page_frame[{p}] = f_to")),
            s("mapcount_inc(f_to)"),
            s("page_remove_rmap(f_old)"),
            when(
                "frame_mapcount[f_old] == 0 && !frame_shared[f_old]",
                vec![s("free_frame(f_old)")],
            ),
        ]);
        out
    }

    fn replace_page(&self, c: usize, v: usize, p: usize) -> StepCode {
        let m = Self::copy_match(c, v, "CK_KSM");
        StepCode {
            waits: Some(format!("({m} && PTL_OTHER({c}))")),
            fails: None,
            body: vec![when(
                m,
                vec![
                    s(format!("f_old = kernel[{c}].copy.from")),
                    s(format!("f_to = kernel[{c}].copy.to")),
                    s(format!("b_same = PTE_SAME({c}, {v})")),
                    s(format!("copy_none({c})")),
                    s(format!("unlock_page({p}, {c})")),
                    either(
                        format!("!b_same || !pte_present[{v}] || pte_write[{v}] || pte_dirty[{v}]"),
                        vec![
                            note("pte_same failed: KSM bails out"),
                            s("free_frame(f_to)"),
                        ],
                        Self::switch_to_copy(
                            v,
                            p,
                            vec![
                                s(format!("pte_write[{v}] = 0")),
                                s(format!("pte_dirty[{v}] = 0")),
                                s(format!("pte_frame[{v}] = f_to")),
                            ],
                        ),
                    ),
                ],
            )],
        }
    }

    fn wp_page_copy(&self, c: usize, v: usize, p: usize) -> StepCode {
        let write_protected = format!(
            "(page_in_memory[{p}] && pte_present[{v}] && pte_frame[{v}] == page_frame[{p}] && !pte_write[{v}])"
        );
        StepCode {
            waits: Some(format!(
                "(!kernel[{c}].copy.some && (MMAP_WRITER_OTHER({c}) || PTL_OTHER({c})))"
            )),
            fails: Some(format!(
                "(kernel[{c}].copy.some || (!MMAP_WRITER_OTHER({c}) && !PTL_OTHER({c}) && {write_protected} && NO_FRAME))"
            )),
            body: vec![when(
                write_protected,
                vec![
                    s(format!("f_old = page_frame[{p}]")),
                    note("6ce64428d621: flush first when a flush is pending"),
                    when(
                        format!("tlb_flush_pending > 0 && {}", fx(Fix::WpCopyFlushesPending)),
                        vec![s(format!("flush_page({v})"))],
                    ),
                    s(format!("alloc_frame({p}, f_new)")),
                    s("frame_data[f_new] = frame_data[f_old]"),
                    s(format!("kernel[{c}].copy.some = 1")),
                    s(format!("kernel[{c}].copy.kind = CK_COW")),
                    s(format!("kernel[{c}].copy.vpage = {v}")),
                    s(format!("kernel[{c}].copy.from = f_old")),
                    s(format!("kernel[{c}].copy.to = f_new")),
                    s(format!("copy_orig({c}, {v})")),
                ],
            )],
        }
    }

    fn set_pte_at_notify(&self, c: usize, v: usize, p: usize) -> StepCode {
        let m = Self::copy_match(c, v, "CK_COW");
        StepCode {
            waits: Some(format!("({m} && PTL_OTHER({c}))")),
            fails: None,
            body: vec![when(
                m,
                vec![
                    s(format!("f_old = kernel[{c}].copy.from")),
                    s(format!("f_to = kernel[{c}].copy.to")),
                    s(format!("b_same = PTE_SAME({c}, {v})")),
                    s(format!("copy_none({c})")),
                    either(
                        "!b_same",
                        vec![
                            note("pte_same failed: the fault retries"),
                            s("free_frame(f_to)"),
                        ],
                        Self::switch_to_copy(
                            v,
                            p,
                            vec![s(format!("pte_mapping({v}, f_to, 1, 1)"))],
                        ),
                    ),
                ],
            )],
        }
    }
}

/// The name of step `k`'s inline: the action's identifier and the step's number.
fn step_name(k: usize, a: Action) -> String {
    format!("{}_s{}", a.id(), k + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::example;
    use crate::model::initial::PageSpec;
    use crate::model::scenario::Step;
    use crate::model::variant::Preset;

    #[test]
    fn example_1_is_one_process_per_cpu_and_one_d_step_per_step() {
        let sc = example("example-1").expect("example-1");
        let pml = to_promela(&sc).unwrap();
        assert!(pml.starts_with("/* "), "{}", &pml[..80]);
        for (k, st) in sc.steps.iter().enumerate() {
            let name = format!("{}_s{}", st.action.id(), k + 1);
            assert!(pml.contains(&format!("inline {name}() {{")), "{name}");
            assert_eq!(pml.matches(&format!("{name}();")).count(), 1, "{name}");
        }
        for c in 0..sc.cpus {
            assert!(pml.contains(&format!("active proctype cpu{c}()")), "cpu{c}");
        }
        assert_eq!(pml.matches("d_step {").count(), sc.steps.len());
        assert_eq!(pml.matches("assert(VERDICT_OK)").count(), sc.cpus + 1);
        // Every fix has its symbol, defaulting to v5.10-rc4's.
        let v = Variant::default();
        for d in FIXES.iter() {
            let def = format!("#define {} {}\n", fix_symbol(d.fix), u8::from(v.has(d.fix)));
            assert!(pml.contains(&def), "{def}");
        }
    }

    #[test]
    fn every_action_is_covered() {
        let mut sc = Scenario::new(2);
        sc.pages = vec![PageSpec::new(PageKind::File), PageSpec::new(PageKind::Anon)];
        for (i, a) in Action::ALL.into_iter().enumerate() {
            let page = if a.def().per_page { i % 2 } else { 0 };
            sc.steps.push(Step::new(i % 2, a).on(page));
        }
        let pml = to_promela(&sc).unwrap();
        for (k, a) in Action::ALL.into_iter().enumerate() {
            assert!(
                pml.contains(&format!("inline {}_s{}()", a.id(), k + 1)),
                "{}",
                a.id()
            );
        }
    }

    #[test]
    fn flags_name_every_fix_once_and_the_architecture() {
        let v = Variant::parse("v5.10-rc4+yu-mkclean-pending@arm64").unwrap();
        let f = flags(&v);
        let words: Vec<&str> = f.split(' ').collect();
        assert_eq!(words.len(), FIXES.len() + 1);
        assert!(words.contains(&"-DFIX_YU_MKCLEAN_PENDING=1"), "{f}");
        assert!(words.contains(&"-DFIX_CLEAR_REFS_FLUSH=0"), "{f}");
        assert_eq!(words.last(), Some(&"-DARM64=1"));
        // An arm64 fix is off on x86 whatever the set says.
        let x86 = Preset::V5_10.variant();
        assert!(flags(&x86).contains("-DFIX_ARM64_ACCESSIBLE_OLD=0 "));
        assert!(flags(&x86.on(Arch::Arm64)).contains("-DFIX_ARM64_ACCESSIBLE_OLD=1 "));
        let mut symbols: Vec<String> = FIXES.iter().map(|d| fix_symbol(d.fix)).collect();
        symbols.sort();
        symbols.dedup();
        assert_eq!(symbols.len(), FIXES.len());
        assert!(symbols.iter().all(|s| s
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')));
    }

    #[test]
    fn scenarios_that_cannot_run_are_refused() {
        let mut sc = Scenario::new(2);
        sc.steps.push(Step::new(3, Action::WriteToPage));
        let e = to_promela(&sc).unwrap_err();
        assert_eq!(e.step, Some(0));
        assert!(e.to_string().contains("CPU3"), "{e}");
        let mut sc = Scenario::new(2);
        sc.initial.tlb_flush_pending = Some(u32::MAX);
        sc.steps.push(Step::new(0, Action::IncTlbFlushPending));
        let e = to_promela(&sc).unwrap_err();
        assert!(e.message.contains("Promela's int"), "{e}");
    }

    #[test]
    fn the_view_variant_sets_the_defaults() {
        let mut sc = example("example-1").expect("example-1");
        sc.view.variant = Some("v5.12@arm64".into());
        let pml = to_promela(&sc).unwrap();
        assert!(pml.contains("#define FIX_CLEAR_REFS_FLUSH 1\n"));
        assert!(pml.contains("#define ARM64 1\n"));
    }
}
