//! The window opens on the vault screen, reports the real keyring as reachable, creates a
//! vault from a click, and refuses what its capabilities and CSP do not allow.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use sessionvault_e2e::{artifacts_dir, Driver};

/// Waits until `attribute` of the element at `css` equals `want` (or, for `None`, until its
/// text does), and returns what it found last.
async fn wait_for(client: &Client, css: &str, attribute: Option<&str>, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            let value = match attribute {
                Some(name) => element.attr(name).await.ok().flatten(),
                None => element.text().await.ok(),
            };
            last = value.unwrap_or_default();
            if last == want {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} never showed {want:?}; last {last:?}");
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vault_screen_creates_a_vault_on_the_real_keyring() {
    let tmp = tempfile::tempdir().unwrap();
    let vault_dir = tmp.path().join("vault");
    let driver = Driver::start(&[("SESSIONVAULT_DIR", vault_dir.as_os_str())]);
    let client = driver.session().await;

    // First run: no vault, and the keyring is there to receive the keys.
    wait_for(&client, "#status-vault", Some("data-state"), "absent").await;
    assert_eq!(text(&client, "#status-keyring-reachable").await, "yes");
    assert_eq!(text(&client, "#status-keyring-unlocked").await, "yes");
    assert!(client
        .find(Locator::Css("#vault-create"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    assert!(!vault_dir.exists());
    tokio::time::sleep(Duration::from_millis(500)).await;
    std::fs::write(
        artifacts_dir().join("vault-first-run.png"),
        client.screenshot().await.unwrap(),
    )
    .unwrap();

    client
        .find(Locator::Css("#create-vault"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#status-vault", Some("data-state"), "ready").await;
    assert_eq!(text(&client, "#status-keyring-reachable").await, "yes");
    assert!(text(&client, "#status-database")
        .await
        .contains("SQLCipher"));
    assert!(text(&client, "#status-signing-key")
        .await
        .starts_with("SHA256:"));
    assert!(!client
        .find(Locator::Css("#vault-problem"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());

    // What the window did is real: the vault is on disk and its keys are in the keyring.
    let marker: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vault_dir.join("vault.json")).unwrap()).unwrap();
    let id = marker["vault_id"].as_str().unwrap().to_owned();
    let search = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", &format!("sessionvault/{id}")])
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&search.stderr);
    assert!(
        found.contains("database-key") && found.contains("signing-key"),
        "{found}"
    );

    // Let the webview paint what the DOM already shows before taking the picture.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(artifacts_dir().join("vault-screen.png"), png).unwrap();

    // The webview may call the app's own commands and nothing else, and reach nothing remote.
    let refused = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.__TAURI__.core.invoke("plugin:fs|read_text_file", { path: "/etc/passwd" })
                 .then(() => done("allowed"), (e) => done("refused: " + e));"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(
        refused.as_str().unwrap_or("").starts_with("refused"),
        "{refused}"
    );
    let remote = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               fetch("https://example.org/").then(() => done("fetched"), () => done("blocked"));"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(remote.as_str(), Some("blocked"));

    client.close().await.unwrap();
}
