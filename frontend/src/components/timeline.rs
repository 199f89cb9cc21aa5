//! The timeline: one column ("lane") per CPU, time flowing down, one step per row like the
//! mailing-list diagrams. Every (CPU, row) cell is a drop target, plus one empty row at the end.
//!
//! The timeline only renders and reports: edits go to the App as [`Edit`]s, key presses as
//! `onkeydown`, so that every gesture has one code path whether it came from the mouse or the keyboard.

use std::rc::Rc;

use tlbrace_core::{Scenario, Step};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use crate::dnd::{self, Src};
use crate::doc::Edit;

/// A step drawn in an order no kernel runs: its index, what kind of problem (`irregular`: no kernel
/// path runs it where it stands; `wait`: it would wait for a lock), and the words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The step.
    pub step: usize,
    /// `irregular` or `wait`.
    pub kind: &'static str,
    /// What is wrong, in words.
    pub text: String,
}

/// What the timeline shows and whom it tells.
#[derive(Clone, PartialEq, Properties)]
pub struct TimelineProps {
    /// The scenario.
    pub scenario: Rc<Scenario>,
    /// The selected step.
    #[prop_or_default]
    pub selected: Option<usize>,
    /// Steps that decided the inspected variant's verdict.
    #[prop_or_default]
    pub decisive: Rc<Vec<usize>>,
    /// The step the inspected variant cannot run, if any.
    #[prop_or_default]
    pub error_step: Option<usize>,
    /// Steps that kept the data under a kernel whose verdict is guaranteed, with that kernel's
    /// name: "why it was safe".
    #[prop_or_default]
    pub saved: Rc<Vec<(usize, &'static str)>>,
    /// Steps drawn in an order no kernel runs.
    #[prop_or_default]
    pub warnings: Rc<Vec<Warning>>,
    /// Where the inspected variant's hazard begins (`.step.hazard` and its `.hazard-mark`).
    #[prop_or_default]
    pub hazard: Option<crate::review::Hazard>,
    /// Where a drop (or a keyboard placement) would land: (cpu, row).
    #[prop_or_default]
    pub target: Option<(usize, usize)>,
    /// What the keyboard is placing, if anything.
    #[prop_or_default]
    pub placing: Option<Src>,
    /// The step whose note is being edited.
    #[prop_or_default]
    pub editing: Option<usize>,
    /// Scenario edits (drops, notes, lanes).
    pub on_edit: Callback<Edit>,
    /// The drop target moved (or left).
    pub on_target: Callback<Option<(usize, usize)>>,
    /// A cell was clicked: (cpu, row).
    pub on_cell: Callback<(usize, usize)>,
    /// A step was clicked.
    pub on_select: Callback<usize>,
    /// Start (Some) or stop (None) editing a note.
    pub on_editing: Callback<Option<usize>>,
    /// Keys pressed while the timeline has focus.
    pub onkeydown: Callback<KeyboardEvent>,
    /// The focusable timeline element, so the App can focus it.
    #[prop_or_default]
    pub node_ref: NodeRef,
}

/// The heading of CPU `cpu`'s lane, as the kernel and the CLI write it.
pub fn lane_name(cpu: usize) -> String {
    format!("CPU{cpu}")
}

/// The DOM id of step `i`, so the App can scroll the selected step into view.
pub fn step_dom_id(i: usize) -> String {
    format!("step-{i}")
}

/// The row a drop at `e` on the cell of row `row` aims at: on a step's upper half, before it (its
/// row); on its lower half, after it (the next row); on an empty cell, that row.
fn drop_row(e: &DragEvent, row: usize, has_step: bool) -> usize {
    let cell = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest(".cell").ok().flatten());
    match cell {
        Some(cell) if has_step => {
            let r = cell.get_bounding_client_rect();
            row + usize::from(f64::from(e.client_y()) > r.top() + r.height() / 2.0)
        }
        _ => row,
    }
}

/// One step as its lane shows it: the step, its row (its global index) and what marks it.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneStep {
    /// Its global index.
    pub row: usize,
    /// The step.
    pub step: Step,
    /// It is the selected step.
    pub selected: bool,
    /// It decided the inspected verdict.
    pub decisive: bool,
    /// The inspected variant cannot run it.
    pub error: bool,
    /// The kernels under which it kept the data.
    pub saved: Vec<&'static str>,
    /// What is wrong with its order.
    pub warnings: Vec<Warning>,
    /// The hazard mark's words, when the inspected variant's hazard begins here.
    pub hazard: Option<String>,
}

