//! libFuzzer entry of the `cursor` target; the logic lives in `qianpi-fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    qianpi_fuzz::check(qianpi_fuzz::Target::Cursor, data);
});
