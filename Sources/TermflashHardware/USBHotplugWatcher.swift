#if canImport(Glibc)
import Glibc
#endif
internal import CLibUSB
import TermflashCore

/// Waits for a USB device to appear (or re-enumerate) in a wanted state, woken by libusb
/// hotplug events; falls back to polling where libusb has no hotplug support.
public enum USBHotplugWatcher {
    /// How often the bus is re-read when hotplug is unavailable, and how long to let udev
    /// catch up after an arrival event.
    static let pollMilliseconds = 200

    /// Returns the first device for which `accept` holds, checking what is present now and then
    /// every arrival, until `deadline`; a timeout error lists what was seen.
    public static func wait(for what: String, timeoutSeconds: Double,
                            accept: (USBDeviceInfo) -> Bool) throws(HardwareError) -> USBDeviceInfo {
        let deadline = Deadline.after(seconds: timeoutSeconds)
        let context = try LibUSBContext()
        let signal = ArrivalSignal()
        let registration = register(signal, in: context)
        defer { if let registration { libusb_hotplug_deregister_callback(context.pointer, registration) } }

        var seen: [USBDeviceInfo] = []
        var rechecks = 1  // look now, and once more after each arrival while udev catches up
        var arrived = false
        while true {
            if rechecks > 0 || registration == nil {
                rechecks -= 1
                seen = try USBEnumerator.devices()
                if let match = seen.first(where: accept) {
                    return arrived ? try settled(match, before: deadline) : match
                }
            }
            if deadline.hasPassed {
                throw .waitTimedOut(what: what, seconds: timeoutSeconds, seen: seen.map(\.shortDescription))
            }
            let slice = min(deadline.remainingMilliseconds, pollMilliseconds)
            if registration != nil {
                var timeout = timeval(tv_sec: 0, tv_usec: slice * 1000)
                libusb_handle_events_timeout_completed(context.pointer, &timeout, nil)
                if signal.takeArrival() { rechecks = 2; arrived = true }
            } else {
                usleep(UInt32(slice * 1000))
            }
        }
    }

    /// A device that has just arrived is still being set up: the kernel binds drivers to its
    /// interfaces and udev creates its tty nodes after the arrival event. Re-reads it until two
    /// reads a poll apart agree, for at most a second (or until `deadline`).
    private static func settled(_ device: USBDeviceInfo, before deadline: Deadline) throws(HardwareError) -> USBDeviceInfo {
        let settleDeadline = min(deadline, Deadline.after(seconds: 1))
        var latest = device
        while !settleDeadline.hasPassed {
            usleep(UInt32(min(settleDeadline.remainingMilliseconds, pollMilliseconds / 2) * 1000))
            guard let again = try USBEnumerator.devices().first(where: { $0.path == latest.path }) else { return latest }
            if again == latest { return again }
            latest = again
        }
        return latest
    }

    private static func register(_ signal: ArrivalSignal, in context: LibUSBContext) -> libusb_hotplug_callback_handle? {
        guard libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 else { return nil }
        var handle: libusb_hotplug_callback_handle = 0
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        let status = libusb_hotplug_register_callback(
            context.pointer, events, 0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            LIBUSB_HOTPLUG_MATCH_ANY, { _, _, event, userData in
                guard let userData else { return 0 }
                let signal = Unmanaged<ArrivalSignal>.fromOpaque(userData).takeUnretainedValue()
                if event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED { signal.arrived = true }
                return 0
            }, Unmanaged.passUnretained(signal).toOpaque(), &handle)
        return status == 0 ? handle : nil
    }
}

/// Set by the hotplug callback (on the thread that handles events), read by the wait loop.
private final class ArrivalSignal {
    var arrived = false

    func takeArrival() -> Bool {
        defer { arrived = false }
        return arrived
    }
}
