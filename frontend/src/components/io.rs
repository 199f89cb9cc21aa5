//! Getting scenarios in and out: a paste box that reads an ASCII diagram (quoted mail is fine), a
//! share link, a reply tlbrace wrote (its bracketed link) or JSON; the scenario as a diagram to copy
//! into a reply; JSON, SVG and Mermaid downloads; and a JSON upload. Everything is read and written by
//! `tlbrace_core` (`ascii`, `share`, `reply`, `json`, `svg`, `mermaid`); a failure is a message in a
//! `role="alert"`, and the working scenario is kept.
//!
//! Diagrams are read leniently ([`ascii::import_all_lenient`]): a diagram with lines the model does not
//! know opens the [`UnmappedPanel`], and replaces the scenario only once each line is resolved.

use std::rc::Rc;

use tlbrace_core::formats::ascii::{self, Import};
use tlbrace_core::formats::json::{self, MAX_JSON_BYTES};
use tlbrace_core::formats::{self, mermaid, reply, share, svg, Format};
use tlbrace_core::{Arch, Scenario, Variant};
use yew::prelude::*;

use super::unmapped::UnmappedPanel;
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
    Several(Vec<Import>),
    /// One diagram with lines the model does not know: the user resolves them first.
    Unmapped(Import),
}

/// A diagram read leniently, as the paste box takes it: opened when every line is mapped, else left
/// for the [`UnmappedPanel`].
pub fn ready(d: Import) -> Result<Pasted, String> {
    if !d.unmapped.is_empty() {
        return Ok(Pasted::Unmapped(d));
    }
    let d = d
        .finish()
        .map_err(|e| format!("Could not read the diagram: {e}."))?;
    Ok(Pasted::One {
        scenario: d.scenario,
        from: "diagram",
        skipped: d.conditions.len(),
    })
}

/// The message for a reply whose link does not open: a mail client that changed a character is
/// "damaged", whatever part of the link it hit.
fn reply_error(e: &str) -> String {
    if e.contains("damaged") && !e.starts_with("this link was damaged") {
        format!("Could not open the tlbrace link in this reply: this link was damaged on its way ({e}).")
    } else {
        format!("Could not open the tlbrace link in this reply: {e}.")
    }
}

