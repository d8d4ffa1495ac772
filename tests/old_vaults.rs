//! Vaults made by earlier versions keep working: the vault kept in tests/data/vaults/ (made
//! once through the real CLI, its keys kept beside it) opens under the current code, its consent
//! records verify as the recording gate checks them (the counsellor's signature over each
//! record's canonical form, bound to the vault's id, and over a withdrawal), its audit log
//! verifies as a signed hash chain, and one byte changed in what was signed is refused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use crate::common::{cli, json, new_vault, ok_json, run, AlsaFileInput};
use sessionvault_core::store::db::Database;
use sessionvault_core::store::keys::{KeyName, VaultKeys};
use sessionvault_core::store::vault::{DATABASE, MARKER, RECORDINGS};
use uuid::Uuid;

/// The vault made at database schema 11, the schema of the first vaults kept.
const SCHEMA_11: &str = "schema-11";

/// The keyring entries of a kept vault are named by its id, so two copies of one kept vault
/// cannot be open at once: its tests take turns.
static KEPT_VAULT_KEYS: Mutex<()> = Mutex::new(());

/// Runs a command that must be refused with exit status 1: the error's code.
fn refused(cmd: &mut Command) -> String {
    let (out, stdout, stderr) = run(cmd);
    assert_eq!(out.status.code(), Some(1), "not refused: {stdout} {stderr}");
    json(&stdout)["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn kept(vault: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vaults")
        .join(vault)
}

fn hex_file(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    hex::decode(text.trim()).unwrap()
}

/// A copy of a kept vault in a temporary folder, its keys put in the keyring as the vault
/// left them; they leave the keyring again when it is dropped.
struct KeptVault {
    _turn: MutexGuard<'static, ()>,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    keys: VaultKeys,
    /// What the vault held when it was made (`made.json`).
    made: serde_json::Value,
}

impl KeptVault {
    fn open(vault: &str) -> KeptVault {
        let turn = KEPT_VAULT_KEYS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let from = kept(vault);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        std::fs::create_dir_all(dir.join(RECORDINGS)).unwrap();
        for file in [MARKER, DATABASE] {
            std::fs::copy(from.join(file), dir.join(file)).unwrap();
        }
        let made = json(&std::fs::read_to_string(from.join("made.json")).unwrap());
        let id = Uuid::parse_str(made["vault_id"].as_str().unwrap()).unwrap();
        let keys = VaultKeys::for_vault(id);
        keys.put(KeyName::Database, &hex_file(&from.join("database-key.hex")))
            .unwrap();
        keys.put(KeyName::Signing, &hex_file(&from.join("signing-key.hex")))
            .unwrap();
        KeptVault {
            _turn: turn,
            _tmp: tmp,
            dir,
            keys,
            made,
        }
    }

    /// The id of a consent the vault was made with (`granted`, `granted_png`, `declined`,
    /// `withdrawn`).
    fn consent(&self, which: &str) -> String {
        self.made["consents"][which]
            .as_str()
            .unwrap_or_else(|| panic!("no {which} consent in made.json"))
            .to_owned()
    }

    /// Runs SQL against the copy's database after removing the append-only triggers, as
    /// someone holding the key could.
    fn tamper(&self, sql: &str) {
        let key = self.keys.get(KeyName::Database).unwrap();
        let db = Database::open(&self.dir.join(DATABASE), &key).unwrap();
        db.conn()
            .execute_batch(&format!(
                "DROP TRIGGER IF EXISTS consents_no_update;
                 DROP TRIGGER IF EXISTS consent_withdrawals_no_update;
                 DROP TRIGGER IF EXISTS audit_log_no_update;
                 {sql}"
            ))
            .unwrap();
    }
}

impl Drop for KeptVault {
    fn drop(&mut self) {
        for name in [KeyName::Database, KeyName::DatabaseNext, KeyName::Signing] {
            let _ = self.keys.delete(name);
        }
    }
}

