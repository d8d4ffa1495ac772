//! Sharing a recording or a clip: a standard WAV inside an age file that the stock `age` CLI
//! (Debian's `age`) opens, holding exactly the samples of the range asked for; ASCII armour;
//! passphrases; refusals by the consent's audience and after withdrawal, leaving nothing
//! behind; and the share as an outstanding copy on shred previews and certificates until it is
//! recorded as destroyed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, cli, json, new_vault, run, supervision_consent, AlsaFileInput};
use sha2::{Digest, Sha256};

/// Records `seconds` of the known mono signal under a new supervision consent; returns the
/// recording id, the consent id and the signal's samples.
fn record_signal(dir: &Path, seconds: usize) -> (String, String, Vec<i16>) {
    let consent = supervision_consent(dir);
    let input = AlsaFileInput::new(48_000 * (seconds + 1));
    let (out, stdout, stderr) = run(input
        .apply(&mut cli(dir))
        .args(["--json", "record", "--consent", &consent, "--duration"])
        .arg(format!("{seconds}s")));
    assert!(out.status.success(), "{stderr}");
    let id = json(&stdout)["id"].as_str().unwrap().to_owned();
    let samples = input
        .signal
        .chunks(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    (id, consent, samples)
}

/// A new age identity made by the stock `age-keygen`: the identity file and its recipient.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(format!("{name}.txt"));
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .expect("age-keygen (Debian package age) must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("age-keygen")
        .arg("-y")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    (path, recipient)
}

/// Decrypts `file` with the stock `age` CLI and `identity`; the plaintext.
fn age_decrypt(file: &Path, identity: &Path) -> Vec<u8> {
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .expect("age (Debian package age) must be installed");
    assert!(
        out.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The WAV's spec and samples.
fn wav(bytes: &[u8]) -> (hound::WavSpec, Vec<i16>) {
    let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).expect("a WAV file");
    let spec = reader.spec();
    let samples = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec, samples)
}

fn fingerprint(recipient: &str) -> String {
    hex::encode(Sha256::digest(recipient.as_bytes()))[..16].to_owned()
}

/// The files in `dir`, by name.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_shared_clip_opens_with_the_age_cli_and_holds_exactly_the_samples_of_the_range() {
    let (tmp, dir, _) = new_vault();
    let (id, _, signal) = record_signal(&dir, 3);
    let keys = tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let (supervisor_key, supervisor) = keygen(&keys, "supervisor");
    let (second_key, second) = keygen(&keys, "second");
    let outdir = tmp.path().join("out");
    std::fs::create_dir(&outdir).unwrap();

    let recipients = [
        (supervisor_key.as_path(), supervisor.as_str()),
        (second_key.as_path(), second.as_str()),
    ];
    share_a_clip_to_two(&dir, &id, &outdir, recipients, &signal);
    share_for_a_while_and_armoured(&dir, &id, &outdir, recipients[0], &signal);
    check_each_share_is_logged_without_keys(&dir, &id, &supervisor);
}

