//! `sessionvault course`: training courses.

use sessionvault_core::course;

use super::context::Context;
use super::output::print_json;
use super::Failure;
use crate::args::course::CourseCommand;

/// Adds a course or lists them.
pub(super) fn run(context: &Context, command: &CourseCommand) -> Result<(), Failure> {
    let mut vault = context.open_vault()?;
    match command {
        CourseCommand::Add { name, ends } => {
            let ends = course::parse_date(ends)?;
            let course = course::add(&mut vault, name, ends)?;
            if context.json {
                print_json(&course);
            } else {
                println!("{}", course.id);
            }
        }
        CourseCommand::List => {
            let courses = course::list(&vault)?;
            if context.json {
                print_json(&courses);
            } else {
                let today = vault.now().date();
                for c in &courses {
                    let state = if c.ends_on < today {
                        "ended"
                    } else {
                        "running"
                    };
                    println!(
                        "{}  ends {}  {:<8} {}",
                        c.id,
                        course::format_date(c.ends_on),
                        state,
                        c.name
                    );
                }
            }
        }
    }
    Ok(())
}
