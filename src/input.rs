//! Options of the `sessionvault` binary that carry a name or clinical text (not part of the
//! library). Each accepts `-`, which reads the text from standard input, so that nothing of a
//! client needs to stand in the process list or the shell history. At most one option of a
//! command can be `-`. The passphrase of a share or a bundle is read here too, from the
//! environment or standard input, never from the command line.

use std::io::{BufRead, IsTerminal, Read};

use sessionvault_core::handover::share;
use zeroize::Zeroizing;

use crate::command::Failure;

/// The options that may be `-`, by their clap ids (the field names).
const TEXT_OPTIONS: [&str; 7] = [
    "client_name",
    "counsellor_name",
    "reason",
    "note",
    "text",
    "replace",
    "title",
];

/// The most that is read from standard input, in bytes.
const MAX_BYTES: u64 = 1 << 20;

/// The text of an option as given on the command line, or `-`: standard input. Its `Debug`
/// form leaves the text out.
#[derive(Clone)]
pub(crate) enum Text {
    /// Given on the command line.
    Given(String),
    /// `-`: read from standard input when it is needed.
    Stdin,
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        if text == "-" {
            Text::Stdin
        } else {
            Text::Given(text)
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Given(text) => write!(f, "Text(<{} chars>)", text.chars().count()),
            Text::Stdin => f.write_str("Text(-)"),
        }
    }
}

impl Text {
    /// The text of option `option` (named in messages): as given, or standard input read to
    /// its end as UTF-8, with one trailing line break removed.
    pub(crate) fn read(&self, option: &str) -> Result<Zeroizing<String>, Failure> {
        match self {
            Text::Given(text) => Ok(Zeroizing::new(text.clone())),
            Text::Stdin => {
                let mut text = read_stdin(option)?;
                if text.ends_with('\n') {
                    text.pop();
                    if text.ends_with('\r') {
                        text.pop();
                    }
                }
                Ok(text)
            }
        }
    }
}

/// The text of an optional option (see [`Text::read`]).
pub(crate) fn read_opt(
    text: Option<&Text>,
    option: &str,
) -> Result<Option<Zeroizing<String>>, Failure> {
    text.map(|t| t.read(option)).transpose()
}

/// Anonymisation rules `Original=Replacement`: each `--replace` as given, and for a `-`, each
/// non-empty line of standard input.
pub(crate) fn rules(values: &[Text]) -> Result<Zeroizing<Vec<String>>, Failure> {
    let mut rules = Zeroizing::new(Vec::with_capacity(values.len()));
    for value in values {
        match value {
            Text::Given(rule) => rules.push(rule.clone()),
            Text::Stdin => {
                let text = read_stdin("--replace")?;
                rules.extend(
                    text.lines()
                        .filter(|line| !line.trim().is_empty())
                        .map(str::to_owned),
                );
            }
        }
    }
    Ok(rules)
}

/// Standard input, read to its end as UTF-8 (at most [`MAX_BYTES`]).
fn read_stdin(option: &str) -> Result<Zeroizing<String>, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the text for {option}, then press Ctrl-D on a new line:");
    }
    let mut bytes = Zeroizing::new(Vec::new());
    stdin
        .lock()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure {
            code: "io_failed",
            message: format!("could not read {option} from standard input: {e}"),
            json_written: false,
        })?;
    let invalid = |message: String| Failure {
        code: "invalid_input",
        message,
        json_written: false,
    };
    if bytes.len() as u64 > MAX_BYTES {
        return Err(invalid(format!(
            "{option} read from standard input is longer than {} KiB",
            MAX_BYTES / 1024
        )));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        invalid(format!(
            "{option} read from standard input is not UTF-8 text"
        ))
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Refuses a command line on which more than one option is `-`, since standard input holds
/// one text only: a usage error.
pub(crate) fn at_most_one_from_stdin(
    command: &mut clap::Command,
    matches: &clap::ArgMatches,
) -> Result<(), clap::Error> {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    let mut dashed: Vec<String> = Vec::new();
    for id in TEXT_OPTIONS {
        let Ok(Some(values)) = leaf.try_get_raw(id) else {
            continue;
        };
        let option = format!("--{}", id.replace('_', "-"));
        dashed.extend(values.filter(|v| *v == "-").map(|_| option.clone()));
    }
    if dashed.len() <= 1 {
        return Ok(());
    }
    Err(command.error(
        clap::error::ErrorKind::ArgumentConflict,
        format!(
            "{} are each `-`, but only one option can be read from standard input: give the \
             others on the command line",
            dashed.join(" and ")
        ),
    ))
}

/// The passphrase for a share or a bundle: `$SESSIONVAULT_PASSPHRASE` if set, else one line of
/// standard input (its line ending removed). Never taken from the command line, where other
/// users could see it.
pub(crate) fn read_passphrase() -> Result<share::SecretString, Failure> {
    if let Some(value) = std::env::var_os("SESSIONVAULT_PASSPHRASE") {
        let value = value.into_string().map_err(|_| Failure {
            code: "invalid_input",
            message: "SESSIONVAULT_PASSPHRASE is not valid text".to_owned(),
            json_written: false,
        })?;
        return Ok(share::SecretString::from(value));
    }
    if std::io::stdin().is_terminal() {
        eprint!("Passphrase (one line; it is shown as you type, so mind who is watching): ");
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure {
            code: "io_failed",
            message: format!("could not read the passphrase from standard input: {e}"),
            json_written: false,
        })?;
    let text = line.trim_end_matches(['\n', '\r']);
    Ok(share::SecretString::from(text.to_owned()))
}