/// What a lane shows, by value: an edit re-renders the lanes whose steps, marks or drop target
/// changed, and no other.
#[derive(Clone, PartialEq, Properties)]
pub struct LaneProps {
    /// The lane's CPU.
    pub cpu: usize,
    /// How many lanes (the last cannot be removed).
    pub cpus: usize,
    /// Rows in the timeline: its steps and the empty row at the end.
    pub rows: usize,
    /// The lane's caption.
    pub label: Option<String>,
    /// How many pages the scenario maps (with two, per-page steps show theirs).
    pub pages: usize,
    /// The lane's steps.
    pub steps: Vec<LaneStep>,
    /// The row a drop would land on in this lane, and what the indicator says there.
    pub target: Option<(usize, String)>,
    /// The step of this lane whose note is being edited.
    pub editing_note: Option<usize>,
    /// Its caption is being edited.
    pub editing_label: bool,
    /// Scenario edits.
    pub on_edit: Callback<Edit>,
    /// The drop target moved.
    pub on_target: Callback<Option<(usize, usize)>>,
    /// A cell was clicked.
    pub on_cell: Callback<(usize, usize)>,
    /// A step was clicked.
    pub on_select: Callback<usize>,
    /// Start or stop editing a note.
    pub on_editing: Callback<Option<usize>>,
    /// Start (`Some(cpu)`) or stop editing a caption.
    pub on_label: Callback<Option<usize>>,
}

/// The timeline.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let s = &props.scenario;
    let rows = s.steps.len() + 1;
    let cpus = s.cpus;
    let len = s.steps.len();

    let ondragleave = {
        let on_target = props.on_target.clone();
        let node = props.node_ref.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving for a child fires dragleave too; only clear when the pointer left the timeline.
            let inside = e
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
                .zip(node.get())
                .is_some_and(|(t, root)| root.contains(Some(&t)));
            if !inside {
                on_target.emit(None);
            }
        })
    };
    let ondragend = props.on_target.reform(|_: DragEvent| {
        dnd::end_drag();
        None
    });
    let editing_label = use_state_eq(|| None::<usize>);
    let on_label = {
        let setter = editing_label.setter();
        use_callback(setter, |cpu: Option<usize>, setter| setter.set(cpu))
    };

    let lane = |cpu: usize| -> Html {
        let steps: Vec<LaneStep> = s
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.cpu == cpu)
            .map(|(i, st)| LaneStep {
                row: i,
                step: st.clone(),
                selected: props.selected == Some(i),
                decisive: props.decisive.contains(&i),
                error: props.error_step == Some(i),
                saved: props
                    .saved
                    .iter()
                    .filter(|(k, _)| *k == i)
                    .map(|&(_, v)| v)
                    .collect(),
                warnings: props
                    .warnings
                    .iter()
                    .filter(|w| w.step == i)
                    .cloned()
                    .collect(),
                hazard: props
                    .hazard
                    .as_ref()
                    .filter(|h| h.step == i)
                    .map(|h| h.text.clone()),
            })
            .collect();
        let target = props.target.filter(|&(c, _)| c == cpu).map(|(_, row)| {
            let what = props
                .placing
                .or_else(dnd::dragged)
                .map(|src| src.indicator(row, len))
                .unwrap_or_default();
            (row, what)
        });
        let editing_note = props
            .editing
            .filter(|&i| s.steps.get(i).is_some_and(|st| st.cpu == cpu));
        html! {
            <Lane key={cpu} {cpu} {cpus} {rows} label={s.label(cpu).map(str::to_string)}
                pages={s.pages.len()} {steps} {target} {editing_note}
                editing_label={*editing_label == Some(cpu)}
                on_edit={props.on_edit.clone()} on_target={props.on_target.clone()}
                on_cell={props.on_cell.clone()} on_select={props.on_select.clone()}
                on_editing={props.on_editing.clone()} on_label={on_label.clone()} />
        }
    };

    let add = props.on_edit.reform(|_: MouseEvent| Edit::AddCpu);
    html! {
        <section class={classes!("timeline", props.placing.is_some().then_some("placing"))}
            data-testid="timeline" aria-label="Timeline: arrow keys select steps, Alt+arrows move them, Delete removes"
            tabindex="0" ref={props.node_ref.clone()}
            style={format!("--cpus: {cpus}; --rows: {rows}")}
            onkeydown={props.onkeydown.clone()} {ondragleave} {ondragend}>
            <RowNumbers {rows} />
            { for (0..cpus).map(lane) }
            <div class="lane-add-col">
                <button class="lane-add" title="Add a CPU lane (up to 8)" aria-label="Add a CPU"
                    disabled={cpus >= tlbrace_core::MAX_CPUS} onclick={add}>{ "+" }</button>
            </div>
        </section>
    }
}

