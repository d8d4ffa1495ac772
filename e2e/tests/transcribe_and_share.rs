//! Issue 8 through the window: a student transcribes a short excerpt with the keyboard only,
//! anonymises it, exports it for coursework, and shares a clip with their supervisor.
//!
//! Create the vault, take a consent whose audience is the supervisor, record four seconds from
//! the private PulseAudio sine source, open the recording in the player and go to the transcript
//! screen; make a transcript of 0:01–0:03 and, from the moment the editor opens, work it with
//! keys only (Alt+T new segment, Alt+2 client speaker, Alt+K play/pause, typing, Tab, Enter):
//! two segments, autosaved; an anonymisation rule "Sarah" → "[Client]", checked; exported as TXT
//! and DOCX into `SESSIONVAULT_SAVE_DIR` with no "Sarah" in either. Then share 0:01–0:02 with the
//! supervisor to an `age` key made here, decrypt it with the stock `age` CLI and check the WAV
//! inside holds exactly one second of the recording; a share for tutors is refused in the panel;
//! the Shred screen lists the clip and both exports as copies outside the vault.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use sessionvault_e2e::{
    add_course, click, count, create_vault, date_in_days, go, grant_consent, invoke, look,
    one_at_a_time, parse_clock, poll, record_for, run_program, saved_file, scroll_to, set_value,
    type_into, wait_displayed, wait_screen, wait_text, AppEnv, Client, ConsentSpec, Locator,
    PulseServer,
};

use fantoccini::key::Key;

mod editor;
mod keyboard;
mod share;
use editor::SecondSegment;
use keyboard::{chord, tab_to};

const CLIENT_CODE: &str = "C-0815";
const CLIENT_NAME: &str = "Sarah Okonkwo-Reid";
const COURSE: &str = "Certificate in Counselling Skills";
const FIRST_WORDS: &str = "Sarah said she felt better this week";
const SECOND_WORDS: &str = "What do you think changed for you";

// ---------------------------------------------------------------------------------------------
// Files outside the window

