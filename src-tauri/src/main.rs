//! The SessionVault window: a thin Tauri shell over the `sessionvault` core.
//!
//! The shell only forwards: every command is a few lines that call the core and hand its answer
//! to the webview. The webview gets reports and ids, never paths it may choose, audio bytes or
//! key material.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use tauri::Manager;

fn main() {
    tracing_subscriber_init();
    let context = tauri::generate_context!("../tauri.conf.json");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            // A second launch focuses the window that is already open instead.
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .manage(commands::Shell::from_env())
        .invoke_handler(tauri::generate_handler![
            commands::vault_status,
            commands::vault_create
        ])
        .run(context);
    if let Err(error) = result {
        eprintln!("SessionVault could not start its window: {error}");
        std::process::exit(1);
    }
}

/// Logs go to stderr at `warn` unless `SESSIONVAULT_LOG` says otherwise; they carry ids only.
fn tracing_subscriber_init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SESSIONVAULT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(sessionvault::DEFAULT_LOG_FILTER));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
