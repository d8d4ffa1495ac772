//! The first steps of most journeys: creating the vault on a first run and adding a course.

use std::path::Path;

use fantoccini::Client;
use serde_json::json;

use crate::elements::{click, go, set_value, type_into};
use crate::look::maybe_look;
use crate::outside::vault_id;
use crate::wait::{poll, wait_displayed, wait_for, wait_screen};

/// On a first run, creates the vault from the vault screen and goes to Home. Returns the vault
/// id (read from the vault folder `vault_dir`).
pub async fn create_vault(client: &Client, vault_dir: &Path, shots: Option<&str>) -> String {
    wait_for(client, "#status-vault", Some("data-state"), "absent").await;
    wait_displayed(client, "#create-vault").await;
    maybe_look(client, shots, "vault-first-run").await;
    click(client, "#create-vault").await;
    wait_for(client, "#status-vault", Some("data-state"), "ready").await;
    maybe_look(client, shots, "vault").await;
    go(client, "home").await;
    vault_id(vault_dir)
}

/// Adds a course on Home; returns its id (from `#course-list li[data-course-id]`).
pub async fn add_course(client: &Client, name: &str, ends_on: &str) -> String {
    wait_screen(client, "home").await;
    type_into(client, "#course-name", name).await;
    set_value(client, "#course-ends", ends_on).await;
    click(client, "#course-add").await;
    poll(client, &format!("the course {name:?} in #course-list"), || async {
        let found = client
            .execute(
                r##"const name = arguments[0];
                   const li = Array.from(document.querySelectorAll("#course-list li[data-course-id]"))
                     .find((li) => li.textContent.includes(name));
                   return li ? li.dataset.courseId : null;"##,
                vec![json!(name)],
            )
            .await
            .map_err(|e| e.to_string())?;
        found
            .as_str()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| "not listed yet".to_owned())
    })
    .await
}
