//! The register of recordings: what is known of each recording (its row in the vault), never
//! its audio. The disclosure gate reads a recording's row from here before anything of it is
//! revealed, so the register depends on nothing but the store.

use rusqlite::OptionalExtension;

use crate::store::db::DbError;
use crate::store::vault::{Vault, VaultError};

/// Where a recording was paused or resumed, or interrupted because the computer slept or
/// SessionVault was held up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PausePoint {
    /// `paused`, `resumed` or `interrupted`.
    pub event: String,
    /// The frame of the recording where it happened.
    pub frame: u64,
    /// Seconds since the recording started, by the wall clock.
    pub after_seconds: f64,
    /// For an interruption: how long no audio arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// For an interruption: how much of that audio never came and is not in the recording
    /// (none when the sound server kept it meanwhile). Nothing is put in its place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_seconds: Option<f64>,
}

impl PausePoint {
    /// For an interruption, what happened in words (for the CLI; the window words its own).
    pub fn interruption_words(&self) -> Option<String> {
        (self.event == "interrupted").then(|| {
            interruption_words(
                self.after_seconds,
                self.seconds.unwrap_or_default(),
                self.missing_seconds,
            )
        })
    }

    pub(crate) fn at(event: &str, frame: u64, after_seconds: f64) -> PausePoint {
        PausePoint {
            event: event.to_owned(),
            frame,
            after_seconds,
            seconds: None,
            missing_seconds: None,
        }
    }
}

/// An interruption in words: `after_seconds` into the recording, no audio came for
/// `seconds`, of which `missing_seconds` never came (unknown while it is still being worked
/// out).
pub fn interruption_words(
    after_seconds: f64,
    seconds: f64,
    missing_seconds: Option<f64>,
) -> String {
    let at = after_seconds.max(0.0).round() as u64;
    let missing = match missing_seconds {
        Some(m) if m > 0.0 => format!("{m:.1} s of audio never came and is not in the recording"),
        Some(_) => "no audio is missing".to_owned(),
        None => "how much audio is missing is not known yet".to_owned(),
    };
    format!(
        "interrupted {}:{:02} into the recording for {seconds:.1} s (the computer slept or \
         SessionVault was held up); {missing}",
        at / 60,
        at % 60
    )
}

/// A recording as listed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    /// The recording id.
    pub id: String,
    /// The consent it was made under.
    pub consent_id: String,
    /// The client code.
    pub client_code: String,
    /// The course it was recorded for, if any.
    pub course_id: Option<String>,
    /// `recording`, `complete`, `recovered` or `faulted`.
    pub state: String,
    /// When it started.
    pub started_at: String,
    /// Seconds of audio.
    pub seconds: f64,
    /// Frames of audio.
    pub frames: u64,
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// The input device.
    pub device: String,
    /// The sample format the device delivered (`i16`, `f32`, ...), converted to 16-bit.
    pub device_format: String,
    /// The channels the device delivered.
    pub device_channels: u16,
    /// How the stored audio was made from what the device delivered, in words (`none`, or
    /// e.g. `f32 samples to 16-bit; 2 channels mixed down to mono`).
    pub conversion: String,
    /// Samples dropped because the writer fell behind.
    pub overruns: u64,
    /// What stopped it, if a fault did.
    pub fault: Option<String>,
    /// Where it was paused and resumed.
    pub pauses: Vec<PausePoint>,
}

const SUMMARY: &str = "SELECT id, consent_id, client_code, state, started_at, frames, sample_rate,
    channels, device, overruns, fault, pauses, device_format, course_id, device_channels, conversion
    FROM recordings";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    let frames: u64 = r.get(5)?;
    let sample_rate: u32 = r.get(6)?;
    let channels: u16 = r.get(7)?;
    let device_format: String = r.get(12)?;
    Ok(Summary {
        id: r.get(0)?,
        consent_id: r.get(1)?,
        client_code: r.get(2)?,
        state: r.get(3)?,
        started_at: r.get(4)?,
        seconds: frames as f64 / f64::from(sample_rate.max(1)),
        frames,
        sample_rate,
        channels,
        device: r.get(8)?,
        overruns: r.get(9)?,
        fault: r.get(10)?,
        pauses: r
            .get::<_, Option<String>>(11)?
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default(),
        course_id: r.get(13)?,
        // Recordings made before these were kept had the channels they were asked for, and
        // only their samples turned into 16-bit.
        device_channels: r.get::<_, Option<u16>>(14)?.unwrap_or(channels),
        conversion: match r.get::<_, Option<String>>(15)? {
            Some(words) => words,
            None if device_format == "i16" => "none".to_owned(),
            None => format!("{device_format} samples to 16-bit"),
        },
        device_format,
    })
}

/// One recording, or `None` when no recording has this id.
///
/// Errors: [`VaultError`] when the database cannot be read.
pub(crate) fn find(vault: &Vault, id: &str) -> Result<Option<Summary>, VaultError> {
    vault
        .db()
        .conn()
        .query_row(&format!("{SUMMARY} WHERE id = ?1"), [id.trim()], summary)
        .optional()
        .map_err(|e| VaultError::from(DbError::from(e)))
}

/// Every recording, newest first.
///
/// Errors: [`VaultError`] when the database cannot be read.
pub(crate) fn all(vault: &Vault) -> Result<Vec<Summary>, VaultError> {
    let conn = vault.db().conn();
    let read = || -> rusqlite::Result<Vec<Summary>> {
        let mut stmt = conn.prepare(&format!("{SUMMARY} ORDER BY started_at DESC"))?;
        let rows = stmt.query_map([], summary)?;
        rows.collect()
    };
    read().map_err(|e| VaultError::from(DbError::from(e)))
}
