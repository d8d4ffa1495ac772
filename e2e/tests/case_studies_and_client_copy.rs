//! Issue 8 through the window: an organisation case study about two clients, written,
//! anonymised, marked final and exported; then one client's copy of everything held about them.
//!
//! Create the vault, add a course, take consents for C-0101 and C-0202 that allow a case study
//! for the counselling service (`organisation`). On the Case studies screen start a case study
//! about both, owned by the organisation; in the editor write a text naming "Sarah" and wait for
//! the autosave; add the rule "Sarah" → "[Client]", check it, mark the case study final (the
//! text is read only from then on) and export it as DOCX and PDF into `SESSIONVAULT_SAVE_DIR`:
//! neither names Sarah (the DOCX's `word/document.xml` through `unzip -p`, the PDF's text through
//! `pdftotext`). Then on C-0101's page under Clients & consent give the client a copy of their
//! data, encrypted with a passphrase: an age file is saved and the audit log has a
//! `client.exported` entry for C-0101.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sessionvault_e2e::{
    add_course, click, count, create_vault, date_in_days, go, grant_consent, invoke, look,
    one_at_a_time, poll, run_program, saved_file, scroll_to, set_checked, text, type_into,
    wait_displayed, wait_for, wait_saved, wait_screen, wait_text, AppEnv, Client, ConsentSpec,
    Locator,
};

const COURSE: &str = "Diploma in Therapeutic Counselling";
const CLIENTS: [(&str, &str); 2] = [("C-0101", "Sarah Lindqvist"), ("C-0202", "Tomas Baptiste")];
const TITLE: &str = "Finding words for grief";
const BODY: &str = "Sarah came to counselling after her mother died. Over six sessions Sarah \
                    found words for her grief and began to sleep again.";
const PASSPHRASE: &str = "orchard lantern pebble willow";

/// The attribute `name` of the element at `css`, now (`None` when absent or not set).
async fn attr_now(client: &Client, css: &str, name: &str) -> Option<String> {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.attr(name).await.ok().flatten(),
        Err(_) => None,
    }
}

