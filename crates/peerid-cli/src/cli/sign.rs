//! The shape of the signature commands (docs/design.md §9): `sign`,
//! `verify`, `ssh-key`, `allowed-signers`. Clap types only.

use std::path::PathBuf;

use clap::Args;

/// `sign` options.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The signing identity, as for `show`
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Namespace of the signature, as ssh-keygen -Y sign -n takes it (`file`, `git`, your application's own)
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: String,
    /// The data to sign [default: stdin; `-` is stdin too]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Write the armoured signature to SIG (whole or not at all; a FIFO, device or /dev/stdout is written through) [default: stdout]
    #[arg(short = 'o', long, value_name = "SIG")]
    pub output: Option<PathBuf>,
    /// Replace SIG if it is an existing regular file, without asking
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The peer the signature must be from (its key must hash to the peer name's authority)
    #[arg(short = 'I', long = "peer", value_name = "PEER")]
    pub peer: String,
    /// Namespace the signature must have been made in
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: String,
    /// The armoured signature (`-----BEGIN SSH SIGNATURE-----`)
    #[arg(short = 's', long = "signature", value_name = "SIG")]
    pub signature: PathBuf,
    /// The signed data [default: stdin; `-` is stdin too]
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}
