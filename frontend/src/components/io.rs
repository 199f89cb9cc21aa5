//! Getting scenarios in and out: a paste box that reads an ASCII diagram (quoted mail is fine), a
//! share link or JSON; the scenario as a diagram to copy into a reply; JSON and SVG downloads; and a
//! JSON upload. Everything is read and written by `tlbrace_core` (`ascii`, `share`, `format`, `svg`);
//! a failure is a message in a `role="alert"`, and the working scenario is kept.

use std::rc::Rc;

use tlbrace_core::formats::ascii::{self, Imported};
use tlbrace_core::formats::json::{self, MAX_JSON_BYTES};
use tlbrace_core::formats::{self, share, svg, Format};
use tlbrace_core::{Arch, Scenario};
use yew::prelude::*;

use crate::browser::{copy_to_clipboard, download, read_file_text};

/// What a paste turned out to hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Pasted {
    /// One scenario, from the named format; `skipped` condition lines were left out of a diagram.
    One {
        /// The scenario.
        scenario: Scenario,
        /// Where it came from: "diagram", "share link" or "JSON".
        from: &'static str,
        /// Condition lines (`!pte_dirty() && !pte_write()`) a diagram held; the variant decides them.
        skipped: usize,
    },
    /// Several diagrams (a whole mail): the user picks one.
    Several(Vec<Imported>),
}

/// Reads pasted text in the form core's detector ([`formats::detect`]) names: JSON, a share link, or
/// every ASCII diagram in it. A link that fails to open is still tried as a diagram (a mail may hold
/// both); the error shown is the one for what the text most looks like.
pub fn read_pasted(text: &str) -> Result<Pasted, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Nothing to import: paste a diagram, a share link or a JSON scenario.".into());
    }
    let one = |scenario, from| Pasted::One {
        scenario,
        from,
        skipped: 0,
    };
    let format = formats::detect(t);
    if format == Format::Json {
        return json::from_json(t)
            .map(|s| one(s, "JSON"))
            .map_err(|e| format!("Could not import the JSON: {e}."));
    }
    let diagrams = || -> Result<Pasted, String> {
        let mut found = ascii::import_all(text).map_err(|e| e.to_string())?;
        Ok(if found.len() == 1 {
            let d = found.remove(0);
            Pasted::One {
                scenario: d.scenario,
                from: "diagram",
                skipped: d.conditions.len(),
            }
        } else {
            Pasted::Several(found)
        })
    };
    if format == Format::Link {
        return match share::decode(t) {
            Ok(s) => Ok(one(s, "share link")),
            Err(link_error) => {
                diagrams().map_err(|_| format!("Could not open the share link: {link_error}."))
            }
        };
    }
    diagrams().map_err(|e| format!("Could not read the diagram: {e}."))
}

/// A file name for downloads, from the scenario's title: `example-1-memory-corruption-is-still.json`.
pub fn file_stem(scenario: &Scenario) -> String {
    let title = scenario.title.as_deref().unwrap_or("");
    let mut stem = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= 40 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "tlbrace-scenario".to_string()
    } else {
        format!("tlbrace-{stem}")
    }
}

/// The most diagrams of a paste offered as buttons: a pasted mail (or a crafted text) can hold
/// hundreds, and the page builds no list from pasted input without a bound.
pub const MAX_CHOICES: usize = 20;

/// What a pasted diagram's choice button says: its title and where it was.
fn describe(d: &Imported) -> String {
    let title = d.scenario.title.as_deref().unwrap_or("untitled diagram");
    format!(
        "{title} (line {}, {} CPUs, {} steps)",
        d.header_line,
        d.scenario.cpus,
        d.scenario.steps.len()
    )
}

/// What [`ImportExport`] works on.
#[derive(Clone, PartialEq, Properties)]
pub struct ImportExportProps {
    /// The working scenario.
    pub scenario: Rc<Scenario>,
    /// Replaces the working scenario (one undoable edit in the editor).
    pub on_load: Callback<Scenario>,
    /// The page's architecture: the SVG's verdicts are on it.
    pub arch: Arch,
}

/// Messages of the panel: at most one at a time.
#[derive(Clone, PartialEq)]
enum Note {
    Ok(String),
    Error(String),
}

