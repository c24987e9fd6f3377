// Plain JVM module: the generated bindings plus the presentation logic, testable off-device.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir("../../bindings/generated")
}

dependencies {
    implementation("net.java.dev.jna:jna:5.14.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    // The tests are JUnit 5 classes asserting with kotlin-test, as scripts/test-kotlin.sh runs them.
    testImplementation(kotlin("test-junit5"))
    testImplementation("org.junit.jupiter:junit-jupiter:5.9.2")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher:1.9.1")
}

tasks.test {
    useJUnitPlatform()
    // The tests load the Rust library and start the gateway binary the workspace builds.
    val repo = rootProject.projectDir.parentFile
    systemProperty("jna.library.path", File(repo, "target/debug").path)
    systemProperty("qianpi.gateway", File(repo, "target/debug/qianpi-gateway").path)
}
