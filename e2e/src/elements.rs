//! Reading and working the page's elements as a person would: whether they are shown or
//! enabled, their text, clicking, typing, choosing a value, ticking, going to a screen,
//! scrolling, and drawing a signature with the mouse.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::wait::{give_up, poll, wait_displayed, wait_screen};

/// Whether an element at `css` is there and displayed, now.
pub async fn is_displayed(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the element at `css` is enabled, now (fails the test when it is not there).
pub async fn is_enabled(client: &Client, css: &str) -> bool {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.is_enabled().await.unwrap_or(false),
        Err(e) => give_up(client, &format!("{css} is not there: {e}")).await,
    }
}

/// How many elements match `css`, now.
pub async fn count(client: &Client, css: &str) -> usize {
    client
        .find_all(Locator::Css(css))
        .await
        .map(|all| all.len())
        .unwrap_or(0)
}

/// The visible text of the element at `css` (fails the test when it is not there).
pub async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(e) => give_up(client, &format!("{css} is not there: {e}")).await,
    }
}

/// Waits until the element at `css` is displayed and enabled, then clicks it as a person would
/// (a WebDriver element click, which scrolls it into view and fails if something covers it).
pub async fn click(client: &Client, css: &str) {
    poll(client, &format!("{css} to be clickable"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        if !element.is_displayed().await.unwrap_or(false) {
            return Err("not displayed".to_owned());
        }
        if !element.is_enabled().await.unwrap_or(false) {
            return Err("disabled".to_owned());
        }
        element.click().await.map_err(|e| format!("click: {e}"))
    })
    .await
}

/// Types `value` into the text field at `css` after clearing it, through real key events.
pub async fn type_into(client: &Client, css: &str, value: &str) {
    let element = wait_displayed(client, css).await;
    element
        .clear()
        .await
        .unwrap_or_else(|e| panic!("clear {css}: {e}"));
    element
        .send_keys(value)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Sets the value of the field at `css` (a `<select>`, a date input) and fires `input` and
/// `change` as a person's choice would. WebKitGTK opens native pop-ups for selects and date
/// pickers that WebDriver cannot work, so this goes through the DOM. For a `<select>` the value
/// must be one of its options (waited for).
pub async fn set_value(client: &Client, css: &str, value: &str) {
    wait_displayed(client, css).await;
    poll(
        client,
        &format!("{css} to take the value {value:?}"),
        || async {
            let done = client
                .execute(
                    r#"const [css, value] = arguments;
                   const el = document.querySelector(css);
                   if (!el) return "not found";
                   if (el.disabled) return "disabled";
                   if (el.tagName === "SELECT" &&
                       !Array.from(el.options).some((o) => o.value === value)) {
                     return "no option " + JSON.stringify(value) + " among " +
                       JSON.stringify(Array.from(el.options).map((o) => o.value));
                   }
                   el.focus();
                   el.value = value;
                   el.dispatchEvent(new Event("input", { bubbles: true }));
                   el.dispatchEvent(new Event("change", { bubbles: true }));
                   return el.value === value ? "ok" : "value is " + JSON.stringify(el.value);"#,
                    vec![json!(css), json!(value)],
                )
                .await
                .map_err(|e| e.to_string())?;
            match done.as_str() {
                Some("ok") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await
}

/// Ticks or unticks the checkbox or radio at `css` by clicking it when needed.
pub async fn set_checked(client: &Client, css: &str, checked: bool) {
    let element = wait_displayed(client, css).await;
    if element.is_selected().await.unwrap_or(false) != checked {
        click(client, css).await;
    }
    poll(
        client,
        &format!("{css} to be checked={checked}"),
        || async {
            let now = client
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?
                .is_selected()
                .await
                .map_err(|e| e.to_string())?;
            if now == checked {
                Ok(())
            } else {
                Err(format!("checked={now}"))
            }
        },
    )
    .await
}

/// Goes to a screen through the navigation (`#nav-<name>`) and waits until its section
/// (`[data-screen=<name>]`) is shown.
pub async fn go(client: &Client, screen: &str) {
    click(client, &format!("#nav-{screen}")).await;
    wait_screen(client, screen).await;
}

/// Scrolls the element `#id` to the top of the view (for a screenshot of it).
pub async fn scroll_to(client: &Client, id: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'start'});",
            vec![json!(id)],
        )
        .await
        .unwrap_or_else(|e| panic!("scroll to #{id}: {e}"));
}

/// Presses the element at `css` as a person does: the mouse moves to its centre, holds the
/// button down for `held`, and lets go. A window that redraws meanwhile must still take it as
/// a click (WebDriver's own click lets go at once).
pub async fn press(client: &Client, css: &str, held: Duration) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let element = wait_displayed(client, css).await;
    let mouse = MouseActions::new("pressing-mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element,
            duration: Some(Duration::from_millis(50)),
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Pause { duration: held })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client
        .perform_actions(mouse)
        .await
        .unwrap_or_else(|e| panic!("press {css}: {e}"));
    let _ = client.release_actions().await;
}

/// Draws a signature on the element at `css` with WebDriver pointer actions: a mouse moves to
/// it, presses, moves through a few strokes, and releases, twice.
pub async fn draw_signature(client: &Client, css: &str) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let pad = wait_displayed(client, css).await;
    let (_, _, width, height) = pad.rectangle().await.expect("the signature pad's size");
    let (w, h) = (width / 2.0 - 8.0, height / 2.0 - 8.0);
    // Offsets from the pad's centre, as fractions of its half-size.
    let strokes: [&[(f64, f64)]; 2] = [
        &[
            (-0.85, 0.3),
            (-0.6, -0.5),
            (-0.4, 0.4),
            (-0.2, -0.3),
            (0.0, 0.35),
            (0.2, -0.4),
        ],
        &[(0.3, 0.2), (0.5, -0.3), (0.65, 0.3), (0.8, -0.1)],
    ];
    let mut mouse = MouseActions::new("signing-mouse".to_owned());
    for stroke in strokes {
        let (x, y) = stroke[0];
        mouse = mouse.then(PointerAction::MoveToElement {
            element: pad.clone(),
            duration: Some(Duration::from_millis(50)),
            x: (x * w).round(),
            y: (y * h).round(),
        });
        mouse = mouse.then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
        for &(x, y) in &stroke[1..] {
            mouse = mouse.then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: Some(Duration::from_millis(80)),
                x: (x * w).round(),
                y: (y * h).round(),
            });
        }
        mouse = mouse.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    }
    client
        .perform_actions(mouse)
        .await
        .expect("draw the signature with pointer actions");
    let _ = client.release_actions().await;
}
