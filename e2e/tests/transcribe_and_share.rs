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

use std::time::Duration;

use serde_json::{json, Value};
use sessionvault_e2e::{
    add_course, click, count, create_vault, date_in_days, files_under, go, grant_consent, invoke,
    look, one_at_a_time, parse_clock, poll, record_for, run_program, saved_file, scroll_to,
    set_value, text, type_into, wait_attr, wait_displayed, wait_for, wait_screen, wait_text,
    AppEnv, Client, ConsentSpec, Locator, PulseServer,
};

use fantoccini::key::Key;

mod keyboard;
use keyboard::{alt, chord, focused, tab_to, type_keys, wait_focus, wait_segment_focus};

const CLIENT_CODE: &str = "C-0815";
const CLIENT_NAME: &str = "Sarah Okonkwo-Reid";
const COURSE: &str = "Certificate in Counselling Skills";
const FIRST_WORDS: &str = "Sarah said she felt better this week";
const SECOND_WORDS: &str = "What do you think changed for you";

/// The attribute `name` of the element at `css`, now ("" when absent).
async fn text_attr(client: &Client, css: &str, name: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.attr(name).await.ok().flatten().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The transcript editor's position (`#transcript-position`) in seconds.
async fn transcript_position(client: &Client) -> Option<f64> {
    parse_clock(&text(client, "#transcript-position").await)
}

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

/// A WAV file's format chunk values and the size of its data chunk.
struct Wav {
    channels: u16,
    rate: u32,
    bits: u16,
    data: usize,
}

fn read_wav(bytes: &[u8]) -> Wav {
    assert!(
        bytes.len() > 44 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "not a RIFF WAVE file (starts {:?})",
        &bytes[..bytes.len().min(12)]
    );
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (mut fmt, mut data) = (None, None);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(at + 4) as usize;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some((u16_at(body + 2), u32_at(body + 4), u16_at(body + 14)));
        } else if id == b"data" {
            data = Some(size.min(bytes.len() - body));
        }
        at = body + size + (size & 1);
    }
    let (channels, rate, bits) = fmt.expect("the WAV has a fmt chunk");
    Wav {
        channels,
        rate,
        bits,
        data: data.expect("the WAV has a data chunk"),
    }
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

    // A vault, a course, and a consent whose audience is the supervisor only.
    create_vault(client, &vault_dir, None).await;
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

    // Four seconds from the sine source.
    let recording = record_for(client, &consent, 4.0, None).await;
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

    // The editor: from here on, keys only.
    wait_displayed(client, "#transcript-add").await;
    poll(client, "the editor's player to open at 0:01", || async {
        let play = client
            .find(Locator::Css("#transcript-play"))
            .await
            .map_err(|e| e.to_string())?;
        let enabled = play.is_enabled().await.unwrap_or(false);
        let at = transcript_position(client).await;
        match (enabled, at) {
            (true, Some(s)) if (1.0..2.0).contains(&s) => Ok(()),
            other => Err(format!("(enabled, position) = {other:?}")),
        }
    })
    .await;

    // Alt+T: a segment at the current position, its text focused; words with a name; Alt+2
    // makes it the client's.
    alt(client, 't').await;
    wait_segment_focus(client, 1).await;
    type_keys(client, FIRST_WORDS).await;
    alt(client, '2').await;
    poll(client, "the first segment to be the client's (C:)", || async {
        let v = client
            .execute(
                r##"const li = document.querySelector("#transcript-segments li[data-segment-index='0']");
                   return li ? [li.querySelector("select.segment-speaker").value,
                                li.querySelector("textarea.segment-text").value,
                                li.querySelector("button.segment-time").textContent] : null;"##,
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        if v[0] == "C:" && v[1] == FIRST_WORDS && v[2] == "0:01" {
            Ok(())
        } else {
            Err(format!("segment 0 is {v}"))
        }
    })
    .await;
    assert_eq!(
        focused(client).await,
        "textarea.segment-text",
        "Alt+2 took the focus out of the text"
    );

    // Alt+K plays (the focus stays in the text), Alt+K pauses about a second on.
    alt(client, 'k').await;
    wait_for(client, "#transcript-play", Some("data-playing"), "true").await;
    let heard = poll(client, "#transcript-position to reach 0:02", || async {
        match transcript_position(client).await {
            Some(s) if s >= 2.0 => Ok(s),
            other => Err(format!("at {other:?}")),
        }
    })
    .await;
    // (Playing on to the end of the excerpt, 0:03, pauses there by itself.)
    if text_attr(client, "#transcript-play", "data-playing").await == "true" {
        alt(client, 'k').await;
    }
    wait_for(client, "#transcript-play", Some("data-playing"), "false").await;
    eprintln!("played to {heard} s, paused");
    assert_eq!(focused(client).await, "textarea.segment-text");

    // Alt+T again: a second segment, later, with the other speaker.
    alt(client, 't').await;
    let index = wait_segment_focus(client, 2).await;
    assert_eq!(index, "1", "the new segment is not after the first");
    type_keys(client, SECOND_WORDS).await;
    let second = client
        .execute(
            r##"const li = document.querySelector("#transcript-segments li[data-segment-index='1']");
               return [li.querySelector("select.segment-speaker").value,
                       li.querySelector("button.segment-time").textContent,
                       li.querySelector("textarea.segment-text").value];"##,
            vec![],
        )
        .await
        .expect("the second segment");
    eprintln!("second segment: {second}");
    assert_eq!(second[0], "T:", "the speaker did not alternate");
    assert_eq!(second[2], SECOND_WORDS);
    let second_time = second[1].as_str().unwrap_or_default().to_owned();
    let second_at = parse_clock(&second_time).expect("the second segment's time");
    assert!(
        ["0:02", "0:03"].contains(&second_time.as_str()),
        "the second segment starts at {second_time}, not where the player paused"
    );

    // Autosave.
    poll(client, "#transcript-saved to say saved", || async {
        let status = client
            .find(Locator::Css("#transcript-saved"))
            .await
            .map_err(|e| e.to_string())?;
        let state = status.attr("data-state").await.ok().flatten();
        let words = status.text().await.unwrap_or_default();
        if state.as_deref() == Some("saved") && words.starts_with("Saved ") {
            Ok(())
        } else {
            Err(format!("{state:?} {words:?}"))
        }
    })
    .await;
    look(client, "transcribe-editor").await;
    let transcript_id = {
        let list = invoke(
            client,
            "transcript_list",
            json!({ "recordingId": recording }),
        )
        .await
        .expect("transcript_list");
        assert_eq!(list[0]["segment_count"], 2, "saved: {list}");
        list[0]["id"].as_str().unwrap().to_owned()
    };
    let stored = invoke(client, "transcript_get", json!({ "id": transcript_id }))
        .await
        .expect("transcript_get");
    eprintln!("stored segments: {}", stored["segments"]);

    // Anonymisation, by keyboard: Tab to the fields, type, Enter; then Tab to the check.
    tab_to(client, "anon-original", 60).await;
    type_keys(client, "Sarah").await;
    chord(client, &[Key::Tab.into()]).await;
    wait_focus(client, "anon-replacement").await;
    type_keys(client, "[Client]").await;
    chord(client, &[Key::Enter.into()]).await;
    poll(client, "the rule in #anon-list", || async {
        let shown = text(client, "#anon-list").await;
        if count(client, "#anon-list li").await == 1 && shown.contains("[Client]") {
            Ok(())
        } else {
            Err(format!("shows {shown:?}"))
        }
    })
    .await;
    tab_to(client, "anon-check", 10).await;
    chord(client, &[Key::Enter.into()]).await;
    wait_for(client, "#anon-result", Some("data-state"), "ok").await;
    look(client, "transcribe-anonymisation").await;

    // Export TXT and DOCX, by keyboard.
    tab_to(client, "transcript-export-txt", 10).await;
    chord(client, &[Key::Enter.into()]).await;
    let txt = saved_file(client, &saved, "txt").await;
    tab_to(client, "transcript-export-docx", 5).await;
    chord(client, &[Key::Enter.into()]).await;
    let docx = saved_file(client, &saved, "docx").await;
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

    // Back to the player: share 0:01–0:02 with the supervisor, to an age key made here.
    let keys = tempfile::tempdir().expect("a folder for the age key");
    let key_file = keys.path().join("key.txt");
    run_program("age-keygen", &["-o", key_file.to_str().unwrap()]);
    let public = std::fs::read_to_string(&key_file)
        .expect("key.txt")
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .expect("age-keygen wrote the public key");
    assert!(public.starts_with("age1"));

    go(client, "library").await;
    click(client, &format!("{row} button.open-player")).await;
    wait_screen(client, "player").await;
    click(client, "#share-open").await;
    wait_displayed(client, "#share-panel").await;
    set_value(client, "#share-role", "supervisor").await;
    type_into(client, "#share-from", "0:01").await;
    type_into(client, "#share-until", "0:02").await;
    click(client, "#share-method-recipients").await;
    type_into(client, "#share-recipients", &public).await;
    click(client, "#share-submit").await;
    wait_displayed(client, "#share-result").await;
    let name = wait_text(client, "#share-file-name").await;
    eprintln!("shared as {name}");
    scroll_to(client, "share-result").await;
    look(client, "transcribe-share").await;
    let shared = saved.join(name.trim());
    assert!(
        shared.is_file(),
        "{} is not in the save folder",
        shared.display()
    );
    let header = std::fs::read(&shared).expect("the shared file");
    assert!(
        header.starts_with(b"age-encryption.org/v1"),
        "not an age file"
    );

    // The stock age CLI opens it; inside, exactly one second of the recording.
    let wav_path = keys.path().join("clip.wav");
    run_program(
        "age",
        &[
            "-d",
            "-i",
            key_file.to_str().unwrap(),
            "-o",
            wav_path.to_str().unwrap(),
            shared.to_str().unwrap(),
        ],
    );
    let wav = read_wav(&std::fs::read(&wav_path).expect("the decrypted WAV"));
    eprintln!(
        "WAV: {} Hz, {} channel(s), {} bits, {} data bytes",
        wav.rate, wav.channels, wav.bits, wav.data
    );
    assert_eq!(wav.rate as usize, rate, "the clip's sample rate");
    assert_eq!(wav.channels as usize, channels, "the clip's channels");
    assert_eq!(wav.bits, 16, "the clip is not 16-bit PCM");
    assert_eq!(
        wav.data,
        rate * channels * 2,
        "the clip does not hold exactly one second ({rate} frames of {channels} channel(s))"
    );

    // A clip for the course tutor is refused: the consent's audience has no tutors.
    set_value(client, "#share-role", "tutor").await;
    click(client, "#share-submit").await;
    wait_displayed(client, "#share-problem").await;
    let refusal = wait_text(client, "#share-problem").await;
    let code = wait_attr(client, "#share-problem", "data-code").await;
    eprintln!("tutor refused ({code}): {refusal}");
    assert_eq!(code, "not_in_audience");
    assert!(
        refusal.starts_with("The client's consent") && refusal.contains("tutor"),
        "the refusal does not say why in plain words: {refusal:?}"
    );
    assert_eq!(
        client
            .find(Locator::Css("#share-problem"))
            .await
            .unwrap()
            .attr("role")
            .await
            .unwrap()
            .as_deref(),
        Some("alert")
    );
    scroll_to(client, "share-title").await;
    look(client, "transcribe-share-refused").await;
    let ages: Vec<_> = files_under(&saved)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "age"))
        .collect();
    assert_eq!(ages.len(), 1, "the refused share left a file: {ages:?}");

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

    tokio::time::sleep(Duration::from_millis(300)).await;
    window.close().await;
}
