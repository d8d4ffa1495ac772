//! Consent records and the recording gate: signed records verify; any alteration, a withdrawal,
//! a decline, an ended course, an expired date or another vault's key makes the gate refuse;
//! bad input gets its own error and changes nothing.

use sessionvault_core::ErrorCode;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::common::{cli, json, new_vault, run};
use sessionvault_core::clock::FixedClock;
use sessionvault_core::consent::{self, CaseStudy, NewConsent, Purpose, SignedWith};
use sessionvault_core::course;
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::{Vault, DATABASE};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const SIGNATURE_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80" stroke="black" fill="none" stroke-width="3"/></svg>"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A vault with a course, and the CLI arguments of a valid `consent new` for it.
struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    id: String,
    course: String,
    signature: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let (tmp, dir, id) = new_vault();
        let (out, stdout, stderr) = run(cli(&dir).args([
            "--json",
            "course",
            "add",
            "--name",
            "Diploma in Counselling",
            "--ends",
            "2099-07-31",
        ]));
        assert!(out.status.success(), "{stderr}");
        let course = json(&stdout)["id"].as_str().unwrap().to_owned();
        let signature = write(tmp.path(), "signature.svg", SIGNATURE_SVG.as_bytes());
        Fixture {
            _tmp: tmp,
            dir,
            id,
            course,
            signature,
        }
    }

    fn args(&self) -> Vec<String> {
        [
            "--json",
            "consent",
            "new",
            "--client",
            "C-017",
            "--course",
            &self.course,
            "--purpose",
            "coursework,supervision",
            "--audience",
            "tutors,supervisor",
            "--case-study",
            "coursework",
            "--client-name",
            "Jane Client",
            "--client-signature",
            self.signature.to_str().unwrap(),
            "--counsellor-name",
            "Sam Counsellor",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Runs `consent new` with `change` applied to the valid arguments.
    fn consent_new(
        &self,
        change: impl FnOnce(&mut Vec<String>),
    ) -> (i32, serde_json::Value, String) {
        let mut args = self.args();
        change(&mut args);
        let (out, stdout, stderr) = run(cli(&self.dir).args(&args));
        let value = if stdout.trim().is_empty() {
            serde_json::Value::Null
        } else {
            json(&stdout)
        };
        (out.status.code().unwrap_or(-1), value, stderr)
    }

    fn grant(&self) -> String {
        let (code, value, stderr) = self.consent_new(|_| {});
        assert_eq!(code, 0, "{stderr}");
        value["id"].as_str().unwrap().to_owned()
    }

    fn verify(&self, consent: &str) -> (i32, serde_json::Value) {
        let (out, stdout, _) = run(cli(&self.dir).args(["--json", "consent", "verify", consent]));
        (out.status.code().unwrap_or(-1), json(&stdout))
    }

    fn database(&self) -> Database {
        let key = VaultKeys::for_vault(Uuid::parse_str(&self.id).unwrap())
            .get(KeyName::Database)
            .unwrap();
        Database::open(&self.dir.join(DATABASE), &key).unwrap()
    }

    /// Every row of every table, to prove that a refused input changed nothing.
    fn snapshot(&self) -> Vec<String> {
        let db = self.database();
        let mut rows = Vec::new();
        for table in [
            "courses",
            "consents",
            "consent_withdrawals",
            "audit_log",
            "audit_head",
        ] {
            let mut stmt = db
                .conn()
                .prepare(&format!("SELECT * FROM {table}"))
                .unwrap();
            let n = stmt.column_count();
            let mut q = stmt.query([]).unwrap();
            while let Some(row) = q.next().unwrap() {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                rows.push(format!("{table}: {}", cells.join("|")));
            }
        }
        rows
    }
}

#[test]
fn a_fresh_record_verifies_and_is_listed_and_logged() {
    let f = Fixture::new();
    let consent = f.grant();
    let (code, value) = f.verify(&consent);
    assert_eq!(code, 0, "{value}");
    assert_eq!(value["valid"], true);
    assert_eq!(value["client_code"], "C-017");
    assert_eq!(value["destroy_by"], "2099-07-31");

    let (out, stdout, _) = run(cli(&f.dir).args(["--json", "consent", "list"]));
    assert!(out.status.success());
    let list = json(&stdout);
    assert_eq!(list[0]["id"], consent.as_str());
    assert_eq!(list[0]["state"], "valid");

    let (out, stdout, _) = run(cli(&f.dir).args(["--json", "consent", "show", &consent]));
    assert!(out.status.success());
    let shown = json(&stdout);
    assert_eq!(shown["form_version"], "2026-1");
    assert_eq!(shown["client_name"], "Jane Client");
    assert_eq!(shown["attachment_kind"], "drawn-svg");
    assert_eq!(
        shown["purposes"],
        serde_json::json!(["coursework", "supervision"])
    );

    let (_, log, _) = run(cli(&f.dir).args(["--json", "audit", "list"]));
    let log = json(&log);
    let granted: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "consent.granted")
        .collect();
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0]["subject"], consent.as_str());
    // The audit log names the record and the pseudonym, never the client's name.
    assert!(!log.to_string().contains("Jane"));
}

