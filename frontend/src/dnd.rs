//! What is being dragged (or carried by the keyboard), and how it travels in an HTML5 drag.
//!
//! The payload rides in the drag's `DataTransfer` under [`MIME`] (`action:<id>` or `step:<index>`),
//! with the action id also as `text/plain`. During `dragover` browsers hide the data but show its
//! types, so the kind of payload is also announced as a type of its own ([`MIME_ACTION`],
//! [`MIME_STEP`]): drop targets decide from that whether to accept.

use std::cell::Cell;

use tlbrace_core::Action;
use web_sys::DragEvent;

use crate::doc::Edit;

/// The data type holding the payload.
pub const MIME: &str = "application/x-tlbrace";
/// Present when a palette action is dragged.
pub const MIME_ACTION: &str = "application/x-tlbrace-action";
/// Present when a timeline step is dragged.
pub const MIME_STEP: &str = "application/x-tlbrace-step";

/// The thing a drag or a keyboard placement carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    /// A new step, from the palette.
    Action(Action),
    /// An existing step, by index.
    Step(usize),
}

impl Src {
    /// The payload written into the drag.
    pub fn payload(self) -> String {
        match self {
            Src::Action(a) => format!("action:{}", a.id()),
            Src::Step(i) => format!("step:{i}"),
        }
    }

    /// Reads a payload back; `None` for anything else (a drag from another page).
    pub fn parse(text: &str) -> Option<Src> {
        match text.split_once(':')? {
            ("action", id) => Action::ALL
                .into_iter()
                .find(|a| a.id() == id)
                .map(Src::Action),
            ("step", i) => i.parse().ok().map(Src::Step),
            _ => None,
        }
    }

    /// The edit that drops it on row `row` of CPU `cpu`.
    pub fn edit(self, cpu: usize, row: usize) -> Edit {
        match self {
            Src::Action(action) => Edit::InsertStep { cpu, row, action },
            Src::Step(from) => Edit::MoveStep { from, cpu, row },
        }
    }

    /// Where it lands when dropped on row `row` of a timeline of `len` steps: the index it gets.
    pub fn landing(self, row: usize, len: usize) -> usize {
        match self {
            Src::Action(_) => row.min(len),
            Src::Step(from) if row > from => (row - 1).min(len.saturating_sub(1)),
            Src::Step(_) => row,
        }
    }

    /// What a drop indicator says for it landing on row `row`: the step it becomes, from 1
    /// ("new step 5: Write to page", "step 3 → 5").
    pub fn indicator(self, row: usize, len: usize) -> String {
        let n = self.landing(row, len) + 1;
        match self {
            Src::Action(a) => format!("new step {n}: {}", a.label()),
            Src::Step(i) => format!("step {} → {n}", i + 1),
        }
    }

    /// Starts a drag of this payload from `e` (a `dragstart`).
    pub fn start_drag(self, e: &DragEvent) {
        DRAGGED.with(|d| d.set(Some(self)));
        if let Some(dt) = e.data_transfer() {
            let (kind, text, effect) = match self {
                Src::Action(a) => (MIME_ACTION, a.id().to_string(), "copy"),
                Src::Step(_) => (MIME_STEP, self.payload(), "move"),
            };
            let _ = dt.set_data(MIME, &self.payload());
            let _ = dt.set_data(kind, "");
            let _ = dt.set_data("text/plain", &text);
            dt.set_effect_allowed(effect);
        }
    }
}

thread_local! {
    /// What this page's drag in progress carries: `dragover` cannot read the data, and the drop
    /// indicator names it.
    static DRAGGED: Cell<Option<Src>> = const { Cell::new(None) };
}

/// What the drag in progress carries, when it started on this page.
pub fn dragged() -> Option<Src> {
    DRAGGED.with(Cell::get)
}

/// The drag ended (dropped or cancelled).
pub fn end_drag() {
    DRAGGED.with(|d| d.set(None));
}

/// Which kind of payload a drag carries, from its types (readable during `dragover`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A palette action.
    Action,
    /// A timeline step.
    Step,
}

/// The kind of tlbrace payload `e` carries, if any.
pub fn drag_kind(e: &DragEvent) -> Option<Kind> {
    let dt = e.data_transfer()?;
    let mut kind = None;
    for t in dt.types().iter() {
        match t.as_string().as_deref() {
            Some(MIME_ACTION) => kind = Some(Kind::Action),
            Some(MIME_STEP) => kind = Some(Kind::Step),
            _ => {}
        }
    }
    kind
}

/// Accepts the drag at a valid target: `dragover` must be cancelled for a drop to happen.
pub fn accept(e: &DragEvent, kind: Kind) {
    e.prevent_default();
    if let Some(dt) = e.data_transfer() {
        dt.set_drop_effect(match kind {
            Kind::Action => "copy",
            Kind::Step => "move",
        });
    }
}

/// The payload of a `drop` event.
pub fn dropped(e: &DragEvent) -> Option<Src> {
    let dt = e.data_transfer()?;
    dt.get_data(MIME).ok().as_deref().and_then(Src::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for a in Action::ALL {
            assert_eq!(Src::parse(&Src::Action(a).payload()), Some(Src::Action(a)));
        }
        assert_eq!(Src::parse("step:12"), Some(Src::Step(12)));
        assert_eq!(Src::parse("step:-1"), None);
        assert_eq!(Src::parse("action:madvise"), None);
        assert_eq!(Src::parse("https://example.com"), None);
    }

    #[test]
    fn the_indicator_names_the_step_a_drop_makes() {
        let a = Src::Action(Action::WriteToPage);
        assert_eq!(a.indicator(3, 13), "new step 4: Write to page");
        assert_eq!(a.indicator(13, 13), "new step 14: Write to page");
        // A step dropped below itself takes the row before: rows are counted before the move.
        assert_eq!(Src::Step(2).indicator(9, 13), "step 3 → 9");
        assert_eq!(Src::Step(9).indicator(2, 13), "step 10 → 3");
        assert_eq!(Src::Step(12).indicator(13, 13), "step 13 → 13");
    }
}