/// The import/export panel.
#[component]
pub fn ImportExport(props: &ImportExportProps) -> Html {
    let text = use_state(String::new);
    let note = use_state(|| None::<Note>);
    // The export's own message, beside its buttons: a copy confirms where it was asked for.
    let copied = use_state(|| None::<Note>);
    {
        // A copy is of the scenario as it was: forget it when the scenario changes.
        let copied = copied.clone();
        use_effect_with(props.scenario.clone(), move |_| copied.set(None));
    }
    let choices = use_state(|| None::<Rc<Vec<Imported>>>);
    let exported = use_memo(props.scenario.clone(), |s| ascii::export(s));
    let upload_ref = use_node_ref();

    let load = {
        let (on_load, note, choices) = (props.on_load.clone(), note.clone(), choices.clone());
        Callback::from(
            move |(scenario, from, skipped): (Scenario, String, usize)| {
                let what = scenario
                    .title
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "an untitled scenario".into());
                let mut msg = format!(
                    "Loaded {what} from the {from}: {} CPUs, {} steps.",
                    scenario.cpus,
                    scenario.steps.len()
                );
                if skipped > 0 {
                    msg.push_str(&format!(
                        " {skipped} condition line(s) left out: the variant decides them."
                    ));
                }
                choices.set(None);
                note.set(Some(Note::Ok(msg)));
                on_load.emit(scenario);
            },
        )
    };
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                text.set(area.value());
            }
        })
    };
    let on_import = {
        let (text, note, choices, load) =
            (text.clone(), note.clone(), choices.clone(), load.clone());
        Callback::from(move |_: MouseEvent| match read_pasted(&text) {
            Ok(Pasted::One {
                scenario,
                from,
                skipped,
            }) => load.emit((scenario, from.to_string(), skipped)),
            Ok(Pasted::Several(found)) => {
                note.set(Some(Note::Ok(format!(
                    "{} diagrams found: pick one.",
                    found.len()
                ))));
                choices.set(Some(Rc::new(found)));
            }
            Err(message) => {
                choices.set(None);
                note.set(Some(Note::Error(message)));
            }
        })
    };
    let on_copy_ascii = {
        let (note, exported) = (copied.clone(), exported.clone());
        Callback::from(move |_: MouseEvent| {
            let (note, exported) = (note.clone(), exported.clone());
            yew::platform::spawn_local(async move {
                note.set(Some(match copy_to_clipboard(&exported).await {
                    Ok(()) => Note::Ok("Diagram copied to the clipboard.".into()),
                    Err(e) => Note::Error(format!(
                        "Could not copy: {e}. Select the diagram below and copy it."
                    )),
                }));
            });
        })
    };
    let on_download_json = {
        let (scenario, note) = (props.scenario.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}.json", file_stem(&scenario));
            if let Err(e) = download(&name, "application/json", &json::to_json(&scenario)) {
                note.set(Some(Note::Error(format!("Could not download: {e}."))));
            }
        })
    };
    let on_download_svg = {
        let (scenario, arch, note) = (props.scenario.clone(), props.arch, copied.clone());
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}.svg", file_stem(&scenario));
            let svg = svg::export(&scenario, arch);
            if let Err(e) = download(&name, "image/svg+xml", &svg) {
                note.set(Some(Note::Error(format!("Could not download: {e}."))));
            }
        })
    };
    let on_upload = {
        let (note, load, upload_ref) = (note.clone(), load.clone(), upload_ref.clone());
        Callback::from(move |_: Event| {
            let Some(input) = upload_ref.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            // Let the same file be chosen again after it is fixed.
            input.set_value("");
            let (note, load) = (note.clone(), load.clone());
            yew::platform::spawn_local(async move {
                let name = file.name();
                let read = read_file_text(file, MAX_JSON_BYTES)
                    .await
                    .and_then(|text| json::from_json(&text).map_err(|e| e.to_string()));
                match read {
                    Ok(scenario) => load.emit((scenario, format!("file {name}"), 0)),
                    Err(e) => note.set(Some(Note::Error(format!("Could not open {name}: {e}.")))),
                }
            });
        })
    };

    let choice_list = match &*choices {
        None => html! {},
        Some(found) => html! {
            <>
            <ol class="import-choices" aria-label="Diagrams found">
                { for found.iter().take(MAX_CHOICES).enumerate().map(|(i, d)| {
                    let (load, scenario, skipped) = (load.clone(), d.scenario.clone(), d.conditions.len());
                    html! {
                        <li key={i}>
                            <button type="button" class="import-choice" data-index={i.to_string()}
                                onclick={move |_| load.emit((scenario.clone(), "diagram".into(), skipped))}>
                                { describe(d) }
                            </button>
                        </li>
                    }
                }) }
            </ol>
            if found.len() > MAX_CHOICES {
                <p class="hint import-more">{ format!("…and {} more: paste the part of the mail that holds the one you want.", found.len() - MAX_CHOICES) }</p>
            }
            </>
        },
    };
    let show = |note: &Option<Note>| match note {
        None => html! {},
        Some(Note::Ok(m)) => html! { <p class="status" role="status">{ m.clone() }</p> },
        Some(Note::Error(m)) => html! { <p class="error" role="alert">{ m.clone() }</p> },
    };
    let message = show(&note);
    let copy_message = show(&copied);

    html! {
        <section class="io-panel" aria-label="Import and export">
            <div class="io-import">
                <h2>{ "Import" }</h2>
                <label for="import-text" class="hint">
                    { "Paste a race diagram from a mail (\"> \" quoting is fine), a share link, or a JSON scenario." }
                </label>
                <textarea id="import-text" class="import-text" rows="8" spellcheck="false"
                    value={(*text).clone()} oninput={on_input}
                    placeholder={"  CPU0        CPU1\n  ----        ----\n  [cache writable\n   PTE in TLB]\n              pte_mkclean()"} />
                <div class="io-actions">
                    <button type="button" class="import-button" onclick={on_import}>{ "Import" }</button>
                    <label class="upload">
                        { "Open JSON file… " }
                        <input type="file" class="upload-json" accept=".json,application/json"
                            ref={upload_ref} onchange={on_upload} />
                    </label>
                </div>
                { choice_list }
                { message }
            </div>
            <div class="io-export">
                <h2>{ "Export" }</h2>
                <div class="io-actions">
                    <button type="button" class="copy-ascii" onclick={on_copy_ascii}>{ "Copy as ASCII" }</button>
                    <button type="button" class="download-json" onclick={on_download_json}>{ "Download JSON" }</button>
                    <button type="button" class="download-svg" onclick={on_download_svg}>{ "Download SVG" }</button>
                </div>
                { copy_message }
                <pre class="export-ascii" aria-label="The scenario as a diagram" tabindex="0">{ (*exported).clone() }</pre>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;

    #[test]
    fn pastes_are_read_by_what_they_look_like() {
        let s = example("example-1").unwrap();
        let diagram = ascii::export(&s);
        let quoted: String = diagram.lines().map(|l| format!("> {l}\n")).collect();
        for (text, want_from) in [
            (quoted.as_str(), "diagram"),
            (
                &format!("https://x.example/tlbrace/#{}", share::encode(&s)),
                "share link",
            ),
            (&share::encode(&s), "share link"),
            (&json::to_json(&s), "JSON"),
        ] {
            match read_pasted(text) {
                Ok(Pasted::One { scenario, from, .. }) => {
                    assert_eq!(from, want_from);
                    assert_eq!(scenario.steps, s.steps, "{from}");
                }
                other => panic!("{want_from}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_mail_with_two_diagrams_offers_both() {
        let a = ascii::export(&example("example-1").unwrap());
        let b = ascii::export(&example("example-2c").unwrap());
        let mail = format!("Hi,\n\nthe first race:\n\n{a}\nand the second one follows.\n\n{b}\n");
        match read_pasted(&mail) {
            Ok(Pasted::Several(found)) => assert_eq!(found.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_pastes_are_readable_errors() {
        let bad_action =
            "  CPU0        CPU1\n  ----        ----\n\n  pte_mkclean()\n              frobnicate_pte()\n";
        let e = read_pasted(bad_action).unwrap_err();
        assert!(e.contains("line 5, column 15"), "{e}");
        assert!(read_pasted("   ")
            .unwrap_err()
            .contains("Nothing to import"));
        assert!(read_pasted("{\"version\": 9}")
            .unwrap_err()
            .contains("newer"));
        let e = read_pasted("#v1.AAAA").unwrap_err();
        assert!(e.contains("share link"), "{e}");
    }

    #[test]
    fn file_names_come_from_titles() {
        let s = example("example-1").unwrap();
        let stem = file_stem(&s);
        assert!(stem.starts_with("tlbrace-example-1-memory"), "{stem}");
        assert!(stem.len() <= 50 && !stem.ends_with('-'), "{stem}");
        assert_eq!(file_stem(&Scenario::new(4)), "tlbrace-scenario");
    }
}
