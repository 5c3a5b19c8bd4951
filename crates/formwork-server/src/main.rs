//! The `formwork` command.
fn main() {}
