use super::*;
use crate::retention::certificate::{
    signed_bytes, Certificate, Check, Destroyed, OutstandingCopy, Target,
};
use crate::store::signing::{Domain, Signer};
use crate::ErrorCode;
use std::path::Path;
use std::process::Command;

/// A deterministic UUID-shaped id.
fn id(n: u128) -> String {
    uuid::Uuid::from_u128(0x7f3c_2a91_0000_4000_8000_0000_0000_0000 + n).to_string()
}

/// A signed certificate of a course shred with `recordings` recordings (client codes
/// C-101, C-102, ...), one outstanding copy, and one failed check when `one_fails`.
fn sample(recordings: usize, one_fails: bool) -> Signed {
    let signer = Signer::from_seed(&[7; 32]);
    let key = signer.public_key();
    let destroyed: Vec<Destroyed> = (0..recordings)
        .map(|i| Destroyed {
            recording_id: id(i as u128),
            client_code: format!("C-{}", 101 + i),
            consent_id: id(1000 + i as u128),
            course_id: Some("k1".to_owned()),
            recorded_at: format!("2026-10-{:02}T09:{:02}:00Z", 1 + i % 28, i % 60),
            length: Length::Frames {
                frames: 28_824_000 + 97 * 48_000 * i as u64,
                sample_rate: 48_000,
            },
            ciphertext_sha256: if i == 2 {
                String::new()
            } else {
                format!("{:02x}", i % 256).repeat(32)
            },
            bookmarks: (i % 3) as u64,
            transcripts: (i % 2) as u64,
        })
        .collect();
    let checks = destroyed
        .iter()
        .enumerate()
        .map(|(i, d)| Check {
            recording_id: d.recording_id.clone(),
            key_lookup_fails: true,
            file_absent: !(one_fails && i == 1),
            rows_absent: true,
        })
        .collect();
    let certificate = Certificate {
        format: FORMAT.to_owned(),
        id: "cert-5b1e9d07".to_owned(),
        vault_id: id(9999),
        issued_at: "2026-11-27T10:00:00Z".to_owned(),
        target: Target {
            kind: "course".to_owned(),
            id: "k1".to_owned(),
            label: Some("Diploma in Counselling, year 2".to_owned()),
        },
        destroyed,
        case_studies: vec![],
        database: None,
        method: vec![
            "1. Cryptographic erase: each recording's key was deleted from the OS keyring \
             and looked up again to check it is gone."
                .to_owned(),
            "2. Overwrite: each sealed file was overwritten with random bytes and unlinked."
                .to_owned(),
            "Rows: each recording's database rows were deleted.".to_owned(),
        ],
        checks,
        outstanding_copies: vec![OutstandingCopy {
            copy_id: id(5000),
            recording_id: id(0),
            kind: "wav-export".to_owned(),
            made_at: "2026-10-02T12:00:00Z".to_owned(),
            location: "/media/usb/supervision/C-101.wav".to_owned(),
            sha256: "cd".repeat(32),
            role: None,
            recipients: Vec::new(),
            case_study_id: None,
            consent_id: None,
        }],
        kept: vec!["Consent records and withdrawals are kept: they hold no audio.".to_owned()],
        public_key: hex::encode(key.to_bytes()),
        fingerprint: key.fingerprint(),
    };
    let body = signed_bytes(&certificate).expect("signed bytes");
    let signature = signer.sign(Domain::DestructionCertificate, body.as_bytes());
    Signed {
        certificate,
        body,
        signature: hex::encode(signature),
    }
}

/// Runs a poppler-utils tool on `pdf`, failing the test if it is missing or fails.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {tool} ({e}): install poppler-utils (Debian/Ubuntu: apt-get \
                 install poppler-utils; scripts/install-deps.sh --test installs it)"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{tool} failed: {stderr}");
    assert!(
        !stderr.contains("Error"),
        "{tool} reported problems: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes the PDF to a temporary folder and returns its text (runs of white space made
/// single spaces) and its page count.
fn text_and_pages(bytes: &[u8]) -> (String, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, bytes).expect("write the PDF");
    let text = poppler("pdftotext", &["-enc", "UTF-8", "-layout"], &path);
    // Columns and wrapped lines are spaced out: compare words, not the layout.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let info = poppler("pdfinfo", &[], &path);
    let pages = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo's output: {info}"));
    (text, pages)
}