#[test]
fn consent_records_of_schema_11_keep_verifying() {
    let vault = KeptVault::open(SCHEMA_11);
    let dir = &vault.dir;
    for which in ["granted", "granted_png"] {
        let id = vault.consent(which);
        let verified = ok_json(cli(dir).args(["--json", "consent", "verify", &id]));
        assert_eq!(verified["id"], id.as_str(), "{verified}");
        let shown = ok_json(cli(dir).args(["--json", "consent", "show", &id]));
        assert_eq!(shown["state"], "valid: recording may start", "{shown}");
        assert_eq!(
            shown["client_name"], vault.made["client_names"][which],
            "{shown}"
        );
    }
    let declined = vault.consent("declined");
    let code = refused(cli(dir).args(["--json", "consent", "verify", &declined]));
    assert_eq!(code, "consent_declined");
    // A withdrawal's own signature is checked before the gate says it was withdrawn.
    let withdrawn = vault.consent("withdrawn");
    let code = refused(cli(dir).args(["--json", "consent", "verify", &withdrawn]));
    assert_eq!(code, "consent_withdrawn");
    let shown = ok_json(cli(dir).args(["--json", "consent", "show", &withdrawn]));
    assert_eq!(
        shown["withdrawal"]["reason"],
        vault.made["withdrawal_reason"]
    );

    let list = ok_json(cli(dir).args(["--json", "consent", "list"]));
    let state = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["state"].clone())
    };
    assert_eq!(list.as_array().unwrap().len(), 4, "{list}");
    assert_eq!(state(&vault.consent("granted")), Some("valid".into()));
    assert_eq!(state(&vault.consent("granted_png")), Some("valid".into()));
    assert_eq!(state(&declined), Some("declined".into()));
    assert_eq!(state(&withdrawn), Some("withdrawn".into()));
}

#[test]
fn consent_records_of_schema_11_changed_by_one_byte_are_refused() {
    // One letter of the client's typed name (an ASCII letter, so one byte).
    let vault = KeptVault::open(SCHEMA_11);
    let granted = vault.consent("granted");
    vault.tamper(&format!(
        "UPDATE consents SET client_name = replace(client_name, 'O''B', 'Q''B')
         WHERE id = '{granted}';"
    ));
    let code = refused(cli(&vault.dir).args(["--json", "consent", "verify", &granted]));
    assert_eq!(code, "consent_tampered");
    drop(vault);

    // One letter of the reason the client gave when withdrawing.
    let vault = KeptVault::open(SCHEMA_11);
    let withdrawn = vault.consent("withdrawn");
    vault.tamper(&format!(
        "UPDATE consent_withdrawals SET reason = replace(reason, 'rather', 'rathar')
         WHERE consent_id = '{withdrawn}';"
    ));
    let code = refused(cli(&vault.dir).args(["--json", "consent", "verify", &withdrawn]));
    assert_eq!(code, "consent_tampered");
}

#[test]
fn the_audit_log_of_schema_11_keeps_verifying_and_refuses_a_changed_byte() {
    let vault = KeptVault::open(SCHEMA_11);
    let verified = ok_json(cli(&vault.dir).args(["--json", "audit", "verify"]));
    assert_eq!(verified, vault.made["audit"], "{verified}");
    let entries = ok_json(cli(&vault.dir).args(["--json", "audit", "list"]));
    let kinds: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"vault.created"));
    assert_eq!(
        serde_json::json!(kinds.len()),
        vault.made["audit"]["entries"]
    );

    // One digit of the details of the entry that logged the withdrawal.
    let withdrawn = vault.consent("withdrawn");
    vault.tamper(&format!(
        "UPDATE audit_log SET details = replace(details, 'C-020', 'C-021')
         WHERE kind = 'consent.withdrawn' AND subject = '{withdrawn}';"
    ));
    let code = refused(cli(&vault.dir).args(["--json", "audit", "verify"]));
    assert_eq!(code, "audit_broken");
}

/// Makes a kept vault once (never again: it is checked for good) into the folder
/// `SESSIONVAULT_MAKE_VECTORS` names: `cargo test --test tests -- --ignored
/// old_vaults::makes_a_kept_vault` with that variable set, in a private keyring.
#[test]
#[ignore = "makes the vault kept in tests/data/vaults"]
fn makes_a_kept_vault() {
    let out = PathBuf::from(std::env::var_os("SESSIONVAULT_MAKE_VECTORS").expect("a folder"));
    let (tmp, dir, vault_id) = new_vault();
    let mut made = make_records(&dir, tmp.path(), &vault_id);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| ![MARKER, DATABASE, RECORDINGS, "vault.lock"].contains(&name.as_str()))
        .collect();
    assert!(leftovers.is_empty(), "more to keep: {leftovers:?}");
    assert_eq!(std::fs::read_dir(dir.join(RECORDINGS)).unwrap().count(), 0);
    for file in [MARKER, DATABASE] {
        std::fs::copy(dir.join(file), out.join(file)).unwrap();
    }
    let keys = VaultKeys::for_vault(Uuid::parse_str(&vault_id).unwrap());
    let db = Database::open(&dir.join(DATABASE), &keys.get(KeyName::Database).unwrap()).unwrap();
    made["schema"] = db.version().unwrap().into();
    drop(db);
    for (name, file) in [
        (KeyName::Database, "database-key.hex"),
        (KeyName::Signing, "signing-key.hex"),
    ] {
        let key = keys.get(name).unwrap();
        std::fs::write(out.join(file), hex::encode(&*key) + "\n").unwrap();
    }
    let text = serde_json::to_string_pretty(&made).unwrap() + "\n";
    std::fs::write(out.join("made.json"), text).unwrap();
}

