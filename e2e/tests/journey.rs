//! The counsellor's whole journey through the window, as a person would work it: create the
//! vault, add a course, take a client's consent with a signature drawn with the mouse, record a
//! session in real time from a (private, sine-wave) microphone, listen to it and bookmark a
//! moment, then shred the course and save the signed certificate. Every screen is photographed
//! and checked with axe-core on the way; what the window did is checked outside it too (files,
//! keyring, the saved PDF), and nothing of the session may be left in the webview's own folders.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sessionvault_e2e::{
    add_course, assert_accessible, click, count, create_vault, date_in_days, files_holding,
    files_under, go, grant_consent, look, one_at_a_time, parse_clock, poll, press, record_for,
    secret_tool_search, set_value, text, type_into, wait_displayed, wait_for, wait_screen,
    wait_text, AppEnv, Client, ConsentSpec, Locator, PulseServer,
};

const CLIENT_CODE: &str = "C-0427";
const CLIENT_NAME: &str = "Rosalind Quennell-Abara";
const BOOKMARK_NOTE: &str = "Long pause before naming the younger sister";
const COURSE: &str = "Diploma in Integrative Counselling";
const SHOTS: Option<&str> = Some("journey");

#[tokio::test(flavor = "multi_thread")]
async fn consent_record_play_bookmark_and_shred_through_the_window() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let vault_dir = env.vault_dir();
    let window = env.launch().await;
    let client = &window.client;

    let vault = vault_and_a_course_on_home(client, &vault_dir).await;
    let consent = consent_signed_with_the_mouse(client, &vault.course).await;
    the_clients_page_lists_the_client(client).await;
    let recording = record_five_seconds_sealed(client, &consent, &vault_dir, &vault.service).await;
    play_it_for_the_counsellor(client, &recording.id).await;
    bookmark_a_moment_with_a_note(client).await;
    let certificate = shred_the_course(client, &vault.course, &recording.id).await;
    the_file_and_its_key_are_gone(&recording, &vault_dir, &vault.service);
    save_the_certificate_as_pdf(client, &env, &certificate).await;
    the_audit_log_verifies(client).await;
    home_no_longer_lists_it(client, &recording.id).await;
    what_the_webview_holds_while_open(&env);

    let accessibility = window.shut().await;
    // Give the webview's processes a moment to write whatever they keep.
    tokio::time::sleep(Duration::from_secs(2)).await;

    nothing_of_the_session_left_outside_the_vault(&env);
    assert_accessible(&accessibility);
}

/// The vault made for the journey: its keyring service and the course added to it.
struct VaultWithCourse {
    service: String,
    course: String,
}

/// Creates the vault and, on Home, a course that ends in two months.
async fn vault_and_a_course_on_home(client: &Client, vault_dir: &Path) -> VaultWithCourse {
    // Vault, then Home with a course that ends in two months.
    let vault = create_vault(client, vault_dir, SHOTS).await;
    let service = format!("sessionvault/{vault}");
    look(client, "journey-home-empty").await;
    let ends = date_in_days(client, 60).await;
    let course = add_course(client, COURSE, &ends).await;
    look(client, "journey-home").await;
    VaultWithCourse { service, course }
}

/// Takes the client's consent for the course, signed with the mouse on the pad; returns its id.
async fn consent_signed_with_the_mouse(client: &Client, course: &str) -> String {
    // The client's consent, signed with the mouse on the pad.
    let consent = grant_consent(
        client,
        &ConsentSpec {
            client_code: CLIENT_CODE,
            course_id: Some(course),
            destroy_by: None,
            purposes: &["coursework", "supervision"],
            audience: &["tutors", "supervisor"],
            case_study: "none",
            client_name: CLIENT_NAME,
            counsellor_name: "Morgan Ellery",
            typed_signature: false,
        },
        SHOTS,
    )
    .await;
    eprintln!("consent {consent}");
    consent
}

/// Waits for the Clients & consent screen to list the client's code.
async fn the_clients_page_lists_the_client(client: &Client) {
    // The client's page lists the code and the consent.
    go(client, "clients").await;
    wait_displayed(
        client,
        &format!("#client-list li[data-client=\"{CLIENT_CODE}\"]"),
    )
    .await;
    look(client, "journey-clients-after-consent").await;
}

/// The recording made in the journey: its id and its sealed file in the vault.
struct SealedRecording {
    id: String,
    sealed: PathBuf,
}

