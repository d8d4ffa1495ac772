//! The transcript editor worked with keys only, as a person would without a mouse: two
//! segments with their speakers, played and paused, autosaved, and anonymised.

use fantoccini::key::Key;
use serde_json::json;
use sessionvault_e2e::{
    count, invoke, look, parse_clock, poll, text, wait_displayed, wait_for, wait_saved, Client,
    Locator,
};

use super::keyboard::{alt, chord, focused, tab_to, type_keys, wait_focus, wait_segment_focus};
use super::{FIRST_WORDS, SECOND_WORDS};

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

/// Where the second segment starts, as its time button shows it and in seconds.
pub(super) struct SecondSegment {
    pub(super) time: String,
    pub(super) at: f64,
}

/// Waits for the editor to open with its player enabled at 0:01.
pub(super) async fn wait_for_the_editor_at_0_01(client: &Client) {
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
}

/// Adds a segment with Alt+T, types, makes it the client's with Alt+2; checks it and the focus.
pub(super) async fn first_segment_for_the_client(client: &Client) {
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
}

/// Plays with Alt+K to 0:02 and pauses; checks the focus stayed in the segment's text.
pub(super) async fn play_a_second_and_pause(client: &Client) {
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
}

/// Adds the counsellor's segment with Alt+T; checks its place, speaker and time; returns its start.
pub(super) async fn second_segment_for_the_counsellor(client: &Client) -> SecondSegment {
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
    SecondSegment {
        time: second_time,
        at: second_at,
    }
}

/// Waits for the autosave and checks the vault holds the transcript with its two segments.
pub(super) async fn autosaved_with_two_segments(client: &Client, recording: &str) {
    // Autosave.
    wait_saved(client, "#transcript-saved").await;
    look(client, "transcribe-editor").await;
    let transcript_id = {
        let list = invoke(
            client,
            "transcript_list",
            json!({ "recordingId": recording }),
        )
        .await
        .expect("transcript_list");
        assert_eq!(list[0]["segments"], 2, "saved: {list}");
        list[0]["id"].as_str().unwrap().to_owned()
    };
    let stored = invoke(client, "transcript_get", json!({ "id": transcript_id }))
        .await
        .expect("transcript_get");
    eprintln!("stored segments: {}", stored["segments"]);
}

/// Adds the rule "Sarah" → "[Client]" and checks the transcript with it, all by keyboard.
pub(super) async fn anonymise_sarah(client: &Client) {
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
}
