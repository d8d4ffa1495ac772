//! The gate: a fresh record verifies; an alteration, a withdrawal, a decline, another vault's
//! key, an ended course or a passed date makes it refuse.

use super::*;

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
    let (course, for_course, until_date) = grant_for_a_course_and_until_a_date(&dir, now);
    course_ended_two_days_later(&dir, now, &for_course, &until_date);
    date_passed_four_days_later(&dir, now, &course, &until_date);
}

/// The id of the consent `r`, as the gate takes it.
fn id_of(r: &consent::Record) -> String {
    r.id.to_string()
}

/// Adds a course ending tomorrow and grants, at `now`, one consent for it and one until three
/// days from now, checking both verify; the course and the two consents.
fn grant_for_a_course_and_until_a_date(
    dir: &Path,
    now: OffsetDateTime,
) -> (course::Course, consent::Record, consent::Record) {
    let today = now.date();
    let mut vault = Vault::open(dir, Arc::new(FixedClock(now))).unwrap();
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
    let verified = consent::verify(&vault, &id_of(&for_course)).unwrap();
    assert_eq!(verified.id(), for_course.id);
    assert_eq!(verified.client_code(), "C-030");
    assert_eq!(
        consent::verify(&vault, &id_of(&until_date)).unwrap().id(),
        until_date.id
    );
    drop(vault);
    (course, for_course, until_date)
}

/// Checks that two days after `now` the course has ended and the dated consent still stands.
fn course_ended_two_days_later(
    dir: &Path,
    now: OffsetDateTime,
    for_course: &consent::Record,
    until_date: &consent::Record,
) {
    // Two days later the course has ended; the dated consent still stands.
    let later = Vault::open(dir, Arc::new(FixedClock(now + Duration::days(2)))).unwrap();
    let refused = consent::verify(&later, &id_of(for_course)).unwrap_err();
    assert_eq!(refused.code(), "course_ended");
    assert_eq!(
        consent::verify(&later, &id_of(until_date)).unwrap().id(),
        until_date.id
    );
    drop(later);
}

/// Checks that four days after `now` the destroy-by date has passed too, and that no new
/// consent can be given for the ended `course`.
fn date_passed_four_days_later(
    dir: &Path,
    now: OffsetDateTime,
    course: &course::Course,
    until_date: &consent::Record,
) {
    // Four days later the destroy-by date has passed too.
    let mut later = Vault::open(dir, Arc::new(FixedClock(now + Duration::days(4)))).unwrap();
    assert_eq!(
        consent::verify(&later, &id_of(until_date))
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
            signed_with: SignedWith::Drawn(SIGNATURE_SVG.as_bytes()),
            counsellor_name: "A Counsellor",
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("ended"), "{err}");
}
