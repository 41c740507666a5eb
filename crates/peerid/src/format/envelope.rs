//! The export document.
