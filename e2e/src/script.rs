//! Scripts run in the page through WebDriver: an async script's answer, the shell's commands
//! called as the UI calls them, and the page's text.

use fantoccini::Client;
use serde_json::{json, Value};

/// Runs `script` as the body of an async function in the page through WebDriver's
/// execute-async, where `done` (the last argument) takes the answer.
pub async fn run_async(client: &Client, script: &str, args: Vec<Value>) -> Value {
    client
        .execute_async(script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}"))
}

/// Calls a command of the shell from the page, as the UI does: `Ok(answer)` or `Err(error)`
/// with the command's `{code, message}`.
pub async fn invoke(client: &Client, command: &str, args: Value) -> Result<Value, Value> {
    invoke_with_channels(client, command, args, &[]).await
}

/// [`invoke`], with a fresh Tauri `Channel` (whose messages are dropped) as each of the
/// arguments named in `channels` (such as `onEvent`).
pub async fn invoke_with_channels(
    client: &Client,
    command: &str,
    args: Value,
    channels: &[&str],
) -> Result<Value, Value> {
    let answer = run_async(
        client,
        r#"const [command, args, channels, done] = arguments;
           for (const name of channels) {
             const ch = new window.__TAURI__.core.Channel();
             ch.onmessage = () => {};
             args[name] = ch;
           }
           window.__TAURI__.core.invoke(command, args).then(
             (value) => done({ ok: value === undefined ? null : value }),
             (error) => done({ err: error === undefined ? null : error }));"#,
        vec![json!(command), args, json!(channels)],
    )
    .await;
    match answer {
        Value::Object(mut map) if map.contains_key("ok") => Ok(map.remove("ok").unwrap()),
        Value::Object(mut map) if map.contains_key("err") => Err(map.remove("err").unwrap()),
        other => panic!("unexpected answer from invoke({command}): {other}"),
    }
}

/// The page's `document.body.innerText`.
pub async fn body_text(client: &Client) -> String {
    client
        .execute("return document.body.innerText;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
