//! The state inspector: the machine state after the selected step under the inspected variant, the
//! step's explanation (which names the fix that decided it), and which fields that step changed
//! (class `changed`).
//!
//! What it shows is core's [`State`]: each virtual page's PTE (with PROT_NONE, uffd-wp and migration
//! entries, and the frame it names) and what its last syscall promised; each CPU's TLB entry per page,
//! with its frame; the pages and the frames holding them (status, data version, PG_dirty, mapcount);
//! `mm->tlb_flush_pending` and the reclaim batch flag; the locks; and each CPU's open kernel work
//! (an mmu_gather, a deferred flush, reclaim's batch, a copy). Every value has a `data-field`; the rare
//! PTE bits (PROT_NONE, uffd-wp, migration) and a CPU's kernel work are shown when set or changed.

use std::rc::Rc;

use tlbrace_core::model::state::{CopyKind, FrameStatus, GatherKind, Kernel, Mapping, MAX_FRAMES};
use tlbrace_core::{PageKind, Pte, Scenario, ScenarioError, State, TlbEntry, Trace};
use yew::prelude::*;

/// What the inspector shows.
#[derive(Clone, PartialEq, Properties)]
pub struct InspectorProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The inspected variant's name (a preset name or `custom`).
    pub variant: AttrValue,
    /// The run under that variant (the verdict column's).
    pub result: Rc<Result<Trace, ScenarioError>>,
    /// The selected step; `None` shows the initial state.
    #[prop_or_default]
    pub selected: Option<usize>,
}

/// How a TLB entry reads: `—` for none, else its W and D bits and its frame (`W D → F0`).
pub fn tlb_text(e: Option<TlbEntry>) -> String {
    match e {
        None => "—".into(),
        Some(e) => format!(
            "{} {} → F{}",
            if e.writable { "W" } else { "r/o" },
            if e.dirty { "D" } else { "clean" },
            e.frame
        ),
    }
}

/// The frame a PTE names, when it names one (present, PROT_NONE or a migration entry).
pub fn pte_frame_text(p: Pte) -> String {
    if p.present || p.protnone || p.migration {
        format!("F{}", p.frame)
    } else {
        "—".into()
    }
}

/// What a virtual page's last syscall promised user space, in words (`—` for nothing).
pub fn mapping_text(m: Mapping) -> String {
    let mut parts = Vec::new();
    if !m.vm_write {
        parts.push("read-only VMA");
    }
    if m.write_revoked {
        parts.push("mprotect returned");
    }
    if m.soft_dirty_armed {
        parts.push("clear_refs returned");
    }
    if m.zapping {
        parts.push("zap in progress");
    }
    if m.unmapped {
        parts.push("unmapped");
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(", ")
    }
}

fn gather_words(kind: GatherKind) -> &'static str {
    match kind {
        GatherKind::ClearRefsSoftDirty => "clear_refs soft-dirty",
        GatherKind::ClearRefsAging => "clear_refs aging",
        GatherKind::MadvFree => "MADV_FREE",
        GatherKind::Zap => "zap",
        GatherKind::OomReaper => "OOM reaper",
    }
}

/// Pages or frames in a bitmask, as `page 0, page 1` or `F0, F2`.
fn mask_words(mask: u8, name: &str) -> String {
    let items: Vec<String> = (0..8)
        .filter(|i| mask & 1 << i != 0)
        .map(|i| format!("{name}{i}"))
        .collect();
    items.join(", ")
}

