//! The keyboard, as a person works the transcript editor without a mouse: key actions go to
//! whatever has focus, as a person's keys would; and where the focus is.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use sessionvault_e2e::{poll, Client};

/// Presses `keys` together (the first ones held as modifiers), then releases them.
pub(super) async fn chord(client: &Client, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for &k in keys {
        actions = actions.then(KeyAction::Down { value: k });
    }
    for &k in keys.iter().rev() {
        actions = actions.then(KeyAction::Up { value: k });
    }
    client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("press {keys:?}: {e}"));
    let _ = client.release_actions().await;
}

/// Alt + `key`.
pub(super) async fn alt(client: &Client, key: char) {
    chord(client, &[Key::Alt.into(), key]).await;
}

/// Types `words` into whatever has focus, one key at a time.
pub(super) async fn type_keys(client: &Client, words: &str) {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for c in words.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("type {words:?}: {e}"));
    let _ = client.release_actions().await;
}

/// The id (or, without one, the tag and class) of the focused element.
pub(super) async fn focused(client: &Client) -> String {
    client
        .execute(
            r##"const a = document.activeElement;
               if (!a) return "";
               return a.id ? "#" + a.id : a.tagName.toLowerCase() + "." + a.className;"##,
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Presses Tab until `#id` has focus (at most `max` times); fails the test otherwise.
pub(super) async fn tab_to(client: &Client, id: &str, max: usize) {
    let want = format!("#{id}");
    let mut path = vec![];
    for _ in 0..=max {
        let now = focused(client).await;
        if now == want {
            return;
        }
        path.push(now);
        chord(client, &[Key::Tab.into()]).await;
    }
    sessionvault_e2e::give_up(
        client,
        &format!("Tab never reached {want} in {max} presses; focus went {path:?}"),
    )
    .await
}

/// Waits until `#id` has focus.
pub(super) async fn wait_focus(client: &Client, id: &str) {
    let want = format!("#{id}");
    poll(client, &format!("{want} to have focus"), || async {
        let now = focused(client).await;
        if now == want {
            Ok(())
        } else {
            Err(format!("focus is on {now:?}"))
        }
    })
    .await;
}

/// Waits until the focus is in the text of a transcript segment; returns the segment's index.
pub(super) async fn wait_segment_focus(client: &Client, segments: usize) -> String {
    poll(
        client,
        "the focus in a new segment's text",
        || async move {
            let answer = client
                .execute(
                    r##"const a = document.activeElement;
                       const li = a && a.matches("textarea.segment-text")
                         ? a.closest("li[data-segment-index]") : null;
                       const n = document.querySelectorAll("#transcript-segments li[data-segment-index]").length;
                       return li ? { index: li.dataset.segmentIndex, n, value: a.value } : { n };"##,
                    vec![],
                )
                .await
                .map_err(|e| e.to_string())?;
            match (answer["index"].as_str(), answer["n"].as_u64()) {
                (Some(index), Some(n)) if n as usize == segments => {
                    if answer["value"].as_str() == Some("") {
                        Ok(index.to_owned())
                    } else {
                        Err(format!("the focused segment has text already: {answer}"))
                    }
                }
                _ => Err(format!("{answer}")),
            }
        },
    )
    .await
}
