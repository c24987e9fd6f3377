// The distributable Android library of Qianpi (an .aar): the Kotlin bindings generated with
// ../uniffi-android.toml and the Rust core built per ABI (arm64-v8a, armeabi-v7a, x86_64), both
// written by scripts/android-libs.sh, which needs an Android NDK and cargo-ndk. The bindings come
// from the same Rust sources and the same uniffi-bindgen as the desktop ones in
// bindings/generated/; only the config differs (android = true: Android's own cleaner).
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val generatedBindings = layout.buildDirectory.dir("generated/uniffi/kotlin")
val nativeLibs = layout.projectDirectory.dir("src/main/jniLibs")

android {
    namespace = "cn.qianpi.core"
    compileSdk = 35
    defaultConfig {
        minSdk = 28
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].java.srcDir(generatedBindings)
    // jniLibs: src/main/jniLibs/<abi>/libqianpi_ffi.so, the default place, filled by the script.
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    // The bindings call the library through JNA; the aar carries libjnidispatch.so per ABI.
    api("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    api(libs.kotlinx.coroutines.core)
    // The android = true bindings annotate their cleaner with @RequiresApi.
    implementation(libs.androidx.annotation)
}

// A build without the generated bindings or a native library would compile, or link, into an app
// that fails only when it first calls the core: stop here instead, saying what to run.
val checkCoreBuilt by tasks.registering {
    val bindings = generatedBindings.map { it.file("cn/qianpi/core/qianpi_ffi.kt").asFile }
    val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
    val natives = abis.map { nativeLibs.file("$it/libqianpi_ffi.so").asFile }
    doLast {
        val missing = (listOf(bindings.get()) + natives).filterNot { it.isFile }
        if (missing.isNotEmpty()) {
            throw GradleException(
                "The Qianpi core is not built for Android: missing ${missing.joinToString()}. " +
                    "Run scripts/android-libs.sh from the repository root (it needs an Android NDK and cargo-ndk).",
            )
        }
    }
}
tasks.named("preBuild") { dependsOn(checkCoreBuilt) }
