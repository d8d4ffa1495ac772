//! Recording from the Record screen: starting under a consent, waiting for recorded time and a
//! moving level meter, and stopping.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::clock::parse_clock;
use crate::elements::{click, go, set_value};
use crate::look::maybe_look;
use crate::wait::{poll, poll_for, wait_attr, wait_displayed};

/// The recorded time the record screen shows now (`#record-elapsed`), in seconds.
pub async fn elapsed_shown(client: &Client) -> Result<f64, String> {
    let shown = client
        .find(Locator::Css("#record-elapsed"))
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    parse_clock(&shown).ok_or_else(|| format!("#record-elapsed shows {shown:?}"))
}

/// Starts recording under `consent_id` from the record screen and returns once at least
/// `seconds` are recorded and the level meter moved; the recording goes on.
pub async fn start_recording(client: &Client, consent_id: &str, seconds: f64, shots: Option<&str>) {
    go(client, "record").await;
    set_value(client, "#record-consent", consent_id).await;
    poll(client, "#record-start to be enabled", || async {
        let enabled = client
            .find(Locator::Css("#record-start"))
            .await
            .map_err(|e| e.to_string())?
            .is_enabled()
            .await
            .map_err(|e| e.to_string())?;
        if enabled {
            Ok(())
        } else {
            Err("disabled".to_owned())
        }
    })
    .await;
    maybe_look(client, shots, "record-ready").await;
    click(client, "#record-start").await;
    wait_displayed(client, "#record-stop").await;
    let mut looked = shots.is_none();
    let elapsed = poll_for(
        client,
        &format!("#record-elapsed to reach {seconds} s"),
        Duration::from_secs(60) + Duration::from_secs_f64(seconds * 3.0),
        || {
            let looking = !looked;
            looked = true;
            async move {
                if looking {
                    maybe_look(client, shots, "record-recording").await;
                }
                match elapsed_shown(client).await? {
                    s if s >= seconds => Ok(s),
                    s => Err(format!("{s} s recorded")),
                }
            }
        },
    )
    .await;
    eprintln!("recorded {elapsed} s");
    let peak = wait_attr(client, "#record-meter", "data-max-peak").await;
    let peak: f64 = peak
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("#record-meter data-max-peak {peak:?}: {e}"));
    assert!(
        peak > -30.0,
        "the level meter did not move: highest peak {peak} dBFS with a sine source"
    );
}

/// Records under `consent_id` from the record screen for at least `seconds` of recorded time
/// (the private PulseAudio sine source must be the app's default source), checks that the level
/// meter moved, stops, and returns the recording's id (`#record-result[data-recording-id]`).
pub async fn record_for(
    client: &Client,
    consent_id: &str,
    seconds: f64,
    shots: Option<&str>,
) -> String {
    start_recording(client, consent_id, seconds, shots).await;
    click(client, "#record-stop").await;
    let id = wait_attr(client, "#record-result", "data-recording-id").await;
    maybe_look(client, shots, "record-result").await;
    id
}
