//! How a command fails: a stable code and a message a counsellor understands.

use serde_json::json;
use sessionvault_core::ErrorCode;

use super::output::print_json;

/// A failed command: what to print and how to exit.
pub(crate) struct Failure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// Whether the command already wrote its JSON result (which names the problem itself).
    pub(crate) json_written: bool,
}

impl Failure {
    /// Says what failed: the message on stderr, and with `--json` the error on stdout too,
    /// unless the command already wrote its result.
    pub(crate) fn report(&self, json: bool) {
        eprintln!("sessionvault: {}", self.message);
        if json && !self.json_written {
            print_json(&json!({ "error": { "code": self.code, "message": self.message } }));
        }
    }
}

/// Every core error carries a stable code ([`ErrorCode`]) and a message for the counsellor.
impl<E: ErrorCode> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            json_written: false,
        }
    }
}
