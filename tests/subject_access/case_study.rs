//! A case study about two clients in one client's bundle: withheld until every form of the
//! other client's name and story is anonymised, and then included, anonymised.

use std::collections::BTreeMap;
use std::path::Path;

use super::{consent_with_case_study, json_bytes, open_bundle, PASSPHRASE};
use crate::common::{self, cli, json, new_vault, run};

/// Exports client `code`'s bundle and opens it.
fn bundle_of(dir: &Path, code: &str, out: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<u8>) {
    let (o, _, stderr) = run(cli(dir)
        .args(["--json", "client", "export", code, "--out"])
        .arg(out)
        .env("SESSIONVAULT_PASSPHRASE", PASSPHRASE));
    assert!(o.status.success(), "{stderr}");
    let opened = open_bundle(out, PASSPHRASE);
    std::fs::remove_file(out).unwrap();
    opened
}

/// A case study about two clients goes into one client's bundle only once the other's name
/// and story are anonymised, checked against the other client's typed name.
#[test]
fn a_case_study_about_two_clients_shows_one_client_nothing_of_the_other() {
    let (tmp, dir, _) = new_vault();
    let study = case_study_naming_the_other_client(&dir, tmp.path());
    let root = "subject-access-C-101";
    let out = tmp.path().join("C-101.age");

    // No anonymisation list: withheld.
    let (files, plaintext) = bundle_of(&dir, "C-101", &out);
    nothing_of_b(&files, &plaintext);
    assert!(withheld_reason(&files, root, &study).contains("no anonymisation list"));

    // The place and the full name replaced, but "Quince" alone is still there: withheld.
    anonymise(
        &dir,
        &study,
        &["Bartholomew Quince=Client B", "Wolverhampton=a city"],
    );
    let (files, plaintext) = bundle_of(&dir, "C-101", &out);
    nothing_of_b(&files, &plaintext);
    assert!(withheld_reason(&files, root, &study).contains("another client's name"));

    // Every form of the name and the place replaced: included, anonymised.
    anonymise(
        &dir,
        &study,
        &[
            "Bartholomew Quince=Client B",
            "Quince=Client B",
            "Wolverhampton=a city",
        ],
    );
    let (files, plaintext) = bundle_of(&dir, "C-101", &out);
    nothing_of_b(&files, &plaintext);
    check_case_study_included_anonymised(&files, root, &study);
}

/// Gives clients C-101 and C-202 (Bartholomew Quince) consents to a case study and writes the
/// organisation's case study naming C-202 in full (its body in `tmp`); its id.
fn case_study_naming_the_other_client(dir: &Path, tmp: &Path) -> String {
    consent_with_case_study(dir, "C-101", "Test Client", "organisation");
    consent_with_case_study(dir, "C-202", "Bartholomew Quince", "organisation");
    let body = tmp.join("body.txt");
    std::fs::write(
        &body,
        "C-101 spoke of stress at work.\n\nC-202, Bartholomew Quince, moved from Wolverhampton \
         after the flood; Quince still dreams of it.",
    )
    .unwrap();
    let (o, stdout, stderr) = run(cli(dir)
        .args([
            "--json",
            "case-study",
            "new",
            "--title",
            "Stress and loss",
            "--clients",
        ])
        .args(["C-101,C-202", "--owner", "organisation", "--body-file"])
        .arg(&body));
    assert!(o.status.success(), "{stderr}");
    json(&stdout)["id"].as_str().unwrap().to_owned()
}

/// Sets the case study `study`'s anonymisation list to `rules`.
fn anonymise(dir: &Path, study: &str, rules: &[&str]) {
    let mut cmd = cli(dir);
    cmd.args(["case-study", "anonymise", study]);
    for rule in rules {
        cmd.args(["--replace", rule]);
    }
    let (o, _, stderr) = run(&mut cmd);
    assert!(o.status.success(), "{stderr}");
}

/// Checks that nothing of client B (name, place, code) is in the bundle or any of its files.
fn nothing_of_b(files: &BTreeMap<String, Vec<u8>>, plaintext: &[u8]) {
    for needle in ["Bartholomew", "Quince", "Wolverhampton", "C-202"] {
        assert!(
            !common::contains(plaintext, needle.as_bytes()),
            "{needle} in the bundle"
        );
        for (name, bytes) in files {
            assert!(
                !common::contains(bytes, needle.as_bytes()),
                "{needle} in {name}"
            );
        }
    }
}

/// The reason the bundle gives for withholding the case study `study`, checking it is the one
/// withheld.
fn withheld_reason(files: &BTreeMap<String, Vec<u8>>, root: &str, study: &str) -> String {
    let withheld = json_bytes(&files[&format!("{root}/documents/withheld.json")]);
    assert_eq!(withheld[0]["id"], study, "{withheld}");
    withheld[0]["reason"].as_str().unwrap().to_owned()
}

/// Checks that the case study `study` is in the bundle, anonymised, and nothing is withheld.
fn check_case_study_included_anonymised(
    files: &BTreeMap<String, Vec<u8>>,
    root: &str,
    study: &str,
) {
    let case =
        String::from_utf8(files[&format!("{root}/documents/case-study-{study}.txt")].clone())
            .unwrap();
    assert!(case.contains("C-101 spoke of stress at work."), "{case}");
    assert!(
        case.contains("[another client], Client B, moved from a city"),
        "{case}"
    );
    assert_eq!(
        json_bytes(&files[&format!("{root}/documents/withheld.json")]),
        serde_json::json!([])
    );
}
