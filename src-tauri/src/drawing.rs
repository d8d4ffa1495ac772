//! How the webview draws: WebKitGTK paints the page itself rather than through its compositor.
//!
//! The window is calm: text, forms, and one level meter that moves 20 times a second while a
//! recording is in view. With WebKitGTK's compositor, every one of those frames goes through
//! its graphics pipeline, which on a laptop without a usable GPU (or with software GL) costs
//! several times what the recorder itself costs: measured with `scripts/bench-app-cpu.sh`, the
//! web process spent about 24 s of CPU per minute of recording with the Record screen in view,
//! against about 3.5 s when it paints directly. Painting directly also avoids the blank windows
//! that some GPU drivers give WebKitGTK's compositor.
//!
//! Someone who wants the compositor back sets `WEBKIT_DISABLE_COMPOSITING_MODE=0` before
//! starting the app; any value they set is left alone.

/// The variable WebKitGTK reads when its web process starts.
const COMPOSITING_OFF: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Asks WebKitGTK to paint without its compositor, unless the environment already says.
///
/// Called first in `main`, before any thread is started and before the webview exists, so the
/// web process WebKit starts inherits it.
pub fn paint_without_compositing() {
    if std::env::var_os(COMPOSITING_OFF).is_none() {
        std::env::set_var(COMPOSITING_OFF, "1");
    }
}