/// Shares 0.5 s to 1.25 s of recording `id` into `outdir` to both `recipients` (identity file,
/// recipient) and checks each opens it with the stock `age` to exactly that range of `signal`.
fn share_a_clip_to_two(
    dir: &Path,
    id: &str,
    outdir: &Path,
    recipients: [(&Path, &str); 2],
    signal: &[i16],
) {
    let [(supervisor_key, supervisor), (second_key, second)] = recipients;
    // A clip, to two recipients: 0.5 s to 1.25 s is frames 24 000 up to 60 000.
    let clip = outdir.join("clip.age");
    let (out, stdout, stderr) = run(cli(dir)
        .args(["--json", "share", id, "--role", "supervisor"])
        .args(["--to", supervisor, "--to", second])
        .args(["--from", "0.5", "--until", "1.25", "--out"])
        .arg(&clip));
    assert!(out.status.success(), "{stderr}");
    let shared = json(&stdout);
    assert_eq!(shared["frames"], 36_000, "{shared}");
    assert_eq!(shared["role"], "supervisor");
    assert_eq!(
        shared["recipients"],
        serde_json::json!([fingerprint(supervisor), fingerprint(second)])
    );
    let ciphertext = std::fs::read(&clip).unwrap();
    assert!(ciphertext.starts_with(b"age-encryption.org/v1\n"));
    assert_eq!(
        shared["sha256"],
        hex::encode(Sha256::digest(&ciphertext)),
        "the copy's hash is the file's"
    );
    assert!(!common::contains(&ciphertext, b"RIFF"), "no plaintext");
    assert_eq!(names_in(outdir), ["clip.age"], "no temporary file is left");
    for identity in [supervisor_key, second_key] {
        let (spec, samples) = wav(&age_decrypt(&clip, identity));
        assert_eq!(spec.sample_rate, 48_000);
        assert_eq!(spec.channels, 1);
        assert_eq!(spec.bits_per_sample, 16);
        assert_eq!(samples.len(), 36_000);
        assert!(
            samples == signal[24_000..60_000],
            "exact samples of the range"
        );
    }
}

/// Shares half a second from 1 s, then the whole recording armoured, into `outdir` to the
/// `supervisor` (identity file, recipient), checking each holds its part of `signal`.
fn share_for_a_while_and_armoured(
    dir: &Path,
    id: &str,
    outdir: &Path,
    supervisor: (&Path, &str),
    signal: &[i16],
) {
    let (supervisor_key, supervisor) = supervisor;
    // `--for` from a point, and the whole recording, armoured.
    let (out, _, stderr) = run(cli(dir)
        .args(["share", id, "--role", "supervisor", "--to", supervisor])
        .args(["--from", "1", "--for", "0:00.5", "--out"])
        .arg(outdir.join("for.age")));
    assert!(out.status.success(), "{stderr}");
    let (_, samples) = wav(&age_decrypt(&outdir.join("for.age"), supervisor_key));
    assert!(samples == signal[48_000..72_000]);

    let armored = outdir.join("whole.age");
    let (out, stdout, stderr) = run(cli(dir)
        .args([
            "--json",
            "share",
            id,
            "--role",
            "supervisor",
            "--to",
            supervisor,
        ])
        .args(["--armor", "--out"])
        .arg(&armored));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(json(&stdout)["armor"], true);
    let text = std::fs::read_to_string(&armored).expect("armour is text");
    assert!(
        text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{}",
        &text[..60]
    );
    assert!(text
        .trim_end()
        .ends_with("-----END AGE ENCRYPTED FILE-----"));
    let (spec, samples) = wav(&age_decrypt(&armored, supervisor_key));
    assert_eq!(spec.sample_rate, 48_000);
    assert!(samples == signal[..144_000], "the whole recording");
}

/// Checks that each of the three shares of recording `id` is logged with ids, role, range and
/// fingerprints only: not the `supervisor`'s key, nor the client.
fn check_each_share_is_logged_without_keys(dir: &Path, id: &str, supervisor: &str) {
    // Each share is logged with ids, role, range and fingerprints only.
    let (_, stdout, _) = run(cli(dir).args(["--json", "audit", "list"]));
    let shares: Vec<serde_json::Value> = json(&stdout)
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "recording.shared")
        .cloned()
        .collect();
    assert_eq!(shares.len(), 3);
    let details = json(shares[0]["details"].as_str().unwrap());
    assert_eq!(details["role"], "supervisor");
    assert_eq!(details["from_seconds"], 0.5);
    assert_eq!(details["until_seconds"], 1.25);
    assert_eq!(shares[0]["subject"], id);
    let log = serde_json::to_string(&shares).unwrap();
    assert!(!log.contains(supervisor), "recipient keys are not logged");
    assert!(!log.contains("C-101") && !log.contains("Test Client"));
}

