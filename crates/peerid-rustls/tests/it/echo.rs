//! The example runs (placeholder until the example lands).
