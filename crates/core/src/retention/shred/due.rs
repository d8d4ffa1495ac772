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
        Ok(Kept {
            id: r.get(0)?,
            client_code: r.get(1)?,
            consent_id: r.get(2)?,
            course_id: r.get(3)?,
            destroy_by: r.get(4)?,
            ends_on: r.get(5)?,
            course_name: r.get(6)?,
            withdrawn_at: r.get(7)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?.due(today, within_days));
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.due_on.cmp(&b.due_on))
            .then(a.recording_id.cmp(&b.recording_id))
    });
    Ok(out)
}

/// A finished recording with the dates that bound how long it may be kept.
struct Kept {
    id: String,
    client_code: String,
    consent_id: String,
    course_id: Option<String>,
    destroy_by: Option<String>,
    ends_on: Option<String>,
    course_name: Option<String>,
    withdrawn_at: Option<String>,
}

impl Kept {
    /// Whether it is due by `today`, or within `within_days`, and why.
    fn due(self, today: Date, within_days: i64) -> Option<Due> {
        let item = |reason, due_on: String, overdue, detail| Due {
            recording_id: self.id.clone(),
            client_code: self.client_code.clone(),
            consent_id: self.consent_id.clone(),
            course_id: self.course_id.clone(),
            reason,
            due_on,
            overdue,
            detail,
        };
        if let Some(at) = &self.withdrawn_at {
            let on = at.get(..10).unwrap_or(at).to_owned();
            let detail = format!("the client withdrew consent on {on}");
            return Some(item("consent_withdrawn", on, true, detail));
        }
        let (date, reason, detail) = self.earliest_date()?;
        // A course's recordings are due the day after it ends; a destroy-by date is the last
        // day they may be kept.
        let due_on = if reason == "course_ended" {
            date.next_day().unwrap_or(date)
        } else {
            date
        };
        let days = (due_on - today).whole_days();
        if due_on <= today {
            Some(item(reason, format_date(due_on), true, detail))
        } else if days <= within_days {
            let detail = format!(
                "due for destruction in {days} day(s), on {}",
                format_date(due_on)
            );
            Some(item("due_soon", format_date(due_on), false, detail))
        } else {
            None
        }
    }

    /// The earliest of the dates that apply (a course's end, the destroy-by date), with the
    /// reason and its words.
    fn earliest_date(&self) -> Option<(Date, &'static str, String)> {
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| crate::course::parse_date(t).ok())
        };
        let mut dates: Vec<(Date, &'static str, String)> = Vec::new();
        if let Some(end) = parse(&self.ends_on) {
            let name = self.course_name.clone().unwrap_or_default();
            let detail = format!("the course {name:?} ended on {}", format_date(end));
            dates.push((end, "course_ended", detail));
        }
        if let Some(by) = parse(&self.destroy_by) {
            let detail = format!(
                "the consent's destroy-by date {} has passed",
                format_date(by)
            );
            dates.push((by, "destroy_by_passed", detail));
        }
        dates.sort_by_key(|d| d.0);
        dates.into_iter().next()
    }
}
