//! Times and dates: reading a time the window shows, and a date as the page's own clock gives
//! it.

use fantoccini::Client;
use serde_json::json;

/// The date `days` from today as `YYYY-MM-DD`, as the page's clock sees it (local time).
pub async fn date_in_days(client: &Client, days: i64) -> String {
    client
        .execute(
            r#"const d = new Date(Date.now() + arguments[0] * 86400000);
               const p = (n) => String(n).padStart(2, "0");
               return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;"#,
            vec![json!(days)],
        )
        .await
        .expect("the page's date")
        .as_str()
        .expect("a date")
        .to_owned()
}

/// Reads a time shown as `H:MM:SS`, `M:SS` or `M:SS.t` as seconds.
pub fn parse_clock(text: &str) -> Option<f64> {
    let text = text.trim();
    // Take the first thing that looks like a clock, so "0:05 / 0:07" reads as 5.
    let clock: String = text
        .split(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .find(|part| part.contains(':'))?
        .to_owned();
    let mut seconds = 0.0;
    for part in clock.split(':') {
        seconds = seconds * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(seconds)
}
