//! The transcripts and case studies about one client, as the bundle's files, each through
//! the disclosure gate for the client; a case study also about other clients only with their
//! names kept out of it.

use serde_json::json;
use zeroize::Zeroizing;

use super::{Document, SubjectAccessError, Withheld, ANOTHER_CLIENT};
use crate::consent::{self, ConsentError};
use crate::disclosure::Recipient;
use crate::documents::case_study::{self, CaseStudyError};
use crate::documents::transcript::anonymise;
use crate::documents::transcript::{self, TranscriptError};
use crate::store::vault::Vault;

/// The transcripts and case studies that mention client `client_code`, as files for the
/// bundle's `documents/` folder, and those left out with the reason. Each passes the
/// disclosure gate for the client ([`Recipient::Client`]): a transcript whose recording's
/// consent no longer verifies is left out.
///
/// - Each transcript of the client's recordings: `transcript-<id>.json` (range, speaker key,
///   timed segments) and `transcript-<id>.txt` (lines `[mm:ss] C: …`).
/// - Each case study about the client alone: `case-study-<id>.json` and `.txt`, as written.
/// - A case study about the client and others ([`shared_case_study`]) is included only with
///   its anonymisation list applied, the list's check passing, every other client's code
///   replaced by "[another client]", and no other client's typed name (from their consent
///   records) left in it; otherwise it is withheld, with the reason. Anonymisation lists are
///   never included (they are the counsellor's working notes and name other people).
///
/// Errors: [`SubjectAccessError::Transcript`], [`SubjectAccessError::CaseStudy`],
/// [`SubjectAccessError::Vault`].
pub fn gather_documents(
    vault: &Vault,
    client_code: &str,
) -> Result<(Vec<Document>, Vec<Withheld>), SubjectAccessError> {
    let mut out = Vec::new();
    let mut withheld = Vec::new();
    for id in transcript::ids_for_client(vault, client_code)? {
        match transcript::get_for(vault, &id, Recipient::Client) {
            Ok(t) => out.extend(transcript_documents(&t)?),
            Err(TranscriptError::Disclosure(e)) => withheld.push(Withheld {
                kind: "transcript",
                id,
                reason: e.to_string(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    for id in case_study::mentioning(vault, client_code)? {
        let study = match case_study::get_for_client(vault, &id, client_code) {
            Ok(study) => study,
            Err(CaseStudyError::Disclosure(e)) => {
                withheld.push(Withheld {
                    kind: "case-study",
                    id,
                    reason: e.to_string(),
                });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let text = if study.clients.len() == 1 {
            Ok((
                Zeroizing::new(study.title.clone()),
                Zeroizing::new(study.body.clone()),
            ))
        } else {
            shared_case_study(vault, &study, client_code)?
        };
        match text {
            Ok((title, body)) => {
                out.extend(case_study_documents(&study, client_code, &title, &body)?)
            }
            Err(reason) => withheld.push(Withheld {
                kind: "case-study",
                id,
                reason,
            }),
        }
    }
    Ok((out, withheld))
}

/// A transcript as the bundle's two files.
fn transcript_documents(t: &transcript::Transcript) -> Result<Vec<Document>, SubjectAccessError> {
    let key: Vec<String> = t
        .speakers
        .iter()
        .map(|s| format!("{} {}", s.label, s.meaning))
        .collect();
    let mut text = Zeroizing::new(format!(
        "Transcript of the recording of {}\nRange: {:.1} s to {:.1} s\nSpeakers: {}\n\n",
        t.recorded_at,
        t.from_seconds,
        t.until_seconds,
        key.join(", ")
    ));
    for segment in &t.segments {
        text.push_str(&format!(
            "[{}] {} {}\n",
            transcript::format_stamp(std::time::Duration::from_secs_f64(segment.at_seconds)),
            segment.speaker,
            segment.text
        ));
    }
    let json = json!({
        "id": t.id,
        "recording_id": t.recording_id,
        "recorded_at": t.recorded_at,
        "from_seconds": t.from_seconds,
        "until_seconds": t.until_seconds,
        "speakers": t.speakers,
        "segments": t.segments.iter().map(|s| json!({
            "at_seconds": s.at_seconds,
            "speaker": s.speaker,
            "text": s.text,
        })).collect::<Vec<_>>(),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    });
    Ok(vec![
        Document {
            name: format!("transcript-{}.json", t.id),
            bytes: Zeroizing::new(serde_json::to_vec_pretty(&json)?),
        },
        Document {
            name: format!("transcript-{}.txt", t.id),
            bytes: Zeroizing::new(text.as_bytes().to_vec()),
        },
    ])
}

/// A case study as the bundle's two files, with `title` and `body` as they may be shown.
fn case_study_documents(
    study: &case_study::CaseStudy,
    client_code: &str,
    title: &str,
    body: &str,
) -> Result<Vec<Document>, SubjectAccessError> {
    let json = json!({
        "id": study.id,
        "title": title,
        "owner": study.owner,
        "clients": [client_code],
        "other_clients": study.clients.len() - 1,
        "body": body,
        "final_at": study.final_at,
        "created_at": study.created_at,
        "updated_at": study.updated_at,
    });
    Ok(vec![
        Document {
            name: format!("case-study-{}.json", study.id),
            bytes: Zeroizing::new(serde_json::to_vec_pretty(&json)?),
        },
        Document {
            name: format!("case-study-{}.txt", study.id),
            bytes: Zeroizing::new(format!("{title}\n\n{body}\n").into_bytes()),
        },
    ])
}

/// What of a case study a client may be given: `Ok` with its title and text as shown, or
/// `Err` with the reason it is withheld.
pub type Shown = Result<(Zeroizing<String>, Zeroizing<String>), String>;

/// The title and text a client may be given of a case study that is also about other
/// clients: `Ok` with the anonymised title and text, or `Err` with the reason it is withheld.
///
/// It is given only when its anonymisation list is not empty and its check passes (no
/// original left), every other client's code is replaced, and none of the other clients'
/// typed names (each whole name, and each of its words of three letters or more) is left,
/// by the same wary check as anonymisation uses.
///
/// Errors: [`SubjectAccessError::Consent`] when another client's records cannot be read.
pub fn shared_case_study(
    vault: &Vault,
    study: &case_study::CaseStudy,
    client_code: &str,
) -> Result<Shown, SubjectAccessError> {
    let rules = &study.anonymisation;
    if rules.is_empty() {
        return Ok(Err(
            "it is also about other clients and has no anonymisation list, so \
                       their names and stories cannot be kept out of it"
                .to_owned(),
        ));
    }
    let others: Vec<&String> = study.clients.iter().filter(|c| *c != client_code).collect();
    let hide = |text: &str| {
        let text = anonymise::apply(text, rules);
        others
            .iter()
            .fold(text, |t, code| t.replace(code.as_str(), ANOTHER_CLIENT))
    };
    let title = Zeroizing::new(hide(&study.title));
    let body = Zeroizing::new(hide(&study.body));
    let parts = || {
        [
            ("title".to_owned(), title.as_str()),
            ("text".to_owned(), body.as_str()),
        ]
    };
    if !anonymise::leftovers(parts(), rules).is_empty() {
        return Ok(Err(
            "it is also about other clients and its anonymisation is incomplete \
                       (an original it lists is still in it)"
                .to_owned(),
        ));
    }
    let mut names = Vec::new();
    for code in &others {
        names.extend(typed_names(vault, code)?);
    }
    if !anonymise::leftovers(parts(), &names).is_empty() {
        return Ok(Err(
            "it is also about other clients and still holds another client's \
                       name: add it to the case study's anonymisation list"
                .to_owned(),
        ));
    }
    Ok(Ok((title, body)))
}

/// The typed names on client `code`'s consent records, as rules for the anonymisation check:
/// each whole name and each of its words of three letters or more.
fn typed_names(vault: &Vault, code: &str) -> Result<Vec<anonymise::Rule>, SubjectAccessError> {
    let mut names: Vec<String> = Vec::new();
    let ids: Vec<String> = {
        let conn = vault.db().conn();
        let mut stmt = conn.prepare("SELECT id FROM consents WHERE client_code = ?1")?;
        let rows = stmt.query_map([code], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in ids {
        let name = match consent::get(vault, &id) {
            Ok(record) => record.client_name,
            // An unreadable record still names nobody we could check for.
            Err(ConsentError::Refused(_)) => None,
            Err(e) => return Err(e.into()),
        };
        if let Some(name) = name {
            names.push(name.clone());
            names.extend(
                name.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.chars().count() >= 3)
                    .map(str::to_owned),
            );
        }
    }
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|original| anonymise::Rule {
            original,
            replacement: ANOTHER_CLIENT.to_owned(),
        })
        .collect())
}
