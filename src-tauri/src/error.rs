//! The one error type of the shell: what the webview receives when a command is refused.

use sessionvault_core::ErrorCode;

/// An error as the webview receives it: a stable code and a message for the counsellor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommandError {
    /// A stable, machine-readable name for the kind of error (the core's codes, plus the
    /// shell's own: `locked`, `not_recording`, `already_recording`, `no_player`,
    /// `invalid_input`, `io_failed`, `internal`, `no_vault_folder`).
    pub code: &'static str,
    /// What happened, written for the counsellor.
    pub message: String,
}

impl CommandError {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CommandError {
            code,
            message: message.into(),
        }
    }

    /// The vault is locked: unlock it first.
    pub fn locked() -> Self {
        CommandError::new(
            "locked",
            "SessionVault is locked: unlock it to carry on (a running recording goes on)",
        )
    }

    /// Something in the shell itself failed (a thread stopped unexpectedly).
    pub fn internal(what: impl std::fmt::Display) -> Self {
        CommandError::new(
            "internal",
            format!("the operation stopped unexpectedly: {what}"),
        )
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

/// Every core error becomes a [`CommandError`] with its own code and message.
impl<E: ErrorCode> From<E> for CommandError {
    fn from(e: E) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionvault_core::settings::SettingsError;

    #[test]
    fn core_errors_keep_their_code_and_words() {
        let e = CommandError::from(SettingsError::IdleLockMinutes("0".into()));
        assert_eq!(e.code, "invalid_setting");
        assert!(e.message.contains("minutes"));
        let json = serde_json::to_value(CommandError::locked()).unwrap();
        assert_eq!(json["code"], "locked");
        assert!(json["message"].is_string());
    }
}
