//! The few browser services the share, embed and file features need, each failing with a message
//! rather than a panic or an uncaught JS exception: the clipboard, file downloads and uploads
//! (gloo-file), and telling an embedding page how tall the embed is. The page's window, document and
//! body come from gloo-utils.

use gloo_file::{Blob, File, ObjectUrl};
use gloo_utils::errors::JsError;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A JS error as text, for messages: an `Error`'s message, else the value as JS prints it.
pub(crate) fn js_text(value: &JsValue) -> String {
    match JsError::try_from(value.clone()) {
        Ok(error) => error.message,
        Err(other) => other.to_string(),
    }
}

/// Copies `text` to the clipboard. Fails (with a reason) where the page has no clipboard access: an
/// insecure (plain http) origin, a denied permission, an iframe without `clipboard-write`. Callers
/// then show the text in a selectable field instead.
pub async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let navigator = gloo_utils::window().navigator();
    // `navigator.clipboard` is undefined outside secure contexts; web-sys's getter would not say so.
    let clipboard = Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .ok_or("the clipboard is not available on this page")?;
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| format!("the browser refused the clipboard ({})", js_text(&e)))
}

/// Offers `text` as a file download named `filename`: a clicked `<a download>` on an object URL for
/// the text, revoked once the download has started.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let url = ObjectUrl::from(Blob::new_with_options(text, Some(mime)));
    let anchor: web_sys::HtmlAnchorElement = gloo_utils::document()
        .create_element("a")
        .map_err(|e| format!("could not make the file: {}", js_text(&e)))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.set_hidden(true);
    let body = gloo_utils::body();
    let _ = body.append_child(&anchor);
    anchor.click();
    let _ = body.remove_child(&anchor);
    // Dropping `url` revokes it: the download has started from the click.
    Ok(())
}

/// Reads an uploaded file as text, refusing files over `max_bytes` before reading them.
pub async fn read_file_text(file: web_sys::File, max_bytes: usize) -> Result<String, String> {
    let file = File::from(file);
    if file.size() > max_bytes as u64 {
        return Err(format!(
            "{} is {} KiB; at most {} KiB is accepted",
            file.name(),
            file.size().div_ceil(1024),
            max_bytes / 1024
        ));
    }
    gloo_file::futures::read_as_text(&file)
        .await
        .map_err(|e| format!("could not read {}: {e}", file.name()))
}

/// The message an embed posts to its parent page with its height in CSS pixels, so the parent can
/// size the iframe: `{type: "tlbrace:height", height}`.
pub const HEIGHT_MESSAGE: &str = "tlbrace:height";

/// Posts `height` to the parent page, if this page is in a frame.
pub fn post_height(height: f64) {
    let window = gloo_utils::window();
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if parent == window {
        return;
    }
    let message = js_sys::Object::new();
    let _ = Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
    let _ = Reflect::set(&message, &"height".into(), &height.ceil().into());
    let _ = parent.post_message(&message, "*");
}

/// Whether this page runs in a frame whose top page is of another origin (reading the top page's
/// address throws then). The editor refuses to run there: a host that cannot send
/// `frame-ancestors` (GitHub Pages) relies on this check, which another site cannot turn off by
/// framing. The embed (`?embed`) is meant to be framed and does not ask.
pub fn framed_by_other_origin() -> bool {
    let window = gloo_utils::window();
    match window.top() {
        Ok(Some(top)) if top != window => top.location().href().is_err(),
        _ => false,
    }
}
