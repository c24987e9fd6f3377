// AsyncStreams over the core's observers: each screen iterates a stream that starts with the
// current state and follows every change the core tells (a pulled page, an action taken here, a
// lock). The core decides when something changed; the stream only bridges its callbacks. Ending
// the iteration (or its task) cancels the core's task. Only the newest value is buffered: a screen
// that draws slowly gets the latest state, never a backlog. Mirrors android/shell's Observe.kt.
import Qianpi

/// Hands an observer's callbacks to a stream's continuation.
private final class ListsBridge: ListsObserver, @unchecked Sendable {
    let continuation: AsyncStream<Result<ListsOverview, QianpiError>>.Continuation
    init(_ continuation: AsyncStream<Result<ListsOverview, QianpiError>>.Continuation) { self.continuation = continuation }
    func onUpdate(overview: ListsOverview) { continuation.yield(.success(overview)) }
    func onError(error: QianpiError) { continuation.yield(.failure(error)) }
}

private final class OutboxBridge: OutboxObserver, @unchecked Sendable {
    let continuation: AsyncStream<Result<OutboxOverview, QianpiError>>.Continuation
    init(_ continuation: AsyncStream<Result<OutboxOverview, QianpiError>>.Continuation) { self.continuation = continuation }
    func onUpdate(overview: OutboxOverview) { continuation.yield(.success(overview)) }
    func onError(error: QianpiError) { continuation.yield(.failure(error)) }
}

private final class LockBridge: LockObserver, @unchecked Sendable {
    let continuation: AsyncStream<Bool>.Continuation
    init(_ continuation: AsyncStream<Bool>.Continuation) { self.continuation = continuation }
    func onUpdate(locked: Bool) { continuation.yield(locked) }
}

private final class DocumentBridge: DocumentObserver, @unchecked Sendable {
    let continuation: AsyncStream<Result<DocumentDetail, QianpiError>>.Continuation
    init(_ continuation: AsyncStream<Result<DocumentDetail, QianpiError>>.Continuation) { self.continuation = continuation }
    func onUpdate(detail: DocumentDetail) { continuation.yield(.success(detail)) }
    func onError(error: QianpiError) { continuation.yield(.failure(error)) }
}

private final class PeopleBridge: PeopleObserver, @unchecked Sendable {
    let continuation: AsyncStream<Result<[DepartmentGroup], QianpiError>>.Continuation
    init(_ continuation: AsyncStream<Result<[DepartmentGroup], QianpiError>>.Continuation) { self.continuation = continuation }
    func onUpdate(groups: [DepartmentGroup]) { continuation.yield(.success(groups)) }
    func onError(error: QianpiError) { continuation.yield(.failure(error)) }
}

/// A stream that starts the core's observation with `start` and cancels it when iteration ends;
/// an observation that cannot start yields its error and finishes.
private func following<T>(
    _ start: @escaping (AsyncStream<Result<T, QianpiError>>.Continuation) throws -> TaskHandle
) -> AsyncStream<Result<T, QianpiError>> {
    AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
        do {
            let handle = try start(continuation)
            continuation.onTermination = { _ in handle.cancel() }
        } catch let error as QianpiError {
            continuation.yield(.failure(error))
            continuation.finish()
        } catch {
            continuation.finish()
        }
    }
}

extension QianpiClient {
    /// One document's detail screen (`id` as `documentDetail` takes it): the detail now and after
    /// each change to it.
    public func documentUpdates(id: String) -> AsyncStream<Result<DocumentDetail, QianpiError>> {
        following { try self.observeDocument(id: id, observer: DocumentBridge($0)) }
    }

    /// The people picker: departments with their people, now and after each fetch that changed
    /// the address book.
    public func peopleUpdates(excludeSelf: Bool = true) -> AsyncStream<Result<[DepartmentGroup], QianpiError>> {
        following { try self.observePeople(excludeSelf: excludeSelf, observer: PeopleBridge($0)) }
    }

    /// The lists screen showing `kind`: every badge and the first `limit` rows, or why they cannot
    /// be read now.
    public func listsUpdates(kind: ListKind, limit: UInt32 = 50) -> AsyncStream<Result<ListsOverview, QianpiError>> {
        following { try self.observeLists(kind: kind, limit: limit, observer: ListsBridge($0)) }
    }

    /// The outbox screen: what waits for the gateway and what it refused.
    public func outboxUpdates() -> AsyncStream<Result<OutboxOverview, QianpiError>> {
        following { try self.observeOutbox(observer: OutboxBridge($0)) }
    }

    /// Whether the data is locked, now and at every lock (asked, or after inactivity) and unlock.
    public func lockUpdates() -> AsyncStream<Bool> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            do {
                let handle = try observeLock(observer: LockBridge(continuation))
                continuation.onTermination = { _ in handle.cancel() }
            } catch {
                continuation.finish()
            }
        }
    }
}