/// Records five seconds; checks the sealed file is in the vault and its key in the keyring.
async fn record_five_seconds_sealed(
    client: &Client,
    consent: &str,
    vault_dir: &Path,
    service: &str,
) -> SealedRecording {
    // Five seconds from the sine source, in real time; the meter must move.
    let recording = record_for(client, consent, 5.0, SHOTS).await;
    eprintln!("recording {recording}");
    let sealed = vault_dir
        .join("recordings")
        .join(format!("{recording}.age"));
    assert!(
        sealed.is_file(),
        "no sealed recording at {}",
        sealed.display()
    );
    let keys = secret_tool_search(service);
    assert!(
        keys.contains(&format!("recording-key/{recording}")),
        "the recording's key is not in the keyring: {keys}"
    );
    SealedRecording {
        id: recording,
        sealed,
    }
}

/// Opens the recording in the player for the counsellor and plays it on for a second.
async fn play_it_for_the_counsellor(client: &Client, recording: &str) {
    // The library lists it; the player opens it for the counsellor and plays.
    go(client, "library").await;
    let row = format!("#library-list [data-recording-id=\"{recording}\"]");
    wait_displayed(client, &row).await;
    look(client, "journey-library").await;
    click(client, &format!("{row} button.open-player")).await;
    wait_screen(client, "player").await;
    set_value(client, "#player-listener", "self").await;
    look(client, "journey-player-listener").await;
    click(client, "#player-start").await;
    wait_displayed(client, "#player-play").await;
    let start = parse_clock(&text(client, "#player-position").await).unwrap_or(0.0);
    // Held as a hand holds it, while the player redraws its position ten times a second.
    press(client, "#player-play", Duration::from_millis(400)).await;
    let reached = poll(client, "#player-position to advance", || async {
        let shown = client
            .find(Locator::Css("#player-position"))
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        match parse_clock(&shown) {
            Some(s) if s >= start + 1.0 => Ok(s),
            other => Err(format!("shows {shown:?} ({other:?})")),
        }
    })
    .await;
    eprintln!("played to {reached} s");
    look(client, "journey-player-playing").await;
}

/// Adds a bookmark with a note, waits for it in the list and closes the player.
async fn bookmark_a_moment_with_a_note(client: &Client) {
    // A bookmark with a note.
    type_into(client, "#bookmark-note", BOOKMARK_NOTE).await;
    click(client, "#bookmark-add").await;
    poll(client, "the bookmark in #bookmark-list", || async {
        let items = client
            .find_all(Locator::Css("#bookmark-list li[data-bookmark-id]"))
            .await
            .map_err(|e| e.to_string())?;
        for item in items {
            if item
                .text()
                .await
                .unwrap_or_default()
                .contains(BOOKMARK_NOTE)
            {
                return Ok(());
            }
        }
        Err("not listed yet".to_owned())
    })
    .await;
    look(client, "journey-player-bookmark").await;
    click(client, "#player-close").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// Shreds the course once the preview lists the recording; returns the certificate's id.
async fn shred_the_course(client: &Client, course: &str, recording: &str) -> String {
    // Shred the course (not ended yet, so not due: through the shred screen).
    go(client, "shred").await;
    set_value(client, "#shred-kind", "course").await;
    set_value(client, "#shred-id", course).await;
    poll(client, "#shred-preview to list the recording", || async {
        let preview = client
            .find(Locator::Css("#shred-preview"))
            .await
            .map_err(|e| e.to_string())?;
        let listed = preview
            .find_all(Locator::Css("[data-recording-id]"))
            .await
            .map_err(|e| e.to_string())?;
        let mut ids = vec![];
        for item in &listed {
            ids.push(item.attr("data-recording-id").await.ok().flatten());
        }
        let shown = preview.text().await.unwrap_or_default();
        if ids == [Some(recording.to_owned())] || (listed.is_empty() && shown.contains(recording)) {
            Ok(())
        } else {
            Err(format!("lists {ids:?}; shows {shown:?}"))
        }
    })
    .await;
    look(client, "journey-shred-preview").await;
    click(client, "#shred-confirm").await;
    wait_displayed(client, "#certificate").await;
    let certificate = wait_text(client, "#certificate-id").await.trim().to_owned();
    eprintln!("certificate {certificate}");
    look(client, "journey-certificate").await;
    certificate
}

/// Checks outside the window that the recording's file and key are gone, the vault's own keys not.
fn the_file_and_its_key_are_gone(recording: &SealedRecording, vault_dir: &Path, service: &str) {
    let SealedRecording {
        id: recording,
        sealed,
    } = recording;
    // Outside the window: the file is gone and so is its key.
    assert!(!sealed.exists(), "{} is still there", sealed.display());
    assert!(
        !files_under(&vault_dir.join("recordings"))
            .iter()
            .any(|f| f.to_string_lossy().contains(recording.as_str())),
        "something of the recording is left under recordings/"
    );
    let keys = secret_tool_search(service);
    assert!(
        !keys.contains(&format!("recording-key/{recording}")),
        "the recording's key is still in the keyring: {keys}"
    );
    assert!(
        keys.contains("signing-key"),
        "the vault's own keys went too: {keys}"
    );
}

/// Saves the certificate as PDF; waits for the whole file and checks the certificate is listed.
async fn save_the_certificate_as_pdf(client: &Client, env: &AppEnv, certificate: &str) {
    // The certificate saved as PDF, into SESSIONVAULT_SAVE_DIR instead of a dialog.
    click(client, "#certificate-save-pdf").await;
    let saved = env.save_dir();
    let pdf = poll(client, "a PDF in the save folder", || async {
        files_under(&saved)
            .into_iter()
            .find(|f| f.extension().is_some_and(|e| e == "pdf"))
            .and_then(|f| {
                let bytes = std::fs::read(&f).ok()?;
                // Wait until written whole.
                (bytes.starts_with(b"%PDF") && bytes.windows(5).any(|w| w == b"%%EOF")).then_some(f)
            })
            .ok_or_else(|| format!("{:?}", files_under(&saved)))
    })
    .await;
    eprintln!("saved {}", pdf.display());
    assert!(
        count(client, "#certificate-list li").await >= 1
            || text(client, "#certificate-list")
                .await
                .contains(certificate),
        "the certificate is not in #certificate-list"
    );
}

/// Checks the audit log lists entries and verifies.
async fn the_audit_log_verifies(client: &Client) {
    // The audit log holds the story and verifies.
    go(client, "audit").await;
    wait_displayed(client, "#audit-list tr").await;
    click(client, "#audit-verify").await;
    wait_for(client, "#audit-result", Some("data-state"), "ok").await;
    look(client, "journey-audit").await;
}

/// Checks Home no longer lists the shredded recording among the recent ones.
async fn home_no_longer_lists_it(client: &Client, recording: &str) {
    // Back home: the course's recordings are gone from the recent list.
    go(client, "home").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        count(
            client,
            &format!("#recent-list [data-recording-id=\"{recording}\"]")
        )
        .await,
        0,
        "the shredded recording is still listed on Home"
    );
    look(client, "journey-home-after-shred").await;
}