#[test]
fn a_passphrase_share_opens_with_the_passphrase() {
    let (tmp, dir, _) = new_vault();
    let (id, _, signal) = record_signal(&dir, 2);
    let clip = tmp.path().join("clip.age");
    let passphrase = "correct horse battery staple";
    let (out, stdout, stderr) = run(cli(&dir)
        .args([
            "--json",
            "share",
            &id,
            "--role",
            "supervisor",
            "--passphrase",
        ])
        .args(["--from", "1.5", "--out"])
        .arg(&clip)
        .env("SESSIONVAULT_PASSPHRASE", passphrase));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        json(&stdout)["recipients"],
        serde_json::json!(["passphrase"])
    );

    check_opens_with_the_passphrase_only(&clip, passphrase, &signal);
    refuse_a_short_passphrase_from_stdin(&dir, &id, tmp.path());

    // A passphrase is never taken from the command line.
    let (out, _, _) = run(cli(&dir)
        .args([
            "share",
            &id,
            "--role",
            "supervisor",
            "--passphrase",
            passphrase,
        ])
        .args(["--out", "x.age"]));
    assert_eq!(out.status.code(), Some(2));
}

/// Checks that `clip` opens with `passphrase` (the age crate) to the last half second of
/// `signal`, and not with another.
fn check_opens_with_the_passphrase_only(clip: &Path, passphrase: &str, signal: &[i16]) {
    // The age CLI asks for passphrases on a terminal, so the age crate decrypts here.
    let decryptor = age::Decryptor::new(std::fs::File::open(clip).unwrap()).unwrap();
    let identity = age::scrypt::Identity::new(passphrase.to_owned().into());
    let mut plaintext = Vec::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("the passphrase opens it")
        .read_to_end(&mut plaintext)
        .unwrap();
    let (_, samples) = wav(&plaintext);
    assert!(samples == signal[72_000..96_000]);

    // The wrong passphrase does not.
    let decryptor = age::Decryptor::new(std::fs::File::open(clip).unwrap()).unwrap();
    let wrong = age::scrypt::Identity::new("not the passphrase".to_owned().into());
    assert!(decryptor
        .decrypt(std::iter::once(&wrong as &dyn age::Identity))
        .is_err());
}

/// Checks that with no passphrase in the environment, sharing recording `id` reads one from
/// stdin, and refuses a short one, writing nothing into `tmp`.
fn refuse_a_short_passphrase_from_stdin(dir: &Path, id: &str, tmp: &Path) {
    // The passphrase is read from stdin when the environment has none; a short one is refused.
    let mut cmd = cli(dir);
    cmd.args([
        "--json",
        "share",
        id,
        "--role",
        "supervisor",
        "--passphrase",
        "--out",
    ])
    .arg(tmp.join("short.age"))
    .env_remove("SESSIONVAULT_PASSPHRASE")
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&String::from_utf8_lossy(&out.stdout))["error"]["code"],
        "weak_passphrase"
    );
    assert!(!tmp.join("short.age").exists());
}

#[test]
fn sharing_is_refused_outside_the_consents_audience_and_after_withdrawal() {
    let (tmp, dir, _) = new_vault();
    let (id, consent, _) = record_signal(&dir, 1);
    let (_, recipient) = keygen(tmp.path(), "key");
    let outdir = tmp.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let share = |role: &str| {
        let (out, stdout, stderr) = run(cli(&dir)
            .args([
                "--json", "share", &id, "--role", role, "--to", &recipient, "--out",
            ])
            .arg(outdir.join(format!("{role}.age"))));
        let code = if out.status.success() {
            String::new()
        } else {
            json(&stdout)["error"]["code"].as_str().unwrap().to_owned()
        };
        (out.status.code(), code, stderr)
    };

    // The consent names only the supervisor.
    for role in ["tutor", "student"] {
        let (status, code, stderr) = share(role);
        assert_eq!(
            (status, code.as_str()),
            (Some(1), "not_in_audience"),
            "{stderr}"
        );
        assert!(stderr.contains("supervisor"), "says who may: {stderr}");
    }
    let (status, code, _) = share("self");
    assert_eq!((status, code.as_str()), (Some(1), "invalid_role"));
    let (out, _, _) = run(cli(&dir)
        .args([
            "share",
            &id,
            "--role",
            "supervisor",
            "--to",
            "age1notakey",
            "--out",
        ])
        .arg(outdir.join("bad.age")));
    assert_eq!(out.status.code(), Some(1));
    assert!(names_in(&outdir).is_empty(), "nothing written when refused");

    let (status, _, stderr) = share("supervisor");
    assert_eq!(status, Some(0), "{stderr}");

    // After withdrawal, not even the supervisor.
    let (out, _, stderr) = run(cli(&dir).args([
        "consent",
        "withdraw",
        &consent,
        "--reason",
        "changed my mind",
    ]));
    assert!(out.status.success(), "{stderr}");
    std::fs::remove_file(outdir.join("supervisor.age")).unwrap();
    let (status, code, stderr) = share("supervisor");
    assert_eq!(
        (status, code.as_str()),
        (Some(1), "consent_withdrawn"),
        "{stderr}"
    );
    assert!(names_in(&outdir).is_empty(), "nothing written when refused");

    // Only the one share before withdrawal was logged as a copy.
    let (_, stdout, _) = run(cli(&dir).args(["--json", "copies", "list"]));
    assert_eq!(json(&stdout).as_array().unwrap().len(), 1);
}

