//! `sessionvault course`: training courses, whose end dates say when recordings are destroyed.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum CourseCommand {
    /// Add a training course; prints its id.
    Add {
        /// The course's name.
        #[arg(long)]
        name: String,
        /// The last day of the course (YYYY-MM-DD); its recordings are destroyed after it.
        #[arg(long, value_name = "YYYY-MM-DD")]
        ends: String,
    },
    /// List the courses.
    List,
}
