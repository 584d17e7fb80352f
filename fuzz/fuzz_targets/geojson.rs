//! The GeoJSON block-layer reader and the hierarchy it builds: any bytes give a hierarchy
//! or an error, never a panic.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The reader takes a path: one file per process in the temp folder, rewritten each run.
    let path = std::env::temp_dir().join(format!("quartier-fuzz-{}.geojson", std::process::id()));
    let Ok(mut f) = std::fs::File::create(&path) else {
        return;
    };
    if f.write_all(data).is_err() {
        return;
    }
    drop(f);
    // The fields of the hierarchy fixtures (the seed corpus).
    let mut spec = quartier::BlockLayerSpec::default_fields();
    spec.name_field = Some("name".into());
    let _ = quartier::read_hierarchy(&path, &spec);
});