/// What [`RowNumbers`] shows.
#[derive(Clone, PartialEq, Properties)]
struct RowNumbersProps {
    rows: usize,
}

/// The row numbers down the timeline's left: rebuilt only when the number of rows changes.
#[component]
fn RowNumbers(props: &RowNumbersProps) -> Html {
    let rows = props.rows;
    html! {
        <div class="rownums" aria-hidden="true">
            <div class="rownum-head">{ "#" }</div>
            { for (0..rows).map(|row| html! {
                <div class="rownum" key={row} style={format!("grid-row: {}", row + 2)}>
                    { if row + 1 < rows { (row + 1).to_string() } else { String::new() } }
                </div>
            }) }
        </div>
    }
}

/// One CPU's lane: its head (name, caption, remove), and a cell per row, its steps in theirs.
#[component]
pub fn Lane(props: &LaneProps) -> Html {
    let cpu = props.cpu;
    let rows = props.rows;
    let len = rows - 1;
    let caption = props.label.clone().unwrap_or_default();
    let label = if props.editing_label {
        let done = props.on_label.reform(|()| None);
        html! {
            <InlineInput class="lane-label-input" label={format!("Caption of {}", lane_name(cpu))}
                placeholder="caption, e.g. page writeback" value={caption}
                on_commit={props.on_edit.reform(move |label| Edit::SetLabel { cpu, label: Some(label) })}
                on_done={done} />
        }
    } else {
        html! {
            <button type="button" class={classes!("lane-label", caption.is_empty().then_some("empty"))}
                title="Edit this lane's caption" aria-label={format!("Caption of {}: {caption}", lane_name(cpu))}
                onclick={props.on_label.reform(move |_: MouseEvent| Some(cpu))}>{ caption.clone() }</button>
        }
    };
    let remove = props
        .on_edit
        .reform(move |_: MouseEvent| Edit::RemoveCpu(cpu));
    // A drop on the lane but on none of its cells (its head, a gap) appends at the end of time.
    let ondragover = {
        let on_target = props.on_target.clone();
        Callback::from(move |e: DragEvent| {
            if let Some(kind) = dnd::drag_kind(&e) {
                dnd::accept(&e, kind);
                on_target.emit(Some((cpu, len)));
            }
        })
    };
    let ondrop = {
        let (on_edit, on_target) = (props.on_edit.clone(), props.on_target.clone());
        Callback::from(move |e: DragEvent| {
            on_target.emit(None);
            if let Some(src) = dnd::dropped(&e) {
                e.prevent_default();
                dnd::end_drag();
                on_edit.emit(src.edit(cpu, len));
            }
        })
    };

    let cell = |row: usize| -> Html {
        let step = props.steps.iter().find(|st| st.row == row);
        let has_step = step.is_some();
        let target = props.target.as_ref().filter(|(r, _)| *r == row);
        let ondragover = {
            let on_target = props.on_target.clone();
            Callback::from(move |e: DragEvent| {
                if let Some(kind) = dnd::drag_kind(&e) {
                    dnd::accept(&e, kind);
                    e.stop_propagation();
                    on_target.emit(Some((cpu, drop_row(&e, row, has_step))));
                }
            })
        };
        let ondrop = {
            let on_edit = props.on_edit.clone();
            let on_target = props.on_target.clone();
            Callback::from(move |e: DragEvent| {
                on_target.emit(None);
                e.stop_propagation();
                if let Some(src) = dnd::dropped(&e) {
                    e.prevent_default();
                    dnd::end_drag();
                    on_edit.emit(src.edit(cpu, drop_row(&e, row, has_step)));
                }
            })
        };
        let onclick = props.on_cell.reform(move |_: MouseEvent| (cpu, row));
        let indicator = target.map(|(_, what)| {
            html! { <div class="drop-indicator" aria-hidden="true">{ what.clone() }</div> }
        });
        html! {
            <div key={row}
                class={classes!("cell", (row + 1 == rows).then_some("cell-end"),
                    target.is_some().then_some("drop-target"))}
                data-cpu={cpu.to_string()} data-row={row.to_string()}
                style={format!("grid-row: {}", row + 2)}
                {ondragover} {ondrop} {onclick}>
                { indicator }
                { step.map(|st| step_view(props, st)) }
            </div>
        }
    };

    html! {
        <div class="lane" data-testid="lane" data-cpu={cpu.to_string()} {ondragover} {ondrop}>
            <div class="lane-top">
                <h2 class="lane-head">{ lane_name(cpu) }</h2>
                { label }
                <button class="lane-remove" title={format!("Remove {} and its steps", lane_name(cpu))}
                    aria-label={format!("Remove {}", lane_name(cpu))}
                    disabled={props.cpus <= 1} onclick={remove}>{ "×" }</button>
            </div>
            { for (0..rows).map(cell) }
        </div>
    }
}

