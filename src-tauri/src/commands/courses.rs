//! Training courses.

use std::sync::Arc;

use sessionvault_core::course::{self, Course};
use tauri::State;

use crate::error::CommandError;
use crate::state::Shell;

/// Every course.
#[tauri::command]
pub async fn course_list(shell: State<'_, Arc<Shell>>) -> Result<Vec<Course>, CommandError> {
    shell.with_vault(|vault| Ok(course::list(vault)?)).await
}

/// Adds a course ending on `ends_on` (YYYY-MM-DD).
#[tauri::command]
pub async fn course_add(
    shell: State<'_, Arc<Shell>>,
    name: String,
    ends_on: String,
) -> Result<Course, CommandError> {
    shell
        .with_vault(move |vault| {
            let ends_on = course::parse_date(&ends_on)?;
            Ok(course::add(vault, &name, ends_on)?)
        })
        .await
}
