//! Training courses. Recordings made for a course are destroyed when it ends; a consent given
//! for a course stands only until then.

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::Date;
use uuid::Uuid;

use crate::store::audit::EventKind;
use crate::store::vault::{Vault, VaultError};

/// The longest course name accepted.
pub const MAX_NAME_CHARS: usize = 120;

/// A training course.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Course {
    /// The course id.
    pub id: Uuid,
    /// Its name, e.g. "Diploma in Counselling, year 2".
    pub name: String,
    /// The last day of the course; its recordings are due for destruction after it.
    #[serde(serialize_with = "crate::course::serialize_date")]
    pub ends_on: Date,
}

/// What went wrong with a course.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// The name is empty, too long or has control characters.
    #[error("the course name must be 1 to {MAX_NAME_CHARS} characters of text")]
    BadName,
    /// The date is not a calendar date in the form YYYY-MM-DD.
    #[error("{0:?} is not a date in the form YYYY-MM-DD")]
    BadDate(String),
    /// The course would already be over.
    #[error("the course end date {0} has already passed: a course must end today or later")]
    EndsInThePast(String),
    /// No course has this id.
    #[error("there is no course with id {0}: see `sessionvault course list`")]
    NotFound(String),
    /// A vault problem.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl crate::ErrorCode for CourseError {
    fn code(&self) -> &'static str {
        match self {
            CourseError::BadName | CourseError::BadDate(_) | CourseError::EndsInThePast(_) => {
                "invalid_input"
            }
            CourseError::NotFound(_) => "course_not_found",
            CourseError::Vault(e) => e.code(),
        }
    }
}

crate::store::vault::vault_variant_from!(CourseError: rusqlite::Error);

/// Formats a date as YYYY-MM-DD.
pub fn format_date(date: Date) -> String {
    let format = format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_else(|_| date.to_string())
}

pub(crate) fn serialize_date<S: serde::Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*date))
}

/// Reads a date in the form YYYY-MM-DD.
///
/// Errors: [`CourseError::BadDate`].
pub fn parse_date(text: &str) -> Result<Date, CourseError> {
    let format = format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).map_err(|_| CourseError::BadDate(text.to_owned()))
}

/// Adds a course ending on `ends_on` (which must not have passed). Returns it.
///
/// Errors: [`CourseError::BadName`], [`CourseError::EndsInThePast`], [`CourseError::Vault`].
pub fn add(vault: &mut Vault, name: &str, ends_on: Date) -> Result<Course, CourseError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(CourseError::BadName);
    }
    if ends_on < vault.now().date() {
        return Err(CourseError::EndsInThePast(format_date(ends_on)));
    }
    let id = Uuid::new_v4();
    let change = vault.change()?;
    let created_at = change
        .now
        .format(&Rfc3339)
        .map_err(|e| VaultError::from(crate::store::audit::AuditError::from(e)))?;
    change.tx.execute(
        "INSERT INTO courses (id, name, ends_on, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), name, format_date(ends_on), created_at],
    )?;
    change
        .log(
            EventKind::CourseAdded,
            Some(&id.to_string()),
            &json!({ "ends_on": format_date(ends_on) }),
        )
        .map_err(VaultError::from)?;
    change.commit().map_err(VaultError::from)?;
    tracing::info!(course = %id, "course added");
    Ok(Course {
        id,
        name: name.to_owned(),
        ends_on,
    })
}

/// Every course, by end date.
///
/// Errors: [`CourseError::Vault`].
pub fn list(vault: &Vault) -> Result<Vec<Course>, CourseError> {
    let mut stmt = vault
        .db()
        .conn()
        .prepare("SELECT id, name, ends_on FROM courses ORDER BY ends_on, name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, ends_on) = row?;
        out.push(course_from_row(&id, name, &ends_on)?);
    }
    Ok(out)
}

/// The course with this id.
///
/// Errors: [`CourseError::NotFound`], [`CourseError::Vault`].
pub fn get(vault: &Vault, id: &str) -> Result<Course, CourseError> {
    let row: Option<(String, String, String)> = vault
        .db()
        .conn()
        .query_row(
            "SELECT id, name, ends_on FROM courses WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, name, ends_on) = row.ok_or_else(|| CourseError::NotFound(id.to_owned()))?;
    course_from_row(&id, name, &ends_on)
}

fn course_from_row(id: &str, name: String, ends_on: &str) -> Result<Course, CourseError> {
    Ok(Course {
        id: Uuid::parse_str(id).map_err(|_| CourseError::NotFound(id.to_owned()))?,
        name,
        ends_on: parse_date(ends_on)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_bad_dates_are_refused() {
        let d = parse_date("2027-07-31").unwrap();
        assert_eq!(format_date(d), "2027-07-31");
        for bad in ["", "31/07/2027", "2027-02-30", "2027-7-31x", "tomorrow"] {
            assert!(
                matches!(parse_date(bad), Err(CourseError::BadDate(_))),
                "{bad}"
            );
        }
    }
}