/// The `value` property of the field at `css`, now.
async fn value_now(client: &Client, css: &str) -> String {
    client
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organisation_case_study_is_anonymised_finalised_and_exported_and_a_client_gets_their_data(
) {
    let _one = one_at_a_time().await;
    let env = AppEnv::new();
    let vault_dir = env.vault_dir();
    let saved = env.save_dir();
    let window = env.launch().await;
    let client = &window.client;

    consents_allowing_the_services_case_studies(client, &vault_dir).await;
    start_a_case_study_about_both_clients(client).await;
    let case_id = the_editor_opens_on_the_organisations_case_study(client).await;
    write_the_text_and_wait_for_the_autosave(client, &case_id).await;
    anonymise_sarah_and_check(client).await;
    mark_it_final(client, &case_id).await;
    export_docx_and_pdf_without_sarah(client, &saved).await;
    the_list_shows_it_final(client, &case_id).await;
    let age = give_c_0101_a_copy_of_their_data(client, &saved).await;
    the_copy_is_encrypted_and_audited(client, &age).await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    window.close().await;
}

/// Creates the vault and a course, and both clients' consents allowing the service's case studies.
async fn consents_allowing_the_services_case_studies(client: &Client, vault_dir: &Path) {
    // A vault, a course, and two clients whose consents allow the service's case studies.
    create_vault(client, vault_dir, None).await;
    let ends = date_in_days(client, 90).await;
    let course = add_course(client, COURSE, &ends).await;
    for (code, name) in CLIENTS {
        let consent = grant_consent(
            client,
            &ConsentSpec {
                client_code: code,
                course_id: Some(&course),
                destroy_by: None,
                purposes: &["coursework", "supervision"],
                audience: &["supervisor"],
                case_study: "organisation",
                client_name: name,
                counsellor_name: "Morgan Ellery",
                typed_signature: true,
            },
            None,
        )
        .await;
        let record = invoke(client, "consent_get", json!({ "id": consent }))
            .await
            .expect("consent_get");
        eprintln!(
            "consent {consent} for {code}: case study {}",
            record["case_study"]
        );
    }
}

/// Checks the list starts empty, then creates a case study about both clients, the organisation's.
async fn start_a_case_study_about_both_clients(client: &Client) {
    // Case studies: empty at first; a new one about both clients, owned by the organisation.
    go(client, "cases").await;
    poll(client, "#case-list to finish loading", || async {
        match attr_now(client, "#case-list", "aria-busy").await {
            None => Ok(()),
            Some(v) => Err(format!("aria-busy={v}")),
        }
    })
    .await;
    assert_eq!(count(client, "#case-list li[data-case-id]").await, 0);
    click(client, "#case-new").await;
    wait_displayed(client, "#case-form").await;
    type_into(client, "#case-title", TITLE).await;
    type_into(client, "#case-clients", "C-0101, C-0202").await;
    set_checked(client, "input[name=case-owner][value=organisation]", true).await;
    poll(
        client,
        "the course field to go for the organisation's",
        || async {
            match attr_now(client, "#case-course-field", "hidden").await {
                Some(_) => Ok(()),
                None => Err("the course field is still shown".to_owned()),
            }
        },
    )
    .await;
    look(client, "cases-new").await;
    click(client, "#case-create").await;
}

/// Waits for the editor; checks the vault lists the organisation's case study; returns its id.
async fn the_editor_opens_on_the_organisations_case_study(client: &Client) -> String {
    // The editor.
    wait_displayed(client, "#case-body").await;
    wait_for(
        client,
        ".case-badges .owner-badge",
        None,
        "Organisation — permanent record",
    )
    .await;
    let list = invoke(client, "case_study_list", json!({}))
        .await
        .expect("case_study_list");
    let case_id = list[0]["id"]
        .as_str()
        .expect("the case study's id")
        .to_owned();
    assert_eq!(list[0]["owner"], "organisation", "listed: {list}");
    assert_eq!(
        list[0]["clients"],
        json!(["C-0101", "C-0202"]),
        "listed: {list}"
    );
    assert_eq!(list[0]["final"], false);
    case_id
}

/// Types the text naming Sarah, waits for the autosave and checks the vault kept the text.
async fn write_the_text_and_wait_for_the_autosave(client: &Client, case_id: &str) {
    type_into(client, "#case-body", BODY).await;
    wait_saved(client, "#case-saved").await;
    let stored = invoke(client, "case_study_get", json!({ "id": case_id }))
        .await
        .expect("case_study_get");
    assert_eq!(stored["body"], BODY, "the autosave did not keep the text");
}

/// Adds the rule "Sarah" → "[Client]" and checks the text with it.
async fn anonymise_sarah_and_check(client: &Client) {
    // Anonymisation: Sarah → [Client], checked.
    type_into(client, "#case-anon-original", "Sarah").await;
    type_into(client, "#case-anon-replacement", "[Client]").await;
    click(client, "#case-anon-add").await;
    poll(client, "the rule in #case-anon-list", || async {
        let shown = text(client, "#case-anon-list").await;
        if count(client, "#case-anon-list li").await == 1 && shown.contains("[Client]") {
            Ok(())
        } else {
            Err(format!("shows {shown:?}"))
        }
    })
    .await;
    click(client, "#case-anon-check").await;
    wait_for(client, "#case-anon-result", Some("data-state"), "ok").await;
    scroll_to(client, "case-writing-title").await;
    look(client, "cases-editor").await;
    let checked = text(client, "#case-anon-result").await;
    assert!(
        checked.starts_with("Checked:"),
        "#case-anon-result says {checked:?}"
    );
    scroll_to(client, "case-anon-title").await;
    look(client, "cases-anonymisation").await;
}

/// Marks the case study final; checks neither the window nor the shell can change it any more.
async fn mark_it_final(client: &Client, case_id: &str) {
    // Final: the text can no longer be changed.
    click(client, "#case-finalise").await;
    wait_displayed(client, "#case-final-note").await;
    wait_for(
        client,
        ".case-badges .final-badge",
        Some("data-state"),
        "final",
    )
    .await;
    assert_eq!(
        count(client, "#case-finalise").await,
        0,
        "the finalise button is still offered"
    );
    assert!(
        attr_now(client, "#case-body", "readonly").await.is_some(),
        "the final case study's text is not read only"
    );
    assert_eq!(
        count(
            client,
            "#case-anon-original, #case-anon-add, #case-anon-list .anon-remove"
        )
        .await,
        0,
        "the final case study's anonymisation list can still be changed"
    );
    // Typing into it changes nothing.
    if let Ok(body) = client.find(Locator::Css("#case-body")).await {
        let _ = body.click().await;
        let _ = body.send_keys(" Sarah again").await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(value_now(client, "#case-body").await, BODY);
    let stored = invoke(client, "case_study_get", json!({ "id": case_id }))
        .await
        .expect("case_study_get");
    assert_eq!(stored["final"], true);
    assert_eq!(stored["body"], BODY, "the final text changed");
    let refused = invoke(
        client,
        "case_study_save",
        json!({ "id": case_id, "title": TITLE, "clients": ["C-0101", "C-0202"], "body": "changed" }),
    )
    .await
    .expect_err("a final case study was saved");
    assert_eq!(refused["code"], "case_study_final", "refused: {refused}");
    scroll_to(client, "cases-title").await;
    look(client, "cases-final").await;
}

/// Exports DOCX and PDF and checks both hold the anonymised text and nowhere name Sarah.
async fn export_docx_and_pdf_without_sarah(client: &Client, saved: &Path) {
    // Exports: DOCX and PDF, with no Sarah.
    click(client, "#case-export-docx").await;
    let docx = saved_file(client, saved, "docx").await;
    wait_text(client, "#case-export-result").await;
    click(client, "#case-export-pdf").await;
    let pdf = saved_file(client, saved, "pdf").await;
    let document = run_program(
        "unzip",
        &["-p", docx.to_str().unwrap(), "word/document.xml"],
    );
    let document = String::from_utf8_lossy(&document);
    assert!(
        document.contains("[Client]"),
        "the DOCX's document.xml lacks the replacement"
    );
    assert!(
        document.contains("found words for her grief"),
        "the DOCX's document.xml lacks the text"
    );
    assert!(!document.contains("Sarah"), "the DOCX still names Sarah");
    assert!(
        !run_program("unzip", &["-p", docx.to_str().unwrap()])
            .windows(5)
            .any(|w| w == b"Sarah"),
        "some part of the DOCX still names Sarah"
    );
    let pdf_bytes = std::fs::read(&pdf).expect("the PDF export");
    assert!(
        pdf_bytes.starts_with(b"%PDF"),
        "the PDF export is not a PDF"
    );
    let pdf_text = run_program("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    let pdf_text = String::from_utf8_lossy(&pdf_text);
    eprintln!("--- {} ---\n{pdf_text}---", pdf.display());
    assert!(
        pdf_text.contains("grief"),
        "pdftotext found no text of the case study in the PDF"
    );
    assert!(
        pdf_text.contains("[Client]"),
        "the PDF lacks the replacement"
    );
    assert!(!pdf_text.contains("Sarah"), "the PDF still names Sarah");
    assert!(
        !pdf_bytes.windows(5).any(|w| w == b"Sarah"),
        "the PDF's bytes still hold Sarah"
    );
}

/// Goes back to the list and checks it shows the case study, final and the organisation's.
async fn the_list_shows_it_final(client: &Client, case_id: &str) {
    // Back to the list: the final case study, the organisation's.
    click(client, "#case-back").await;
    let row = format!("#case-list li[data-case-id=\"{case_id}\"]");
    wait_displayed(client, &row).await;
    let listed = text(client, &row).await;
    eprintln!("listed: {listed}");
    assert!(listed.contains(TITLE) && listed.contains("C-0101") && listed.contains("C-0202"));
    assert_eq!(
        attr_now(client, &format!("{row} .final-badge"), "data-state")
            .await
            .as_deref(),
        Some("final")
    );
    assert!(listed.contains("Organisation — permanent record"));
    look(client, "cases-list").await;
}

/// Gives C-0101 a passphrase-encrypted copy of their data; checks the panel; returns the file.
async fn give_c_0101_a_copy_of_their_data(client: &Client, saved: &Path) -> PathBuf {
    // C-0101's copy of their data.
    go(client, "clients").await;
    click(
        client,
        "#client-list li[data-client=\"C-0101\"] button.client-open",
    )
    .await;
    wait_for(client, "#client-page-title", None, "Client C-0101").await;
    click(client, "#client-export").await;
    wait_displayed(client, "#client-export-panel").await;
    type_into(client, "#client-export-passphrase", PASSPHRASE).await;
    type_into(client, "#client-export-passphrase-again", PASSPHRASE).await;
    click(client, "#client-export-submit").await;
    let result = wait_text(client, "#client-export-result").await;
    eprintln!("client export: {result}");
    let age = saved_file(client, saved, "age").await;
    assert!(
        result.contains(age.file_name().unwrap().to_str().unwrap()),
        "#client-export-result does not name {}: {result:?}",
        age.display()
    );
    assert_eq!(
        value_now(client, "#client-export-passphrase").await,
        "",
        "the passphrase stays in the field after the export"
    );
    scroll_to(client, "client-export-title").await;
    look(client, "client-export").await;
    age
}

/// Checks the client's file holds nothing in the clear and the audit log records the export.
async fn the_copy_is_encrypted_and_audited(client: &Client, age: &Path) {
    let bytes = std::fs::read(age).expect("the client's file");
    assert!(
        bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "),
        "not a passphrase-encrypted age file (starts {:?})",
        String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
    );
    for needle in [&b"Sarah"[..], b"C-0202", b"grief"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the encrypted file holds {:?} in the clear",
            String::from_utf8_lossy(needle)
        );
    }
    let audit: Value = invoke(client, "audit_entries", json!({}))
        .await
        .expect("audit_entries");
    let exported: Vec<&Value> = audit
        .as_array()
        .expect("a list of entries")
        .iter()
        .filter(|e| e["kind"] == "client.exported")
        .collect();
    assert_eq!(exported.len(), 1, "client.exported entries: {exported:?}");
    assert_eq!(exported[0]["subject"], "C-0101");
    eprintln!("audit: {}", exported[0]["details"]);
    assert!(
        !exported[0]["details"]
            .as_str()
            .unwrap_or_default()
            .contains(PASSPHRASE),
        "the audit log holds the passphrase"
    );
    wait_screen(client, "clients").await;
}
