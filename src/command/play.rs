//! `sessionvault play`: listening to a recording, logged and gated by the client's consent.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sessionvault_core::sessions::bookmark;
use sessionvault_core::sessions::player;
use sessionvault_core::sessions::recording;

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
    let from = match at_bookmark {
        Some(bookmark_id) => {
            let mark = bookmark::get(&vault, bookmark_id)?;
            if mark.recording_id != recording::get(&vault, id)?.id {
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
    let mut last_second = u64::MAX;
    let stop = &control.stop;
    let followed = player.follow_gated(
        &mut vault,
        Duration::from_millis(50),
        stop,
        &mut |position| {
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
        },
    );
    if !context.json {
        eprintln!();
    }
    let listening = player.finish(&mut vault)?;
    if context.json {
        print_json(&listening);
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
