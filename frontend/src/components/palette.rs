//! The palette: every action, grouped by kernel path in collapsible groups (the ones the scenario
//! uses, and user space, open), each with its one-line summary as its tooltip. Drag one onto the
//! timeline, or focus it and press Enter to place it with the keyboard. Dropping a step here (or on
//! the trash zone) removes it.
//!
//! The keyboard moves through it ([`palette_key`]): ↑/↓ the next and previous action, whatever group
//! it is in (a closed group opens), Home/End the first and last, a letter the next action whose name
//! starts with it. A (anywhere outside a text field) comes back to it ([`focus_item`]).

use std::cell::Cell;

use tlbrace_core::{Action, KernelPath, Scenario};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, KeyboardEvent};
use yew::prelude::*;

use crate::dnd::{self, Kind, Src};

/// The kernel paths a scenario's steps take, a bit each by [`KernelPath::ALL`]'s order: the palette
/// opens their groups, and re-renders only when they change.
pub fn used_paths(scenario: &Scenario) -> u32 {
    scenario.steps.iter().fold(0, |used, s| {
        let i = KernelPath::ALL
            .iter()
            .position(|&p| p == s.action.path())
            .unwrap_or(0);
        used | 1 << i
    })
}

/// What the palette reports.
#[derive(Clone, PartialEq, Properties)]
pub struct PaletteProps {
    /// The kernel paths the scenario uses ([`used_paths`]): their groups start open.
    pub used: u32,
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
        let onclick = props.on_pick.reform(move |_: MouseEvent| {
            LAST.with(|l| l.set(Some(action)));
            action
        });
        let onkeydown = {
            let on_pick = props.on_pick.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.alt_key() || e.ctrl_key() || e.meta_key() {
                    return;
                }
                let key = e.key();
                if key == "Enter" || key == " " {
                    e.prevent_default();
                    LAST.with(|l| l.set(Some(action)));
                    on_pick.emit(action);
                } else if key.chars().count() == 1
                    || key.starts_with("Arrow")
                    || key == "Home"
                    || key == "End"
                {
                    // A letter with no action after it is still the palette's: nothing else jumps.
                    e.prevent_default();
                    e.stop_propagation();
                    if let Some(next) = palette_key(&key, action) {
                        focus_item(Some(next));
                    }
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
            <p class="hint">{ "Drag onto a lane, or focus (A) and press Enter; ↑/↓ or a letter move." }</p>
            { for KernelPath::ALL.into_iter().enumerate().map(|(i, path)| {
                let open = path == KernelPath::UserSpace
                    || props.used & (1 << i) != 0
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

/// Every action in the order the palette shows them: by kernel path, then in [`Action::ALL`]'s order.
pub fn display_order() -> Vec<Action> {
    KernelPath::ALL
        .into_iter()
        .flat_map(|path| Action::ALL.into_iter().filter(move |a| a.path() == path))
        .collect()
}

thread_local! {
    /// The action last picked, where the keyboard comes back to.
    static LAST: Cell<Option<Action>> = const { Cell::new(None) };
}

/// Where a key pressed on the palette's item `at` moves: ↑/↓ (and ←/→) the previous and next action in
/// [`display_order`], Home/End the first and last, a letter the next action whose name starts with
/// it (from the one after `at`, round to the start). `None`: nowhere (an edge, no such action).
pub fn palette_key(key: &str, at: Action) -> Option<Action> {
    let order = display_order();
    let i = order.iter().position(|&a| a == at)?;
    let n = order.len();
    match key {
        "ArrowDown" | "ArrowRight" => order.get(i + 1).copied(),
        "ArrowUp" | "ArrowLeft" => i.checked_sub(1).map(|j| order[j]),
        "Home" => order.first().copied(),
        "End" => order.last().copied(),
        letter => {
            let c = letter.chars().next()?.to_ascii_lowercase();
            (1..n)
                .map(|k| order[(i + k) % n])
                .find(|a| a.label().chars().next().map(|f| f.to_ascii_lowercase()) == Some(c))
        }
    }
}

/// Moves the focus to `action`'s palette item, opening its group if closed; `None`: to the one last
/// picked, else the first.
pub fn focus_item(action: Option<Action>) {
    let action = action
        .or_else(|| LAST.with(Cell::get))
        .unwrap_or(Action::ALL[0]);
    let selector = format!(".palette-item[data-action=\"{}\"]", action.id());
    let Ok(Some(item)) = gloo_utils::document().query_selector(&selector) else {
        return;
    };
    if let Ok(Some(group)) = item.closest("details") {
        let _ = group.set_attribute("open", "");
    }
    if let Ok(item) = item.dyn_into::<web_sys::HtmlElement>() {
        let _ = item.focus();
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
    fn the_keyboard_moves_through_every_group_and_jumps_by_letter() {
        let order = display_order();
        assert_eq!(order.len(), Action::ALL.len());
        let first = order[0];
        assert_eq!(palette_key("ArrowUp", first), None);
        assert_eq!(palette_key("ArrowDown", first), Some(order[1]));
        assert_eq!(palette_key("End", first), order.last().copied());
        assert_eq!(palette_key("Home", order[9]), Some(first));
        // Across a group: the last user-space action to the first of the next path.
        let last_user = order
            .iter()
            .rposition(|a| a.path() == KernelPath::UserSpace)
            .unwrap();
        assert_eq!(
            palette_key("ArrowDown", order[last_user]),
            Some(order[last_user + 1])
        );
        // Letters: the next action starting with it, round to the start; case does not matter.
        assert_eq!(
            palette_key("i", Action::CachePteInTlb),
            Some(Action::IncTlbFlushPending)
        );
        assert_eq!(
            palette_key("W", Action::CachePteInTlb),
            Some(Action::WriteToPage)
        );
        let t = palette_key("t", Action::PteMkclean).unwrap();
        assert_eq!(t.id(), "tlb_gather_mmu");
        assert_eq!(palette_key("t", t).unwrap().id(), "tlb_finish_mmu");
        assert_eq!(palette_key("9", first), None);
    }

    #[test]
    fn path_ids_are_the_serde_names() {
        for path in KernelPath::ALL {
            let json = serde_json::to_string(&path).unwrap();
            assert_eq!(json, format!("\"{}\"", path_id(path)));
        }
    }
}