/// Reads pasted text in the form core's detector ([`formats::detect`]) names: JSON, a reply tlbrace
/// wrote (its bracketed link is the exact scenario: a damaged one is refused, never read as the
/// diagram above it), a share link, or every ASCII diagram in it. A link that fails to open is still
/// tried as a diagram (a mail may hold both); the error shown is the one for what the text most looks
/// like.
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
    if format == Format::Reply {
        if let Some(link) = reply::find_link(t) {
            return share::decode(&link)
                .map(|s| one(s, "reply's link"))
                .map_err(|e| reply_error(&e.0));
        }
    }
    let diagrams = || -> Result<Pasted, String> {
        let mut found = ascii::import_all_lenient(text).map_err(|e| e.to_string())?;
        if found.len() == 1 {
            ready(found.remove(0))
        } else {
            Ok(Pasted::Several(found))
        }
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
fn describe(d: &Import) -> String {
    let title = d.scenario.title.as_deref().unwrap_or("untitled diagram");
    let unmapped = match d.unmapped.len() {
        0 => String::new(),
        1 => ", 1 line to resolve".to_string(),
        n => format!(", {n} lines to resolve"),
    };
    format!(
        "{title} (line {}, {} CPUs, {} steps{unmapped})",
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
    /// The kernels whose verdicts the Mermaid diagram ends with (the matrix's first ones).
    #[prop_or_default]
    pub kernels: Vec<Variant>,
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
    let choices = use_state(|| None::<Rc<Vec<Import>>>);
    // A diagram whose unmapped lines are being resolved.
    let pending = use_state(|| None::<Rc<Import>>);
    let exported = use_memo(props.scenario.clone(), |s| ascii::export(s));
    let upload_ref = use_node_ref();

    let load = {
        let (on_load, note, choices, pending) = (
            props.on_load.clone(),
            note.clone(),
            choices.clone(),
            pending.clone(),
        );
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
                pending.set(None);
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
    // What a paste (or a pick among several diagrams) turned out to hold.
    let take = {
        let (note, choices, pending, load) =
            (note.clone(), choices.clone(), pending.clone(), load.clone());
        Callback::from(move |pasted: Result<Pasted, String>| match pasted {
            Ok(Pasted::One {
                scenario,
                from,
                skipped,
            }) => load.emit((scenario, from.to_string(), skipped)),
            Ok(Pasted::Several(found)) => {
                pending.set(None);
                note.set(Some(Note::Ok(format!(
                    "{} diagrams found: pick one.",
                    found.len()
                ))));
                choices.set(Some(Rc::new(found)));
            }
            Ok(Pasted::Unmapped(d)) => {
                choices.set(None);
                note.set(None);
                pending.set(Some(Rc::new(d)));
            }
            Err(message) => {
                choices.set(None);
                pending.set(None);
                note.set(Some(Note::Error(message)));
            }
        })
    };
    let on_import = {
        let (text, take) = (text.clone(), take.clone());
        Callback::from(move |_: MouseEvent| take.emit(read_pasted(&text)))
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
    let on_download_mermaid = {
        let (scenario, kernels, note) =
            (props.scenario.clone(), props.kernels.clone(), note.clone());
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}.mmd", file_stem(&scenario));
            let text = mermaid::to_mermaid(&scenario, &kernels);
            if let Err(e) = download(&name, "text/vnd.mermaid", &text) {
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
                    let (take, d2) = (take.clone(), d.clone());
                    html! {
                        <li key={i}>
                            <button type="button" class="import-choice" data-index={i.to_string()}
                                onclick={move |_| take.emit(ready(d2.clone()))}>
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
                    { "Paste a race diagram from a mail (\"> \" quoting is fine), a reply tlbrace wrote, a share link, or a JSON scenario. \
                       Lines the model does not know are listed for you to map before anything is replaced." }
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
                if let Some(d) = &*pending {
                    // Keyed by the import: a new paste is a new panel, never the old picks for a frame.
                    <UnmappedPanel key={format!("{:p}", Rc::as_ptr(d))} import={d.clone()}
                        on_open={load.reform(|(s, skipped)| (s, "diagram".to_string(), skipped))}
                        on_cancel={{ let pending = pending.clone(); Callback::from(move |()| pending.set(None)) }} />
                }
            </div>
            <div class="io-export">
                <h2>{ "Export" }</h2>
                <div class="io-actions">
                    <button type="button" class="copy-ascii" onclick={on_copy_ascii}>{ "Copy as ASCII" }</button>
                    <button type="button" class="download-json" onclick={on_download_json}>{ "Download JSON" }</button>
                    <button type="button" class="download-svg" onclick={on_download_svg}>{ "Download SVG" }</button>
                    <button type="button" class="download-mermaid" onclick={on_download_mermaid}
                        title="A Mermaid sequence diagram for Markdown docs, with the verdicts of the matrix's first kernels">
                        { "Download Mermaid" }</button>
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
    fn unknown_lines_wait_for_the_user_and_bad_pastes_are_readable_errors() {
        let bad_action =
            "  CPU0        CPU1\n  ----        ----\n\n  pte_mkclean()\n              frobnicate_pte()\n";
        match read_pasted(bad_action) {
            Ok(Pasted::Unmapped(d)) => {
                assert_eq!((d.unmapped[0].line, d.unmapped[0].column), (5, 15));
                assert_eq!(d.unmapped[0].cpu, 1);
            }
            other => panic!("{other:?}"),
        }
        let no_steps = "  CPU0        CPU1\n  ----        ----\n\n  Hello there\n";
        assert!(
            matches!(read_pasted(no_steps), Ok(Pasted::Unmapped(d)) if d.scenario.steps.is_empty())
        );
        assert!(read_pasted("  CPU0        CPU1\n  ----        ----\n")
            .unwrap_err()
            .contains("no steps"));
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
    fn a_reply_opens_its_link_after_quoting_and_a_damaged_one_is_refused() {
        let s = example("example-1").unwrap();
        let text = reply::reply(&s, Arch::X86, "https://x.example/tlbrace/");
        let quoted: String = text.lines().map(|l| format!("> {l}\n")).collect();
        match read_pasted(&quoted) {
            Ok(Pasted::One { scenario, from, .. }) => {
                assert_eq!(from, "reply's link");
                assert_eq!(scenario, s);
            }
            other => panic!("{other:?}"),
        }
        // One character of the link's last line changed, wherever it lands: refused, not read as
        // the diagram above it.
        let at = quoted.rfind(']').unwrap() - 3;
        for c in ['A', 'z'] {
            let mut damaged = quoted.clone();
            if damaged[at..].starts_with(c) {
                continue;
            }
            damaged.replace_range(at..at + 1, &c.to_string());
            let e = read_pasted(&damaged).unwrap_err();
            assert!(e.contains("this link was damaged"), "{e}");
        }
        assert!(
            reply_error("damaged share link: the compressed data is corrupt")
                .contains("this link was damaged on its way")
        );
    }

    #[test]
    fn mermaid_ends_with_the_kernels_verdicts() {
        let s = example("example-1").unwrap();
        let text = mermaid::to_mermaid(&s, &[tlbrace_core::Preset::YuFix.variant()]);
        assert!(text.starts_with("sequenceDiagram"));
        assert!(text.contains("yu-fix: guaranteed"), "{text}");
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
