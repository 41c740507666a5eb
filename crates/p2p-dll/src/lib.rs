//! `p2p.dll`: peerid's C ABI (`peerid-ffi`, `include/p2p.h`) under the name
//! Windows programs load (docs/design.md §8, "p2p.dll"). Nothing of its own:
//! linking `peerid-ffi` is what puts its exported functions in this DLL.
#[cfg(windows)]
use peerid_p2p as _;
