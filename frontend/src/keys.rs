//! The editor's keyboard: what a key does, as functions from the key and the state to [`Command`]s,
//! so that every binding is tested natively. The editor only turns a `KeyboardEvent` into a [`Key`],
//! dispatches the commands, and cancels the browser's own action for a key it handled.
//!
//! On the focused timeline ([`timeline`]): ↑/↓ select steps, Home/End the first and last, Alt+arrows
//! move the selected step a row or a lane, Delete/Backspace remove it, Enter edits its note, P moves it
//! to the next page (with two pages, for an action on one page), Escape clears the selection. While placing (an action picked in the palette, or a step), the arrows,
//! Home and End aim, a digit chooses the lane (2: CPU2), Enter or Space places, Escape cancels. Anywhere but in a text field
//! ([`undo_redo`]): Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo (Cmd on a Mac).

use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::doc::{Doc, Edit};
use crate::view::{place, Command, View, ViewEdit};

/// A key press: the key's name (`KeyboardEvent.key`: `ArrowUp`, `Enter`, `z`) and its modifiers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Key {
    /// `KeyboardEvent.key`.
    pub key: String,
    /// Alt (Option on a Mac).
    pub alt: bool,
    /// Ctrl.
    pub ctrl: bool,
    /// Cmd on a Mac, the Windows key elsewhere.
    pub meta: bool,
    /// Shift.
    pub shift: bool,
}

impl Key {
    /// A key without modifiers.
    pub fn plain(key: &str) -> Key {
        Key {
            key: key.to_string(),
            ..Key::default()
        }
    }

    /// The key and modifiers of a browser event.
    pub fn of(e: &KeyboardEvent) -> Key {
        Key {
            key: e.key(),
            alt: e.alt_key(),
            ctrl: e.ctrl_key(),
            meta: e.meta_key(),
            shift: e.shift_key(),
        }
    }
}

/// What `key` does on the focused timeline: `None` when it is not the timeline's (the browser keeps
/// it), else the commands, possibly none (a step already at the edge does not move, but Alt+←
/// must not go back a page either).
pub fn timeline(key: &Key, doc: &Doc, view: &View) -> Option<Vec<Command>> {
    let s = &doc.scenario;
    let len = s.steps.len();
    if let Some(src) = view.placing {
        let (cpu, row) = view.target.unwrap_or((0, len));
        let aim = |at| Some(vec![Command::View(ViewEdit::Target(Some(at)))]);
        return match key.key.as_str() {
            "ArrowLeft" => aim((cpu.saturating_sub(1), row)),
            "ArrowRight" => aim(((cpu + 1).min(s.cpus - 1), row)),
            "ArrowUp" => aim((cpu, row.saturating_sub(1))),
            "ArrowDown" => aim((cpu, (row + 1).min(len))),
            "Home" => aim((cpu, 0)),
            "End" => aim((cpu, len)),
            // A digit chooses the lane at once: 2 is CPU2.
            d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() => {
                let lane = usize::from(d.as_bytes()[0] - b'0');
                (lane < s.cpus).then(|| vec![Command::View(ViewEdit::Target(Some((lane, row))))])
            }
            "Enter" | " " => Some(place(src, cpu, row)),
            "Escape" => Some(vec![Command::View(ViewEdit::StopPlacing)]),
            _ => None,
        };
    }
    let edit = |e: Edit| Some(vec![Command::Doc(e)]);
    let selected = doc.selected;
    if let Some(i) = selected.filter(|_| key.alt) {
        let cpu = s.steps[i].cpu;
        // Where the step goes: a row up or down (a row is "before the step now there"), a lane over;
        // `Some(None)` at an edge.
        let to = match key.key.as_str() {
            "ArrowUp" => Some((i > 0).then(|| (cpu, i - 1))),
            "ArrowDown" => Some((i + 1 < len).then_some((cpu, i + 2))),
            "ArrowLeft" => Some((cpu > 0).then(|| (cpu - 1, i))),
            "ArrowRight" => Some((cpu + 1 < s.cpus).then_some((cpu + 1, i))),
            _ => None,
        };
        if let Some(to) = to {
            let moved = to.map(|(cpu, row)| Command::Doc(Edit::MoveStep { from: i, cpu, row }));
            return Some(moved.into_iter().collect());
        }
    }
    match (key.key.as_str(), selected) {
        ("ArrowUp", _) if len > 0 => edit(Edit::Select(Some(
            selected.map_or(len - 1, |i| i.saturating_sub(1)),
        ))),
        ("ArrowDown", _) if len > 0 => edit(Edit::Select(Some(
            selected.map_or(0, |i| (i + 1).min(len - 1)),
        ))),
        ("Home", _) if len > 0 => edit(Edit::Select(Some(0))),
        ("End", _) if len > 0 => edit(Edit::Select(Some(len - 1))),
        ("Delete" | "Backspace", Some(i)) => edit(Edit::RemoveStep(i)),
        ("Enter", Some(i)) => Some(vec![Command::View(ViewEdit::EditNote(Some(i)))]),
        ("p" | "P", Some(i))
            if !(key.ctrl || key.meta) && s.pages.len() > 1 && s.steps[i].action.def().per_page =>
        {
            edit(Edit::SetStepPage {
                step: i,
                page: (s.steps[i].page + 1) % s.pages.len(),
            })
        }
        ("Escape", Some(_)) => edit(Edit::Select(None)),
        _ => None,
    }
}

