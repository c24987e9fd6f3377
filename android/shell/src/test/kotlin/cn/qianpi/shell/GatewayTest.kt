// What every Kotlin scenario class starts from: a fresh temporary folder and a real gateway
// process (-Dqianpi.gateway, set by scripts/test-kotlin.sh) serving the demo unit in it, started
// before the class's tests and stopped and removed after them.
package cn.qianpi.shell

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.nio.file.Files

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GatewayTest(name: String) {
    protected val root: File = Files.createTempDirectory("qianpi-kotlin-$name").toFile()
    protected val gateway = GatewayProcess(GatewayProcess.binary(), File(root, "gateway"))

    @BeforeAll
    fun startGateway() = gateway.start()

    @AfterAll
    fun stopGateway() {
        gateway.stop()
        root.deleteRecursively()
    }
}
