//! Consent records: the gate no recording can pass without.
//!
//! A client's written consent is a record signed with the counsellor's key over a canonical
//! byte form (domain-tagged): who (a client *code*, never a name in logs or files), for which
//! course or until which date, for which purposes, heard by whom, what happens to a case study,
//! on which version of the form (with the hash of its exact text), the client's typed name and
//! signature picture or scanned paper form, and the counsellor's name and time of signing.
//!
//! A decline is recorded too, so the gate refuses and the client is not asked again. A
//! withdrawal is appended, signed, and never edits the original.
//!
//! [`verify`] is the gate: the only way to obtain a [`VerifiedConsent`], which starting a
//! recording requires. There is no other constructor and no bypass.
//!
//! Each file is one part of it:
//!
//! - `record`: the stored record and the canonical byte forms that are signed.
//! - `choices` and `input`: the words a client chooses, and the checks of what is typed.
//! - `grant` and `withdraw`: recording an answer, and appending a withdrawal.
//! - `load`: reading records back, one or all.
//! - `gate`: [`verify`], [`VerifiedConsent`] and [`Refusal`].
//! - `print`: the printable PDF of a record ([`pdf`] lays it out).
//! - [`attachment`] and [`forms`]: the signature pictures and the form texts.
//! - `error`: [`ConsentError`].

pub mod attachment;
pub mod forms;
pub mod pdf;

mod choices;
mod error;
mod gate;
mod grant;
mod input;
mod load;
mod print;
mod record;
mod watch;
mod withdraw;

pub use choices::{parse_list, Audience, CaseStudy, Decision, Purpose};
pub use error::ConsentError;
pub(crate) use gate::check;
pub use gate::{verify, Refusal, VerifiedConsent};
pub use grant::{decline, grant, NewConsent, SignedWith};
pub use input::{check_client_code, MAX_NAME_CHARS, MAX_REASON_CHARS};
pub use load::{get, list, Summary};
pub use print::{make_pdf, save_pdf, SavedPdf};
pub use record::{Record, Withdrawal};
pub use watch::ConsentWatch;
pub use withdraw::withdraw;