/// Undo and redo anywhere on the page: Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y (or Cmd). `in_text_field`: the
/// key went to a field that edits text or a choice, where Ctrl+Z is the field's own.
pub fn undo_redo(key: &Key, in_text_field: bool) -> Option<Edit> {
    if !(key.ctrl || key.meta) || key.alt || in_text_field {
        return None;
    }
    match key.key.to_ascii_lowercase().as_str() {
        "z" if key.shift => Some(Edit::Redo),
        "z" => Some(Edit::Undo),
        "y" => Some(Edit::Redo),
        _ => None,
    }
}

/// Whether a key event comes from a field that edits text or a choice (a checkbox does not count).
pub fn from_text_field(e: &web_sys::Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| match el.tag_name().as_str() {
            "TEXTAREA" | "SELECT" => true,
            "INPUT" => el.get_attribute("type").as_deref() != Some("checkbox"),
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnd::Src;
    use tlbrace_core::examples::example;
    use tlbrace_core::Action;

    fn alt(key: &str) -> Key {
        Key {
            alt: true,
            ..Key::plain(key)
        }
    }

    fn doc(selected: Option<usize>) -> Doc {
        let mut doc = Doc::new(example("example-1").unwrap());
        doc.apply(Edit::Select(selected));
        doc
    }

    fn keys(key: Key, doc: &Doc) -> Option<Vec<Command>> {
        timeline(&key, doc, &View::default())
    }

    #[test]
    fn arrows_select_and_alt_arrows_move() {
        let len = doc(None).scenario.steps.len();
        let select = |i| Some(vec![Command::Doc(Edit::Select(Some(i)))]);
        assert_eq!(keys(Key::plain("ArrowDown"), &doc(None)), select(0));
        assert_eq!(keys(Key::plain("ArrowUp"), &doc(None)), select(len - 1));
        assert_eq!(
            keys(Key::plain("ArrowDown"), &doc(Some(len - 1))),
            select(len - 1)
        );
        assert_eq!(keys(Key::plain("Home"), &doc(Some(5))), select(0));
        assert_eq!(keys(Key::plain("End"), &doc(Some(5))), select(len - 1));
        assert_eq!(keys(Key::plain("ArrowUp"), &Doc::default()), None);

        let d = doc(Some(3));
        let cpu = d.scenario.steps[3].cpu;
        let moved = |cpu, row| Some(vec![Command::Doc(Edit::MoveStep { from: 3, cpu, row })]);
        assert_eq!(keys(alt("ArrowUp"), &d), moved(cpu, 2));
        assert_eq!(keys(alt("ArrowDown"), &d), moved(cpu, 5));
        // At an edge the key is still the timeline's: nothing moves, and Alt+← does not go back a page.
        let first = doc(Some(0));
        assert_eq!(keys(alt("ArrowUp"), &first), Some(vec![]));
        let cpu0 = (0..len).find(|&i| d.scenario.steps[i].cpu == 0).unwrap();
        assert_eq!(keys(alt("ArrowLeft"), &doc(Some(cpu0))), Some(vec![]));
        assert_eq!(keys(alt("x"), &d), None);
    }

    #[test]
    fn delete_enter_and_escape_act_on_the_selected_step() {
        let d = doc(Some(4));
        assert_eq!(
            keys(Key::plain("Delete"), &d),
            Some(vec![Command::Doc(Edit::RemoveStep(4))])
        );
        assert_eq!(
            keys(Key::plain("Enter"), &d),
            Some(vec![Command::View(ViewEdit::EditNote(Some(4)))])
        );
        assert_eq!(
            keys(Key::plain("Escape"), &d),
            Some(vec![Command::Doc(Edit::Select(None))])
        );
        assert_eq!(keys(Key::plain("Delete"), &doc(None)), None);
        assert_eq!(keys(Key::plain("a"), &d), None);
    }

    #[test]
    fn p_moves_a_per_page_step_to_the_next_page() {
        let mut d = doc(Some(0));
        assert_eq!(
            keys(Key::plain("p"), &d),
            None,
            "one page: P is not the timeline's"
        );
        d.apply(Edit::AddPage(tlbrace_core::PageSpec::default()));
        d.apply(Edit::Select(Some(0)));
        assert_eq!(
            keys(Key::plain("p"), &d),
            Some(vec![Command::Doc(Edit::SetStepPage { step: 0, page: 1 })])
        );
        let print = Key {
            ctrl: true,
            ..Key::plain("p")
        };
        assert_eq!(keys(print, &d), None);
        // clear_refs_write acts on the whole mm: no page to choose.
        let mm = d
            .scenario
            .steps
            .iter()
            .position(|s| !s.action.def().per_page)
            .unwrap();
        d.apply(Edit::Select(Some(mm)));
        assert_eq!(keys(Key::plain("p"), &d), None);
    }

    #[test]
    fn while_placing_the_arrows_aim_and_enter_places() {
        let d = doc(None);
        let len = d.scenario.steps.len();
        let mut view = View::default();
        view.apply(ViewEdit::pick(Action::WriteToPage, &d));
        let aim = |at| Some(vec![Command::View(ViewEdit::Target(Some(at)))]);
        assert_eq!(
            timeline(&Key::plain("ArrowRight"), &d, &view),
            aim((1, len))
        );
        assert_eq!(timeline(&Key::plain("ArrowDown"), &d, &view), aim((0, len)));
        assert_eq!(timeline(&Key::plain("Home"), &d, &view), aim((0, 0)));
        view.apply(ViewEdit::Target(Some((3, 0))));
        assert_eq!(timeline(&Key::plain("ArrowRight"), &d, &view), aim((3, 0)));
        assert_eq!(timeline(&Key::plain("ArrowUp"), &d, &view), aim((3, 0)));
        assert_eq!(
            timeline(&Key::plain("Enter"), &d, &view),
            Some(place(Src::Action(Action::WriteToPage), 3, 0))
        );
        assert_eq!(
            timeline(&Key::plain("Escape"), &d, &view),
            Some(vec![Command::View(ViewEdit::StopPlacing)])
        );
        assert_eq!(timeline(&Key::plain("Delete"), &d, &view), None);
        // A digit aims at that lane, on the same row; a lane the scenario lacks is not the timeline's.
        assert_eq!(timeline(&Key::plain("2"), &d, &view), aim((2, 0)));
        assert_eq!(timeline(&Key::plain("7"), &d, &view), None);
    }

    #[test]
    fn ctrl_z_undoes_and_ctrl_y_redoes_outside_text_fields() {
        let ctrl = |key: &str, shift| Key {
            ctrl: true,
            shift,
            ..Key::plain(key)
        };
        assert_eq!(undo_redo(&ctrl("z", false), false), Some(Edit::Undo));
        assert_eq!(undo_redo(&ctrl("Z", true), false), Some(Edit::Redo));
        assert_eq!(undo_redo(&ctrl("y", false), false), Some(Edit::Redo));
        let cmd = Key {
            meta: true,
            ..Key::plain("z")
        };
        assert_eq!(undo_redo(&cmd, false), Some(Edit::Undo));
        assert_eq!(undo_redo(&ctrl("z", false), true), None);
        assert_eq!(undo_redo(&Key::plain("z"), false), None);
        assert_eq!(undo_redo(&ctrl("x", false), false), None);
    }
}
