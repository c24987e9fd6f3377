// The one activity, and the navigation between the screens. FLAG_SECURE is set here, once, for the
// window every screen is drawn in (no screenshots, no screen recording, a blank thumbnail among
// the recent apps; dialogs inherit it). What shows: the activation until the phone holds an
// account; the unlock screen until the person proved presence in this visit and the data is open;
// then the lists, notices, outbox and settings with the screens they open. Touches reach the lock
// controller (the inactivity time starts again). While the app is on screen and unlocked, the
// core's runner keeps it in sync and hears when the network comes back.
package cn.qianpi.app

import android.net.ConnectivityManager
import android.net.Network
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.lifecycleScope
import cn.qianpi.app.screens.ActingForScreen
import cn.qianpi.app.screens.ActingScreen
import cn.qianpi.app.screens.ActivationScreen
import cn.qianpi.app.screens.DocumentScreen
import cn.qianpi.app.screens.ListsScreen
import cn.qianpi.app.screens.NoticeScreen
import cn.qianpi.app.screens.NoticesScreen
import cn.qianpi.app.screens.OutboxScreen
import cn.qianpi.app.screens.SettingsScreen
import cn.qianpi.app.screens.SyncStatusBar
import cn.qianpi.app.screens.SyncStatusScreen
import cn.qianpi.app.screens.UnlockScreen
import cn.qianpi.app.ui.rememberModel
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.screens.acting.ActingViewModel
import cn.qianpi.shell.screens.acting.BatchViewModel
import cn.qianpi.shell.screens.document.DocumentViewModel
import cn.qianpi.shell.screens.lists.ListsViewModel
import cn.qianpi.shell.screens.notices.NoticeViewModel
import cn.qianpi.shell.screens.notices.NoticesViewModel
import cn.qianpi.shell.screens.outbox.OutboxViewModel
import cn.qianpi.shell.screens.people.PersonRow
import cn.qianpi.shell.screens.syncstatus.SyncStatusViewModel
import cn.qianpi.shell.screens.unlock.UnlockViewModel
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.launch

class MainActivity : FragmentActivity() {
    private var services: Services? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        val app = application as QianpiApp
        lifecycleScope.launch { services = app.services() }
        setContent { MaterialTheme { Root(app, this) } }
    }

    override fun onUserInteraction() {
        super.onUserInteraction()
        services?.lock?.userActivity()
    }
}

/** Where the person is, above the tabs. */
private sealed interface Route {
    data class Document(val id: String) : Route
    data class Acting(val taskId: String, val actingFor: PersonRow? = null) : Route
    data class Notice(val id: String) : Route
    data object SyncStatus : Route
    data object ActingFor : Route
}

private enum class Tab(val label: Int) {
    LISTS(R.string.platform_tab_lists),
    NOTICES(R.string.platform_notices),
    OUTBOX(R.string.platform_tab_outbox),
    SETTINGS(R.string.platform_tab_settings),
}

@Composable
private fun Root(app: QianpiApp, activity: FragmentActivity) {
    val services by produceState<Services?>(null) { value = app.services() }
    val s = services
    if (s == null) {
        Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
        return
    }
    val gate = remember(s) { BiometricGate(activity, s.signer, s.lock) }
    val activated by s.lock.activated.collectAsStateWithLifecycle()
    val present by s.lock.userPresent.collectAsStateWithLifecycle()
    val locked by s.lock.controller.locked.collectAsStateWithLifecycle()
    when {
        !activated -> ActivationScreen(s, onActivated = { s.lock.setActivated(true) })
        !present || locked -> UnlockScreen(rememberModel { scope -> UnlockViewModel(s.client, scope, gate) })
        else -> Unlocked(s, gate)
    }
}

