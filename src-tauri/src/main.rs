//! The SessionVault window: a thin Tauri shell over the `sessionvault-core` crate.
//!
//! The shell only forwards: every command is a few lines that call the core and hand its answer
//! to the webview. The webview gets reports and ids, never paths it may choose, audio bytes or
//! key material.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

mod background;
mod commands;
mod drawing;
mod error;
mod state;
mod webview_data;

use std::sync::Arc;

use tauri::Manager;

fn main() {
    drawing::paint_without_compositing();
    tracing_subscriber_init();
    sessionvault_core::hardening::disable_core_dumps();
    let context = tauri::generate_context!("../tauri.conf.json");
    let shell = Arc::new(state::Shell::from_env());
    let idle_timer = Arc::clone(&shell);
    let on_exit = Arc::clone(&shell);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second launch focuses the window that is already open instead.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        // Save dialogs are opened from Rust only; the capability gives the webview no dialog
        // permission.
        .plugin(tauri_plugin_dialog::init())
        .manage(shell)
        .setup(move |app| {
            idle_timer.start_idle_timer()?;
            webview_data::open_main_window(app)?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(context)
        .map(|app| {
            #[cfg(unix)]
            exit_on_signals(app.handle().clone());
            app.run(move |app, event| {
                if let tauri::RunEvent::Exit = event {
                    on_exit.shut_down();
                    webview_data::remove(app);
                }
            })
        });
    if let Err(error) = result {
        eprintln!("SessionVault could not start its window: {error}");
        std::process::exit(1);
    }
}

/// SIGTERM (logout, shutdown), SIGINT and SIGHUP end the app as closing its window does, so a
/// running recording is sealed and the webview's data folder removed.
#[cfg(unix)]
fn exit_on_signals(app: tauri::AppHandle) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) {
        Ok(mut signals) => {
            let spawned = std::thread::Builder::new()
                .name("signals".to_owned())
                .spawn(move || {
                    if signals.forever().next().is_some() {
                        app.exit(0);
                    }
                });
            if let Err(error) = spawned {
                tracing::warn!(%error, "signals will end the app without sealing");
            }
        }
        Err(error) => tracing::warn!(%error, "signals will end the app without sealing"),
    }
}

/// Logs go to stderr at `warn` unless `SESSIONVAULT_LOG` says otherwise; they carry ids only.
fn tracing_subscriber_init() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SESSIONVAULT_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(sessionvault_core::DEFAULT_LOG_FILTER)
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
