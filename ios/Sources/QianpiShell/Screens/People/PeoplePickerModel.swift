// The people picker for 转交, 委派, 加签, 传阅 (and a standing delegation's deputy): the unit's
// address book by department, searched by name, full pinyin or initials (the core's offline
// search), leaving the user out; one person for a transfer or delegation, several otherwise.
import Foundation
import Observation
import Qianpi

/// Choosing people.
///
/// Shows: `title` (转交给 / 委派给 / 加签人 / 传阅给), `groups` (departments with their people) or,
/// while `query` is not empty, `results` (best match first; call `search()` as the query
/// changes), each person with name, post, department and whether picked; `chosen` (the picked
/// user ids, in the order picked), `multiple`, `canConfirm`, `problem`.
/// Actions: `load()` (fetches the address book when it changed, then lists it; offline the copy on
/// the phone), `search()`, `toggle(_:)`; the view hands `chosen` to `ActingModel.perform`.
@MainActor @Observable
public final class PeoplePickerModel {
    /// What the people are picked for.
    public enum Purpose: String, Sendable {
        case transfer, delegate, addSigners, circulate, deputy

        public var title: UIText { .key("people.title.\(rawValue)") }

        /// Several people may be picked.
        public var multiple: Bool { self == .addSigners || self == .circulate }
    }

    /// One person.
    public struct Person: Equatable, Sendable, Identifiable {
        public let id: String
        public let name: UIText
        public let post: UIText
        public let department: UIText
        public let selected: Bool
    }

    /// A department with its people.
    public struct Group: Equatable, Sendable {
        public let name: UIText
        public let people: [Person]
    }

    public let purpose: Purpose
    private let client: QianpiClient

    public var query = ""
    public private(set) var groups: [Group] = []
    public private(set) var results: [Person] = []
    public private(set) var chosen: [String] = []
    public private(set) var problem: UIText?
    public var title: UIText { purpose.title }
    public var multiple: Bool { purpose.multiple }
    public var canConfirm: Bool { multiple ? !chosen.isEmpty : chosen.count == 1 }

    @ObservationIgnored private var contacts: [Contact] = []
    @ObservationIgnored private var grouped: [DepartmentGroup] = []
    @ObservationIgnored private var found: [Contact] = []
    @ObservationIgnored private var me: String?

    public init(client: QianpiClient, purpose: Purpose) {
        self.client = client
        self.purpose = purpose
    }

    /// Fetches the address book when it changed (offline: the phone's copy), then lists it.
    public func load() async {
        _ = try? await client.syncPeople()
        do {
            me = try await client.account()?.userId
            grouped = try await client.peoplePicker(excludeSelf: true)
            problem = grouped.isEmpty ? .key("people.empty") : nil
        } catch {
            problem = WorkText.error(error)
        }
        redraw()
    }

    /// Searches by name, full pinyin, initials, post or department.
    public func search() async {
        let text = query.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            found = []
            redraw()
            return
        }
        do {
            found = try await client.searchPeople(query: text, limit: 50).filter { $0.userId != me }
            problem = found.isEmpty ? .key("people.nothing", [text]) : nil
        } catch {
            problem = WorkText.error(error)
        }
        redraw()
    }

    /// Picks or unpicks `userId`; for one person, picking another replaces the first.
    public func toggle(_ userId: String) {
        if let index = chosen.firstIndex(of: userId) {
            chosen.remove(at: index)
        } else if multiple {
            chosen.append(userId)
        } else {
            chosen = [userId]
        }
        redraw()
    }

    private func person(_ c: Contact) -> Person {
        Person(id: c.userId, name: .plain(c.name), post: .plain(c.post),
               department: c.department.isEmpty ? .key("people.no_department") : .plain(c.department),
               selected: chosen.contains(c.userId))
    }

    private func redraw() {
        groups = grouped.map { Group(name: .plain($0.name), people: $0.people.map(person)) }
        results = found.map(person)
    }
}