/// What [`makes_a_kept_vault`] records in the vault at `dir`, through the CLI: a course, two
/// granted consents (a drawn SVG and a PNG signature), a decline, a withdrawn consent, a
/// consent's PDF, and a recording bookmarked and shredded. Returns what `made.json` holds.
fn make_records(dir: &Path, tmp: &Path, vault_id: &str) -> serde_json::Value {
    let course = id(ok_json(cli(dir).args([
        "--json",
        "course",
        "add",
        "--name",
        "Diploma in Counselling (Level 4)",
        "--ends",
        "2099-07-31",
    ])));
    let svg = tmp.join("signature.svg");
    std::fs::write(
        &svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80" stroke="black" fill="none" stroke-width="3"/></svg>"#,
    )
    .unwrap();
    let png =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/signatures/good/drawn-grey.png");
    let names = serde_json::json!({
        "granted": "Siobhán O'Brien-Nguyễn",
        "granted_png": "Zoë D'Arcy",
        "withdrawn": "Łukasz Ó Dálaigh",
    });
    let name = |which: &str| names[which].as_str().unwrap().to_owned();
    let granted = grant(dir, "C-017", &name("granted"), &svg, Some(&course));
    let granted_png = grant(dir, "C-018", &name("granted_png"), &png, None);
    let declined = id(ok_json(cli(dir).args([
        "--json",
        "consent",
        "decline",
        "--client",
        "C-019",
        "--course",
        &course,
        "--counsellor-name",
        COUNSELLOR,
    ])));
    let withdrawn = grant(dir, "C-020", &name("withdrawn"), &svg, None);
    let reason = "She'd rather not go on — being recorded made her anxious.";
    ok_json(cli(dir).args([
        "--json", "consent", "withdraw", &withdrawn, "--reason", reason,
    ]));
    ok_json(
        cli(dir)
            .args(["--json", "consent", "pdf", &granted, "--out"])
            .arg(tmp.join("consent.pdf")),
    );
    record_bookmark_and_shred(dir, &granted);
    serde_json::json!({
        "vault_id": vault_id,
        "consents": {
            "granted": granted,
            "granted_png": granted_png,
            "declined": declined,
            "withdrawn": withdrawn,
        },
        "client_names": names,
        "withdrawal_reason": reason,
        "audit": ok_json(cli(dir).args(["--json", "audit", "verify"])),
    })
}

/// The counsellor's name in the records of a kept vault.
const COUNSELLOR: &str = "Mária Ní Bhriain";

/// The `id` a command printed.
fn id(value: serde_json::Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// Grants a consent through `consent new`: for `course` (coursework and supervision, heard by
/// tutors and a supervisor, a coursework case study) or, without, for supervision until
/// 2099-01-01. Returns its id.
fn grant(dir: &Path, client: &str, name: &str, signature: &Path, course: Option<&str>) -> String {
    let mut cmd = cli(dir);
    cmd.args(["--json", "consent", "new", "--client", client]);
    match course {
        Some(course) => cmd
            .args(["--course", course, "--purpose", "coursework,supervision"])
            .args([
                "--audience",
                "tutors,supervisor",
                "--case-study",
                "coursework",
            ]),
        None => cmd
            .args(["--destroy-by", "2099-01-01", "--purpose", "supervision"])
            .args(["--audience", "supervisor", "--case-study", "none"]),
    };
    cmd.args(["--client-name", name])
        .arg("--client-signature")
        .arg(signature)
        .args(["--counsellor-name", COUNSELLOR]);
    id(ok_json(&mut cmd))
}

/// Records 1.618033 s under `consent` from ALSA's file plugin, bookmarks it and shreds it, so
/// the audit log holds a recording's whole life and no recording key is left to keep.
fn record_bookmark_and_shred(dir: &Path, consent: &str) {
    let input = AlsaFileInput::new(48_000 * 3);
    let recording = ok_json(input.apply(&mut cli(dir)).args([
        "--json",
        "record",
        "--consent",
        consent,
        "--duration",
        "1.618033s",
    ]));
    let recording = recording["id"].as_str().unwrap();
    ok_json(cli(dir).args([
        "--json",
        "bookmark",
        "add",
        recording,
        "--at",
        "0.707",
        "--note",
        "Client’s long pause — ‘ça va?’, then back to the exam",
    ]));
    ok_json(cli(dir).args(["--json", "shred", "recording", recording, "--yes"]));
}
