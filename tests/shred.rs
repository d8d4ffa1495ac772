//! Retention and shredding on real parts: recordings from ALSA's file plugin, keys in the real
//! Secret Service (checked with `secret-tool` from outside), the Debian `age` command trying
//! every key left against a copy of the ciphertext taken before the shred, signed
//! certificates checked and tampered with, the withdrawal cascade, a failure halfway and the
//! re-run that finishes it, and what `due` reports by a fixed clock.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use crate::common::{cli, files_under, json, new_vault, ok_json, record_from_file, run};
use sessionvault_core::clock::FixedClock;
use sessionvault_core::retention::shred::{self, ShredError, Target};
use sessionvault_core::store::vault::Vault;

const SIGNATURE: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><path d="M5 30 L40 5 L90 35" stroke="black" fill="none"/></svg>"#;

/// A granted consent for `client`, on `course` or with `destroy_by`; its id.
fn consent(dir: &Path, client: &str, course: Option<&str>, destroy_by: &str) -> String {
    let signature = dir.parent().unwrap().join("signature.svg");
    std::fs::write(&signature, SIGNATURE).unwrap();
    let mut cmd = cli(dir);
    cmd.args(["--json", "consent", "new", "--client", client]);
    match course {
        Some(course) => cmd.args(["--course", course]),
        None => cmd.args(["--destroy-by", destroy_by]),
    };
    // Coursework needs a course; without one, the recording is for supervision.
    let (purpose, audience) = match course {
        Some(_) => ("coursework", "tutors"),
        None => ("supervision", "supervisor"),
    };
    cmd.args([
        "--purpose",
        purpose,
        "--audience",
        audience,
        "--case-study",
        "none",
        "--client-name",
        "Test Client",
        "--counsellor-name",
        "Test Counsellor",
        "--client-signature",
    ])
    .arg(&signature);
    ok_json(&mut cmd)["id"].as_str().unwrap().to_owned()
}