#[test]
fn a_certificate_renders_with_everything_in_it() {
    let signed = sample(3, true);
    let c = &signed.certificate;
    let bytes = render(&signed).expect("render");
    assert!(bytes.starts_with(b"%PDF-"));
    let (text, pages) = text_and_pages(&bytes);
    for expected in [
        "Destruction certificate",
        c.id.as_str(),
        c.vault_id.as_str(),
        "2026-11-27T10:00:00Z",
        "A course",
        "Diploma in Counselling, year 2",
        c.fingerprint.as_str(),
        &signed.signature[..64],
        &signed.signature[64..],
        &c.public_key,
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    for d in &c.destroyed {
        assert!(text.contains(&d.client_code), "{}\n{text}", d.client_code);
        assert!(text.contains(&d.recording_id), "{}\n{text}", d.recording_id);
    }
    assert!(text.contains(&format!("Ciphertext SHA-256 {}", "00".repeat(32))));
    assert!(text.contains("none (never finished)"));
    assert!(text.contains("0:10:01"), "{text}");
    assert!(text.contains("28824000 frames at 48000 Hz"), "{text}");
    assert!(text.contains("NO"), "{text}");
    assert!(text.contains("1 of 3 recordings failed a check"), "{text}");
    assert!(text.contains("/media/usb/supervision/C-101.wav"));
    assert!(text.contains("wav-export of recording"));
    assert!(text.contains("Consent records and withdrawals are kept"));
    assert!(text.contains("3. Rows: each recording"), "{text}");
    assert!(text.contains(&format!("Page {pages} of {pages}")), "{text}");
    assert!(
        text.contains("1 bookmark destroyed") && text.contains("2 bookmarks destroyed"),
        "{text}"
    );
    assert!(text.contains(HOW_TO_CHECK), "{text}");
}

#[test]
fn an_empty_certificate_says_none() {
    let mut signed = sample(0, false);
    signed.certificate.outstanding_copies.clear();
    signed.certificate.kept.clear();
    signed.certificate.target.label = None;
    let bytes = render(&signed).expect("render");
    let (text, pages) = text_and_pages(&bytes);
    assert_eq!(pages, 1);
    assert!(text.contains("Recordings destroyed (0)"), "{text}");
    assert!(text.contains("None known."), "{text}");
    assert!(text.contains("No checks are recorded."), "{text}");
    assert!(text.contains("Nothing is recorded as kept."), "{text}");
}

#[test]
fn two_hundred_recordings_run_onto_several_numbered_pages() {
    let signed = sample(200, false);
    let bytes = render(&signed).expect("render");
    assert!(bytes.starts_with(b"%PDF-"));
    let (text, pages) = text_and_pages(&bytes);
    assert!(pages > 1, "{pages} pages");
    assert!(text.contains(&format!("Page {pages} of {pages}")), "{text}");
    assert!(text.contains("Every check passed"));
    for d in &signed.certificate.destroyed {
        assert!(text.contains(&d.client_code), "{}", d.client_code);
    }
    // The tables' header is repeated on the pages they run onto.
    assert!(text.matches("Recorded at").count() > 2, "{text}");
}

#[test]
fn an_unknown_format_is_refused() {
    let mut signed = sample(1, false);
    signed.certificate.format = "something-else/9".to_owned();
    let err = render(&signed).expect_err("unknown format");
    assert_eq!(err.code(), "certificate_format_unknown");
    assert!(err.to_string().contains("something-else/9"));
}

#[test]
fn a_format_1_certificate_shows_its_seconds() {
    let mut signed = sample(1, false);
    signed.certificate.format = FORMAT_1.to_owned();
    signed.certificate.destroyed[0].length = Length::Seconds { seconds: 3599.4 };
    let (text, _) = text_and_pages(&render(&signed).expect("render"));
    assert!(text.contains("0:59:59"), "{text}");
    assert!(!text.contains("frames at"), "{text}");
}

#[test]
fn durations_and_numbered_steps() {
    let seconds = |seconds| duration(&Length::Seconds { seconds });
    let frames = |frames, sample_rate| {
        duration(&Length::Frames {
            frames,
            sample_rate,
        })
    };
    assert_eq!(seconds(0.0), "0:00:00");
    assert_eq!(seconds(600.5), "0:10:01");
    assert_eq!(seconds(3599.4), "0:59:59");
    assert_eq!(seconds(3661.0), "1:01:01");
    assert_eq!(seconds(36_000.0 * 3.0), "30:00:00");
    assert_eq!(seconds(-1.0), "-1 s");
    assert_eq!(seconds(f64::NAN), "NaN s");
    assert_eq!(frames(0, 48_000), "0:00:00");
    assert_eq!(frames(1, 48_000), "0:00:00");
    assert_eq!(frames(24_000, 48_000), "0:00:01");
    assert_eq!(frames(23_999, 48_000), "0:00:00");
    assert_eq!(frames(28_824_000, 48_000), "0:10:01");
    assert_eq!(frames(44_100 * 3661, 44_100), "1:01:01");
    assert_eq!(frames(u64::MAX, 8_000), "640511947003:48:14");
    assert_eq!(frames(10, 0), "unknown");
    assert_eq!(
        split_number("2. Overwrite: x"),
        Some(("2.".to_owned(), "Overwrite: x"))
    );
    assert_eq!(split_number("Overwrite"), None);
    assert_eq!(split_number("2026. A year"), None);
    assert_eq!(split_number("2.5 seconds"), None);
}
