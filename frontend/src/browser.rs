//! The few browser services the share, embed and file features need, each failing with a message
//! rather than a panic or an uncaught JS exception: the clipboard, file downloads and uploads, and
//! telling an embedding page how tall the embed is.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A JS error as text, for messages: an `Error`'s message, a thrown string, else "unknown error" (not
/// `JsValue`'s `Debug`, whose JS-side printer would be bundled for this fallback alone).
pub(crate) fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}

/// Copies `text` to the clipboard. Fails (with a reason) where the page has no clipboard access: an
/// insecure (plain http) origin, a denied permission, an iframe without `clipboard-write`. Callers
/// then show the text in a selectable field instead.
pub async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let navigator = window.navigator();
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

/// Offers `text` as a file download named `filename`: a Blob, an object URL and a clicked
/// `<a download>`, the URL revoked afterwards.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| format!("could not make the file: {}", js_text(&e)))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|e| format!("could not make the file: {}", js_text(&e)))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    let _ = body.append_child(&anchor);
    anchor.click();
    let _ = body.remove_child(&anchor);
    // The download has started from the click; the URL is no longer needed.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Reads an uploaded file as text, refusing files over `max_bytes` before reading them.
pub async fn read_file_text(file: &web_sys::File, max_bytes: usize) -> Result<String, String> {
    let size = file.size();
    if size > max_bytes as f64 {
        return Err(format!(
            "{} is {} KiB; at most {} KiB is accepted",
            file.name(),
            (size / 1024.0).ceil(),
            max_bytes / 1024
        ));
    }
    let text = JsFuture::from(file.text())
        .await
        .map_err(|e| format!("could not read {}: {}", file.name(), js_text(&e)))?;
    text.as_string()
        .ok_or_else(|| format!("{} is not a text file", file.name()))
}

/// The message an embed posts to its parent page with its height in CSS pixels, so the parent can
/// size the iframe: `{type: "tlbrace:height", height}`.
pub const HEIGHT_MESSAGE: &str = "tlbrace:height";

/// Posts `height` to the parent page, if this page is in a frame.
pub fn post_height(height: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
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
