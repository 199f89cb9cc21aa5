//! What the page keeps in `localStorage`: the working scenario (the autosave), the recent scenarios
//! a user can go back to, and whether the first-visit strip was dismissed. Nothing a user made is
//! lost to the page itself: a link or an example opened over saved work leaves the saved work alone
//! (the editor writes the autosave only once the opened scenario is edited), the scenario a load
//! replaces goes into the recent list first, and a value that cannot be read is moved aside under a
//! key of its own, never over an earlier one.
//!
//! Keys:
//! - [`KEY`]: the working scenario in core's versioned JSON ([`to_json_compact`], read by
//!   [`from_json`]), so a reload or a browser restart gives the user their timeline back;
//! - [`KEY_RECENT`]: up to [`MAX_RECENT`] recent scenarios, newest first, one line each: the time
//!   (ms since the epoch), a tab, the title, a tab, the share link (core's `v2.…`, compressed and
//!   forever readable);
//! - [`KEY_UNREADABLE`] (then `….2`, `….3`, …): each autosave that could not be read, as it was;
//!   `tlbrace.recent.unreadable` (and so on) likewise for the recent list;
//! - [`KEY_INTRO`]: `dismissed` once the first-visit strip is closed.
//!
//! A write can fail (the quota, storage disabled): [`save`] and [`remember`] say why, for the page
//! to show. Reading never fails: storage the browser refuses reads as empty.
//!
//! # Why not gloo-storage
//! gloo-storage's `LocalStorage` stores any `T: Serialize` as `serde_json` text and reads it back with
//! `serde_json::from_str::<T>`. The autosave must be read by core's [`from_json`] instead (the format
//! version check, later migrations, the scenario's validation), and a value that does not read must be
//! moved aside as the very text it was, for the user to rescue: both need the raw string, which
//! gloo-storage only offers as `LocalStorage::raw()`, the same `web_sys::Storage` used here.

use tlbrace_core::formats::json::{from_json, to_json_compact};
use tlbrace_core::formats::share;
use tlbrace_core::Scenario;

use crate::browser::js_text;

/// The key the working scenario is saved under.
pub const KEY: &str = "tlbrace.scenario";
/// Where the first saved value that could not be read is moved; later ones get `.2`, `.3`, ….
pub const KEY_UNREADABLE: &str = "tlbrace.scenario.unreadable";
/// The recent scenarios.
pub const KEY_RECENT: &str = "tlbrace.recent";
/// Whether the first-visit strip was dismissed.
pub const KEY_INTRO: &str = "tlbrace.intro";
/// How many recent scenarios are kept.
pub const MAX_RECENT: usize = 10;
/// How many unreadable values of one key are kept apart (`KEY_UNREADABLE` … `.99`).
pub const MAX_RESCUED: usize = 99;

/// The page's `localStorage`, unless the browser refuses it.
fn storage() -> Option<web_sys::Storage> {
    gloo_utils::window().local_storage().ok().flatten()
}

/// Why a write failed, in words: the browser's error (`QuotaExceededError: …`), or that there is no
/// storage at all.
fn write(key: &str, text: &str) -> Result<(), String> {
    let store = storage().ok_or("this browser does not let the page store anything")?;
    store.set_item(key, text).map_err(|e| js_text(&e))
}

/// The raw text under `key`.
pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// The key under which the `n`-th (from 1) unreadable value of `key` is kept.
pub fn rescue_key(key: &str, n: usize) -> String {
    let base = format!("{key}.unreadable");
    if n <= 1 {
        base
    } else {
        format!("{base}.{n}")
    }
}

/// Keeps `text`, read from `key` and not readable, under the first free [`rescue_key`] (or the one
/// that holds the same text already), and returns that key. `taken` reads a key.
pub fn rescue_slot(
    key: &str,
    text: &str,
    taken: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    (1..=MAX_RESCUED)
        .map(|n| rescue_key(key, n))
        .find(|k| match taken(k) {
            None => true,
            Some(kept) => kept == text,
        })
}

/// Moves `text` aside (see [`rescue_slot`]); the key it went to, if it could be written.
pub fn rescue(key: &str, text: &str) -> Option<String> {
    let slot = rescue_slot(key, text, get)?;
    write(&slot, text).ok().map(|()| slot)
}

