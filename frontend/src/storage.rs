//! The autosave: the working scenario in `localStorage`, in the core's versioned JSON format, so a
//! reload (or a browser restart) gives the user their timeline back.
//!
//! # Why not gloo-storage
//! gloo-storage's `LocalStorage` stores any `T: Serialize` as `serde_json` text and reads it back with
//! `serde_json::from_str::<T>`. The autosave must be read by core's [`from_json`] instead (the format
//! version check, later migrations, the scenario's validation), and a value that does not read must be
//! moved aside as the very text it was, for the user to rescue: both need the raw string, which
//! gloo-storage only offers as `LocalStorage::raw()`, the same `web_sys::Storage` used here. That
//! `raw()` also throws where the browser refuses storage (a sandboxed frame, storage disabled), where
//! the autosave should quietly do nothing.

use tlbrace_core::formats::json::{from_json, to_json_compact};
use tlbrace_core::Scenario;

/// The key the scenario is saved under.
pub const KEY: &str = "tlbrace.scenario";
/// Where a saved value that could not be read is moved, so a later release (or the user) can
/// still rescue it.
pub const KEY_UNREADABLE: &str = "tlbrace.scenario.unreadable";

/// The page's `localStorage`, unless the browser refuses it.
fn storage() -> Option<web_sys::Storage> {
    gloo_utils::window().local_storage().ok().flatten()
}

/// The saved scenario: `Ok(None)` when there is none (or storage is unavailable), `Err` with a
/// message when there is one that cannot be read. The unreadable value is moved to
/// [`KEY_UNREADABLE`].
pub fn load() -> Result<Option<Scenario>, String> {
    let Some(store) = storage() else {
        return Ok(None);
    };
    let Ok(Some(text)) = store.get_item(KEY) else {
        return Ok(None);
    };
    from_json(&text).map(Some).map_err(|e| {
        let _ = store.set_item(KEY_UNREADABLE, &text);
        let _ = store.remove_item(KEY);
        format!(
            "The autosaved scenario could not be read ({e}); starting from an empty timeline. \
             The saved text is kept in localStorage under \"{KEY_UNREADABLE}\"."
        )
    })
}

/// Saves the scenario; quietly does nothing when storage is unavailable or full.
pub fn save(scenario: &Scenario) {
    if let Some(store) = storage() {
        let _ = store.set_item(KEY, &to_json_compact(scenario));
    }
}
