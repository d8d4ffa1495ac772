//! What the window receives of a reply, for the tests of the replies' shapes.

use serde_json::Value;

/// `reply` as the window receives it: its JSON.
pub fn sent(reply: impl serde::Serialize) -> Value {
    serde_json::to_value(reply).expect("a reply serialises")
}

/// The names of the keys of `object`, sorted.
pub fn keys(object: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = object
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}
