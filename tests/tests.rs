//! The integration tests: one binary, one module per concern.

mod cli;
mod common;
mod docs;
mod fix;
mod fixtures;
mod hostile;
mod index;
mod lsp;
mod network;
mod properties;
mod server;
mod snapshots;
