//! The `quartier` command-line tool.
fn main() {}
