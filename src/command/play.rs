//! `sessionvault play`: listening to a recording, logged and gated by the client's consent.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sessionvault_core::sessions::bookmark;
use sessionvault_core::sessions::player;
use sessionvault_core::sessions::recording;
use sessionvault_core::store::vault::Vault;

use super::context::Context;
use super::output::print_json;
use super::signals::watch_signals;
use super::Failure;
use crate::args::play::Play;

/// Plays the recording until its end or a signal, then says what was heard.
pub(super) fn run(context: &Context, args: &Play) -> Result<(), Failure> {
    let Play {
        id,
        from,
        bookmark: at_bookmark,
        until,
        for_,
        listener,
        speed,
        volume,
        device,
    } = args;
    let mut vault = context.open_vault()?;
    let from = start_at(&vault, id, *from, at_bookmark.as_deref())?;
    let options = player::Options {
        device: device.as_deref(),
        listener: listener.parse()?,
        from,
        until: until.or(for_.map(|d| from + d)),
        speed: *speed,
        volume: *volume,
    };
    let control = recording::Control::default();
    watch_signals(&control)?;
    let player = player::Player::open(&mut vault, id, &options)?;
    player.play();
    let followed = follow(context, &mut vault, &player, &control);
    if !context.json {
        eprintln!();
    }
    let listening = player.finish(&mut vault)?;
    print_heard(context, &listening);
    // Stopped by the gate (a withdrawal, the consent's end) while it played: what was
    // heard until then is logged and printed above; the refusal is the outcome.
    match followed? {
        Some(failure) => Err(Failure {
            code: "playback_failed",
            message: format!("playback stopped early: {failure}"),
            json_written: context.json,
        }),
        None => Ok(()),
    }
}

/// Where playing starts: at the bookmark given (which must be on this recording), else at
/// --from, else at the start.
fn start_at(
    vault: &Vault,
    id: &str,
    from: Option<Duration>,
    bookmark: Option<&str>,
) -> Result<Duration, Failure> {
    let from = match bookmark {
        Some(bookmark_id) => {
            let mark = bookmark::get(vault, bookmark_id)?;
            if mark.recording_id != recording::get(vault, id)?.id {
                return Err(Failure {
                    code: "bookmark_not_found",
                    message: format!(
                        "bookmark {bookmark_id} belongs to another recording: see \
                         `sessionvault bookmark list {id}`"
                    ),
                    json_written: false,
                });
            }
            mark.at()
        }
        None => from.unwrap_or_default(),
    };
    Ok(from)
}

/// Follows the playing until it ends or is stopped, answering pause and resume, with the
/// position on stderr; `Some` says why the gate stopped it.
fn follow(
    context: &Context,
    vault: &mut Vault,
    player: &player::Player,
    control: &recording::Control,
) -> Result<Option<String>, player::PlayError> {
    let mut last_second = u64::MAX;
    let stop = &control.stop;
    player.follow_gated(vault, Duration::from_millis(50), stop, &mut |position| {
        if control.pause.swap(false, Ordering::Relaxed) {
            player.pause();
        }
        if control.resume.swap(false, Ordering::Relaxed) {
            player.play();
        }
        let second = position.seconds as u64;
        if !context.json && second != last_second {
            last_second = second;
            eprint!(
                "\r{} {:>4}:{:02} ",
                if position.playing {
                    "playing"
                } else {
                    "paused "
                },
                second / 60,
                second % 60
            );
        }
    })
}

/// What was heard, and by whom.
fn print_heard(context: &Context, listening: &player::Listening) {
    if context.json {
        print_json(listening);
    } else {
        let ranges: Vec<String> = listening
            .ranges
            .iter()
            .map(|h| format!("{:.1}-{:.1} s", h.from_seconds, h.to_seconds))
            .collect();
        println!(
            "Heard {} for {}; logged in the audit log.",
            ranges.join(", "),
            listening.listener
        );
    }
}