/// A CPU's open kernel work in words (`—` for none).
pub fn kernel_text(k: &Kernel) -> String {
    let mut parts = Vec::new();
    if let Some(g) = k.gather {
        let mut words = vec![gather_words(g.kind)];
        if g.fullmm {
            words.push("fullmm");
        }
        if g.raised_pending {
            words.push("raised pending");
        }
        if g.cleared {
            words.push("PTEs recorded");
        }
        let mut text = format!("mmu_gather open ({})", words.join(", "));
        if g.frees != 0 {
            text.push_str(&format!(
                ", frees {} after the flush",
                mask_words(g.frees, "F")
            ));
        }
        parts.push(text);
    }
    if let Some(d) = k.deferred {
        let pages = if d.pages == 0 {
            "nothing changed yet".to_string()
        } else {
            mask_words(d.pages, "page ")
        };
        let raised = if d.raised { ", raised pending" } else { "" };
        parts.push(format!("flush owed ({pages}{raised})"));
    }
    if k.ubc.flush_required {
        parts.push(if k.ubc.writable {
            "reclaim batch: flush owed (a dirty PTE)".to_string()
        } else {
            "reclaim batch: flush owed".to_string()
        });
    }
    if let Some(c) = k.copy {
        let why = match c.kind {
            CopyKind::Migration => "migration",
            CopyKind::Cow => "COW",
            CopyKind::Ksm => "KSM",
        };
        parts.push(format!(
            "{why} copy of page {}: F{} → F{}",
            c.vpage, c.from, c.to
        ));
    }
    if k.owed_flush {
        parts.push("flush owed before pte_unmap_unlock".to_string());
    }
    if let Some(f) = k.delayed_rmap {
        parts.push(format!("rmap removal of F{f} waits for the flush"));
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join("; ")
    }
}

/// Who holds `mmap_lock`, in words.
pub fn mmap_text(s: &State) -> String {
    match s.locks.mmap_writer {
        Some(c) => format!("CPU{c} (write)"),
        None if s.locks.mmap_readers != 0 => {
            format!("{} (read)", mask_words(s.locks.mmap_readers, "CPU"))
        }
        None => "free".into(),
    }
}

/// Who holds a lock, in words.
pub fn holder_text(cpu: Option<u8>) -> String {
    cpu.map_or_else(|| "free".into(), |c| format!("CPU{c}"))
}

/// One value: its `data-field`, its text, whether it reads as set (`on`/`off`), whether the step
/// changed it.
fn field(name: String, text: String, on: Option<bool>, changed: bool) -> Html {
    let state_class = on.map(|on| if on { "on" } else { "off" });
    html! {
        <span class={classes!("field", state_class, changed.then_some("changed"))} data-field={name}>
            { text }
        </span>
    }
}

/// A flag: its label, or `¬label` when clear.
fn bit(name: String, label: &str, now: bool, before: bool) -> Html {
    let text = if now {
        label.to_string()
    } else {
        format!("¬{label}")
    };
    field(name, text, Some(now), now != before)
}

/// A value compared by its text.
fn text_field(name: String, now: String, before: String) -> Html {
    let changed = now != before;
    field(name, now, None, changed)
}

fn row(head: Html, body: Html) -> Html {
    html! {
        <tr>
            <th scope="row">{ head }</th>
            <td>{ body }</td>
        </tr>
    }
}

/// Virtual page `v`: its PTE and what its syscalls promised.
fn vpage_rows(now: &State, before: &State, v: usize) -> Html {
    let (p, b) = (now.pte[v], before.pte[v]);
    // The last three are rare: shown when set, or when the step changed them.
    let bits: [(&str, &str, bool, bool, bool); 8] = [
        ("present", "present", p.present, b.present, true),
        ("write", "W", p.write, b.write, true),
        ("dirty", "D", p.dirty, b.dirty, true),
        ("young", "A", p.young, b.young, true),
        ("soft_dirty", "soft-dirty", p.soft_dirty, b.soft_dirty, true),
        ("protnone", "PROT_NONE", p.protnone, b.protnone, false),
        ("uffd_wp", "uffd-wp", p.uffd_wp, b.uffd_wp, false),
        ("migration", "migration", p.migration, b.migration, false),
    ];
    let page = now.page_of(v);
    let kind = match now.page[page].kind {
        PageKind::File => "file",
        PageKind::Anon => "anon",
    };
    html! {
        <>
            <tr class="section"><th colspan="2">{ format!("Page {v} ({kind} page {page})") }</th></tr>
            { row(html! { "PTE" }, html! {
                <span class="bits">
                    { for bits.iter().filter(|&&(_, _, n, b, always)| always || n || b)
                        .map(|&(key, label, n, b, _)| bit(format!("pte.{v}.{key}"), label, n, b)) }
                    { text_field(format!("pte.{v}.frame"), pte_frame_text(p), pte_frame_text(b)) }
                </span>
            }) }
            { row(html! { "VMA" }, text_field(format!("map.{v}"), mapping_text(now.map[v]), mapping_text(before.map[v]))) }
        </>
    }
}