@Composable
private fun Unlocked(s: Services, gate: BiometricGate) {
    val client = s.client
    KeepInSync(client)
    val viewer by produceState("") { value = runCatching { client.account()?.name }.getOrNull().orEmpty() }
    val lists = rememberModel { scope -> ListsViewModel(client, scope) }
    val batch = remember { BatchViewModel(client, gate) }
    val syncStatus = rememberModel { scope -> SyncStatusViewModel(client, scope) }
    val notices = remember { NoticesViewModel(client) }
    var stack by remember { mutableStateOf(emptyList<Route>()) }
    var tab by remember { mutableStateOf(Tab.LISTS) }
    fun open(route: Route) {
        stack = stack + route
    }
    fun back() {
        stack = stack.dropLast(1)
    }
    BackHandler(enabled = stack.isNotEmpty()) { back() }

    when (val route = stack.lastOrNull()) {
        is Route.Document -> DocumentScreen(
            rememberModel(route.id) { scope -> DocumentViewModel(client, route.id, scope) },
            viewer,
            onBack = ::back,
            onAct = { open(Route.Acting(it)) },
        )
        is Route.Acting -> ActingScreen(
            rememberModel(route) { scope -> ActingViewModel(client, route.taskId, scope, gate, cn.qianpi.app.ui.PngHandwriting(), route.actingFor) },
            client,
            onBack = ::back,
            onOpenDocument = { open(Route.Document(route.taskId)) },
        )
        is Route.Notice -> NoticeScreen(remember(route.id) { NoticeViewModel(client, route.id) }, viewer, onBack = ::back)
        Route.SyncStatus -> SyncStatusScreen(syncStatus, onBack = ::back, onOutbox = {
            back()
            tab = Tab.OUTBOX
        })
        Route.ActingFor -> ActingForScreen(client, onBack = ::back, onAct = { task, leader -> open(Route.Acting(task, leader)) })
        null -> Scaffold(
            bottomBar = {
                NavigationBar {
                    Tab.entries.forEach { t ->
                        NavigationBarItem(
                            selected = tab == t,
                            onClick = { tab = t },
                            icon = {},
                            label = { Text(stringResource(t.label)) },
                        )
                    }
                }
            },
        ) { padding ->
            Box(Modifier.padding(padding)) {
                val statusBar = @Composable { SyncStatusBar(syncStatus, onOpen = { open(Route.SyncStatus) }) }
                when (tab) {
                    Tab.LISTS -> ListsScreen(lists, batch, statusBar, onOpen = { open(Route.Document(it)) })
                    Tab.NOTICES -> NoticesScreen(notices, client, statusBar, onOpen = { open(Route.Notice(it)) })
                    Tab.OUTBOX -> OutboxScreen(
                        rememberModel { scope -> OutboxViewModel(client, scope) },
                        onBack = null,
                        onAct = { open(Route.Acting(it)) },
                        onOpen = { open(Route.Document(it)) },
                    )
                    Tab.SETTINGS -> SettingsScreen(s, onActingFor = { open(Route.ActingFor) }, onWiped = { s.lock.setActivated(false) })
                }
            }
        }
    }
}

/**
 * The core's sync runner while the data is open on screen: it syncs by itself, pushes an action
 * as soon as it is queued, and tries again at once when the network returns. Starting it reads
 * the account from the store, so it is a suspend call made from the effect's coroutine.
 */
@Composable
private fun KeepInSync(client: QianpiClient) {
    val context = LocalContext.current
    LaunchedEffect(client) {
        val runner = try {
            client.startSync(true)
        } catch (e: QianpiException) {
            // Locked or not activated: the screens say so; the next unlock starts it again.
            return@LaunchedEffect
        }
        val connectivity = context.getSystemService(ConnectivityManager::class.java)
        val callback = object : ConnectivityManager.NetworkCallback() {
            override fun onAvailable(network: Network) {
                runner.networkChanged(true)
            }

            override fun onLost(network: Network) {
                runner.networkChanged(false)
            }
        }
        connectivity?.registerDefaultNetworkCallback(callback)
        try {
            awaitCancellation()
        } finally {
            connectivity?.unregisterNetworkCallback(callback)
            runner.stop()
            runner.close()
        }
    }
}
