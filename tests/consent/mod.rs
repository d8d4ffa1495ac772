//! Consent records and the recording gate: signed records verify; any alteration, a withdrawal,
//! a decline, an ended course, an expired date or another vault's key makes the gate refuse;
//! bad input gets its own error and changes nothing.

mod gate;
mod input;

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
