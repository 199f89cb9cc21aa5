//! The user's work in this browser ([`crate::storage`]) as the editor keeps it: the autosave, the
//! recent scenarios, and what the page says about them.
//!
//! - The autosave writes the working scenario on every change of it, except while it is a scenario
//!   opened from a link or `?example=` and not edited yet ([`Doc::unedited_open`]): opening a link
//!   never overwrites saved work.
//! - Whenever a scenario is replaced whole (a load, a link, an example, a recent one), the one it
//!   replaces goes first in the recent list, unless it was itself an unedited link (that one went in
//!   when it opened) or is empty; a link opened over saved work puts both in.
//! - Another tab may save meanwhile: the `storage` event says so on the page, with a button to open
//!   the other tab's scenario; before this tab next writes, the other tab's scenario goes into the
//!   recent list, so neither is lost.
//! - Nothing stored is written over before it is kept: the autosave counts as this tab's own only
//!   when it is what the editor opened on or last wrote. Anything else (another tab's scenario, the
//!   work a link opened over, a text this page cannot read) goes into the recent list or is moved
//!   aside first, and when that fails the save does not happen and the page says why.
//! - A write the browser refuses (the quota, storage disabled) is an alert, with what to do instead.

use std::rc::Rc;

use gloo_events::EventListener;
use tlbrace_core::formats::json::from_json;
use tlbrace_core::Scenario;
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::doc::{Doc, Edit};
use crate::storage::{self, Recent};

/// What [`use_saved_work`] gives the editor.
pub struct SavedWork {
    /// The recent scenarios, newest first.
    pub recents: Rc<Vec<Recent>>,
    /// The alerts and notices about saving, for the top of the page.
    pub notices: Html,
}

/// What the hook remembers between renders.
struct Seen {
    /// The scenario as last seen, whether it was an unedited open, and the document's load count.
    scenario: Rc<Scenario>,
    unedited_open: bool,
    loads: u64,
    /// The text this tab last wrote (or found) under the autosave key.
    written: Option<String>,
}

