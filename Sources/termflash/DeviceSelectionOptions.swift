import ArgumentParser
import TermflashCore

/// `--path`, `--serial` and `--port`: the same device selection on every command.
struct DeviceSelectionOptions: ParsableArguments {
    @Option(help: "USB bus/port path, as 'termflash list' prints it (e.g. 1-1.4).")
    var path: String?

    @Option(help: "USB serial-number string.")
    var serial: String?

    @Option(help: "Serial port node or link (e.g. /dev/ttyUSB2 or /dev/serial/by-id/...).")
    var port: String?

    /// The selection as the library takes it.
    var selection: DeviceSelection { DeviceSelection(path: path, serial: serial, port: port) }
}
