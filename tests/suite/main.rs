//! The integration tests, as one test binary: each module was a binary of its own, and each
//! linked the whole crate with Burn and wgpu (one binary saves ten links on every CI run).
//! `cargo test --release --test suite MODULE::` runs one module, e.g. `fuzz::`.

mod cli;
mod common;
mod download;
mod features;
mod flowers;
mod fuzz;
mod hostile;
mod iiif;
mod reduce;
mod safety;
mod scale;
mod serve;
mod tags;
mod viewer;
