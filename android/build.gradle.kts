// The Android build of Qianpi: the phone app (app/), the distributable library with the Rust core
// and its bindings (qianpi/), the view models in plain Kotlin (shell/) and the bindings for the
// desktop JVM that shell/'s tests use (bindings-jvm/). Versions live in gradle/libs.versions.toml.
// Android Studio builds it as it is; the machines of this repository's CI cannot reach Google's
// Maven, so there scripts/test-kotlin.sh compiles shell/ with kotlinc instead (see README.md).
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
