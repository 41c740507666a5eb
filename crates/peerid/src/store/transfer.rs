//! `PeerIdentityExport` and `PeerIdentityImport` on a store: the store-free
//! [`transfer`](crate::transfer) functions around a look-up and an insert.

use secrecy::SecretString;

use super::Store;
use crate::error::Result;
use crate::name::PeerName;
use crate::transfer::{self, ExportParams, ImportOptions, Imported};

impl Store {
    /// Exports an identity, key included, as a `PEERIDENTITYEXPORT` document
    /// protected by `password`: [`Store::get`], then [`transfer::export`].
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound), the errors of
    /// [`transfer::export`], or a store error.
    pub fn export(
        &self,
        name: &PeerName,
        password: &SecretString,
        params: &ExportParams,
    ) -> Result<String> {
        transfer::export(&self.get(name)?, password, params)
    }

    /// Imports an identity from a `PEERIDENTITYEXPORT` document: adds exactly
    /// one identity, or changes nothing. [`transfer::import`] (steps 1 to 6
    /// of docs/design.md §4), then one atomic insert (step 7).
    ///
    /// # Errors
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) if the identity
    /// is already in this store (it is left untouched); the errors of
    /// [`transfer::import`] for anything wrong with the document; or a store
    /// error.
    pub fn import(
        &self,
        document: &[u8],
        password: &SecretString,
        opts: &ImportOptions,
    ) -> Result<PeerName> {
        self.import_with_notices(document, password, opts)
            .map(|imported| imported.peer_name().clone())
    }

    /// As [`Store::import`], and also says what of the document was not
    /// imported (a friendly name the store cannot hold, say), for the caller
    /// to tell the user.
    ///
    /// # Errors
    /// As [`Store::import`].
    pub fn import_with_notices(
        &self,
        document: &[u8],
        password: &SecretString,
        opts: &ImportOptions,
    ) -> Result<Imported> {
        // Steps 1-6: everything that needs no store.
        let imported = transfer::import(document, password, opts)?;
        // Step 7: one atomic insert, or AlreadyExists with the store untouched.
        self.insert(&imported.identity)?;
        Ok(imported)
    }
}
