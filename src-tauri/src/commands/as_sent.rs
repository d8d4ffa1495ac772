//! What the window receives of a reply, for the tests of the replies' shapes.

use serde_json::Value;

/// `reply` as the window receives it: its JSON.
pub fn sent(reply: impl serde::Serialize) -> Value {
    serde_json::to_value(reply).expect("a reply serialises")
}