/// The saved scenario: `Ok(None)` when there is none (or storage is unavailable), `Err` with a
/// message when there is one that cannot be read. The unreadable value is moved aside first.
pub fn load() -> Result<Option<Scenario>, String> {
    let Some(text) = get(KEY) else {
        return Ok(None);
    };
    from_json(&text).map(Some).map_err(|e| {
        // Removed only once its copy is written: the text may be the only copy of someone's work.
        match rescue(KEY, &text) {
            Some(slot) => {
                if let Some(store) = storage() {
                    let _ = store.remove_item(KEY);
                }
                format!(
                    "The autosaved scenario could not be read ({e}). The saved text is kept in \
                     localStorage under \"{slot}\"."
                )
            }
            None => format!(
                "The autosaved scenario could not be read ({e}), nor kept aside. It stays in \
                 localStorage under \"{KEY}\", and this page will not save over it."
            ),
        }
    })
}

/// Saves the working scenario; returns the text written (the editor compares it with what another
/// tab may write), or why it could not be.
pub fn save(scenario: &Scenario) -> Result<String, String> {
    let text = to_json_compact(scenario);
    write(KEY, &text).map(|()| text)
}

/// One recent scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Recent {
    /// When it was put in the list, in ms since the epoch.
    pub at: f64,
    /// Its title (or "Untitled scenario"), on one line.
    pub title: String,
    /// Its share link (`v2.…`, the fragment without `#`).
    pub link: String,
}

impl Recent {
    /// The entry for `scenario`, now `at`.
    pub fn of(scenario: &Scenario, at: f64) -> Recent {
        Recent {
            at,
            title: title_line(scenario),
            link: share::encode(scenario),
        }
    }

    /// The scenario it holds.
    pub fn scenario(&self) -> Result<Scenario, String> {
        share::decode(&self.link).map_err(|e| e.to_string())
    }
}

/// A scenario's title on one line, for lists: its title (tabs and line breaks as spaces, at most 80
/// characters) or "Untitled scenario", and its size.
pub fn title_line(scenario: &Scenario) -> String {
    let title: String = scenario
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("Untitled scenario")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    format!(
        "{title} ({} CPUs, {} steps)",
        scenario.cpus,
        scenario.steps.len()
    )
}

/// Reads the recent list's text: its entries, or the line (from 1) that does not read.
pub fn parse_recents(text: &str) -> Result<Vec<Recent>, usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, line)| {
            let mut parts = line.splitn(3, '\t');
            let at = parts.next().and_then(|a| a.parse::<u64>().ok());
            match (at, parts.next(), parts.next()) {
                (Some(at), Some(title), Some(link)) if share::looks_like_link(link) => Ok(Recent {
                    at: at as f64,
                    title: title.to_string(),
                    link: link.to_string(),
                }),
                _ => Err(n + 1),
            }
        })
        .collect()
}

/// Writes the recent list as [`parse_recents`] reads it.
pub fn format_recents(list: &[Recent]) -> String {
    list.iter()
        .map(|r| {
            let title: String = r
                .title
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            format!("{}\t{title}\t{}\n", r.at as u64, r.link)
        })
        .collect()
}

/// The list with `entry` first: an entry holding the same scenario moves up rather than twice; at
/// most [`MAX_RECENT`].
pub fn with_recent(list: &[Recent], entry: Recent) -> Vec<Recent> {
    std::iter::once(entry.clone())
        .chain(list.iter().filter(|r| r.link != entry.link).cloned())
        .take(MAX_RECENT)
        .collect()
}

/// The recent list, newest first. A stored list that does not read is moved aside (see
/// [`rescue_slot`]) and read as empty; the message says where it went.
pub fn recents() -> (Vec<Recent>, Option<String>) {
    let Some(text) = get(KEY_RECENT) else {
        return (Vec::new(), None);
    };
    match parse_recents(&text) {
        Ok(list) => (list, None),
        Err(line) => {
            let kept = rescue(KEY_RECENT, &text);
            if let (Some(store), Some(_)) = (storage(), &kept) {
                let _ = store.remove_item(KEY_RECENT);
            }
            let slot = kept.unwrap_or_else(|| "nowhere: storage refused it".into());
            (
                Vec::new(),
                Some(format!(
                    "The list of recent scenarios could not be read (line {line}); it is kept in \
                     localStorage under \"{slot}\"."
                )),
            )
        }
    }
}

