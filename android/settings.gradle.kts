// The Android shell of Qianpi. Builds with Android Studio / the Android Gradle plugin, which these
// Linux CI machines cannot download; the JVM-testable part (shell/) is compiled and tested by
// scripts/test-kotlin.sh with kotlinc instead.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "qianpi-android"
include(":shell", ":app")
