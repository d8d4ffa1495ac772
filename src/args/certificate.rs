//! `sessionvault certificate`: destruction certificates, shown, exported and checked.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub(crate) enum CertificateCommand {
    /// Every certificate, oldest first; one that does not verify is listed as damaged.
    List,
    /// One certificate in full.
    Show {
        /// The certificate id.
        id: String,
    },
    /// Write a certificate as JSON (checkable with `certificate verify`) or PDF (to print).
    Export {
        /// The certificate id.
        id: String,
        /// FILE.json or FILE.pdf.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check an exported JSON certificate's signature; any edit makes it fail. Checked against
    /// the vault's key when the vault opens; elsewhere --signer is required.
    Verify {
        /// The JSON certificate.
        file: PathBuf,
        /// The fingerprint of the counsellor's key (as `status` prints it; separators and case
        /// do not matter): the certificate must be signed by that key.
        #[arg(long, value_name = "FINGERPRINT")]
        signer: Option<String>,
    },
}