fn course(dir: &Path, name: &str, ends: &str) -> String {
    ok_json(cli(dir).args(["--json", "course", "add", "--name", name, "--ends", ends]))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn recording_ids(dir: &Path) -> Vec<String> {
    let list = ok_json(cli(dir).args(["--json", "recordings", "list"]));
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Every entry the vault has in the keyring, with its secret, read with `secret-tool` from
/// outside: (account, secret bytes).
fn secrets_left(vault_id: &str) -> Vec<(String, Vec<u8>)> {
    let service = format!("sessionvault/{vault_id}");
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", &service])
        .output()
        .unwrap();
    // secret-tool writes the attributes to stderr.
    let attributes = String::from_utf8_lossy(&out.stderr).into_owned();
    attributes
        .lines()
        .filter_map(|line| line.strip_prefix("attribute.username = "))
        .map(|account| {
            let secret = Command::new("secret-tool")
                .args(["lookup", "service", &service, "username", account.trim()])
                .output()
                .unwrap()
                .stdout;
            (account.trim().to_owned(), secret)
        })
        .collect()
}

#[test]
fn shredding_a_course_destroys_exactly_its_recordings_provably() {
    let (tmp, dir, vault_id) = new_vault();
    let held = record_on_two_courses(&dir, tmp.path());

    // Before: the backup opens with its key from the keyring (so the check below can fail).
    assert!(decrypts_with_any_key_left(
        &vault_id,
        &held.backup,
        tmp.path()
    ));

    preview_destroys_nothing(&dir, &held);
    let certificate = shred_course_a(&dir, &held);
    check_only_course_b_is_left(&dir, &vault_id, &held, tmp.path());
    check_course_b_plays_out_whole(&dir, &held.b1, tmp.path());

    let id = certificate["id"].as_str().unwrap();
    check_certificate_verifies_and_an_edit_fails(&dir, id, tmp.path());
    check_pdf_names_the_certificate(&dir, id, tmp.path());
    check_log_holds_the_destructions(&dir);
}

/// What [`record_on_two_courses`] made: course A with its recordings `a1` (bookmarked) and
/// `a2` (exported), course B's recording `b1`, and a copy of `a1`'s ciphertext.
struct TwoCourses {
    course_a: String,
    a1: String,
    a2: String,
    b1: String,
    backup: std::path::PathBuf,
}

/// Records two sessions on course A (bookmarking one, exporting the other into `tmp`) and one
/// on course B, and copies the first one's ciphertext into `tmp` as a backup would.
fn record_on_two_courses(dir: &Path, tmp: &Path) -> TwoCourses {
    let course_a = course(dir, "Diploma year 2", "2099-06-30");
    let course_b = course(dir, "Certificate in skills", "2099-06-30");
    let consent_a = consent(dir, "C-101", Some(&course_a), "");
    let consent_b = consent(dir, "C-202", Some(&course_b), "");
    let a1 = record_from_file(dir, &consent_a, 1);
    let a2 = record_from_file(dir, &consent_a, 1);
    let b1 = record_from_file(dir, &consent_b, 1);
    ok_json(cli(dir).args([
        "--json", "bookmark", "add", &a1, "--at", "0.5", "--note", "x",
    ]));
    let exported = tmp.join("a2.wav");
    ok_json(
        cli(dir)
            .args(["--json", "export", &a2, "--wav", "--out"])
            .arg(&exported),
    );
    // A copy of the ciphertext taken before the shred, as a backup would hold it.
    let backup = tmp.join("a1-backup.age");
    std::fs::copy(dir.join("recordings").join(format!("{a1}.age")), &backup).unwrap();
    TwoCourses {
        course_a,
        a1,
        a2,
        b1,
        backup,
    }
}

/// Whether the `age` command opens `backup` with any key the vault still has in the keyring,
/// each written in turn to a file in `tmp`.
fn decrypts_with_any_key_left(vault_id: &str, backup: &Path, tmp: &Path) -> bool {
    secrets_left(vault_id).iter().any(|(_, secret)| {
        let identity = tmp.join("identity.txt");
        std::fs::write(&identity, secret).unwrap();
        Command::new("age")
            .args(["-d", "-o", "/dev/null", "-i"])
            .arg(&identity)
            .arg(backup)
            .output()
            .expect("the age command (Debian package age) must be installed")
            .status
            .success()
    })
}

/// Checks that the preview of shredding course A, with and without --dry-run, lists its two
/// recordings and the copy and destroys nothing.
fn preview_destroys_nothing(dir: &Path, held: &TwoCourses) {
    // The preview, with and without --dry-run, destroys nothing.
    for flags in [&["--dry-run"][..], &[][..]] {
        let preview = ok_json(
            cli(dir)
                .args(["--json", "shred", "course", &held.course_a])
                .args(flags),
        );
        let items: Vec<&str> = preview["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["recording_id"].as_str().unwrap())
            .collect();
        assert_eq!(items.len(), 2);
        assert!(items.contains(&held.a1.as_str()) && items.contains(&held.a2.as_str()));
        assert_eq!(preview["outstanding_copies"].as_array().unwrap().len(), 1);
        assert!(preview["kept"].to_string().contains("organisation"));
        assert_eq!(recording_ids(dir).len(), 3);
    }
}

/// Shreds course A and checks what its certificate says was destroyed and checked; the
/// certificate.
fn shred_course_a(dir: &Path, held: &TwoCourses) -> serde_json::Value {
    let outcome = ok_json(cli(dir).args(["--json", "shred", "course", &held.course_a, "--yes"]));
    let certificate = &outcome["certificate"]["certificate"];
    let destroyed: Vec<&str> = certificate["destroyed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["recording_id"].as_str().unwrap())
        .collect();
    assert_eq!(destroyed.len(), 2);
    for check in certificate["checks"].as_array().unwrap() {
        assert_eq!(check["key_lookup_fails"], true);
        assert_eq!(check["file_absent"], true);
        assert_eq!(check["rows_absent"], true);
    }
    let copies = certificate["outstanding_copies"].as_array().unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["recording_id"], held.a2.as_str());
    assert_eq!(certificate["destroyed"][0]["client_code"], "C-101");
    certificate.clone()
}

/// Checks that course A's keys, files and rows are gone and course B's are left, and that the
/// backup no longer opens with anything left in the keyring.
fn check_only_course_b_is_left(dir: &Path, vault_id: &str, held: &TwoCourses, tmp: &Path) {
    let (a1, a2, b1) = (&held.a1, &held.a2, &held.b1);
    // Keys: none of course A's left in the real keyring; course B's still there.
    let left = secrets_left(vault_id);
    let accounts: Vec<&str> = left.iter().map(|(a, _)| a.as_str()).collect();
    assert!(
        !accounts.iter().any(|a| a.contains(a1) || a.contains(a2)),
        "{accounts:?}"
    );
    assert!(accounts.iter().any(|a| a.contains(b1)), "{accounts:?}");
    // Files: gone, and no renamed remnant either.
    let files = files_under(&dir.join("recordings"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(format!("{b1}.age")));
    // Rows: gone, bookmarks too.
    assert_eq!(recording_ids(dir), vec![b1.clone()]);
    let (out, stdout, _) = run(cli(dir).args(["--json", "bookmark", "list", a1]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&stdout)["error"]["code"], "recording_not_found");

    // The backup copy cannot be decrypted with anything left in the keyring.
    assert_eq!(
        left.len(),
        3,
        "database, signing and course B's keys: {accounts:?}"
    );
    assert!(!decrypts_with_any_key_left(vault_id, &held.backup, tmp));
}

/// Checks that course B's recording `b1` still exports (into `tmp`) and plays out whole.
fn check_course_b_plays_out_whole(dir: &Path, b1: &str, tmp: &Path) {
    // Course B's recording still opens and plays out whole.
    let b_wav = tmp.join("b1.wav");
    ok_json(
        cli(dir)
            .args(["--json", "export", b1, "--wav", "--out"])
            .arg(&b_wav),
    );
    assert_eq!(hound::WavReader::open(&b_wav).unwrap().duration(), 48_000);
}

/// Checks that the certificate `id` is stored, exports (into `tmp`) and verifies, and that any
/// edit of it fails.
fn check_certificate_verifies_and_an_edit_fails(dir: &Path, id: &str, tmp: &Path) {
    // The certificate: stored, exported, verified; any edit fails.
    let file = tmp.join("certificate.json");
    ok_json(
        cli(dir)
            .args(["--json", "certificate", "export", id, "--out"])
            .arg(&file),
    );
    let verified = ok_json(
        cli(dir)
            .args(["--json", "certificate", "verify"])
            .arg(&file),
    );
    assert_eq!(verified["checked_against_vault"], true);
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = tmp.join("edited.json");
    std::fs::write(&edited, text.replacen("C-101", "C-999", 1)).unwrap();
    let (out, stdout, _) = run(cli(dir)
        .args(["--json", "certificate", "verify"])
        .arg(&edited));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&stdout)["error"]["code"], "certificate_altered");
}

/// Checks that the printable PDF of the certificate `id` (exported into `tmp`) names it and
/// what it destroyed.
fn check_pdf_names_the_certificate(dir: &Path, id: &str, tmp: &Path) {
    // The printable PDF names the same certificate and what it destroyed.
    let pdf = tmp.join("certificate.pdf");
    ok_json(
        cli(dir)
            .args(["--json", "certificate", "export", id, "--out"])
            .arg(&pdf),
    );
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(id) && text.contains("C-101"), "{text}");
}

/// Checks that the audit log holds both destructions and the certificate, and still verifies.
fn check_log_holds_the_destructions(dir: &Path) {
    // The log: both destructions and the certificate, still intact.
    let log = ok_json(cli(dir).args(["--json", "audit", "list"]));
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "recording.shredded").count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "certificate.issued").count(),
        1
    );
    assert!(run(cli(dir).args(["audit", "verify"])).0.status.success());
}

