//! The audio hosts and devices this computer offers, through cpal.
//!
//! On Linux the native PulseAudio host is preferred whenever a server answers (playback through
//! ALSA into PulseAudio's ALSA plugin stalls), with plain ALSA otherwise; macOS and Windows use
//! their default hosts. Device ids are cpal's stable `DeviceId` strings (`host:id`), usable in
//! later commands to pick a device.

use cpal::traits::{DeviceTrait, HostTrait};

/// One audio device as reported to the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceInfo {
    /// The stable id (`host:device`), to pick this device in other commands.
    pub id: String,
    /// The human-readable name.
    pub name: String,
    /// Whether it can capture (a microphone).
    pub input: bool,
    /// Whether it can play.
    pub output: bool,
    /// Whether it is the host's default input.
    pub default_input: bool,
    /// Whether it is the host's default output.
    pub default_output: bool,
}

/// One audio host (ALSA, PulseAudio, CoreAudio, WASAPI, …) and what it offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostReport {
    /// The host's name as cpal gives it.
    pub host: String,
    /// Whether SessionVault records and plays through this host.
    pub preferred: bool,
    /// The devices found, empty when listing failed.
    pub devices: Vec<DeviceInfo>,
    /// Why the host could not be opened or listed, if it could not.
    pub problem: Option<String>,
}

/// The host SessionVault uses on this computer: on Linux the native PulseAudio host when a
/// server answers, otherwise ALSA; elsewhere the platform default.
pub fn preferred_host() -> cpal::Host {
    #[cfg(target_os = "linux")]
    {
        if let Ok(host) = cpal::host_from_id(cpal::HostId::PulseAudio) {
            return host;
        }
    }
    cpal::default_host()
}

/// Every available host with its devices. Never fails: a host that cannot be opened or
/// listed is reported with its problem.
pub fn inventory() -> Vec<HostReport> {
    let preferred = preferred_host().id();
    cpal::available_hosts()
        .into_iter()
        .map(|id| {
            let mut report = HostReport {
                host: id.name().to_owned(),
                preferred: id == preferred,
                devices: Vec::new(),
                problem: None,
            };
            match cpal::host_from_id(id) {
                Ok(host) => match list(&host) {
                    Ok(devices) => report.devices = devices,
                    Err(e) => report.problem = Some(e),
                },
                Err(e) => report.problem = Some(e.to_string()),
            }
            report
        })
        .collect()
}

/// Which way a device carries sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Capture: microphones and other inputs.
    Input,
    /// Playback: speakers, headphones and other outputs.
    Output,
}

/// The audio devices could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("the audio devices could not be listed: {0}")]
pub struct ListError(String);

/// The devices of the host SessionVault records and plays through ([`preferred_host`]) that
/// go `direction`, the default one first, for the window's device choosers. Their ids are
/// those recording and playback take.
///
/// Errors: [`ListError`] when the host cannot list its devices.
pub fn going(direction: Direction) -> Result<Vec<DeviceInfo>, ListError> {
    Ok(select(
        list(&preferred_host()).map_err(ListError)?,
        direction,
    ))
}

/// The devices of `all` that go `direction`, the default one first, the others in their order.
fn select(all: Vec<DeviceInfo>, direction: Direction) -> Vec<DeviceInfo> {
    let roles = |d: &DeviceInfo| match direction {
        Direction::Input => (d.input, d.default_input),
        Direction::Output => (d.output, d.default_output),
    };
    let mut chosen: Vec<DeviceInfo> = all.into_iter().filter(|d| roles(d).0).collect();
    chosen.sort_by_key(|d| !roles(d).1);
    chosen
}

fn list(host: &cpal::Host) -> Result<Vec<DeviceInfo>, String> {
    let default_in = host.default_input_device().and_then(|d| d.id().ok());
    let default_out = host.default_output_device().and_then(|d| d.id().ok());
    let devices = host.devices().map_err(|e| e.to_string())?;
    Ok(devices
        .filter_map(|device| {
            let id = device.id().ok()?;
            let name = device
                .description()
                .map(|d| d.name().to_owned())
                .unwrap_or_else(|_| id.to_string());
            Some(DeviceInfo {
                id: id.to_string(),
                name,
                input: device.supports_input(),
                output: device.supports_output(),
                default_input: default_in.as_ref() == Some(&id),
                default_output: default_out.as_ref() == Some(&id),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(
        id: &str,
        input: bool,
        output: bool,
        default_in: bool,
        default_out: bool,
    ) -> DeviceInfo {
        DeviceInfo {
            id: id.to_owned(),
            name: id.to_owned(),
            input,
            output,
            default_input: default_in,
            default_output: default_out,
        }
    }

    #[test]
    fn select_keeps_one_direction_with_the_default_first() {
        let all = vec![
            device("a", true, false, false, false),
            device("b", false, true, false, false),
            device("c", true, true, true, false),
            device("d", false, true, false, true),
        ];
        let ids = |v: Vec<DeviceInfo>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids(select(all.clone(), Direction::Input)), ["c", "a"]);
        assert_eq!(ids(select(all, Direction::Output)), ["d", "b", "c"]);
    }
}
