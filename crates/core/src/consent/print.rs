//! The printable PDF of a record, the client's copy and the counsellor's file: what it says
//! ([`make_pdf`]), and a file of it, kept track of as a copy outside the vault ([`save_pdf`]).

use std::path::Path;

use super::attachment::Kind;
use super::record::readable_time;
use super::{
    check, forms, get, pdf, Audience, CaseStudy, ConsentError, Decision, Purpose, Record, Refusal,
};
use crate::course::{self, format_date};
use crate::store::audit::EventKind;
use crate::store::vault::Vault;

/// Renders the printable PDF of record `id` — the client's copy and the counsellor's file:
/// the form text, the choices, the typed name and signature (or a note of the attached paper
/// scan), the dates, the record id and the signature fingerprint.
///
/// Nothing is written or logged here: the PDF holds the client's name and signature, so a file
/// of it is made only by [`save_pdf`], which records it as an outstanding copy. (A subject
/// access bundle carries it inside its encrypted archive.)
///
/// Errors: [`ConsentError::NotFound`], [`ConsentError::Refused`] (unreadable or tampered
/// record, unknown form), [`ConsentError::Pdf`], [`ConsentError::Vault`].
pub fn make_pdf(vault: &Vault, id: &str) -> Result<Vec<u8>, ConsentError> {
    let record = get(vault, id)?;
    let state = check(vault, &record);
    if let Err(ConsentError::Refused(
        r @ (Refusal::Tampered { .. } | Refusal::UnknownForm { .. } | Refusal::FormChanged { .. }),
    )) = &state
    {
        return Err(ConsentError::Refused(r.clone()));
    }
    let form = forms::find(&record.form_version).ok_or_else(|| {
        ConsentError::Refused(Refusal::UnknownForm {
            version: record.form_version.clone(),
        })
    })?;
    let course = match record.course_id {
        Some(c) => Some(course::get(vault, &c.to_string())?),
        None => None,
    };
    let status = match (&record.decision, &record.withdrawal) {
        (Decision::Declined, _) => {
            "Declined — this does not affect the client's service in any way".to_owned()
        }
        (Decision::Granted, Some(w)) => format!("Withdrawn on {}", readable_time(&w.at)),
        (Decision::Granted, None) => "Granted".to_owned(),
    };
    let choices = pdf_choices(&record, course.as_ref());
    let choices: Vec<(&str, String)> = choices.iter().map(|(l, v)| (*l, v.clone())).collect();
    let sha = record.attachment_sha256().unwrap_or_default();
    let signature = match (record.attachment_kind, record.attachment.as_deref()) {
        (Some(Kind::DrawnSvg), Some(b)) => pdf::SignatureImage::Svg(b),
        (Some(Kind::DrawnPng | Kind::ScanPng), Some(b)) => pdf::SignatureImage::Png(b),
        (Some(Kind::ScanJpeg), Some(b)) => pdf::SignatureImage::Jpeg(b),
        (Some(Kind::ScanPdf), Some(b)) => pdf::SignatureImage::PaperPdf {
            sha256_hex: &sha,
            bytes: b.len(),
        },
        _ => pdf::SignatureImage::None,
    };
    let record_id = record.id.to_string();
    let fingerprint = vault.public_key().fingerprint();
    let signature_hex = hex::encode(&record.record_signature);
    let form_hash = hex::encode(&record.form_hash);
    let signed_at = readable_time(&record.signed_at);
    let bytes = pdf::render(&pdf::ConsentDocument {
        title: "Consent to the audio recording of counselling sessions",
        record_id: &record_id,
        status: &status,
        form_version: &record.form_version,
        form_hash_hex: &form_hash,
        form_text: form.text,
        choices: &choices,
        client_name: record.client_name.as_deref(),
        signature,
        counsellor_name: &record.counsellor_name,
        signed_at: &signed_at,
        signature_fingerprint: &fingerprint,
        record_signature_hex: &signature_hex,
    })?;
    Ok(bytes)
}

/// A consent PDF written to a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedPdf {
    /// The consent record it is of.
    pub consent_id: String,
    /// Its id in the copies (outstanding until recorded destroyed).
    pub copy_id: String,
    /// Where it was written.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// Writes the printable PDF of record `id` ([`make_pdf`]) to `out` as a private file (mode
/// 0600, whole or absent: [`crate::copies::private_file`]), records it as an outstanding copy of
/// kind `consent-pdf` naming the consent — it holds the client's name and signature, so shred
/// previews and certificates of the client list it until the counsellor records it destroyed
/// — and logs `consent.pdf_made` (ids, size and hash only).
///
/// Errors: as [`make_pdf`], and [`ConsentError::Io`] when the file cannot be written.
pub fn save_pdf(vault: &mut Vault, id: &str, out: &Path) -> Result<SavedPdf, ConsentError> {
    let bytes = make_pdf(vault, id)?;
    let consent_id = get(vault, id)?.id.to_string();
    let path = out.display().to_string();
    let written =
        crate::copies::private_file::write(out, &bytes).map_err(|source| ConsentError::Io {
            path: path.clone(),
            source,
        })?;
    let copy_id = crate::copies::record(
        vault,
        out,
        &written,
        &crate::copies::NewCopy {
            kind: "consent-pdf",
            recording_id: None,
            transcript_id: None,
            case_study_id: None,
            consent_id: Some(&consent_id),
            event: EventKind::ConsentPdfMade,
            subject: &consent_id,
        },
    )?;
    Ok(SavedPdf {
        consent_id,
        copy_id,
        path,
        bytes: written.bytes,
        sha256: written.sha256_hex(),
    })
}

/// The rows of the choices table on the PDF, in the client's words.
fn pdf_choices(record: &Record, course: Option<&course::Course>) -> Vec<(&'static str, String)> {
    let purposes = record
        .purposes
        .iter()
        .map(|p| match p {
            Purpose::Coursework => "Coursework for a counselling training course",
            Purpose::Supervision => "Clinical supervision",
            Purpose::Training => "Further training",
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut hearers = vec!["The counsellor"];
    hearers.extend(record.audience.iter().map(|a| match a {
        Audience::Tutors => "the course tutors",
        Audience::Students => "fellow students on the course",
        Audience::Supervisor => "the counsellor's clinical supervisor",
    }));
    let after_use = match (course, record.destroy_by) {
        (Some(c), _) => format!(
            "Destroyed, with any transcripts, when the course \"{}\" ends on {}",
            c.name,
            format_date(c.ends_on)
        ),
        (None, Some(d)) => format!("Destroyed, with any transcripts, by {}", format_date(d)),
        (None, None) => "Nothing is recorded".to_owned(),
    };
    let case_study = match record.case_study {
        CaseStudy::None => "No case study will be written",
        CaseStudy::Coursework => {
            "A case study for coursework, owned by the counsellor and destroyed with the recordings"
        }
        CaseStudy::Organisation => {
            "A case study for the counselling service: a permanent record, not destroyed"
        }
    };
    let mut rows = vec![
        ("Client code", record.client_code.clone()),
        ("Decision", record.decision.to_string()),
    ];
    if record.decision == Decision::Granted {
        rows.extend([
            ("Purposes", purposes),
            ("Who may hear it", hearers.join(", ")),
            ("After use", after_use),
            ("Case study", case_study.to_owned()),
            ("Recording", "Audio only, never video".to_owned()),
        ]);
    }
    rows
}
