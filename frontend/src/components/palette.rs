//! The palette: every action, grouped by kernel path in collapsible groups (the ones the scenario
//! uses, and user space, open), each with its one-line summary as its tooltip. Drag one onto the
//! timeline, or focus it and press Enter to place it with the keyboard. Dropping a step here (or on
//! the trash zone) removes it.

use std::rc::Rc;

use tlbrace_core::{Action, KernelPath, Scenario};
use web_sys::{DragEvent, KeyboardEvent};
use yew::prelude::*;

use crate::dnd::{self, Kind, Src};

/// What the palette reports.
#[derive(Clone, PartialEq, Properties)]
pub struct PaletteProps {
    /// The scenario: the groups of the paths it uses start open.
    pub scenario: Rc<Scenario>,
    /// An action was picked by click or keyboard: the App enters placing mode.
    pub on_pick: Callback<Action>,
    /// A step was dropped on the palette or the trash: remove it.
    pub on_trash: Callback<usize>,
    /// A drag from the palette ended (dropped or cancelled).
    pub on_drag_end: Callback<()>,
    /// The action being placed with the keyboard, highlighted.
    #[prop_or_default]
    pub picked: Option<Action>,
}

/// The palette of actions.
#[component]
pub fn Palette(props: &PaletteProps) -> Html {
    let trash_hover = use_state_eq(|| false);
    let ondragover = {
        let trash_hover = trash_hover.clone();
        Callback::from(move |e: DragEvent| {
            if dnd::drag_kind(&e) == Some(Kind::Step) {
                dnd::accept(&e, Kind::Step);
                trash_hover.set(true);
            }
        })
    };
    let ondragleave = {
        let trash_hover = trash_hover.clone();
        Callback::from(move |_: DragEvent| trash_hover.set(false))
    };
    let trash_class = classes!("trash", trash_hover.then_some("drop-target"));
    let palette_class = classes!("palette", trash_hover.then_some("trash-hover"));
    let ondrop = {
        let on_trash = props.on_trash.clone();
        let trash_hover = trash_hover.clone();
        Callback::from(move |e: DragEvent| {
            trash_hover.set(false);
            if let Some(Src::Step(i)) = dnd::dropped(&e) {
                e.prevent_default();
                on_trash.emit(i);
            }
        })
    };

    let item = |action: Action| {
        let ondragstart = Callback::from(move |e: DragEvent| Src::Action(action).start_drag(&e));
        let ondragend = props.on_drag_end.reform(|_: DragEvent| ());
        let onclick = props.on_pick.reform(move |_: MouseEvent| action);
        let onkeydown = {
            let on_pick = props.on_pick.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    on_pick.emit(action);
                }
            })
        };
        let picked = props.picked == Some(action);
        html! {
            <li key={action.id()}>
                <div class={classes!("palette-item", picked.then_some("picked"))}
                    role="button" tabindex="0" draggable="true"
                    data-action={action.id()} title={action.summary()}
                    aria-pressed={picked.to_string()}
                    {ondragstart} {ondragend} {onclick} {onkeydown}>
                    <code>{ action.label() }</code>
                </div>
            </li>
        }
    };

    html! {
        <nav class={palette_class} aria-label="Actions"
            {ondragover} {ondragleave} {ondrop}>
            <h2 class="panel-title">{ "Actions" }</h2>
            <p class="hint">{ "Drag onto a lane, or focus and press Enter." }</p>
            { for KernelPath::ALL.into_iter().map(|path| {
                let open = path == KernelPath::UserSpace
                    || props.scenario.steps.iter().any(|s| s.action.path() == path)
                    || props.picked.is_some_and(|a| a.path() == path);
                let actions = Action::ALL.into_iter().filter(|a| a.path() == path);
                html! {
                    <details class="palette-group" data-path={path_id(path)} key={path_id(path)} {open}>
                        <summary>{ path.title() }<span class="count">{ format!(" {}", actions.clone().count()) }</span></summary>
                        <ul>{ for actions.map(item) }</ul>
                    </details>
                }
            }) }
            <div class={trash_class} aria-label="Remove a step: drop it here">
                { "Drop a step here to remove it" }
            </div>
        </nav>
    }
}

/// A stable identifier for a kernel path (its serde name), for `data-path`.
pub fn path_id(path: KernelPath) -> &'static str {
    match path {
        KernelPath::UserSpace => "user-space",
        KernelPath::MappingDirty => "mapping-dirty",
        KernelPath::ClearRefs => "clear-refs",
        KernelPath::MmuGather => "mmu-gather",
        KernelPath::Unmap => "unmap",
        KernelPath::Protection => "protection",
        KernelPath::Migration => "migration",
        KernelPath::Reclaim => "reclaim",
        KernelPath::Writeback => "writeback",
        KernelPath::Ksm => "ksm",
        KernelPath::Cow => "cow",
        KernelPath::Tlb => "tlb",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_are_the_serde_names() {
        for path in KernelPath::ALL {
            let json = serde_json::to_string(&path).unwrap();
            assert_eq!(json, format!("\"{}\"", path_id(path)));
        }
    }
}
