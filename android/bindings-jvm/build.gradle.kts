// The generated bindings for the desktop JVM: the files scripts/bindings.sh writes into
// bindings/generated/ (uniffi.toml, no Android imports), the same ones scripts/test-kotlin.sh
// compiles. :shell compiles against them and runs its tests with them; the app itself takes the
// Android build of the same bindings from :qianpi, so the classes never appear twice in an APK.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir("../../bindings/generated")
}

dependencies {
    implementation(libs.jna)
    implementation(libs.kotlinx.coroutines.core)
}
