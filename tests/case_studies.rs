//! Case studies through the real `sessionvault` CLI: a case study needs each client's consent
//! to that kind of case study; the organisation's survive course and client shreds (listed
//! under "kept") while the counsellor's of the course, or about only the shredded client, go
//! (on the certificate, with their outstanding exports); one about several clients is kept and
//! flagged by a client shred; the organisation's cannot be marked final without a passing
//! anonymisation, and once final cannot be edited; exports (DOCX read back, PDF text) hold
//! none of the originals and are logged as copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{cli, json, new_vault, ok_json, record_from_file, run};
use serde_json::Value;

const SIGNATURE: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 30 L40 5 L90 35" stroke="black" fill="none"/></svg>"#;

/// A granted consent for `client` on `course`, with the case-study choice `case_study`.
fn consent(dir: &Path, client: &str, course: &str, case_study: &str) -> String {
    let signature = dir.parent().unwrap().join("signature.svg");
    std::fs::write(&signature, SIGNATURE).unwrap();
    ok_json(
        cli(dir)
            .args([
                "--json",
                "consent",
                "new",
                "--client",
                client,
                "--course",
                course,
                "--purpose",
                "coursework",
                "--audience",
                "tutors",
                "--case-study",
                case_study,
                "--client-name",
                "Test Client",
                "--counsellor-name",
                "Test Counsellor",
                "--client-signature",
            ])
            .arg(&signature),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn course(dir: &Path) -> String {
    ok_json(cli(dir).args([
        "--json",
        "course",
        "add",
        "--name",
        "Diploma",
        "--ends",
        "2099-06-30",
    ]))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn case_study(dir: &Path, args: &[&str]) -> (Output, String, String) {
    run(cli(dir)
        .env("SESSIONVAULT_LOG", "info")
        .args(["--json", "case-study"])
        .args(args))
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    let (out, stdout, stderr) = case_study(dir, args);
    assert!(out.status.success(), "{args:?}: {stderr}");
    assert!(!stderr.contains("Sarah"), "{stderr}");
    json(&stdout)
}

fn refused(dir: &Path, args: &[&str]) -> (String, String) {
    let (out, stdout, stderr) = case_study(dir, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout} {stderr}");
    assert!(
        !stderr.contains("Sarah") && !stdout.contains("Sarah"),
        "{stderr}"
    );
    let error = &json(&stdout)["error"];
    (
        error["code"].as_str().unwrap().to_owned(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

fn body(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.parent().unwrap().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Creates a case study; its id.
fn new_study(dir: &Path, title: &str, clients: &str, owner: &str, course: Option<&str>) -> String {
    let file = body(
        dir,
        "body.txt",
        "Sarah came to counselling after a move.\n\nShe explored her grief over twelve sessions.",
    );
    let mut args = vec![
        "new",
        "--title",
        title,
        "--clients",
        clients,
        "--owner",
        owner,
        "--body-file",
        file.to_str().unwrap(),
    ];
    if let Some(course) = course {
        args.extend(["--course", course]);
    }
    ok(dir, &args)["id"].as_str().unwrap().to_owned()
}

fn exists(dir: &Path, id: &str) -> bool {
    let (out, _, _) = case_study(dir, &["show", id]);
    out.status.success()
}

fn shred(dir: &Path, kind: &str, id: &str, flags: &[&str]) -> Value {
    ok_json(cli(dir).args(["--json", "shred", kind, id]).args(flags))
}

#[test]
fn the_organisations_case_studies_survive_shreds_and_the_counsellors_go_with_course_or_client() {
    let (tmp, dir, _) = new_vault();
    let k = course(&dir);
    let c1 = consent(&dir, "C-001", &k, "organisation");
    consent(&dir, "C-002", &k, "coursework");
    consent(&dir, "C-003", &k, "none");
    let r1 = record_from_file(&dir, &c1, 1);

    refuse_case_studies_without_consent(&dir);
    let studies = four_case_studies(&dir, &k);
    let copy = export_the_coursework_case_study(&dir, &studies.coursework, tmp.path());
    shred_the_course(&dir, &k, &r1, &studies, &copy);
    shred_client_c002(&dir, &studies);
    check_subject_access_and_the_log(&dir, &studies);
}

/// Checks that consent decides: no case study without it, none for the organisation on
/// coursework, and none with a bad client code or owner.
fn refuse_case_studies_without_consent(dir: &Path) {
    // Consent decides: no case study without it, none for the organisation on coursework.
    let file = body(dir, "b.txt", "Text.");
    for (clients, owner, code) in [
        ("C-003", "counsellor", "no_case_study_consent"),
        ("C-002", "organisation", "no_case_study_consent"),
        ("C-999", "counsellor", "no_case_study_consent"),
        ("Sarah Jones", "counsellor", "invalid_input"),
        ("C-001", "nobody", "invalid_input"),
    ] {
        let (got, _) = refused(
            dir,
            &[
                "new",
                "--title",
                "T",
                "--clients",
                clients,
                "--owner",
                owner,
                "--body-file",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(got, code, "{clients} {owner}");
    }
}

/// The ids of the four case studies of the first test: the organisation's, the counsellor's
/// coursework on the course, and two of the counsellor's without a course.
struct FourCaseStudies {
    org: String,
    coursework: String,
    only_c2: String,
    both: String,
}

/// Creates the organisation's case study and three of the counsellor's (one on course `k`).
fn four_case_studies(dir: &Path, k: &str) -> FourCaseStudies {
    let org = new_study(dir, "Funding report", "C-001", "organisation", Some(k));
    let coursework = new_study(dir, "Grief work", "C-001,C-002", "counsellor", Some(k));
    let only_c2 = new_study(dir, "Moving on", "C-002", "counsellor", None);
    let both = new_study(dir, "Two clients", "C-002,C-001", "counsellor", None);
    let shown = ok(dir, &["show", &both]);
    assert_eq!(shown["clients"], serde_json::json!(["C-001", "C-002"]));
    FourCaseStudies {
        org,
        coursework,
        only_c2,
        both,
    }
}

/// Anonymises the coursework case study and exports it as DOCX into `tmp`, an outstanding
/// copy; what the export printed.
fn export_the_coursework_case_study(dir: &Path, coursework: &str, tmp: &Path) -> Value {
    // An export of the course's coursework case study: an outstanding copy.
    ok(
        dir,
        &["anonymise", coursework, "--replace", "Sarah=Client A"],
    );
    let exported = tmp.join("grief.docx");
    let copy = ok(
        dir,
        &[
            "export",
            coursework,
            "--format",
            "docx",
            "--out",
            exported.to_str().unwrap(),
        ],
    );
    assert_eq!(copy["kind"], "case-study-docx");
    copy
}

/// Shreds course `k`: checks that the preview and the certificate name the coursework case
/// study (with its exported `copy`) as gone with recording `r1` and the organisation's as kept.
fn shred_the_course(dir: &Path, k: &str, r1: &str, studies: &FourCaseStudies, copy: &Value) {
    let FourCaseStudies {
        org,
        coursework,
        only_c2,
        both,
    } = studies;
    // The course shred: the preview names what goes and what is kept.
    let preview = shred(dir, "course", k, &["--dry-run"]);
    let going: Vec<&str> = preview["case_studies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["case_study_id"].as_str().unwrap())
        .collect();
    assert_eq!(going, vec![coursework.as_str()]);
    assert!(preview["kept"].to_string().contains(org), "{preview}");
    let outcome = shred(dir, "course", k, &["--yes"]);
    let certificate = &outcome["certificate"]["certificate"];
    assert_eq!(certificate["destroyed"][0]["recording_id"], r1);
    assert_eq!(
        certificate["case_studies"][0]["case_study_id"],
        coursework.as_str()
    );
    assert_eq!(certificate["case_studies"][0]["rows_absent"], true);
    assert!(certificate["kept"].to_string().contains(org));
    let copies = certificate["outstanding_copies"].as_array().unwrap();
    assert!(
        copies
            .iter()
            .any(|c| c["copy_id"] == copy["copy_id"] && c["case_study_id"] == coursework.as_str()),
        "{certificate}"
    );
    assert!(!exists(dir, coursework));
    assert!(exists(dir, org) && exists(dir, only_c2) && exists(dir, both));
}

/// Shreds client C-002, then previews shredding C-001: checks what goes and what is kept.
fn shred_client_c002(dir: &Path, studies: &FourCaseStudies) {
    let FourCaseStudies {
        org, only_c2, both, ..
    } = studies;
    // A client shred: the one about only that client goes; the one about two is kept and
    // flagged; the organisation's is kept.
    let preview = shred(dir, "client", "C-002", &["--dry-run"]);
    let kept = preview["kept"].to_string();
    assert!(
        kept.contains(both) && kept.contains("also about C-001"),
        "{kept}"
    );
    let outcome = shred(dir, "client", "C-002", &["--yes"]);
    let certificate = &outcome["certificate"]["certificate"];
    assert_eq!(
        certificate["case_studies"][0]["case_study_id"],
        only_c2.as_str()
    );
    assert!(!exists(dir, only_c2));
    assert!(exists(dir, both) && exists(dir, org));
    // C-001's recording went with the course: a client shred now has nothing to destroy,
    // and its preview keeps both remaining case studies.
    let preview = shred(dir, "client", "C-001", &["--dry-run"]);
    assert!(preview["case_studies"].as_array().unwrap().is_empty());
    let kept = preview["kept"].to_string();
    assert!(kept.contains(org) && kept.contains(both), "{kept}");
    assert!(
        exists(dir, org),
        "the organisation's case study is a permanent record"
    );
}

/// Checks that subject access sees the case studies that mention C-001, and that the audit
/// log holds none of the text, both shreds, and still verifies.
fn check_subject_access_and_the_log(dir: &Path, studies: &FourCaseStudies) {
    // Subject access sees what mentions a client.
    let vault = sessionvault_core::store::vault::Vault::open(
        dir,
        std::sync::Arc::new(sessionvault_core::clock::SystemClock),
    )
    .unwrap();
    let mentioning = sessionvault_core::documents::case_study::mentioning(&vault, "C-001").unwrap();
    let ids: Vec<&str> = mentioning.iter().map(String::as_str).collect();
    assert_eq!(ids, vec![studies.org.as_str(), studies.both.as_str()]);
    drop(vault);

    let (_, log, _) = run(cli(dir).args(["--json", "audit", "list"]));
    assert!(!log.contains("Sarah") && !log.contains("Grief"));
    let kinds: Vec<String> = json(&log)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "case_study.shredded").count(),
        2
    );
    assert!(run(cli(dir).args(["audit", "verify"])).0.status.success());
}

#[test]
fn the_organisations_case_study_is_final_only_when_anonymised_and_then_never_edited() {
    let (tmp, dir, _) = new_vault();
    let k = course(&dir);
    consent(&dir, "C-010", &k, "organisation");
    let org = new_study(&dir, "Report on Sarah", "C-010", "organisation", None);
    let mine = new_study(&dir, "Coursework", "C-010", "counsellor", Some(&k));

    let (code, _) = refused(&dir, &["final", &mine]);
    assert_eq!(code, "not_organisation");
    let (code, _) = refused(&dir, &["final", &org]);
    assert_eq!(code, "anonymisation_required");

    let out = tmp.path().join("report.pdf");
    refuse_final_and_export_with_a_form_missed(&dir, &org, &out);
    anonymise_every_form_and_make_final(&dir, &org);
    refuse_every_change_once_final(&dir, &org);
    check_docx_export(&dir, &org, &tmp.path().join("report.docx"));
    check_pdf_export(&dir, &org, &out);

    let (code, _) = refused(&dir, &["export", &org, "--format", "txt", "--out", "x.txt"]);
    assert_eq!(code, "invalid_input");
    let (_, log, _) = run(cli(&dir).args(["--json", "audit", "list"]));
    let exported = json(&log)
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case_study.exported")
        .count();
    assert_eq!(exported, 2);
    let listed = ok(&dir, &["list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

/// Checks that a form the rule misses ("Sarahs" is not "Sarah") stops `org` being made final,
/// naming the rule, and stops its export to `out`.
fn refuse_final_and_export_with_a_form_missed(dir: &Path, org: &str, out: &Path) {
    // A form the rule misses ("Sarahs" is not "Sarah") stops it, naming the rule.
    let edited = body(
        dir,
        "b2.txt",
        "Sarah came to counselling after a move.\n\nSarahs grief eased over twelve sessions.",
    );
    ok(dir, &["edit", org, "--body-file", edited.to_str().unwrap()]);
    ok(dir, &["anonymise", org, "--replace", "Sarah=Client A"]);
    let (code, message) = refused(dir, &["final", org]);
    assert_eq!(code, "anonymisation_incomplete");
    assert!(
        message.contains("rule 1") && message.contains("paragraph 2"),
        "{message}"
    );
    let (code, _) = refused(
        dir,
        &[
            "export",
            org,
            "--format",
            "pdf",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, "anonymisation_incomplete");
    assert!(!out.exists());
}

/// Sets rules for both forms of the name and makes `org` final.
fn anonymise_every_form_and_make_final(dir: &Path, org: &str) {
    ok(
        dir,
        &[
            "anonymise",
            org,
            "--replace",
            "Sarah=Client A",
            "--replace",
            "Sarahs=Client A's",
        ],
    );
    let done = ok(dir, &["final", org]);
    assert!(done["final_at"].is_string());
}

/// Checks that the final `org` takes no edit, no new rules, and is not made final again.
fn refuse_every_change_once_final(dir: &Path, org: &str) {
    // Final: no edit, no new rules, not again.
    for args in [
        vec!["edit", org, "--title", "New"],
        vec!["anonymise", org, "--replace", "Sarah=B"],
        vec!["final", org],
    ] {
        let (code, _) = refused(dir, &args);
        assert_eq!(code, "case_study_final", "{args:?}");
    }
}

/// Exports `org` as DOCX to `docx` and checks, read back, that the title is anonymised too.
fn check_docx_export(dir: &Path, org: &str, docx: &Path) {
    // Exports: DOCX read back and PDF text, the title anonymised too; logged as copies.
    ok(
        dir,
        &[
            "export",
            org,
            "--format",
            "docx",
            "--out",
            docx.to_str().unwrap(),
        ],
    );
    let read = docx_rs::read_docx(&std::fs::read(docx).unwrap()).expect("the DOCX opens");
    let text = serde_json::to_string(&read.document).unwrap();
    assert!(
        text.contains("Report on Client A") && text.contains("Client A's grief"),
        "{text}"
    );
    assert!(!text.contains("Sarah"));
}

/// Exports `org` as PDF to `out` and checks its text is anonymised.
fn check_pdf_export(dir: &Path, org: &str, out: &Path) {
    ok(
        dir,
        &[
            "export",
            org,
            "--format",
            "pdf",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let pdf = Command::new("pdftotext")
        .arg(out)
        .arg("-")
        .output()
        .unwrap();
    let pdf = String::from_utf8_lossy(&pdf.stdout);
    assert!(
        pdf.contains("Client A's grief") && pdf.contains("C-010"),
        "{pdf}"
    );
    assert!(!pdf.contains("Sarah"), "{pdf}");
}
