//! A Go function table (pclntab) as it would sit in a `.gopclntab` section, and the same bytes
//! as a whole object file: its functions read (`pclntab_symbols`, `go_symbols`) and its build
//! info, every offset and count hostile.
#![no_main]

use hullguard_inventory::format::go::go_buildinfo;
use hullguard_inventory::format::go_symbols::{go_symbols, pclntab_symbols};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pclntab_symbols(data);
    if let Ok(file) = object::File::parse(data) {
        let _ = go_buildinfo(&file);
        let _ = go_symbols(&file);
    }
});
