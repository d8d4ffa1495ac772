//! Originals an anonymisation missed: warned of, and when they refuse an export, named in
//! the error; and what setting a list or exporting a document prints, for transcripts and case
//! studies alike.

use serde_json::json;
use sessionvault_core::documents::case_study::CaseStudyError;
use sessionvault_core::documents::transcript::anonymise::Leftover;
use sessionvault_core::documents::transcript::export::Exported;
use sessionvault_core::documents::transcript::TranscriptError;

use super::output::{print_json, print_result};
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
fn refused_leftovers(json: bool, failure: Failure, leftovers: &[Leftover]) -> Failure {
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

/// A document's error that may be a refusal for originals its anonymisation missed.
pub(super) trait MissedOriginals: Into<Failure> {
    /// The originals missed, when that is what the error is.
    fn missed(&self) -> Option<&[Leftover]>;
}

impl MissedOriginals for TranscriptError {
    fn missed(&self) -> Option<&[Leftover]> {
        match self {
            TranscriptError::NotAnonymised(left) => Some(left),
            _ => None,
        }
    }
}

impl MissedOriginals for CaseStudyError {
    fn missed(&self) -> Option<&[Leftover]> {
        match self {
            CaseStudyError::NotAnonymised(left) => Some(left),
            _ => None,
        }
    }
}

/// The failure for `error`: a refusal for missed originals warns of them (and with --json
/// names them in the error); any other error is as it is.
pub(super) fn refusal<E: MissedOriginals>(json: bool, error: E) -> Failure {
    match error.missed().map(<[Leftover]>::to_vec) {
        Some(left) => refused_leftovers(json, error.into(), &left),
        None => error.into(),
    }
}

/// What setting a document's anonymisation list left: the warnings of what it still misses,
/// then how many rules it has (with --json, the leftovers too).
pub(super) fn print_rules(json: bool, what: &str, id: &str, rules: usize, leftovers: &[Leftover]) {
    warn_leftovers(leftovers);
    let outcome = json!({ "id": id, "rules": rules, "leftovers": leftovers });
    print_result(json, &outcome, |_| {
        println!(
            "{what} {id} has {rules} anonymisation rule(s){}.",
            if leftovers.is_empty() {
                ""
            } else {
                ": an export would be refused until the warnings above are dealt with"
            }
        )
    });
}

/// Where an export was written, and that it is an outstanding copy (`then`: what to do with
/// it, after a colon, or nothing).
pub(super) fn print_exported(json: bool, done: &Exported, then: Option<&str>) {
    print_result(json, done, |done| {
        println!(
            "Wrote {} ({} bytes). It is logged as an outstanding copy{}.",
            done.path,
            done.bytes,
            then.map(|t| format!(": {t}")).unwrap_or_default()
        )
    });
}
