//! The window opens on the vault screen, reports the real keyring as reachable, creates a
//! vault from a click, and refuses what its capabilities and CSP do not allow.

use sessionvault_e2e::{
    click, is_displayed, look, one_at_a_time, run_async, screenshot, secret_tool_search, text,
    vault_id, wait_displayed, wait_for, AppEnv,
};

#[tokio::test(flavor = "multi_thread")]
async fn the_vault_screen_creates_a_vault_on_the_real_keyring() {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let vault_dir = env.vault_dir();
    let window = env.launch().await;
    let client = &window.client;

    // First run: no vault, and the keyring is there to receive the keys.
    wait_for(client, "#status-vault", Some("data-state"), "absent").await;
    assert_eq!(text(client, "#status-keyring-reachable").await, "yes");
    assert_eq!(text(client, "#status-keyring-unlocked").await, "yes");
    wait_displayed(client, "#create-vault").await;
    assert!(!vault_dir.exists());
    look(client, "vault-first-run").await;

    click(client, "#create-vault").await;
    wait_for(client, "#status-vault", Some("data-state"), "ready").await;
    assert_eq!(text(client, "#status-keyring-reachable").await, "yes");
    assert!(text(client, "#status-database").await.contains("SQLCipher"));
    assert!(text(client, "#status-signing-key")
        .await
        .starts_with("SHA256:"));
    assert!(!is_displayed(client, "#vault-problem").await);

    // What the window did is real: the vault is on disk and its keys are in the keyring.
    let id = vault_id(&vault_dir);
    let found = secret_tool_search(&format!("sessionvault/{id}"));
    assert!(
        found.contains("database-key") && found.contains("signing-key"),
        "{found}"
    );

    screenshot(client, "vault-screen").await;

    // The webview may call the app's own commands and nothing else, and reach nothing remote.
    let refused = run_async(
        client,
        r#"const done = arguments[arguments.length - 1];
           window.__TAURI__.core.invoke("plugin:fs|read_text_file", { path: "/etc/passwd" })
             .then(() => done("allowed"), (e) => done("refused: " + e));"#,
        vec![],
    )
    .await;
    assert!(
        refused.as_str().unwrap_or("").starts_with("refused"),
        "{refused}"
    );
    let remote = run_async(
        client,
        r#"const done = arguments[arguments.length - 1];
           fetch("https://example.org/").then(() => done("fetched"), () => done("blocked"));"#,
        vec![],
    )
    .await;
    assert_eq!(remote.as_str(), Some("blocked"));

    // The page's own CSP still forbids what the window never needs: inline script and eval
    // (the accessibility checks above reached the page through WebDriver, not through these).
    let csp = run_async(
        client,
        r#"const done = arguments[arguments.length - 1];
           let evaluated = "blocked";
           try { (0, eval)("1 + 1"); evaluated = "allowed"; } catch (e) {}
           window.__svInline = "blocked";
           const s = document.createElement("script");
           s.textContent = "window.__svInline = 'allowed';";
           document.head.appendChild(s);
           setTimeout(() => done({ eval: evaluated, inline: window.__svInline }), 300);"#,
        vec![],
    )
    .await;
    assert_eq!(
        csp,
        serde_json::json!({"eval": "blocked", "inline": "blocked"}),
        "the page's CSP lets through scripts it should not"
    );

    window.close().await;
}