#[test]
fn a_share_is_an_outstanding_copy_on_previews_and_certificates_until_recorded_destroyed() {
    let (tmp, dir, _) = new_vault();
    let (id, _, _) = record_signal(&dir, 1);
    let (_, first) = keygen(tmp.path(), "first");
    let (_, second) = keygen(tmp.path(), "second");
    let copy_ids = share_to_each(&dir, &id, tmp.path(), [&first, &second]);

    check_preview_names_both_shares(&dir, &id, &copy_ids, [&first, &second]);
    record_the_first_destroyed(&dir, &copy_ids);
    check_only_the_second_is_outstanding(&dir, &id, &copy_ids);
    check_certificate_names_the_second(&dir, &id, tmp.path(), &copy_ids, &second);

    // The copy outlives the recording and can still be recorded as destroyed.
    let (out, _, stderr) = run(cli(&dir).args(["copies", "destroyed", &copy_ids[1], "--yes"]));
    assert!(out.status.success(), "{stderr}");
    assert!(outstanding(&dir, &["--json", "copies", "list", "--outstanding"]).is_empty());
    let (_, stdout, _) = run(cli(&dir).args(["--json", "audit", "list"]));
    let destroyed = json(&stdout)
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "copy.destroyed")
        .count();
    assert_eq!(destroyed, 2);
}

/// Shares recording `id` to the first and to the second of `recipients`, each its own file in
/// `tmp`; the two copy ids.
fn share_to_each(dir: &Path, id: &str, tmp: &Path, recipients: [&str; 2]) -> Vec<String> {
    let [first, second] = recipients;
    let mut copy_ids = Vec::new();
    for (name, recipient) in [("first", first), ("second", second)] {
        let (out, stdout, stderr) = run(cli(dir)
            .args([
                "--json",
                "share",
                id,
                "--role",
                "supervisor",
                "--to",
                recipient,
            ])
            .arg("--out")
            .arg(tmp.join(format!("{name}.age"))));
        assert!(out.status.success(), "{stderr}");
        copy_ids.push(json(&stdout)["copy_id"].as_str().unwrap().to_owned());
    }
    copy_ids
}

/// Runs `sessionvault ARGS`, which must succeed; the outstanding copies it lists (those of a
/// shred preview, or the whole list).
fn outstanding(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let (out, stdout, stderr) = run(cli(dir).args(args));
    assert!(out.status.success(), "{stderr}");
    let value = json(&stdout);
    value
        .get("outstanding_copies")
        .unwrap_or(&value)
        .as_array()
        .unwrap()
        .clone()
}

