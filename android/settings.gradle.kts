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
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "qianpi-android"
// :qianpi is the library other apps can take (bindings + native libraries); :bindings-jvm the same
// bindings for the desktop JVM, seen only by :shell's compiler and tests, never packaged.
include(":bindings-jvm", ":shell", ":qianpi", ":app")
