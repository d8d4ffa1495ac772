//! Waiting for the window: polling a check until it holds, and giving up with a screenshot and
//! the page's text when it never does; and the common waits built on it (an element's text or
//! attribute, shown or hidden, a screen in view).

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::driver::artifacts_dir;
use crate::look::window_picture;
use crate::script::body_text;

/// How long a step may take before a test gives up: WebKit under Xvfb on two cores is slow.
pub const PATIENCE: Duration = Duration::from_secs(45);

/// Polls `check` every 200 ms until it gives `Ok`, or gives `Err` with `what` and the last
/// reason after `patience`.
pub async fn try_poll<T, F, Fut>(what: &str, patience: Duration, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + patience;
    loop {
        let why = match check().await {
            Ok(value) => return Ok(value),
            Err(why) => why,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "gave up waiting for {what} after {patience:?}: {why}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Fails the test with `why`, after saving a screenshot of the window as
/// `artifacts/failed-<time>.png` and printing the page's text, so the failure can be seen.
pub async fn give_up(client: &Client, why: &str) -> ! {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let name = format!("failed-{stamp}");
    if let Ok(png) = window_picture(client).await {
        let _ = std::fs::write(artifacts_dir().join(format!("{name}.png")), png);
    }
    let body = body_text(client).await;
    panic!("{why}\n(screenshot: artifacts/{name}.png)\n--- the page's text ---\n{body}\n---");
}

/// Polls `check` until it gives `Ok` (see [`try_poll`], with [`PATIENCE`]); on giving up, fails
/// the test through [`give_up`].
pub async fn poll<T, F, Fut>(client: &Client, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    poll_for(client, what, PATIENCE, check).await
}

/// [`poll`] with its own patience.
pub async fn poll_for<T, F, Fut>(client: &Client, what: &str, patience: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    match try_poll(what, patience, check).await {
        Ok(value) => value,
        Err(why) => give_up(client, &why).await,
    }
}

/// Waits until `attribute` of the element at `css` equals `want` (or, for `None`, until its
/// text does), and returns it.
pub async fn wait_for(client: &Client, css: &str, attribute: Option<&str>, want: &str) -> String {
    poll(client, &format!("{css} to show {want:?}"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        let value = match attribute {
            Some(name) => element.attr(name).await.ok().flatten(),
            None => element.text().await.ok(),
        }
        .unwrap_or_default();
        if value == want {
            Ok(value)
        } else {
            Err(format!("last {value:?}"))
        }
    })
    .await
}

/// Waits until the element at `css` is there and displayed; returns it.
pub async fn wait_displayed(client: &Client, css: &str) -> fantoccini::elements::Element {
    poll(client, &format!("{css} to be displayed"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        match element.is_displayed().await {
            Ok(true) => Ok(element),
            Ok(false) => Err("there but not displayed".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await
}

/// Waits until no element at `css` is displayed (absent or hidden).
pub async fn wait_hidden(client: &Client, css: &str) {
    poll(client, &format!("{css} to be hidden"), || async {
        match client.find(Locator::Css(css)).await {
            Err(_) => Ok(()),
            Ok(element) => match element.is_displayed().await {
                Ok(false) | Err(_) => Ok(()),
                Ok(true) => Err("still displayed".to_owned()),
            },
        }
    })
    .await
}

/// Waits until the element at `css` has non-empty visible text, and returns it.
pub async fn wait_text(client: &Client, css: &str) -> String {
    poll(client, &format!("{css} to have text"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        let text = element.text().await.unwrap_or_default();
        if text.trim().is_empty() {
            Err("empty".to_owned())
        } else {
            Ok(text)
        }
    })
    .await
}

/// Waits until the element at `css` has attribute `name` set and non-empty; returns its value.
pub async fn wait_attr(client: &Client, css: &str, name: &str) -> String {
    poll(client, &format!("{css}[{name}] to be set"), || async {
        let element = client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("not found: {e}"))?;
        match element.attr(name).await {
            Ok(Some(value)) if !value.is_empty() => Ok(value),
            other => Err(format!("{other:?}")),
        }
    })
    .await
}

/// Waits until the screen `name`'s section is shown and its title filled.
pub async fn wait_screen(client: &Client, name: &str) {
    wait_displayed(client, &format!("section[data-screen={name}]")).await;
}

/// Waits until the autosave status at `css` says the latest changes are saved: `data-state`
/// `saved` and "Saved HH:MM" (not the bare "Saved" shown before any change).
pub async fn wait_saved(client: &Client, css: &str) {
    poll(
        client,
        &format!("{css} to say saved with a time"),
        || async {
            let status = client
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?;
            let state = status.attr("data-state").await.ok().flatten();
            let words = status.text().await.unwrap_or_default();
            if state.as_deref() == Some("saved") && words.starts_with("Saved ") {
                Ok(())
            } else {
                Err(format!("{state:?} {words:?}"))
            }
        },
    )
    .await
}
