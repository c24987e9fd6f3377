// The sync status as an AsyncStream, for a status bar: idle, syncing with its progress, offline or
// blocked (and why), the last success, what waits and what was refused. The core tells each change
// of the engine's word and of the outbox; the stream bridges its callbacks. Unlike the screens'
// streams it keeps a few values instead of only the newest, so a short sync's "syncing" is not lost
// behind its "idle". Ending the iteration cancels the core's task. Mirrors android/shell's
// SyncStatus.kt.
import Qianpi

private final class SyncStatusBridge: SyncStatusObserver, @unchecked Sendable {
    let continuation: AsyncStream<Result<SyncStatus, QianpiError>>.Continuation
    init(_ continuation: AsyncStream<Result<SyncStatus, QianpiError>>.Continuation) { self.continuation = continuation }
    func onUpdate(status: SyncStatus) { continuation.yield(.success(status)) }
    func onError(error: QianpiError) { continuation.yield(.failure(error)) }
}

extension QianpiClient {
    /// The sync status now and at each change, or why it cannot be read now (most often: the data
    /// is locked).
    public func syncStatusUpdates() -> AsyncStream<Result<SyncStatus, QianpiError>> {
        AsyncStream(bufferingPolicy: .bufferingNewest(16)) { continuation in
            do {
                let handle = try self.observeSyncStatus(observer: SyncStatusBridge(continuation))
                continuation.onTermination = { _ in handle.cancel() }
            } catch let error as QianpiError {
                continuation.yield(.failure(error))
                continuation.finish()
            } catch {
                continuation.finish()
            }
        }
    }
}
