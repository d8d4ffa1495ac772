//! The words of a session: transcripts, case studies, and the layout of the documents written
//! from them (and from consent records and certificates).
//!
//! - [`transcript`]: transcripts of recordings, anonymisation, TXT/DOCX/PDF exports.
//! - [`case_study`]: case studies over one or more clients; the organisation's are permanent.

pub mod case_study;
pub mod transcript;
