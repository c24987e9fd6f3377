//! libFuzzer entry of the `attestation_apple` target; the logic lives in `qianpi-fuzz`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    qianpi_fuzz::check(qianpi_fuzz::Target::AttestationApple, data);
});