#[test]
fn withdrawing_consent_offers_the_cascade_and_with_yes_destroys_exactly_its_material() {
    let (_tmp, dir, _vault_id) = new_vault();
    let course_a = course(&dir, "Diploma", "2099-06-30");
    let withdrawn = consent(&dir, "C-301", Some(&course_a), "");
    let other = consent(&dir, "C-302", Some(&course_a), "");
    let w1 = record_from_file(&dir, &withdrawn, 1);
    let w2 = record_from_file(&dir, &withdrawn, 1);
    let o1 = record_from_file(&dir, &other, 1);

    let result = ok_json(cli(&dir).args([
        "--json",
        "consent",
        "withdraw",
        &withdrawn,
        "--reason",
        "changed mind",
        "--yes",
    ]));
    let destroyed: Vec<String> = result["shredded"]["certificate"]["certificate"]["destroyed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["recording_id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = vec![w1, w2];
    expected.sort();
    let mut destroyed_sorted = destroyed.clone();
    destroyed_sorted.sort();
    assert_eq!(destroyed_sorted, expected);
    assert_eq!(recording_ids(&dir), vec![o1.clone()]);

    // Without --yes the cascade is shown, not run; `shred consent` runs it.
    let (_tmp2, dir2, _) = new_vault();
    let c = consent(&dir2, "C-303", None, "2099-01-01");
    let r = record_from_file(&dir2, &c, 1);
    let result = ok_json(cli(&dir2).args(["--json", "consent", "withdraw", &c, "--reason", "x"]));
    assert!(result["shredded"].is_null());
    assert_eq!(result["to_destroy"]["items"][0]["recording_id"], r.as_str());
    assert_eq!(recording_ids(&dir2), vec![r.clone()]);
    let (_, stdout, _) = run(cli(&dir2).args(["--json", "due"]));
    assert_eq!(json(&stdout)[0]["reason"], "consent_withdrawn");
    ok_json(cli(&dir2).args(["--json", "shred", "consent", &c, "--yes"]));
    assert!(recording_ids(&dir2).is_empty());
    let (_, stdout, _) = run(cli(&dir2).args(["--json", "due"]));
    assert_eq!(json(&stdout), serde_json::json!([]));
}

#[test]
fn a_failure_halfway_is_reported_truthfully_and_a_rerun_finishes_the_job() {
    let (_tmp, dir, vault_id) = new_vault();
    let c = consent(&dir, "C-401", None, "2099-01-01");
    let first = record_from_file(&dir, &c, 1);
    let second = record_from_file(&dir, &c, 1);
    let mut vault = Vault::open(&dir, Arc::new(sessionvault_core::clock::SystemClock)).unwrap();
    let target = Target::Client("C-401".to_owned());
    let order: Vec<String> = shred::preview(&vault, &target)
        .unwrap()
        .items
        .iter()
        .map(|i| i.recording_id.clone())
        .collect();
    assert_eq!(order.len(), 2);
    assert!(order.contains(&first) && order.contains(&second));
    let blocked = dir.join("recordings").join(format!("{}.age", order[1]));

    // After the first file is destroyed, the second becomes something that cannot be
    // overwritten (a folder in its place): the shred must stop and say so.
    let mut steps = Vec::new();
    let result = shred::shred(&mut vault, &target, &mut rand::rngs::OsRng, &mut |p| {
        if p.step == "overwrite" && p.recording_id.as_deref() == Some(order[0].as_str()) {
            std::fs::remove_file(&blocked).unwrap();
            std::fs::create_dir(&blocked).unwrap();
        }
        steps.push((p.step, p.recording_id.clone()));
    });
    match result {
        Err(ShredError::Partial(stopped)) => {
            assert_eq!(stopped.step, "overwrite");
            assert_eq!(stopped.recording_id, order[1]);
            assert!(
                stopped.destroyed.is_empty(),
                "no recording got through every step yet"
            );
            assert_eq!(stopped.remaining, order);
            assert_eq!(stopped.key_erased, order, "both keys were erased first");
            let said = stopped.to_string();
            assert!(said.contains("run the same shred again"), "{said}");
        }
        other => panic!("expected a partial shred, got {other:?}"),
    }
    // Both keys are gone already: nothing of either can be decrypted any more.
    let left = secrets_left(&vault_id);
    assert!(
        !left.iter().any(|(a, _)| a.contains("recording-key")),
        "{left:?}"
    );
    let preview = shred::preview(&vault, &target).unwrap();
    assert!(preview.resumes.is_some());

    // Put it right and run the same shred again: it finishes, with one certificate for both.
    std::fs::remove_dir(&blocked).unwrap();
    let outcome = shred::shred(&mut vault, &target, &mut rand::rngs::OsRng, &mut |_| {}).unwrap();
    let certificate = &outcome.certificate.certificate;
    assert_eq!(certificate.destroyed.len(), 2);
    assert!(certificate
        .checks
        .iter()
        .all(|c| c.key_lookup_fails && c.file_absent && c.rows_absent));
    assert!(files_under(&dir.join("recordings")).is_empty());
    assert_eq!(
        sessionvault_core::retention::certificate::list(&vault)
            .unwrap()
            .len(),
        1
    );
    drop(vault);
    assert!(recording_ids(&dir).is_empty());
    assert!(run(cli(&dir).args(["audit", "verify"])).0.status.success());
}

#[test]
fn due_names_what_is_due_and_why_by_the_vaults_clock() {
    let (_tmp, dir, _vault_id) = new_vault();
    let ending = course(&dir, "Ends soon", "2026-12-31");
    let on_course = consent(&dir, "C-501", Some(&ending), "");
    let dated = consent(&dir, "C-502", None, "2027-03-01");
    let course_recording = record_from_file(&dir, &on_course, 1);
    let dated_recording = record_from_file(&dir, &dated, 1);
    let at = |date: &str| {
        let when = time::OffsetDateTime::parse(
            &format!("{date}T12:00:00Z"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        Vault::open(&dir, Arc::new(FixedClock(when))).unwrap()
    };

    // Two weeks before the course ends: nothing due, one reminder within 14 days... not yet.
    let due = shred::due(&at("2026-12-01"), 14).unwrap();
    assert!(due.is_empty(), "{due:?}");
    // Ten days before: a reminder.
    let due = shred::due(&at("2026-12-22"), 14).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].reason, due[0].overdue), ("due_soon", false));
    assert_eq!(due[0].recording_id, course_recording);
    assert_eq!(due[0].due_on, "2027-01-01");
    // After the course and the destroy-by date: both due, each with its reason.
    let due = shred::due(&at("2027-03-02"), 14).unwrap();
    let reasons: Vec<(&str, &str)> = due
        .iter()
        .map(|d| (d.recording_id.as_str(), d.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (course_recording.as_str(), "course_ended"),
            (dated_recording.as_str(), "destroy_by_passed"),
        ]
    );
    assert!(due.iter().all(|d| d.overdue));
}
