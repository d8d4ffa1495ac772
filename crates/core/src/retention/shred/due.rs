//! What is due for destruction, and why: a recording whose course has ended, whose consent's
//! destroy-by date has passed, or whose consent was withdrawn; and what becomes due soon.

use time::Date;

use super::ShredError;
use crate::course::format_date;
use crate::store::vault::Vault;

/// One recording due for destruction, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Due {
    /// The recording.
    pub recording_id: String,
    /// The client code.
    pub client_code: String,
    /// The consent it was made under.
    pub consent_id: String,
    /// Its course, if any.
    pub course_id: Option<String>,
    /// `course_ended`, `destroy_by_passed`, `consent_withdrawn`, or `due_soon`.
    pub reason: &'static str,
    /// The date it became (or becomes) due, YYYY-MM-DD.
    pub due_on: String,
    /// Whether the date has passed (false only for `due_soon`).
    pub overdue: bool,
    /// The reason in words.
    pub detail: String,
}

/// Everything due for destruction (overdue first, then by date), and what becomes due within
/// `within_days`, by the vault's clock.
///
/// Errors: [`ShredError::Vault`].
pub fn due(vault: &Vault, within_days: i64) -> Result<Vec<Due>, ShredError> {
    let today = vault.now().date();
    let conn = vault.db().conn();
    let mut stmt = conn.prepare(
        "SELECT r.id, r.client_code, r.consent_id, r.course_id, c.destroy_by, co.ends_on,
                co.name, w.withdrawn_at
         FROM recordings r
         JOIN consents c ON c.id = r.consent_id
         LEFT JOIN courses co ON co.id = r.course_id
         LEFT JOIN consent_withdrawals w ON w.consent_id = r.consent_id
         WHERE r.state != 'recording'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, client_code, consent_id, course_id, destroy_by, ends_on, course_name, withdrawn) =
            row?;
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| crate::course::parse_date(t).ok())
        };
        // The earliest of the dates that apply: a course's end, the destroy-by date.
        let mut dates: Vec<(Date, &'static str, String)> = Vec::new();
        if let Some(end) = parse(&ends_on) {
            dates.push((
                end,
                "course_ended",
                format!(
                    "the course {:?} ended on {}",
                    course_name.clone().unwrap_or_default(),
                    format_date(end)
                ),
            ));
        }
        if let Some(by) = parse(&destroy_by) {
            dates.push((
                by,
                "destroy_by_passed",
                format!(
                    "the consent's destroy-by date {} has passed",
                    format_date(by)
                ),
            ));
        }
        dates.sort_by_key(|d| d.0);
        let item = |reason, due_on: String, overdue, detail| Due {
            recording_id: id.clone(),
            client_code: client_code.clone(),
            consent_id: consent_id.clone(),
            course_id: course_id.clone(),
            reason,
            due_on,
            overdue,
            detail,
        };
        if let Some(at) = withdrawn {
            let on = at.get(..10).unwrap_or(&at).to_owned();
            out.push(item(
                "consent_withdrawn",
                on.clone(),
                true,
                format!("the client withdrew consent on {on}"),
            ));
        } else if let Some((date, reason, detail)) = dates.into_iter().next() {
            // A course's recordings are due the day after it ends; a destroy-by date is the
            // last day they may be kept.
            let due_on = if reason == "course_ended" {
                date.next_day().unwrap_or(date)
            } else {
                date
            };
            if due_on <= today {
                out.push(item(reason, format_date(due_on), true, detail));
            } else if (due_on - today).whole_days() <= within_days {
                let days = (due_on - today).whole_days();
                out.push(item(
                    "due_soon",
                    format_date(due_on),
                    false,
                    format!(
                        "due for destruction in {days} day(s), on {}",
                        format_date(due_on)
                    ),
                ));
            }
        }
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.recording_id.cmp(&b.recording_id))
    });
    Ok(out)
}
