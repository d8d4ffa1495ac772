//! Looking at what the window shows: screenshots saved for people to see, and the
//! accessibility check with axe-core, whose serious violations are kept until the window closes
//! so every screen still gets its picture and its check.
//!
//! The shared steps take `shots`, which names the screenshots and axe reports they take
//! (`Some("journey")` gives `journey-<screen>`); `None` takes none.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};

use crate::driver::artifacts_dir;
use crate::script::run_async;

/// Saves a PNG of the window as `artifacts/<name>.png`, after giving the webview a moment to
/// paint what the DOM already shows.
pub async fn screenshot(client: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = window_picture(client)
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    std::fs::write(artifacts_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

/// A PNG of the window as it is now.
///
/// WebKitWebDriver's screenshot waits for the webview's next paint. Painting without WebKit's
/// compositor (src-tauri/src/drawing.rs), a still page is not painted again, and the screenshot
/// would wait until something changed (the idle lock, minutes later). So a one-pixel mark in a
/// corner changes colour ten times a second while the picture is taken, and goes away after.
pub(crate) async fn window_picture(
    client: &Client,
) -> Result<Vec<u8>, fantoccini::error::CmdError> {
    let _ = client
        .execute(
            r##"const mark = document.createElement("div");
               mark.id = "__repaint";
               mark.setAttribute("aria-hidden", "true");
               mark.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none";
               document.body.append(mark);
               let tick = 0;
               const timer = setInterval(() => { mark.style.background = tick++ % 2 ? "#fff" : "#fefefe"; }, 100);
               setTimeout(() => { clearInterval(timer); mark.remove(); }, 20000);
               window.__repaintStop = () => { clearInterval(timer); mark.remove(); };"##,
            vec![],
        )
        .await;
    let png = client.screenshot().await;
    let _ = client
        .execute(
            "window.__repaintStop?.(); delete window.__repaintStop;",
            vec![],
        )
        .await;
    png
}

/// axe-core's source, from `e2e/node_modules` (`npm ci` in `e2e/` installs it).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed at {} ({e}): run `npm ci` in e2e/ \
                 (scripts/test.sh and scripts/install-deps.sh --test do)",
                path.display()
            )
        })
    })
}

/// The WCAG rules axe runs: 2.0, 2.1 and 2.2 at levels A and AA.
pub const AXE_TAGS: &[&str] = &[
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa",
];

/// Serious or critical accessibility violations that [`look`] found and that are reported when
/// the window closes ([`Window::close`]).
static ACCESSIBILITY_FAILURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The kept violations, whatever a test that panicked while holding them left.
fn accessibility_failures() -> std::sync::MutexGuard<'static, Vec<String>> {
    ACCESSIBILITY_FAILURES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// Forgets the violations kept so far (a new window starts with none).
pub(crate) fn clear_accessibility_failures() {
    accessibility_failures().clear();
}

/// The violations kept since the window started, leaving none kept.
pub(crate) fn take_accessibility_failures() -> Vec<String> {
    std::mem::take(&mut *accessibility_failures())
}

/// Checks what the window shows now with axe-core (WCAG 2.x A and AA rules), saves the full
/// result as `artifacts/axe-<screen>.json`, and fails the test on any violation of impact
/// "serious" or "critical", naming the rules, the elements and the help. Returns the result.
///
/// The page's CSP (`script-src 'self'`) forbids inline scripts and `eval`, so axe cannot be
/// added as a `<script>` element or evaluated from a string inside the page. Instead axe's
/// source is sent as the body of the WebDriver script itself: WebKitWebDriver evaluates it as
/// the automation, outside the page's CSP, and axe needs no `eval` of its own. The app's CSP is
/// untouched.
pub async fn axe_check(client: &Client, screen: &str) -> Value {
    let (result, failure) = axe_run(client, screen).await;
    if let Some(failure) = failure {
        panic!("{failure}");
    }
    result
}