/// Puts `scenario` first in the recent list (see [`with_recent`]). When the browser's quota refuses
/// the list, the oldest entries go until it fits; only a scenario too large to keep on its own is
/// refused, with the browser's reason.
pub fn remember(scenario: &Scenario, at: f64) -> Result<(), String> {
    let (list, _) = recents();
    let mut list = with_recent(&list, Recent::of(scenario, at));
    loop {
        match write(KEY_RECENT, &format_recents(&list)) {
            Ok(()) => return Ok(()),
            Err(e) if list.len() <= 1 => return Err(e),
            Err(_) => {
                list.pop();
            }
        }
    }
}

/// Whether the first-visit strip was dismissed (in this browser).
pub fn intro_dismissed() -> bool {
    get(KEY_INTRO).is_some()
}

/// Remembers that the first-visit strip was dismissed (quietly nothing where storage is refused).
pub fn dismiss_intro() {
    let _ = write(KEY_INTRO, "dismissed");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlbrace_core::examples::example;

    fn entry(name: &str, at: f64) -> Recent {
        Recent::of(&example(name).unwrap(), at)
    }

    #[test]
    fn the_recent_list_reads_back_and_keeps_each_scenario_once() {
        let a = entry("example-1", 1_000.0);
        let b = entry("example-2c", 2_000.0);
        let list = with_recent(&with_recent(&[], a.clone()), b.clone());
        assert_eq!(list, vec![b.clone(), a.clone()]);
        assert_eq!(parse_recents(&format_recents(&list)), Ok(list.clone()));
        // The same scenario again moves up, with its new time.
        let again = Recent {
            at: 3_000.0,
            ..a.clone()
        };
        assert_eq!(with_recent(&list, again.clone()), vec![again, b]);
        assert!(a.title.starts_with("Example 1"), "{}", a.title);
        assert!(a.title.ends_with("(4 CPUs, 13 steps)"), "{}", a.title);
        assert_eq!(a.scenario().unwrap(), example("example-1").unwrap());
    }

    #[test]
    fn the_recent_list_is_capped_and_titles_stay_on_one_line() {
        let mut list = Vec::new();
        for n in 0..(MAX_RECENT + 5) {
            let s = Scenario {
                title: Some(format!("race\t{n}\nsecond line")),
                ..Scenario::default()
            };
            list = with_recent(&list, Recent::of(&s, n as f64));
        }
        assert_eq!(list.len(), MAX_RECENT);
        assert!(
            list[0].title.starts_with("race 14 second line"),
            "{}",
            list[0].title
        );
        assert_eq!(parse_recents(&format_recents(&list)).unwrap(), list);
    }

    #[test]
    fn a_damaged_recent_list_names_its_line() {
        let good = format_recents(&[entry("example-1", 5.0)]);
        assert_eq!(parse_recents(&format!("{good}garbage\n")), Err(2));
        assert_eq!(parse_recents("12\ttitle\tnot a link"), Err(1));
        assert_eq!(parse_recents(""), Ok(vec![]));
    }

    #[test]
    fn every_unreadable_value_gets_a_key_of_its_own() {
        let kept = std::cell::RefCell::new(std::collections::BTreeMap::<String, String>::new());
        let taken = |k: &str| kept.borrow().get(k).cloned();
        for text in ["first", "second", "third"] {
            let slot = rescue_slot(KEY, text, taken).unwrap();
            kept.borrow_mut().insert(slot, text.to_string());
        }
        let kept = kept.into_inner();
        assert_eq!(kept.get(KEY_UNREADABLE).map(String::as_str), Some("first"));
        assert_eq!(
            kept.get(&format!("{KEY_UNREADABLE}.2")).map(String::as_str),
            Some("second")
        );
        assert_eq!(
            kept.get(&format!("{KEY_UNREADABLE}.3")).map(String::as_str),
            Some("third")
        );
        // The same text again goes where it already is.
        let taken = |k: &str| kept.get(k).cloned();
        assert_eq!(
            rescue_slot(KEY, "second", taken).unwrap(),
            format!("{KEY_UNREADABLE}.2")
        );
        assert_eq!(rescue_key(KEY_RECENT, 1), "tlbrace.recent.unreadable");
    }
}