/// One step, inside its cell.
fn step_view(props: &LaneProps, ls: &LaneStep) -> Html {
    let (i, st, selected) = (ls.row, &ls.step, ls.selected);
    let ondragstart = Callback::from(move |e: DragEvent| Src::Step(i).start_drag(&e));
    let onclick = {
        let on_select = props.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_select.emit(i);
        })
    };
    let ondblclick = {
        let on_editing = props.on_editing.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_editing.emit(Some(i));
        })
    };
    let note = if props.editing_note == Some(i) {
        html! { <InlineInput class="step-note-input" label="Note" placeholder="note, e.g. using stale PTE"
        value={st.note.clone().unwrap_or_default()}
        on_commit={props.on_edit.reform(move |note| Edit::SetNote { step: i, note: Some(note) })}
        on_done={props.on_editing.reform(|_| None)} /> }
    } else {
        // The first click selects the step, a click on the note of the selected step edits it.
        let start = {
            let (on_editing, on_select) = (props.on_editing.clone(), props.on_select.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                if selected {
                    on_editing.emit(Some(i));
                } else {
                    on_select.emit(i);
                }
            })
        };
        match &st.note {
            Some(n) => html! {
                <button class="step-note" title="The note: click the selected step's note (or press Enter) to edit it" onclick={start}>{ format!("[{n}]") }</button>
            },
            None if selected => html! {
                <button class="step-note empty" title="Add a note" onclick={start}>{ "+ note" }</button>
            },
            None => html! {},
        }
    };
    let remove = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_edit.emit(Edit::RemoveStep(i));
        })
    };
    // With two pages, a per-page step shows its page, and the selected one lets you choose it.
    let pages = props.pages;
    let paged = pages > 1 && st.action.def().per_page;
    let page = paged.then(|| {
        if selected {
            let onchange = props.on_edit.reform(move |e: Event| Edit::SetStepPage {
                step: i,
                page: e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(0),
            });
            html! {
                <select class="step-page" aria-label="The page this step acts on (P)"
                    title="The page this step acts on (P cycles)"
                    onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}
                    onkeydown={Callback::from(|e: KeyboardEvent| e.stop_propagation())} {onchange}>
                    { for (0..pages).map(|p| html! {
                        <option value={p.to_string()} selected={p == st.page}>{ format!("page {p}") }</option>
                    }) }
                </select>
            }
        } else {
            html! { <span class="step-page-badge" title={format!("acts on page {}", st.page)}>{ format!("p{}", st.page) }</span> }
        }
    });
    let warn = (!ls.warnings.is_empty()).then(|| {
        let text: Vec<&str> = ls.warnings.iter().map(|w| w.text.as_str()).collect();
        html! { <span class="step-warn" title={text.join("\n")} aria-label={text.join("; ")}>{ "⚠" }</span> }
    });
    let kinds = ls.warnings.iter().map(|w| w.kind);
    let hazard = ls.hazard.as_ref().map(|text| {
        html! { <span class="hazard-mark" title={text.clone()} aria-label={text.clone()}>{ "⚑" }</span> }
    });
    // Why it was safe: the step that kept the data under a kernel whose verdict is guaranteed.
    let saved_mark = (!ls.saved.is_empty()).then(|| html! {
        <span class="step-saved" title="The step that kept the data: the flush that removed a stale entry a later store \
            would have used, or the fault that recorded a store">{ format!("✓ kept the data under {}", ls.saved.join(", ")) }</span>
    });
    html! {
        <div id={step_dom_id(i)}
            class={classes!("step", selected.then_some("selected"), ls.decisive.then_some("decisive"),
                (!ls.saved.is_empty()).then_some("saved"),
                ls.error.then_some("error-step"), hazard.is_some().then_some("hazard"), kinds.collect::<Vec<_>>())}
            data-step={i.to_string()} data-cpu={st.cpu.to_string()} data-page={st.page.to_string()}
            data-action={st.action.id()}
            draggable="true" title={st.action.summary()}
            aria-label={format!("step {}, CPU{}: {}{}{}", i + 1, st.cpu, st.action.label(),
                if paged { format!(", page {}", st.page) } else { String::new() },
                if selected { ", selected" } else { "" })}
            {ondragstart} {onclick} {ondblclick}>
            <code class="step-action">{ st.action.label() }</code>
            { hazard }
            { warn }
            { saved_mark }
            { page }
            { note }
            { selected.then(|| html! {
                <button class="step-remove" title="Remove this step (Delete)" aria-label="Remove step"
                    onclick={remove}>{ "×" }</button>
            }) }
        </div>
    }
}