/// Each CPU's TLB entry for each page, with the stale ones marked.
fn tlb_table(now: &State, before: &State) -> Html {
    let pages = now.vpage_count();
    html! {
        <table class="tlb-table">
            <thead>
                <tr>
                    <th scope="col">{ "TLB" }</th>
                    { for (0..pages).map(|v| html! { <th scope="col">{ format!("page {v}") }</th> }) }
                </tr>
            </thead>
            <tbody>
                { for (0..now.cpu_count()).map(|c| html! {
                    <tr key={c}>
                        <th scope="row">{ format!("CPU{c}") }</th>
                        { for (0..pages).map(|v| html! {
                            <td>
                                { field(format!("tlb.{c}.{v}"), tlb_text(now.tlb[c][v]), Some(now.tlb[c][v].is_some()),
                                    now.tlb[c][v] != before.tlb[c][v]) }
                                { now.stale_cpus(v).contains(c).then(|| html! {
                                    <span class="stale-mark" title="writable and dirty while the PTE is not: stores skip the kernel">{ "stale" }</span>
                                }) }
                            </td>
                        }) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn status_text(s: FrameStatus) -> &'static str {
    match s {
        FrameStatus::Free => "free",
        FrameStatus::Used => "in use",
        FrameStatus::Freed => "freed",
    }
}

/// The frames in use (or freed) now or before the step.
fn frames_table(now: &State, before: &State) -> Html {
    let shown = (0..MAX_FRAMES).filter(|&f| {
        now.frame[f].status != FrameStatus::Free || before.frame[f].status != FrameStatus::Free
    });
    html! {
        <table class="frames-table">
            <thead>
                <tr>
                    <th scope="col">{ "frame" }</th>
                    <th scope="col">{ "status" }</th>
                    <th scope="col">{ "data" }</th>
                    <th scope="col"><code>{ "PG_dirty" }</code></th>
                    <th scope="col" title="PTEs mapping it (page_mapcount)">{ "maps" }</th>
                    <th scope="col">{ "holds" }</th>
                </tr>
            </thead>
            <tbody>
                { for shown.map(|f| {
                    let (n, b) = (now.frame[f], before.frame[f]);
                    let flags = |x: tlbrace_core::Frame| {
                        let mut words = vec![format!("page {}", x.page)];
                        if x.lazyfree { words.push("lazyfree".into()); }
                        if x.shared { words.push("shared".into()); }
                        words.join(", ")
                    };
                    html! {
                        <tr key={f}>
                            <th scope="row">{ format!("F{f}") }</th>
                            <td>{ text_field(format!("frame.{f}.status"), status_text(n.status).into(), status_text(b.status).into()) }</td>
                            <td>{ text_field(format!("frame.{f}.data"), format!("v{}", n.data), format!("v{}", b.data)) }</td>
                            <td>{ bit(format!("frame.{f}.pg_dirty"), "PG_dirty", n.pg_dirty, b.pg_dirty) }</td>
                            <td>{ text_field(format!("frame.{f}.mapcount"), n.mapcount.to_string(), b.mapcount.to_string()) }</td>
                            <td>{ text_field(format!("frame.{f}.flags"), flags(n), flags(b)) }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

/// Where page `p` lives, in words.
pub fn page_text(s: &State, p: usize) -> String {
    let page = s.page[p];
    let kind = match page.kind {
        PageKind::File => "file",
        PageKind::Anon => "anon",
    };
    let place = page
        .frame
        .map_or_else(|| "not in memory".to_string(), |f| format!("in F{f}"));
    let mut text = format!("{kind}, {place}");
    if page.kind == PageKind::File {
        text.push_str(&format!(", disk v{}", page.disk));
    }
    if page.madv_freed {
        text.push_str(", MADV_FREE returned");
    }
    text
}

/// The inspector.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let trace = match props.result.as_ref() {
        Ok(t) => t,
        Err(e) => {
            return html! {
                <section class="inspector" aria-label="State inspector">
                    <h2 class="panel-title">{ "State" }<span class="sub">{ format!(" under {}", props.variant) }</span></h2>
                    <p class="error inspector-error">{ format!("This scenario cannot run under {}: {e}", props.variant) }</p>
                </section>
            };
        }
    };
    let selected = props.selected.filter(|&i| i < trace.states.len());
    let (now, before): (&State, &State) = match selected {
        Some(i) => (&trace.states[i], trace.before(i)),
        None => (&trace.initial, &trace.initial),
    };
    let heading = match selected {
        Some(i) => {
            let st = &props.scenario.steps[i];
            let page = if props.scenario.pages.len() > 1 && st.action.def().per_page {
                format!(" (page {})", st.page)
            } else {
                String::new()
            };
            format!(
                "After step {} · CPU{} {}{page}",
                i + 1,
                st.cpu,
                st.action.label()
            )
        }
        None => "Initial state".to_string(),
    };
    let text = match selected {
        Some(i) => trace.events[i].text(),
        None => {
            "Select a step (click it, or focus the timeline and use ↑/↓) to see the state after it."
                .to_string()
        }
    };
    let waits = selected.and_then(|i| trace.waits.iter().find(|w| w.step == i));
    let locks_before = |s: &State| {
        (
            holder_text(s.locks.ptl),
            (0..usize::from(s.pages))
                .map(|p| holder_text(s.locks.page[p]))
                .collect::<Vec<_>>(),
            mmap_text(s),
        )
    };
    let (ptl, page_locks, mmap) = locks_before(now);
    let (ptl_b, page_locks_b, mmap_b) = locks_before(before);
    let busy = (0..now.cpu_count())
        .filter(|&c| now.kernel[c] != Kernel::default() || now.kernel[c] != before.kernel[c]);
    html! {
        <section class="inspector" aria-label="State inspector" data-step={selected.map(|i| i.to_string())}>
            <h2 class="panel-title">{ "State" }<span class="sub">{ format!(" under {}", props.variant) }</span></h2>
            <h3 class="inspector-step" aria-live="polite">{ heading }</h3>
            <p class="event-text">{ text }</p>
            if let Some(w) = waits {
                <p class="wait-text">{ format!("Not a kernel order: this step would wait, since {}.", w.blocked) }</p>
            }
            <table class="state-table">
                <tbody>
                    { for (0..now.vpage_count()).map(|v| vpage_rows(now, before, v)) }
                    <tr class="section"><th colspan="2">{ "Memory" }</th></tr>
                    { for (0..usize::from(now.pages)).map(|p| row(html! { format!("page {p}") },
                        text_field(format!("page.{p}"), page_text(now, p), page_text(before, p)))) }
                    { row(html! { <code>{ "tlb_flush_pending" }</code> },
                        field("tlb_flush_pending".into(), now.tlb_flush_pending.to_string(),
                            Some(now.tlb_flush_pending > 0), now.tlb_flush_pending != before.tlb_flush_pending)) }
                    { row(html! { <code>{ "tlb_flush_batched" }</code> },
                        bit("tlb_flush_batched".into(), "batched", now.tlb_flush_batched, before.tlb_flush_batched)) }
                    { row(html! { "locks" }, html! {
                        <span class="locks">
                            <span class="lock">{ "page table " }{ text_field("locks.ptl".into(), ptl, ptl_b) }</span>
                            { for page_locks.into_iter().enumerate().map(|(p, now)| html! {
                                <span class="lock">
                                    { format!("page {p} ") }
                                    { text_field(format!("locks.page.{p}"), now, page_locks_b.get(p).cloned().unwrap_or_default()) }
                                </span>
                            }) }
                            <span class="lock">{ "mmap_lock " }{ text_field("locks.mmap".into(), mmap, mmap_b) }</span>
                        </span>
                    }) }
                    { for busy.map(|c| row(html! { format!("CPU{c} kernel") },
                        text_field(format!("kernel.{c}"), kernel_text(&now.kernel[c]), kernel_text(&before.kernel[c])))) }
                </tbody>
            </table>
            { tlb_table(now, before) }
            { frames_table(now, before) }
            { (!matches!(trace.verdict, tlbrace_core::Verdict::Guaranteed { .. })).then(|| html! {
                <p class="verdict-summary">{ trace.verdict.summary(&props.scenario) }</p>
            }) }
        </section>
    }
}