/// The autosave, the recent list and the notices about them (see the module doc). `first_visit`:
/// the page opened on its own example with nothing saved (that example is not kept as recent).
#[hook]
pub fn use_saved_work(doc: &Doc, first_visit: bool, edit: Callback<Edit>) -> SavedWork {
    let recents = use_state(|| {
        let (list, notice) = storage::recents();
        (Rc::new(list), notice)
    });
    let failure = use_state_eq(|| None::<String>);
    let other_tab = use_state(|| None::<String>);
    let seen = use_mut_ref(|| None::<Seen>);

    {
        let (recents, failure, seen) = (recents.clone(), failure.clone(), seen.clone());
        let doc = doc.clone();
        use_effect_with(doc.revision, move |_| {
            // What goes into the recent list, and what this tab writes as the working scenario.
            let mut keep: Vec<Scenario> = Vec::new();
            let mut save = false;
            // A stored scenario not this tab's own, which must be kept before the save, and why
            // the save must not happen.
            let mut foreign: Option<Scenario> = None;
            let mut blocked: Option<String> = None;
            let mut seen = seen.borrow_mut();
            match seen.as_mut() {
                None => {
                    // The page opened a link or an example over saved work: both are kept.
                    let over_saved = doc.unedited_open() && !first_visit;
                    if over_saved {
                        let saved = doc.undo.last().filter(|s| !s.steps.is_empty());
                        keep.extend(saved.map(|s| (**s).clone()));
                        keep.push((*doc.scenario).clone());
                    }
                    // The stored text counts as this tab's own only when it is the scenario the
                    // editor opened on; anything else is kept before it is written over.
                    let own = storage::get(storage::KEY).filter(|t| from_json(t).is_ok());
                    *seen = Some(Seen {
                        scenario: doc.scenario.clone(),
                        unedited_open: doc.unedited_open(),
                        loads: doc.loads,
                        written: if over_saved { None } else { own },
                    });
                }
                Some(last) => {
                    if doc.loads != last.loads {
                        if !last.unedited_open && !last.scenario.steps.is_empty() {
                            keep.push((*last.scenario).clone());
                        }
                        if doc.unedited_open() {
                            keep.push((*doc.scenario).clone());
                        }
                    }
                    if !doc.unedited_open() {
                        // What is stored and not this tab's own (another tab's save, the work a
                        // link opened over, a text this page cannot read) is kept before it is
                        // written over: in the recent list, or moved aside.
                        let stored = storage::get(storage::KEY);
                        if let Some(text) = stored.filter(|t| Some(t) != last.written.as_ref()) {
                            match from_json(&text) {
                                Ok(theirs) => foreign = Some(theirs),
                                Err(_) => {
                                    if storage::rescue(storage::KEY, &text).is_none() {
                                        blocked = Some(
                                            "a saved text this page cannot read and could not \
                                             keep aside"
                                                .to_string(),
                                        );
                                    }
                                }
                            }
                        }
                        save = true;
                    }
                    last.scenario = doc.scenario.clone();
                    last.unedited_open = doc.unedited_open();
                    last.loads = doc.loads;
                }
            }
            let now = js_sys::Date::now();
            let mut problems: Vec<String> = keep
                .iter()
                .filter_map(|s| {
                    storage::remember(s, now).err().map(|e| {
                        format!(
                            "{} could not be kept in the recent list: {e}",
                            storage::title_line(s)
                        )
                    })
                })
                .collect();
            if let Some(theirs) = &foreign {
                if let Err(e) = storage::remember(theirs, now) {
                    blocked = Some(format!(
                        "{}, which could not be kept in the recent list ({e})",
                        storage::title_line(theirs)
                    ));
                }
            }
            if let (true, Some(why)) = (save, &blocked) {
                problems.push(format!(
                    "your work is not being saved, so as not to overwrite {why}"
                ));
            } else if save {
                match storage::save(&doc.scenario) {
                    Ok(text) => {
                        if let Some(last) = seen.as_mut() {
                            last.written = Some(text);
                        }
                    }
                    Err(e) => problems.push(format!("your work is not being saved: {e}")),
                }
            }
            drop(seen);
            if !keep.is_empty() || foreign.is_some() {
                recents.set((Rc::new(storage::recents().0), recents.1.clone()));
            }
            failure.set((!problems.is_empty()).then(|| problems.join("; ")));
        });
    }

    // Another tab's saves, as they happen.
    {
        let (recents, other_tab, seen) = (recents.clone(), other_tab.clone(), seen.clone());
        use_effect_with((), move |_| {
            let listener = EventListener::new(&gloo_utils::window(), "storage", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::StorageEvent>() else {
                    return;
                };
                match e.key().as_deref() {
                    Some(storage::KEY_RECENT) => {
                        recents.set((Rc::new(storage::recents().0), None));
                    }
                    Some(storage::KEY) => {
                        let written = seen.borrow().as_ref().and_then(|s| s.written.clone());
                        // Only a scenario is news (not a removal, nor text this page cannot read).
                        let value = e.new_value().filter(|v| from_json(v).is_ok());
                        if value.is_some() && value != written {
                            other_tab.set(value);
                        }
                    }
                    _ => {}
                }
            });
            move || drop(listener)
        });
    }

    let failure_alert = failure.as_ref().map(|message| {
        let failure = failure.clone();
        html! {
            <div class="error save-error" role="alert">
                <span>{ format!("Saving in this browser failed: {message}. To keep your work, copy a share link or download the JSON.") }</span>
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| failure.set(None)}>{ "×" }</button>
            </div>
        }
    });
    let other_notice = other_tab.as_ref().map(|text| {
        let theirs = from_json(text).ok();
        let title = theirs
            .as_ref()
            .map_or_else(|| "an unreadable scenario".to_string(), storage::title_line);
        let open = theirs.map(|s| {
            let (edit, other_tab) = (edit.clone(), other_tab.clone());
            html! {
                <button type="button" class="open-other-tab" onclick={move |_| {
                    edit.emit(Edit::Load(s.clone()));
                    other_tab.set(None);
                }}>{ "Open it here" }</button>
            }
        });
        let dismiss = other_tab.clone();
        html! {
            <div class="notice other-tab" role="alert">
                <span>{ format!("Another tab saved a different scenario: {title}. This tab keeps its own; \
                    when you next edit here, the other tab's goes into Recent, so neither is lost. ") }</span>
                { open }
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| dismiss.set(None)}>{ "×" }</button>
            </div>
        }
    });
    let rescued = recents.1.as_ref().map(|message| {
        let recents = recents.clone();
        html! {
            <div class="error recent-error" role="alert">
                <span>{ message.clone() }</span>
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| recents.set((recents.0.clone(), None))}>{ "×" }</button>
            </div>
        }
    });
    // A link or an example opened over the user's work: say where the work is.
    let opened = (doc.unedited_open() && !first_visit)
        .then(|| doc.undo.last())
        .flatten()
        .filter(|saved| !saved.steps.is_empty())
        .map(|saved| {
            let back = edit.reform(|_: MouseEvent| Edit::Undo);
            html! {
                <div class="notice opened-notice" role="status">
                    <span>{ format!("Opened {} from a link. Your work stays saved until you edit this one; ",
                        storage::title_line(&doc.scenario)) }</span>
                    <button type="button" class="back-to-saved" onclick={back}>
                        { format!("back to {}", storage::title_line(saved)) }</button>
                </div>
            }
        });
    SavedWork {
        recents: recents.0.clone(),
        notices: html! { <>{ failure_alert }{ other_notice }{ rescued }{ opened }</> },
    }
}

