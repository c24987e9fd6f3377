// Linux only: the toolchain's libswiftObservation.so references the Swift threading library's
// fatal-error hook (swift::threading::fatal) without defining it, so anything importing
// Observation fails to link (swiftlang/swift#75670, fixed upstream in 6.2 by #85278). This
// defines the hook; it runs only when the threading library meets a fatal error. Apple
// platforms get it from the system library and never compile this.
#if os(Linux)
@_cdecl("_ZN5swift9threading5fatalEPKcz")
public func qianpiSwiftThreadingFatal() -> Never {
    fatalError("the Swift threading library met a fatal error")
}
#endif
