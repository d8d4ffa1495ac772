//! `sessionvault devices`: the audio hosts and their input and output devices.

use super::context::Context;
use super::output::print_json;
use super::Failure;

/// Lists every audio host with its devices.
pub(super) fn run(context: &Context) -> Result<(), Failure> {
    let hosts = sessionvault_audio::devices::inventory();
    if context.json {
        print_json(&hosts);
    } else {
        for host in &hosts {
            print_host(host);
        }
    }
    Ok(())
}

/// One audio host and its devices, with their ids and roles (`*`: the default).
pub(super) fn print_host(host: &sessionvault_audio::devices::HostReport) {
    let mark = if host.preferred { " (used)" } else { "" };
    println!("  {}{mark}", host.host);
    if let Some(problem) = &host.problem {
        println!("    unavailable: {problem}");
    }
    for d in &host.devices {
        let mut roles = Vec::new();
        if d.input {
            roles.push(if d.default_input { "input*" } else { "input" });
        }
        if d.output {
            roles.push(if d.default_output {
                "output*"
            } else {
                "output"
            });
        }
        println!("    {:<40} {:<14} {}", d.id, roles.join(","), d.name);
    }
}
