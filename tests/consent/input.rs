//! Bad input gets its own error and changes nothing; the PDF and the drawn signature.

use super::*;

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
    let mut cases = bad_fields();
    cases.extend(bad_signature_files(tmp.path()));
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

/// A change of the valid arguments that puts `value` after `flag`.
fn set(flag: &'static str, value: String) -> impl FnOnce(&mut Vec<String>) {
    move |args: &mut Vec<String>| {
        let at = args.iter().position(|a| a == flag).unwrap();
        args[at + 1] = value;
    }
}

/// The cases of a bad purpose, audience, client code, case study, client name or course.
fn bad_fields() -> Vec<BadInput> {
    vec![
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
    ]
}

/// The cases of a bad signature file: the files are written into `tmp`, but for the one that
/// is missing.
fn bad_signature_files(tmp: &Path) -> Vec<BadInput> {
    let png_as_svg = write(tmp, "sig.svg", b"\x89PNG\r\n\x1a\nthis is not a picture");
    let text_as_png = write(tmp, "sig.png", b"just some text, named like a picture");
    let scripted = write(
        tmp,
        "scripted.svg",
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
    );
    let external = write(
        tmp,
        "external.svg",
        br#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/x.png"/></svg>"#,
    );
    let huge = write(tmp, "huge.png", &vec![0u8; 2 * 1024 * 1024]);
    let fake_pdf = write(tmp, "scan.pdf", b"%PDF-1.7\nno end");
    vec![
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
                tmp.join("none.svg").display().to_string(),
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
    ]
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
