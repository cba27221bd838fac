import CUMockDev
import Foundation
import XCTest

/// An in-process umockdev testbed: fake sysfs, udev and /dev nodes that the real libusb,
/// libudev and termios code see. The test process must run under `umockdev-wrapper`
/// (`make test` does that); testbeds are process-wide, so tests using them run serially.
public final class UMockDevTestbed {
    private let pointer: UnsafeMutablePointer<UMockdevTestbed>

    /// A new empty testbed, or a skip (a failure under `make test`) outside umockdev.
    public init() throws {
        let preload = ProcessInfo.processInfo.environment["LD_PRELOAD"] ?? ""
        guard preload.contains("libumockdev-preload") else {
            let message = "needs the umockdev preload: run 'make test' (umockdev-wrapper swift test)"
            if ProcessInfo.processInfo.environment["TERMFLASH_REQUIRE_UMOCKDEV"] == "1" {
                XCTFail(message)
            }
            throw XCTSkip(message)
        }
        pointer = umockdev_testbed_new()
    }

    deinit {
        g_object_unref(pointer)
    }

    /// Adds every device of a `.umockdev` description (as `umockdev-record` writes them).
    public func add(description: String) throws {
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_add_from_string(pointer, description, &error) != 0 else {
            throw TestbedError(call: "umockdev_testbed_add_from_string", error: error)
        }
    }

    /// Adds the devices of a fixture file under `Tests/Fixtures/umockdev/`.
    public func add(fixture name: String) throws {
        try add(description: String(contentsOfFile: Fixtures.path("umockdev/\(name)"), encoding: .utf8))
    }

    /// Removes a device (and its children), sending the `remove` uevent.
    public func remove(sysfsPath: String) {
        umockdev_testbed_remove_device(pointer, sysfsPath)
    }

    /// Serves USB transfers of the device at `sysfsPath` from a usbmon pcap/pcapng file.
    public func loadPcap(sysfsPath: String, file: String) throws {
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_load_pcap(pointer, sysfsPath, file, &error) != 0 else {
            throw TestbedError(call: "umockdev_testbed_load_pcap", error: error)
        }
    }

    /// Serves a tty node (e.g. `/dev/ttyUSB0`) from a `umockdev-record --script` file.
    public func loadScript(node: String, file: String) throws {
        var error: UnsafeMutablePointer<GError>?
        guard umockdev_testbed_load_script(pointer, node, file, &error) != 0 else {
            throw TestbedError(call: "umockdev_testbed_load_script", error: error)
        }
    }
}

/// A libumockdev call failed; carries GLib's message.
public struct TestbedError: Error, CustomStringConvertible {
    public let description: String

    init(call: String, error: UnsafeMutablePointer<GError>?) {
        let message = error.flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "unknown error"
        if let error { g_error_free(error) }
        description = "\(call): \(message)"
    }
}
