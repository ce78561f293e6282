#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() >= 3 && data[0] == b'H' && data[1] == b'G' && data[2] == b'!' {
        panic!("selftest panic");
    }
});
