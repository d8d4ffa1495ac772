//! Handing a client's recording or words over whole, each time through the
//! [disclosure gate](crate::disclosure):
//!
//! - [`share`]: a recording or clip shared as a WAV inside an age file, for someone the client
//!   agreed may hear it.
//! - [`subject_access`]: everything held about one client, as an encrypted bundle for the client.

pub mod share;
pub mod subject_access;
