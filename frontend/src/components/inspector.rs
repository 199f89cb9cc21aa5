//! The state inspector: the machine state after the selected step under the inspected variant, the
//! step's explanation, and which fields that step changed (class `changed`).

use std::rc::Rc;

use tlbrace_core::model::state::Deferred;
use tlbrace_core::{Scenario, ScenarioError, State, TlbEntry, Trace};
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

/// How a TLB entry reads: `—` for none, else its W and D bits.
pub fn tlb_text(e: Option<TlbEntry>) -> String {
    match e {
        None => "—".into(),
        Some(e) => format!(
            "{} {}",
            if e.writable { "W" } else { "r/o" },
            if e.dirty { "D" } else { "clean" }
        ),
    }
}

/// How a CPU's unfinished work reads.
pub fn deferred_text(d: Deferred) -> String {
    let mut parts = Vec::new();
    if d.recorded_pte {
        parts.push("PTE recorded, flush owed".to_string());
    }
    if let Some(g) = d.gather {
        parts.push(if g.raised_pending {
            "mmu_gather open (raised pending)".to_string()
        } else {
            "mmu_gather open".to_string()
        });
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join("; ")
    }
}

/// One field: its `data-field`, its text, whether it reads as set, whether the step changed it.
fn field(name: &str, text: String, on: Option<bool>, changed: bool) -> Html {
    let state_class = on.map(|on| if on { "on" } else { "off" });
    html! {
        <span class={classes!("field", state_class, changed.then_some("changed"))} data-field={name.to_string()}>
            { text }
        </span>
    }
}

fn bit(name: &str, label: &str, now: bool, before: bool) -> Html {
    field(
        name,
        if now {
            label.into()
        } else {
            format!("¬{label}")
        },
        Some(now),
        now != before,
    )
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
            format!("After step {} · CPU{} {}", i + 1, st.cpu, st.action.label())
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
    let (p, b) = (now.pte, before.pte);
    let stale = now.stale_cpus();
    let cpus = now.cpu_count();
    html! {
        <section class="inspector" aria-label="State inspector" data-step={selected.map(|i| i.to_string())}>
            <h2 class="panel-title">{ "State" }<span class="sub">{ format!(" under {}", props.variant) }</span></h2>
            <h3 class="inspector-step" aria-live="polite">{ heading }</h3>
            <p class="event-text">{ text }</p>
            <table class="state-table">
                <tbody>
                    <tr>
                        <th scope="row">{ "PTE" }</th>
                        <td class="bits">
                            { bit("pte.present", "present", p.present, b.present) }
                            { bit("pte.write", "W", p.write, b.write) }
                            { bit("pte.dirty", "D", p.dirty, b.dirty) }
                            { bit("pte.young", "A", p.young, b.young) }
                            { bit("pte.soft_dirty", "soft-dirty", p.soft_dirty, b.soft_dirty) }
                        </td>
                    </tr>
                    { for (0..cpus).map(|c| html! {
                        <tr key={format!("tlb{c}")}>
                            <th scope="row">{ format!("CPU{c} TLB") }</th>
                            <td>
                                { field(&format!("tlb.{c}"), tlb_text(now.tlb[c]), Some(now.tlb[c].is_some()),
                                    now.tlb[c] != before.tlb[c]) }
                                { stale.contains(c).then(|| html! {
                                    <span class="stale-mark" title="writable and dirty while the PTE is not: stores skip dirty tracking">{ "stale" }</span>
                                }) }
                                { (now.deferred[c] != Deferred::default() || now.deferred[c] != before.deferred[c]).then(|| html! {
                                    <div class="deferred">
                                        { field(&format!("deferred.{c}"), deferred_text(now.deferred[c]), None,
                                            now.deferred[c] != before.deferred[c]) }
                                    </div>
                                }) }
                            </td>
                        </tr>
                    }) }
                    <tr>
                        <th scope="row"><code>{ "tlb_flush_pending" }</code></th>
                        <td>{ field("tlb_flush_pending", now.tlb_flush_pending.to_string(),
                            Some(now.tlb_flush_pending > 0), now.tlb_flush_pending != before.tlb_flush_pending) }</td>
                    </tr>
                    <tr>
                        <th scope="row"><code>{ "PG_dirty" }</code></th>
                        <td>{ bit("page.pg_dirty", "PG_dirty", now.page.pg_dirty, before.page.pg_dirty) }</td>
                    </tr>
                    <tr>
                        <th scope="row">{ "page cache" }</th>
                        <td>{ field("page.in_page_cache", if now.page.in_page_cache { "cached".into() } else { "dropped".into() },
                            Some(now.page.in_page_cache), now.page.in_page_cache != before.page.in_page_cache) }</td>
                    </tr>
                    <tr>
                        <th scope="row">{ "data" }</th>
                        <td class="versions">
                            { "memory " }{ field("page.mem", format!("v{}", now.page.mem), None, now.page.mem != before.page.mem) }
                            { " disk " }{ field("disk", format!("v{}", now.disk), None, now.disk != before.disk) }
                        </td>
                    </tr>
                </tbody>
            </table>
            { (!matches!(trace.verdict, tlbrace_core::Verdict::Guaranteed)).then(|| html! {
                <p class="verdict-summary">{ trace.verdict.summary(&props.scenario) }</p>
            }) }
        </section>
    }
}
