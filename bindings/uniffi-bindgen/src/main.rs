//! The uniffi bindgen, built from the same uniffi version as `qianpi-ffi` so the generated
//! Kotlin and Swift always match the scaffolding in the library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