#[test]
fn altering_any_stored_field_makes_verification_fail() {
    let f = Fixture::new();
    let other_course = {
        let (_, stdout, _) = run(cli(&f.dir).args([
            "--json",
            "course",
            "add",
            "--name",
            "Another course",
            "--ends",
            "2099-12-31",
        ]));
        json(&stdout)["id"].as_str().unwrap().to_owned()
    };
    let alterations = [
        "client_code = 'C-018'".to_owned(),
        format!("course_id = '{other_course}'"),
        "destroy_by = '2100-01-01'".to_owned(),
        "purposes = 'coursework,supervision,training'".to_owned(),
        "audience = 'students,supervisor,tutors'".to_owned(),
        "case_study = 'organisation'".to_owned(),
        "form_version = '2025-1'".to_owned(),
        "form_hash = zeroblob(32)".to_owned(),
        "client_name = 'Someone Else'".to_owned(),
        "attachment_kind = 'drawn-png'".to_owned(),
        "attachment = CAST(replace(CAST(attachment AS TEXT), 'M10 80', 'M11 80') AS BLOB)"
            .to_owned(),
        "counsellor_name = 'Other Counsellor'".to_owned(),
        "signed_at = '2026-01-01T00:00:00Z'".to_owned(),
        "record_signature = zeroblob(64)".to_owned(),
    ];
    for alteration in alterations {
        let consent = f.grant();
        assert_eq!(f.verify(&consent).0, 0);
        let db = f.database();
        db.conn()
            .execute_batch(&format!(
                "DROP TRIGGER IF EXISTS consents_no_update;
                 UPDATE consents SET {alteration} WHERE id = '{consent}';"
            ))
            .unwrap();
        drop(db);
        let (code, value) = f.verify(&consent);
        assert_eq!(code, 1, "{alteration} still verifies");
        let error = value["error"]["code"].as_str().unwrap();
        assert!(
            error == "consent_tampered" || error == "consent_form_mismatch",
            "{alteration}: {value}"
        );
    }
}

#[test]
fn the_database_refuses_edits_of_records() {
    let f = Fixture::new();
    let consent = f.grant();
    let db = f.database();
    let err = db
        .conn()
        .execute(
            "UPDATE consents SET client_code = 'C-018' WHERE id = ?1",
            [&consent],
        )
        .unwrap_err();
    assert!(err.to_string().contains("never edited"), "{err}");
}