/// Runs axe and saves its result; gives the result and, when there are serious or critical
/// violations, the report of them.
async fn axe_run(client: &Client, screen: &str) -> (Value, Option<String>) {
    axe_load(client).await;
    let result = run_async(
        client,
        r#"const [tags, done] = arguments;
           window.axe
             .run(document, {
               runOnly: { type: "tag", values: tags },
               resultTypes: ["violations"],
             })
             .then((r) => done({ ok: JSON.parse(JSON.stringify(r)) }),
                   (e) => done({ err: String(e && e.stack || e) }));"#,
        vec![json!(AXE_TAGS)],
    )
    .await;
    let result = match result {
        Value::Object(mut map) if map.contains_key("ok") => map.remove("ok").unwrap(),
        other => panic!("axe.run failed on {screen}: {other}"),
    };
    std::fs::write(
        artifacts_dir().join(format!("axe-{screen}.json")),
        serde_json::to_vec_pretty(&result).unwrap(),
    )
    .expect("save the axe result");
    let violations = result["violations"].as_array().cloned().unwrap_or_default();
    let (report, failing) = axe_report(&violations);
    if !violations.is_empty() {
        eprintln!("axe on {screen}: {} violation(s){report}", violations.len());
    }
    let failure = (failing > 0).then(|| {
        format!(
            "axe found {failing} serious or critical accessibility violation(s) on {screen}:{report}"
        )
    });
    (result, failure)
}

/// Puts axe-core into the page unless it is there already (from an earlier check of the same
/// page).
async fn axe_load(client: &Client) {
    let loaded = client
        .execute(
            "return typeof window.axe === 'object' && !!window.axe.run;",
            vec![],
        )
        .await
        .unwrap_or(Value::Bool(false));
    if loaded != Value::Bool(true) {
        let script = format!(
            "{}\n;return typeof window.axe === 'object' ? 'loaded' : typeof axe;",
            axe_source()
        );
        let answer = client
            .execute(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("injecting axe-core through WebDriver failed: {e}"));
        assert_eq!(
            answer.as_str(),
            Some("loaded"),
            "axe-core did not load into the page: {answer}"
        );
    }
}

/// The report of axe's `violations`, each rule with the elements that break it, and how many
/// of them are serious or critical.
fn axe_report(violations: &[Value]) -> (String, usize) {
    let mut report = String::new();
    let mut failing = 0;
    for v in violations {
        let impact = v["impact"].as_str().unwrap_or("?");
        let serious = matches!(impact, "serious" | "critical");
        if serious {
            failing += 1;
        }
        report.push_str(&format!(
            "\n{} [{impact}] {} — {}\n",
            v["id"].as_str().unwrap_or("?"),
            v["help"].as_str().unwrap_or(""),
            v["helpUrl"].as_str().unwrap_or("")
        ));
        for node in v["nodes"].as_array().into_iter().flatten() {
            report.push_str(&format!(
                "    {} {}\n      {}\n",
                node["target"],
                node["html"].as_str().unwrap_or(""),
                node["failureSummary"]
                    .as_str()
                    .unwrap_or("")
                    .replace('\n', "\n      ")
            ));
        }
    }
    (report, failing)
}

/// Screenshot and accessibility check of what is shown, under one name. A serious or critical
/// violation does not stop the journey here, so every screen gets its picture and its check:
/// it is kept and fails the test when the window closes ([`Window::close`](crate::Window::close)).
pub async fn look(client: &Client, name: &str) {
    screenshot(client, name).await;
    let (_, failure) = axe_run(client, name).await;
    if let Some(failure) = failure {
        accessibility_failures().push(failure);
    }
}

fn shot_name(shots: Option<&str>, name: &str) -> Option<String> {
    shots.map(|prefix| format!("{prefix}-{name}"))
}

/// Screenshot and accessibility check under `<prefix>-<name>` when `shots` asks for them.
pub async fn maybe_look(client: &Client, shots: Option<&str>, name: &str) {
    if let Some(name) = shot_name(shots, name) {
        look(client, &name).await;
    }
}

/// Fails the test on the accessibility violations that [`Window::shut`](crate::Window::shut) gave.
pub fn assert_accessible(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "accessibility violations on {} screen(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
