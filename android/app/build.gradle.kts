// The Compose app. The Rust library is cross-compiled per ABI with the mobile profile in the
// environment of scripts/mobile-openssl.sh (MOBILE_TARGET=aarch64-linux-android; a trimmed
// libcrypto, see the README's P-11 paragraph), then cargo ndk -t arm64-v8a -o src/main/jniLibs
// rustc -p qianpi-ffi --lib --profile mobile --no-default-features --crate-type cdylib with the
// Android RELR link arguments the README gives, and the bindings generated with
// ../uniffi-android.toml.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "cn.qianpi.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "cn.qianpi.app"
        minSdk = 28 // StrongBox and per-use user authentication on keystore keys
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }
    buildFeatures { compose = true }
    kotlinOptions { jvmTarget = "17" }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

dependencies {
    implementation(project(":shell"))
    implementation("net.java.dev.jna:jna:5.14.0@aar")
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.8.7")
}