#[test]
fn withdrawal_is_appended_and_closes_the_gate() {
    let f = Fixture::new();
    let consent = f.grant();
    let (out, _o, stderr) = run(cli(&f.dir).args([
        "consent",
        "withdraw",
        &consent,
        "--reason",
        "Client changed their mind",
    ]));
    assert!(out.status.success(), "{stderr}");
    let (code, value) = f.verify(&consent);
    assert_eq!(code, 1);
    assert_eq!(value["error"]["code"], "consent_withdrawn");

    // The original record is untouched and still carries its own valid signature.
    let (_, shown, _) = run(cli(&f.dir).args(["--json", "consent", "show", &consent]));
    let shown = json(&shown);
    assert_eq!(shown["decision"], "granted");
    assert_eq!(shown["withdrawal"]["reason"], "Client changed their mind");

    // Withdrawing twice is refused; the audit log holds one withdrawal without the reason.
    let (out, _o, stderr) =
        run(cli(&f.dir).args(["consent", "withdraw", &consent, "--reason", "again"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("already withdrawn"), "{stderr}");
    let (_, log, _) = run(cli(&f.dir).args(["--json", "audit", "list"]));
    assert_eq!(log.matches("consent.withdrawn").count(), 1);
    assert!(!log.contains("changed their mind"));

    // Deleting the withdrawal behind the app's back does not reopen the gate.
    f.database()
        .conn()
        .execute(
            "DELETE FROM consent_withdrawals WHERE consent_id = ?1",
            [&consent],
        )
        .unwrap();
    let (code, value) = f.verify(&consent);
    assert_eq!(code, 1);
    assert_eq!(value["error"]["code"], "consent_tampered");
}

#[test]
fn a_decline_is_recorded_and_refused_by_the_gate() {
    let f = Fixture::new();
    let (out, stdout, stderr) = run(cli(&f.dir).args([
        "--json", "consent", "decline", "--client", "C-020", "--course", &f.course,
    ]));
    assert!(out.status.success(), "{stderr}");
    let id = json(&stdout)["id"].as_str().unwrap().to_owned();
    let (code, value) = f.verify(&id);
    assert_eq!(code, 1);
    assert_eq!(value["error"]["code"], "consent_declined");
    let (_, list, _) = run(cli(&f.dir).args(["--json", "consent", "list"]));
    assert_eq!(json(&list)[0]["state"], "declined");
    // A decline cannot be withdrawn.
    let (out, _o, _e) = run(cli(&f.dir).args(["consent", "withdraw", &id, "--reason", "x"]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_record_signed_by_another_vault_is_refused() {
    let a = Fixture::new();
    let b = Fixture::new();
    let foreign = b.grant();
    // Copy the course and the record, byte for byte, from vault B into vault A.
    let rows: Vec<Vec<rusqlite::types::Value>> = {
        let db = b.database();
        let mut stmt = db
            .conn()
            .prepare("SELECT * FROM consents WHERE id = ?1")
            .unwrap();
        let n = stmt.column_count();
        let row = stmt
            .query_row([&foreign], |r| {
                (0..n).map(|i| r.get(i)).collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        vec![row]
    };
    let course: Vec<rusqlite::types::Value> = b
        .database()
        .conn()
        .query_row("SELECT * FROM courses", [], |r| {
            (0..4).map(|i| r.get(i)).collect()
        })
        .unwrap();
    let db = a.database();
    db.conn()
        .execute(
            "INSERT INTO courses VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params_from_iter(course),
        )
        .unwrap();
    let placeholders = (1..=rows[0].len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(",");
    db.conn()
        .execute(
            &format!("INSERT INTO consents VALUES ({placeholders})"),
            rusqlite::params_from_iter(rows[0].clone()),
        )
        .unwrap();
    drop(db);
    assert_eq!(b.verify(&foreign).0, 0, "it is valid in its own vault");
    let (code, value) = a.verify(&foreign);
    assert_eq!(code, 1);
    assert_eq!(value["error"]["code"], "consent_tampered");
}

#[test]
fn an_ended_course_or_a_passed_date_closes_the_gate() {
    let (_tmp, dir, _id) = new_vault();
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let mut vault = Vault::open(&dir, Arc::new(FixedClock(now))).unwrap();
    let course = course::add(&mut vault, "Short course", today + Duration::days(1)).unwrap();
    let signed_with = SignedWith::Drawn(SIGNATURE_SVG.as_bytes());
    let for_course = consent::grant(
        &mut vault,
        &NewConsent {
            client_code: "C-030",
            course_id: Some(&course.id.to_string()),
            destroy_by: None,
            purposes: vec![Purpose::Coursework],
            audience: vec![],
            case_study: CaseStudy::None,
            client_name: "A Client",
            signed_with,
            counsellor_name: "A Counsellor",
        },
    )
    .unwrap();
    let until_date = consent::grant(
        &mut vault,
        &NewConsent {
            client_code: "C-031",
            course_id: None,
            destroy_by: Some(today + Duration::days(3)),
            purposes: vec![Purpose::Supervision],
            audience: vec![],
            case_study: CaseStudy::None,
            client_name: "B Client",
            signed_with,
            counsellor_name: "A Counsellor",
        },
    )
    .unwrap();
    let id = |r: &consent::Record| r.id.to_string();
    let verified = consent::verify(&vault, &id(&for_course)).unwrap();
    assert_eq!(verified.id(), for_course.id);
    assert_eq!(verified.client_code(), "C-030");
    assert_eq!(
        consent::verify(&vault, &id(&until_date)).unwrap().id(),
        until_date.id
    );
    drop(vault);

    // Two days later the course has ended; the dated consent still stands.
    let later = Vault::open(&dir, Arc::new(FixedClock(now + Duration::days(2)))).unwrap();
    let refused = consent::verify(&later, &id(&for_course)).unwrap_err();
    assert_eq!(refused.code(), "course_ended");
    assert_eq!(
        consent::verify(&later, &id(&until_date)).unwrap().id(),
        until_date.id
    );
    drop(later);

    // Four days later the destroy-by date has passed too.
    let mut later = Vault::open(&dir, Arc::new(FixedClock(now + Duration::days(4)))).unwrap();
    assert_eq!(
        consent::verify(&later, &id(&until_date))
            .unwrap_err()
            .code(),
        "consent_expired"
    );
    // And no new consent can be given for the ended course.
    let err = consent::grant(
        &mut later,
        &NewConsent {
            client_code: "C-032",
            course_id: Some(&course.id.to_string()),
            destroy_by: None,
            purposes: vec![Purpose::Coursework],
            audience: vec![],
            case_study: CaseStudy::None,
            client_name: "C Client",
            signed_with,
            counsellor_name: "A Counsellor",
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("ended"), "{err}");
}

/// What a bad-input case is called, how it changes the valid arguments, and the error code and
/// words it must get.
type BadInput = (
    &'static str,
    Box<dyn FnOnce(&mut Vec<String>)>,
    &'static str,
    &'static str,
);

#[test]
fn each_bad_input_gets_its_error_and_changes_nothing() {
    let f = Fixture::new();
    f.grant();
    let before = f.snapshot();
    let tmp = tempfile::tempdir().unwrap();
    let png_as_svg = write(
        tmp.path(),
        "sig.svg",
        b"\x89PNG\r\n\x1a\nthis is not a picture",
    );
    let text_as_png = write(
        tmp.path(),
        "sig.png",
        b"just some text, named like a picture",
    );
    let scripted = write(
        tmp.path(),
        "scripted.svg",
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
    );
    let external = write(
        tmp.path(),
        "external.svg",
        br#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/x.png"/></svg>"#,
    );
    let huge = write(tmp.path(), "huge.png", &vec![0u8; 2 * 1024 * 1024]);
    let fake_pdf = write(tmp.path(), "scan.pdf", b"%PDF-1.7\nno end");

    let set = |flag: &'static str, value: String| {
        move |args: &mut Vec<String>| {
            let at = args.iter().position(|a| a == flag).unwrap();
            args[at + 1] = value;
        }
    };
    let cases: Vec<BadInput> = vec![
        (
            "unknown purpose",
            Box::new(set("--purpose", "coursework,fun".into())),
            "invalid_input",
            "purpose",
        ),
        (
            "unknown audience",
            Box::new(set("--audience", "tutors,parents".into())),
            "invalid_input",
            "audience",
        ),
        (
            "empty client code",
            Box::new(set("--client", "".into())),
            "invalid_input",
            "client code",
        ),
        (
            "a name as client code",
            Box::new(set("--client", "Jane Smith".into())),
            "invalid_input",
            "client code",
        ),
        (
            "unknown case study",
            Box::new(set("--case-study", "sometimes".into())),
            "invalid_input",
            "case study",
        ),
        (
            "empty client name",
            Box::new(set("--client-name", " ".into())),
            "invalid_input",
            "client name",
        ),
        (
            "no such course",
            Box::new(set("--course", Uuid::new_v4().to_string())),
            "course_not_found",
            "no course",
        ),
        (
            "PNG bytes named .svg",
            Box::new(set("--client-signature", png_as_svg.display().to_string())),
            "invalid_signature_file",
            "damaged PNG",
        ),
        (
            "text named .png",
            Box::new(set("--client-signature", text_as_png.display().to_string())),
            "invalid_signature_file",
            "content was checked",
        ),
        (
            "SVG with a script",
            Box::new(set("--client-signature", scripted.display().to_string())),
            "invalid_signature_file",
            "<script>",
        ),
        (
            "SVG with an external image",
            Box::new(set("--client-signature", external.display().to_string())),
            "invalid_signature_file",
            "<image>",
        ),
        (
            "oversized signature",
            Box::new(set("--client-signature", huge.display().to_string())),
            "invalid_signature_file",
            "more than",
        ),
        (
            "missing signature file",
            Box::new(set(
                "--client-signature",
                tmp.path().join("none.svg").display().to_string(),
            )),
            "io_failed",
            "could not read",
        ),
        (
            "cut-short PDF scan",
            Box::new(move |args: &mut Vec<String>| {
                let at = args.iter().position(|a| a == "--client-signature").unwrap();
                args[at] = "--paper-scan".into();
                args[at + 1] = fake_pdf.display().to_string();
            }),
            "invalid_signature_file",
            "damaged PDF",
        ),
    ];
    for (what, change, code, words) in cases {
        let (exit, value, stderr) = f.consent_new(change);
        assert_eq!(exit, 1, "{what}: {stderr}");
        assert_eq!(value["error"]["code"], code, "{what}: {value}");
        assert!(stderr.contains(words), "{what}: {stderr}");
        assert_eq!(f.snapshot(), before, "{what} changed the vault");
    }

    // A missing signature is a usage error.
    let (exit, _value, stderr) = f.consent_new(|args| {
        let at = args.iter().position(|a| a == "--client-signature").unwrap();
        args.drain(at..at + 2);
    });
    assert_eq!(exit, 2, "{stderr}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn the_pdf_renders_with_the_form_version_and_is_logged() {
    let f = Fixture::new();
    let consent = f.grant();
    let out_dir = tempfile::tempdir().unwrap();
    let pdf = out_dir.path().join("consent.pdf");
    let (out, _o, stderr) = run(cli(&f.dir)
        .args(["consent", "pdf", &consent, "--out"])
        .arg(&pdf));
    assert!(out.status.success(), "{stderr}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Form version 2026-1"), "{text}");
    assert!(text.contains(&consent), "{text}");
    assert!(text.contains("C-017"));
    assert!(text.contains("Jane Client"));
    assert!(text.contains("never be video-recorded"));

    let pages = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "40"])
        .arg(&pdf)
        .arg(out_dir.path().join("page"))
        .status()
        .unwrap();
    assert!(pages.success());
    let pngs = std::fs::read_dir(out_dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("png".as_ref()))
        .count();
    assert!(pngs >= 2, "the form and choices take more than one page");

    let (_, log, _) = run(cli(&f.dir).args(["--json", "audit", "list"]));
    let log = json(&log);
    let made: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "consent.pdf_made")
        .collect();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["subject"], consent.as_str());
}

/// The signature pictures in `tests/data/signatures/`: each good one (what the window's pad
/// draws, its typed-name alternative, drawings from elsewhere) makes a record that verifies;
/// each bad one (empty, blank, a dot, a tick, invisible ink) is refused as
/// `invalid_signature_file`, tells the counsellor to have the client sign again, and changes
/// nothing.
#[test]
fn a_drawn_signature_must_hold_drawn_strokes() {
    let f = Fixture::new();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/signatures");
    let files = |kind: &str| {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        paths
    };
    let use_file = |path: &Path| {
        let path = path.display().to_string();
        move |args: &mut Vec<String>| {
            let at = args.iter().position(|a| a == "--client-signature").unwrap();
            args[at + 1] = path;
        }
    };
    let good = files("good");
    assert!(good.len() >= 8, "{good:?}");
    for path in &good {
        let (exit, value, stderr) = f.consent_new(use_file(path));
        assert_eq!(exit, 0, "{}: {stderr}", path.display());
        let consent = value["id"].as_str().unwrap();
        assert_eq!(f.verify(consent).0, 0, "{}", path.display());
    }
    let bad = files("bad");
    assert!(bad.len() >= 12, "{bad:?}");
    let before = f.snapshot();
    for path in &bad {
        let (exit, value, stderr) = f.consent_new(use_file(path));
        assert_eq!(exit, 1, "{} was accepted: {stderr}", path.display());
        assert_eq!(
            value["error"]["code"],
            "invalid_signature_file",
            "{}: {value}",
            path.display()
        );
        assert!(
            stderr.contains("no drawn strokes") && stderr.contains("have the client sign again"),
            "{}: {stderr}",
            path.display()
        );
    }
    assert_eq!(
        f.snapshot(),
        before,
        "a refused signature changed the vault"
    );
}
