//! Originals an anonymisation missed: warned of, and when they refuse an export, named in
//! the error.

use serde_json::json;
use sessionvault_core::documents::transcript::anonymise::Leftover;

use super::output::print_json;
use super::Failure;

/// Warns on stderr of originals the anonymisation missed, by rule and place, never the
/// original itself.
pub(super) fn warn_leftovers(leftovers: &[Leftover]) {
    for l in leftovers {
        eprintln!(
            "WARNING: rule {} (replaced by {:?}) still matches {} time(s) in {}: add a rule for \
             that form or reword it",
            l.rule,
            l.replacement,
            l.count,
            l.places.join(", ")
        );
    }
}

/// A refusal for leftovers: the warning, and with --json the leftovers in the error.
pub(super) fn refused_leftovers(json: bool, failure: Failure, leftovers: &[Leftover]) -> Failure {
    warn_leftovers(leftovers);
    if json {
        print_json(&json!({ "error": {
            "code": failure.code,
            "message": failure.message,
            "leftovers": leftovers,
        }}));
    }
    Failure {
        json_written: json,
        ..failure
    }
}
