//! What every command prints the same way: JSON results, ids, yes and no.

use serde_json::json;

/// A result as pretty JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("sessionvault: could not write JSON: {e}"),
    }
}

/// A result as JSON with --json, else in words by `in_words`.
pub(super) fn print_result<T: serde::Serialize + ?Sized>(
    json: bool,
    value: &T,
    in_words: impl Fn(&T),
) {
    if json {
        print_json(value);
    } else {
        in_words(value);
    }
}

/// A new record's id: alone on a line, or with --json as `{"id": …}`.
pub(super) fn print_id(json: bool, id: &str) {
    if json {
        print_json(&json!({ "id": id }));
    } else {
        println!("{id}");
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