/// Checks that the shred preview of recording `id`, in JSON and in text, names both shares
/// (`copy_ids`) with their `recipients`' fingerprints.
fn check_preview_names_both_shares(
    dir: &Path,
    id: &str,
    copy_ids: &[String],
    recipients: [&str; 2],
) {
    let [first, second] = recipients;
    let preview = outstanding(dir, &["--json", "shred", "recording", id, "--dry-run"]);
    assert_eq!(preview.len(), 2, "{preview:?}");
    assert_eq!(preview[0]["copy_id"], copy_ids[0].as_str());
    assert_eq!(preview[0]["kind"], "share");
    assert_eq!(preview[0]["role"], "supervisor");
    assert_eq!(
        preview[0]["recipients"],
        serde_json::json!([fingerprint(first)])
    );
    assert_eq!(
        preview[1]["recipients"],
        serde_json::json!([fingerprint(second)])
    );
    let (_, stdout, _) = run(cli(dir).args(["shred", "recording", id, "--dry-run"]));
    assert!(stdout.contains(&fingerprint(first)), "{stdout}");
}

/// Records the first share destroyed, which takes --yes, once only; and an unknown copy is
/// not found.
fn record_the_first_destroyed(dir: &Path, copy_ids: &[String]) {
    // Without --yes nothing is recorded.
    let (out, _, stderr) = run(cli(dir).args(["copies", "destroyed", &copy_ids[0]]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        outstanding(dir, &["--json", "copies", "list", "--outstanding"]).len(),
        2
    );
    let (out, stdout, stderr) =
        run(cli(dir).args(["--json", "copies", "destroyed", &copy_ids[0], "--yes"]));
    assert!(out.status.success(), "{stderr}");
    assert!(json(&stdout)["destroyed_at"].is_string());
    let (out, stdout, _) =
        run(cli(dir).args(["--json", "copies", "destroyed", &copy_ids[0], "--yes"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&stdout)["error"]["code"], "copy_already_destroyed");
    let (out, stdout, _) = run(cli(dir).args(["--json", "copies", "destroyed", "nope", "--yes"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&stdout)["error"]["code"], "copy_not_found");
}

/// Checks that the preview and the list of outstanding copies of recording `id` hold only the
/// second share, and the whole list both.
fn check_only_the_second_is_outstanding(dir: &Path, id: &str, copy_ids: &[String]) {
    let preview = outstanding(dir, &["--json", "shred", "recording", id, "--dry-run"]);
    assert_eq!(preview.len(), 1);
    assert_eq!(preview[0]["copy_id"], copy_ids[1].as_str());
    let listed = outstanding(
        dir,
        &[
            "--json",
            "copies",
            "list",
            "--recording",
            id,
            "--outstanding",
        ],
    );
    assert_eq!(listed.len(), 1);
    assert_eq!(outstanding(dir, &["--json", "copies", "list"]).len(), 2);
}

/// Shreds recording `id` and checks that the certificate names the share still outstanding,
/// with its recipient (`second`), and verifies once exported into `tmp`.
fn check_certificate_names_the_second(
    dir: &Path,
    id: &str,
    tmp: &Path,
    copy_ids: &[String],
    second: &str,
) {
    // The certificate names the share still outstanding, with its recipient, and verifies.
    let (out, stdout, stderr) = run(cli(dir).args(["--json", "shred", "recording", id, "--yes"]));
    assert!(out.status.success(), "{stderr}");
    let certificate = &json(&stdout)["certificate"]["certificate"];
    let copies = certificate["outstanding_copies"].as_array().unwrap();
    assert_eq!(copies.len(), 1, "{certificate}");
    assert_eq!(copies[0]["copy_id"], copy_ids[1].as_str());
    assert_eq!(
        copies[0]["recipients"],
        serde_json::json!([fingerprint(second)])
    );
    let cert_id = certificate["id"].as_str().unwrap();
    let exported = tmp.join("certificate.json");
    let (out, _, stderr) = run(cli(dir)
        .args(["certificate", "export", cert_id, "--out"])
        .arg(&exported));
    assert!(out.status.success(), "{stderr}");
    let (out, _, stderr) = run(cli(dir).arg("certificate").arg("verify").arg(&exported));
    assert!(out.status.success(), "{stderr}");
}
