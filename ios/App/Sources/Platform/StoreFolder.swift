// The folder the core keeps its encrypted store and vault in: Application Support/qianpi, under
// the data protection class `completeUnlessOpen` (files closed while the device is locked cannot
// be read until it is unlocked again; a sync already running may finish) and excluded from
// backups (the store is useless without this device's keys, and must not leave it). The data key
// itself is wrapped by a key usable only while the device is unlocked. Apple-only: not compiled
// on Linux.
import Foundation

enum StoreFolder {
    /// Creates the folder when missing, sets its protection and backup exclusion, and returns it.
    static func prepare() throws -> URL {
        let base = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var folder = base.appendingPathComponent("qianpi", isDirectory: true)
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true,
            attributes: [.protectionKey: FileProtectionType.completeUnlessOpen])
        // An existing folder keeps the class it was made with: set it every time.
        try FileManager.default.setAttributes([.protectionKey: FileProtectionType.completeUnlessOpen], ofItemAtPath: folder.path)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try folder.setResourceValues(values)
        return folder
    }
}
