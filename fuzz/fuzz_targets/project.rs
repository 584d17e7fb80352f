//! The project-file parser: any text gives a project or an error naming the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(e) = quartier::Project::parse(text, Path::new("project.toml")) {
        assert!(e.to_string().starts_with("project.toml"), "{e}");
    }
});
