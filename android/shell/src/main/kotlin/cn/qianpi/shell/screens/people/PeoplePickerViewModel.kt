// The people picker behind 转交 / 委派 / 加签 / 传阅: the unit's address book by department (the
// user himself left out), searched on the phone by name, pinyin or initials, with one or several
// people ticked. The address book follows the core's observer; a fetch that changed it shows.
package cn.qianpi.shell.screens.people

import cn.qianpi.core.Contact
import cn.qianpi.core.QianpiClient
import cn.qianpi.core.QianpiException
import cn.qianpi.shell.peopleFlow
import cn.qianpi.shell.screens.document.WorkText
import cn.qianpi.shell.text.UiText
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** One person in the picker. */
data class PersonRow(
    val userId: String,
    /** 姓名, as data. */
    val name: String,
    val post: UiText,
    val department: UiText,
    val phone: UiText?,
    val selected: Boolean = false,
)

data class PeopleGroup(val name: UiText, val people: List<PersonRow>)

data class PeopleState(
    val loading: Boolean = true,
    val groups: List<PeopleGroup> = emptyList(),
    val query: String = "",
    /** Search hits while [query] is not empty. */
    val results: List<PersonRow> = emptyList(),
    /** 无匹配人员 for a query that found no one. */
    val noMatch: UiText? = null,
    val selected: List<PersonRow> = emptyList(),
    /** Several people may be ticked (加签, 传阅), or one (转交, 委派). */
    val multiple: Boolean = false,
    val error: UiText? = null,
)

/**
 * 选择人员: departments with their people (the user left out), [search] by 姓名, 拼音 or 首字母
 * (on the phone, offline too), [toggle] to tick (one person unless [multiple]), [refresh] fetches
 * the address book from the gateway. [PeopleState.selected] goes to the acting screen.
 * Call [start] once; the observation ends with [scope].
 */
class PeoplePickerViewModel(
    private val client: QianpiClient,
    private val scope: CoroutineScope,
    private val multiple: Boolean,
) {
    private val _state = MutableStateFlow(PeopleState(multiple = multiple))
    val state: StateFlow<PeopleState> = _state.asStateFlow()
    private var observing: Job? = null

    fun start() {
        observing?.cancel()
        observing = scope.launch {
            client.peopleFlow(excludeSelf = true).collect { result ->
                result.fold(
                    onSuccess = { groups ->
                        _state.update { s ->
                            s.copy(
                                loading = false,
                                groups = groups.map { g -> PeopleGroup(UiText.Plain(g.name), g.people.map { mark(s, row(it)) }) },
                                error = null,
                            )
                        }
                    },
                    onFailure = { e -> _state.update { it.copy(loading = false, error = WorkText.error(e)) } },
                )
            }
        }
    }

    /** Fetches the address book (only when it changed at the gateway). */
    suspend fun refresh() {
        try {
            client.syncPeople()
        } catch (e: QianpiException) {
            _state.update { it.copy(error = WorkText.error(e)) }
        }
    }

    /** Searches by name, pinyin or initials; an empty query shows the departments again. */
    suspend fun search(query: String, limit: UInt = 30u) {
        if (query.isBlank()) {
            _state.update { it.copy(query = "", results = emptyList(), noMatch = null) }
            return
        }
        try {
            val self = client.account()?.userId
            val hits = client.searchPeople(query, limit).filter { it.userId != self }
            _state.update { s ->
                s.copy(
                    query = query,
                    results = hits.map { mark(s, row(it)) },
                    noMatch = if (hits.isEmpty()) UiText.res("people_no_match") else null,
                    error = null,
                )
            }
        } catch (e: QianpiException) {
            _state.update { it.copy(query = query, error = WorkText.error(e)) }
        }
    }

    /** Ticks or unticks [userId]; picking one more replaces the one when only one may be picked. */
    fun toggle(userId: String) = _state.update { s ->
        val person = (s.results + s.groups.flatMap { it.people }).firstOrNull { it.userId == userId } ?: return@update s
        val ticked = s.selected.any { it.userId == userId }
        val selected = when {
            ticked -> s.selected.filter { it.userId != userId }
            multiple -> s.selected + person.copy(selected = true)
            else -> listOf(person.copy(selected = true))
        }
        val next = s.copy(selected = selected)
        next.copy(
            groups = next.groups.map { g -> g.copy(people = g.people.map { mark(next, it) }) },
            results = next.results.map { mark(next, it) },
        )
    }

    private fun mark(s: PeopleState, row: PersonRow) = row.copy(selected = s.selected.any { it.userId == row.userId })

    private fun row(c: Contact) = PersonRow(
        userId = c.userId,
        name = c.name,
        post = UiText.Plain(c.post),
        department = UiText.Plain(c.department),
        phone = c.officePhone?.let { UiText.Plain(it) },
    )
}