/// Prints what the webview keeps in its per-run folder while the window is open.
fn what_the_webview_holds_while_open(env: &AppEnv) {
    // While the window is open its webview keeps data in a per-run folder: look at what is in
    // it (the assertion below is about what is left after the app ends).
    let live = env.webview_run_folders();
    let live_leaks = files_holding(&live, &[CLIENT_CODE, CLIENT_NAME, BOOKMARK_NOTE]);
    eprintln!(
        "webview per-run folder while open: {live:?}, {} files; holding session data: {live_leaks:?}",
        live.iter().map(|d| files_under(d).len()).sum::<usize>()
    );
}

/// After the app has ended, checks no file in its webview, HOME or XDG folders holds session data.
fn nothing_of_the_session_left_outside_the_vault(env: &AppEnv) {
    // Nothing of the session in the webview's data or cache folders, nor anywhere else in the
    // app's HOME and XDG folders: not the client code, the client's name or the bookmark note.
    let folders = env.webview_folders();
    let mut webview: Vec<_> = folders
        .iter()
        .flat_map(|dir| {
            [
                dir.join("app.sessionvault.desktop"),
                dir.join(".local/share/app.sessionvault.desktop"),
                dir.join(".cache/app.sessionvault.desktop"),
            ]
        })
        .filter(|d| d.exists())
        .collect();
    webview.extend(env.webview_run_folders());
    let mut kept: Vec<String> = folders
        .iter()
        .flat_map(|dir| {
            files_under(dir).into_iter().filter_map(move |f| {
                let rel = f.strip_prefix(dir).ok()?.parent()?.to_owned();
                Some(format!(
                    "{}/{}",
                    dir.file_name()?.to_string_lossy(),
                    rel.display()
                ))
            })
        })
        .collect();
    kept.sort();
    kept.dedup();
    eprintln!("webview folders: {webview:?}; folders with files: {kept:?}");
    let leaks = files_holding(&folders, &[CLIENT_CODE, CLIENT_NAME, BOOKMARK_NOTE]);
    assert!(
        leaks.is_empty(),
        "session data left outside the vault: {leaks:?}"
    );
}
