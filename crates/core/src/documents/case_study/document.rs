//! A case study as a document for coursework: laid out, anonymised, checked, and written as
//! an outstanding copy.

use super::*;

/// The document an export writes, with the anonymisation list applied.
pub(super) fn document(found: &CaseStudy) -> Document {
    let rules = &found.anonymisation;
    let mut facts = vec![
        ("Clients".to_owned(), found.clients.join(", ")),
        (
            "Owner".to_owned(),
            match found.owner {
                Owner::Counsellor => "The counsellor (coursework)".to_owned(),
                Owner::Organisation => "The organisation (a permanent record)".to_owned(),
            },
        ),
    ];
    if let Some(at) = &found.final_at {
        facts.push((
            "Final since".to_owned(),
            crate::documents::transcript::long_date(at),
        ));
    }
    if !rules.is_empty() {
        facts.push((
            "Anonymised".to_owned(),
            format!("{} name(s) and identifying detail(s) replaced", rules.len()),
        ));
    }
    let paragraphs = found
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block::Para(anonymise::apply(p, rules)))
        .collect();
    Document {
        title: anonymise::apply(&found.title, rules),
        facts,
        sections: vec![Section {
            heading: "Case study".to_owned(),
            blocks: paragraphs,
        }],
        footer: format!("Case study {}", found.id),
    }
}

/// What the anonymisation check finds in case study `id` (empty when it passes).
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::Vault`].
pub fn check_anonymisation(vault: &Vault, id: &str) -> Result<Vec<Leftover>, CaseStudyError> {
    let found = get(vault, id)?;
    let doc = document(&found);
    Ok(anonymise::leftovers(doc.texts(), &found.anonymisation))
}

/// Exports case study `id` as DOCX or PDF to `out`, with the anonymisation list applied; the
/// file is recorded as an outstanding copy (kind `case-study-docx|pdf`) and logged as
/// `case_study.exported`.
///
/// Errors: [`CaseStudyError::NotFound`], [`CaseStudyError::BadFormat`] for TXT,
/// [`CaseStudyError::NotAnonymised`] (nothing is written), [`CaseStudyError::Write`],
/// [`CaseStudyError::Vault`].
pub fn export(
    vault: &mut Vault,
    id: &str,
    format: Format,
    out: &Path,
) -> Result<Exported, CaseStudyError> {
    if format == Format::Txt {
        return Err(CaseStudyError::BadFormat(format.as_str().to_owned()));
    }
    let found = get(vault, id)?;
    let doc = document(&found);
    let left = anonymise::leftovers(doc.texts(), &found.anonymisation);
    if !left.is_empty() {
        tracing::warn!(case_study = %found.id, rules = left.len(), "export refused: anonymisation incomplete");
        return Err(CaseStudyError::NotAnonymised(left));
    }
    let bytes = doc.render(format)?;
    let kind = format!("case-study-{}", format.as_str());
    let of = NewCopy {
        kind: &kind,
        recording_id: None,
        transcript_id: None,
        case_study_id: Some(&found.id),
        consent_id: None,
        event: EventKind::CaseStudyExported,
        subject: &found.id,
    };
    Ok(crate::documents::transcript::export::write_copy(
        vault, out, &bytes, &of,
    )?)
}
