//! The identity store: one private directory per user holding an SQLite
//! database (DESIGN.md §6).

pub mod db;
pub mod perms;
pub mod schema;
