//! One module per subcommand.
pub mod assign;
pub mod demo;
