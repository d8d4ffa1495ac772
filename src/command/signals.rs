//! The signals a recording or a playback answers to.

use sessionvault_core::sessions::recording;

use super::Failure;

/// Ctrl-C and SIGTERM set `control.stop`; SIGUSR1 and SIGUSR2 ask for pause and resume.
pub(super) fn watch_signals(control: &recording::Control) -> Result<(), Failure> {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    for (signal, flag) in [
        (SIGINT, &control.stop),
        (SIGTERM, &control.stop),
        (SIGUSR1, &control.pause),
        (SIGUSR2, &control.resume),
    ] {
        signal_hook::flag::register(signal, flag.clone()).map_err(|e| Failure {
            code: "internal",
            message: format!("could not watch for signals: {e}"),
            json_written: false,
        })?;
    }
    Ok(())
}