/// Whether an exported line starts with the time stamp `[M:SS]` or `[MM:SS]` (whole seconds of
/// `seconds`) and then `speaker`.
fn stamped(line: &str, seconds: f64, speaker: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    let Some((stamp, after)) = rest.split_once(']') else {
        return false;
    };
    parse_clock(stamp).is_some_and(|s| (s - seconds.floor()).abs() < 0.01)
        && after.trim_start().starts_with(speaker)
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn transcribe_an_excerpt_by_keyboard_export_it_and_share_a_clip_with_the_supervisor() {
    let _one = one_at_a_time().await;
    let pulse = PulseServer::start();
    let env = AppEnv::new().pulse(&pulse);
    let vault_dir = env.vault_dir();
    let saved = env.save_dir();
    let window = env.launch().await;
    let client = &window.client;

    let consent = consent_for_the_supervisor_only(client, &vault_dir).await;
    let recording = record_four_seconds(client, &consent).await;
    let row = make_a_transcript_of_0_01_to_0_03(client, &recording.id).await;
    editor::wait_for_the_editor_at_0_01(client).await;
    editor::first_segment_for_the_client(client).await;
    editor::play_a_second_and_pause(client).await;
    let second = editor::second_segment_for_the_counsellor(client).await;
    editor::autosaved_with_two_segments(client, &recording.id).await;
    editor::anonymise_sarah(client).await;
    export_txt_and_docx_without_sarah(client, &saved, &second).await;
    let key = share::age_key();
    let shared = share::share_a_second_with_the_supervisor(client, &row, &key, &saved).await;
    share::the_clip_holds_exactly_one_second(&key, &shared, &recording);
    share::a_clip_for_the_tutor_is_refused(client, &saved).await;
    copies_listed_on_the_shred_screen(client).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    window.close().await;
}

/// The recording made for the test: its id and the format the vault lists for it.
struct Recording {
    id: String,
    rate: usize,
    channels: usize,
}

/// Creates the vault, a course and a consent for the supervisor only; returns the consent's id.
async fn consent_for_the_supervisor_only(client: &Client, vault_dir: &Path) -> String {
    // A vault, a course, and a consent whose audience is the supervisor only.
    create_vault(client, vault_dir, None).await;
    let ends = date_in_days(client, 60).await;
    let course = add_course(client, COURSE, &ends).await;
    let consent = grant_consent(
        client,
        &ConsentSpec {
            client_code: CLIENT_CODE,
            course_id: Some(&course),
            destroy_by: None,
            purposes: &["coursework", "supervision"],
            audience: &["supervisor"],
            case_study: "none",
            client_name: CLIENT_NAME,
            counsellor_name: "Morgan Ellery",
            typed_signature: true,
        },
        None,
    )
    .await;
    let record = invoke(client, "consent_get", json!({ "id": consent }))
        .await
        .expect("consent_get");
    eprintln!("consent {consent}: audience {}", record["audience"]);
    consent
}

/// Records four seconds and reads the recording's sample rate and channels from the vault's list.
async fn record_four_seconds(client: &Client, consent: &str) -> Recording {
    // Four seconds from the sine source.
    let recording = record_for(client, consent, 4.0, None).await;
    let summary: Value = invoke(client, "recordings_list", json!({}))
        .await
        .expect("recordings_list")
        .as_array()
        .and_then(|all| all.iter().find(|r| r["id"] == recording.as_str()).cloned())
        .expect("the recording is listed");
    let rate = summary["sample_rate"].as_u64().expect("sample_rate") as usize;
    let channels = summary["channels"].as_u64().expect("channels") as usize;
    eprintln!(
        "recording {recording}: {} s at {rate} Hz, {channels} channel(s)",
        summary["seconds"]
    );
    Recording {
        id: recording,
        rate,
        channels,
    }
}

/// Opens the recording in the player and asks for a transcript of 0:01–0:03; returns its row.
async fn make_a_transcript_of_0_01_to_0_03(client: &Client, recording: &str) -> String {
    // The library opens it in the player; from there, Transcribe.
    go(client, "library").await;
    let row = format!("#library-list [data-recording-id=\"{recording}\"]");
    click(client, &format!("{row} button.open-player")).await;
    wait_screen(client, "player").await;
    set_value(client, "#player-listener", "self").await;
    click(client, "#player-start").await;
    wait_displayed(client, "#player-play").await;
    click(client, "#player-transcribe").await;
    wait_screen(client, "transcript").await;
    wait_displayed(client, "#transcript-create").await;
    type_into(client, "#transcript-from", "0:01").await;
    type_into(client, "#transcript-until", "0:03").await;
    click(client, "#transcript-create").await;
    row
}

/// Exports TXT and DOCX by keyboard; checks their words, stamps and speakers, and no Sarah.
async fn export_txt_and_docx_without_sarah(client: &Client, saved: &Path, second: &SecondSegment) {
    let (second_time, second_at) = (&second.time, second.at);
    // Export TXT and DOCX, by keyboard.
    tab_to(client, "transcript-export-txt", 10).await;
    chord(client, &[Key::Enter.into()]).await;
    let txt = saved_file(client, saved, "txt").await;
    tab_to(client, "transcript-export-docx", 5).await;
    chord(client, &[Key::Enter.into()]).await;
    let docx = saved_file(client, saved, "docx").await;
    wait_text(client, "#transcript-export-result").await;

    let exported = std::fs::read_to_string(&txt).expect("the TXT export");
    eprintln!("--- {} ---\n{exported}---", txt.display());
    assert!(
        exported.contains("[Client] said she felt better"),
        "the TXT export lacks the anonymised words"
    );
    assert!(
        !exported.contains("Sarah"),
        "the TXT export still names Sarah"
    );
    assert!(
        exported
            .lines()
            .any(|l| stamped(l, 1.0, "C:") && l.contains("[Client] said she felt better")),
        "the TXT export has no line starting with 0:01 and C: with the client's words"
    );
    assert!(
        exported
            .lines()
            .any(|l| stamped(l, second_at, "T:") && l.contains(SECOND_WORDS)),
        "the TXT export has no line starting with {second_time} and T: with the counsellor's words"
    );
    let document = run_program(
        "unzip",
        &["-p", docx.to_str().unwrap(), "word/document.xml"],
    );
    let document = String::from_utf8_lossy(&document);
    assert!(
        document.contains("said she felt better"),
        "the DOCX's document.xml lacks the words"
    );
    assert!(!document.contains("Sarah"), "the DOCX still names Sarah");
    assert!(
        !run_program("unzip", &["-p", docx.to_str().unwrap()])
            .windows(5)
            .any(|w| w == b"Sarah"),
        "some part of the DOCX still names Sarah"
    );
}

/// Checks the Shred screen lists the clip and the two exports as copies outside the vault.
async fn copies_listed_on_the_shred_screen(client: &Client) {
    // The Shred screen lists the clip and both exports as copies outside the vault.
    go(client, "shred").await;
    let listed = poll(client, "three copies in #copies-list", || async {
        let items = client
            .find_all(Locator::Css("#copies-list li[data-copy-id]"))
            .await
            .map_err(|e| e.to_string())?;
        let mut texts = vec![];
        for item in &items {
            texts.push(item.text().await.unwrap_or_default());
        }
        if texts.len() == 3 {
            Ok(texts)
        } else {
            Err(format!("lists {texts:?}"))
        }
    })
    .await;
    eprintln!("copies: {listed:#?}");
    assert_eq!(
        listed
            .iter()
            .filter(|t| t.starts_with("Shared clip") && t.contains(CLIENT_CODE))
            .count(),
        1,
        "the shared clip is not listed: {listed:?}"
    );
    assert_eq!(
        listed
            .iter()
            .filter(|t| t.starts_with("Exported transcript"))
            .count(),
        2,
        "the two transcript exports are not listed: {listed:?}"
    );
    assert_eq!(count(client, "#copies-list button.copy-destroyed").await, 3);
    scroll_to(client, "copies-title").await;
    look(client, "transcribe-copies").await;
}
