//! One module per subcommand.
pub mod assign;
pub mod demo;
pub mod project;
