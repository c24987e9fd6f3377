// Plain JVM module: the view models and presentation logic over the generated bindings, testable
// off-device. It compiles against the desktop bindings (:bindings-jvm) without packaging them; the
// app brings the Android bindings (:qianpi), which have the same API.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    compileOnly(project(":bindings-jvm"))
    implementation(libs.kotlinx.coroutines.core)
    // The tests are JUnit 5 classes asserting with kotlin-test, as scripts/test-kotlin.sh runs them.
    testImplementation(project(":bindings-jvm"))
    testImplementation(libs.jna)
    testImplementation(kotlin("test-junit5"))
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.launcher)
}

tasks.test {
    useJUnitPlatform()
    // The tests load the Rust library and start the gateway binary the workspace builds.
    val repo = rootProject.projectDir.parentFile
    systemProperty("jna.library.path", File(repo, "target/debug").path)
    systemProperty("qianpi.gateway", File(repo, "target/debug/qianpi-gateway").path)
}
