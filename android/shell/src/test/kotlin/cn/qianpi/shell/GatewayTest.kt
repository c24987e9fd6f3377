// What every Kotlin scenario class starts from: a fresh temporary folder and a real gateway
// process (-Dqianpi.gateway, set by scripts/test-kotlin.sh) serving the demo unit in it, started
// before the class's tests and stopped and removed after them.
package cn.qianpi.shell

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import kotlin.test.assertEquals

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GatewayTest(name: String, tls: Boolean = false) {
    protected val root: File = Files.createTempDirectory("qianpi-kotlin-$name").toFile()
    protected val gateway = GatewayProcess(GatewayProcess.binary(), File(root, "gateway"), tls)

    @BeforeAll
    fun startGateway() = gateway.start()

    @AfterAll
    fun stopGateway() {
        gateway.stop()
        root.deleteRecursively()
    }

    /** A PUT of [json] to the admin API at [path] (under /v1/admin) with [token]; fails the test unless it answers 200. */
    protected fun adminPut(token: String, path: String, json: String) {
        val request = HttpRequest.newBuilder(URI.create(gateway.url + "v1/admin" + path))
            .header("Authorization", "Bearer $token")
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        assertEquals(200, response.statusCode(), response.body())
    }
}