/// A recent entry's time, as the browser writes a date and time in its locale ("5 Dec, 14:02").
fn when(at: f64) -> String {
    let options = js_sys::Object::new();
    for (key, value) in [
        ("day", "numeric"),
        ("month", "short"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    js_sys::Date::new(&at.into())
        .to_locale_string("default", &options)
        .into()
}

/// The toolbar's menu of recent scenarios: choosing one loads it (one undoable edit; the scenario it
/// replaces goes into the list).
pub fn recent_menu(recents: &Rc<Vec<Recent>>, on_load: &Callback<Scenario>) -> Html {
    html! { <RecentMenu recents={recents.clone()} on_load={on_load.clone()} /> }
}

/// What [`RecentMenu`] lists.
#[derive(Clone, PartialEq, Properties)]
struct RecentProps {
    recents: Rc<Vec<Recent>>,
    on_load: Callback<Scenario>,
}

/// The menu itself: a component, so that an edit (which changes neither) does not rebuild it.
#[component]
fn RecentMenu(props: &RecentProps) -> Html {
    let (recents, on_load) = (&props.recents, &props.on_load);
    let error = use_state(|| None::<String>);
    if recents.is_empty() {
        return html! {};
    }
    let onchange = {
        let (recents, on_load, error) = (recents.clone(), on_load.clone(), error.clone());
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<HtmlSelectElement>();
            let chosen = select.value().parse::<usize>().ok();
            select.set_value("");
            let Some(entry) = chosen.and_then(|i| recents.get(i)) else {
                return;
            };
            // An entry that no longer opens (a link from a later release, a damaged one) says so.
            match entry.scenario() {
                Ok(s) => {
                    error.set(None);
                    on_load.emit(s);
                }
                Err(e) => error.set(Some(format!("{} cannot be opened: {e}", entry.title))),
            }
        })
    };
    let alert = error.as_ref().map(|message| {
        let error = error.clone();
        html! {
            <span class="error recent-open-error" role="alert">{ message.clone() }
                <button type="button" class="dismiss" aria-label="Dismiss"
                    onclick={move |_| error.set(None)}>{ "×" }</button>
            </span>
        }
    });
    html! {
        <>
        { alert }
        <select class="recent" aria-label="Recent scenarios" {onchange}
            title="Scenarios you worked on or opened in this browser, newest first (loading one is undoable)">
            <option value="" selected=true>{ format!("Recent ({})…", recents.len()) }</option>
            { for recents.iter().enumerate().map(|(i, r)| html! {
                <option value={i.to_string()} class="recent-entry">{ format!("{} · {}", r.title, when(r.at)) }</option>
            }) }
        </select>
        </>
    }
}
