//! The autosave: the working scenario in `localStorage`, in the core's versioned JSON format, so a
//! reload (or a browser restart) gives the user their timeline back.

use tlbrace_core::formats::json::{from_json, to_json_compact};
use tlbrace_core::Scenario;

/// The key the scenario is saved under.
pub const KEY: &str = "tlbrace.scenario";
/// Where a saved value that could not be read is moved, so a later release (or the user) can
/// still rescue it.
pub const KEY_UNREADABLE: &str = "tlbrace.scenario.unreadable";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
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