/// The props of [`InlineInput`].
#[derive(Clone, PartialEq, Properties)]
pub struct InlineInputProps {
    /// The text it starts with.
    pub value: String,
    /// The field's class.
    pub class: &'static str,
    /// Its accessible name.
    pub label: String,
    /// What it says while empty.
    #[prop_or_default]
    pub placeholder: &'static str,
    /// The text, when it was changed and the edit ended with Enter or by leaving the field.
    pub on_commit: Callback<String>,
    /// The edit ended (after `on_commit`, or cancelled with Escape).
    pub on_done: Callback<()>,
}

/// A text edited in place (a step's note, a lane's caption, the title): focused and selected when
/// it appears; Enter or leaving the field saves, Escape cancels.
#[component]
pub fn InlineInput(props: &InlineInputProps) -> Html {
    let input = use_node_ref();
    // Enter and Escape end the edit; the blur that follows must not save again (or save after Escape).
    let done = use_mut_ref(|| false);
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let _ = el.focus();
                el.select();
            }
        });
    }
    let commit = {
        let (on_commit, on_done) = (props.on_commit.clone(), props.on_done.clone());
        let original = props.value.clone();
        move |value: String| {
            if value.trim() != original.trim() {
                on_commit.emit(value);
            }
            on_done.emit(());
        }
    };
    let onkeydown = {
        let commit = commit.clone();
        let on_done = props.on_done.clone();
        let done = done.clone();
        Callback::from(move |e: KeyboardEvent| {
            e.stop_propagation();
            match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    *done.borrow_mut() = true;
                    commit(e.target_unchecked_into::<HtmlInputElement>().value());
                }
                "Escape" => {
                    e.prevent_default();
                    *done.borrow_mut() = true;
                    on_done.emit(());
                }
                _ => {}
            }
        })
    };
    let onblur = Callback::from(move |e: FocusEvent| {
        if !*done.borrow() {
            commit(e.target_unchecked_into::<HtmlInputElement>().value())
        }
    });
    html! {
        <input ref={input} class={props.class} type="text" value={props.value.clone()}
            maxlength="500" aria-label={props.label.clone()} placeholder={props.placeholder}
            onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}
            {onkeydown} {onblur} />
    }
}

#[cfg(test)]
mod tests {
    use super::lane_name;

    #[test]
    fn lanes_are_named_like_the_kernel_names_cpus() {
        assert_eq!(lane_name(0), "CPU0");
        assert_eq!(lane_name(7), "CPU7");
    }
}
