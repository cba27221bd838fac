/// The patches that fit a GPT made for a nominal disk size to the real LUN, as Qualcomm's
/// ptool writes them: the protective MBR's size, both headers' LBAs, the last partition's
/// end, then the entry-array CRCs and last the header CRCs (zeroed first, then computed).
struct GPTPatchList {
    struct Patch {
        let target: String
        let sector: String
        let byteOffset: Int
        let size: Int
        let value: String
        let what: String
    }

    let sectorSize: Int
    let entrySectors: Int
    let entryBytes: Int
    let growingEntry: Int

    /// Patches of the device (`DISK`).
    var disk: [Patch] {
        let backupHeader = "NUM_DISK_SECTORS-1."
        let backupEntries = "NUM_DISK_SECTORS-\(entrySectors + 1)."
        let lastUsable = "NUM_DISK_SECTORS-\(entrySectors + 2)."
        let (entrySector, entryOffset) = growingEntryPlace
        return [
            Patch(target: "DISK", sector: "0", byteOffset: 458, size: 4, value: "NUM_DISK_SECTORS-1.", what: "Update the protective MBR with the disk size."),
            Patch(target: "DISK", sector: "1", byteOffset: 32, size: 8, value: backupHeader, what: "Update Primary Header with BackupGPT Header Location."),
            Patch(target: "DISK", sector: "1", byteOffset: 48, size: 8, value: lastUsable, what: "Update Primary Header with LastUseableLBA."),
            Patch(target: "DISK", sector: "\(2 + entrySector)", byteOffset: entryOffset, size: 8, value: lastUsable, what: "Update the last partition with the actual size in the Primary table."),
            Patch(target: "DISK", sector: "NUM_DISK_SECTORS-\(entrySectors + 1 - entrySector).", byteOffset: entryOffset, size: 8, value: lastUsable, what: "Update the last partition with the actual size in the Backup table."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 24, size: 8, value: backupHeader, what: "Update Backup Header with its own location."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 48, size: 8, value: lastUsable, what: "Update Backup Header with LastUseableLBA."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 72, size: 8, value: backupEntries, what: "Update Backup Header with the Partition Array Location."),
            Patch(target: "DISK", sector: "1", byteOffset: 88, size: 4, value: "CRC32(2,\(entryBytes))", what: "Update Primary Header with CRC of Partition Array."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 88, size: 4, value: "CRC32(\(backupEntries),\(entryBytes))", what: "Update Backup Header with CRC of Partition Array."),
            Patch(target: "DISK", sector: "1", byteOffset: 16, size: 4, value: "0", what: "Zero Out Header CRC in Primary Header."),
            Patch(target: "DISK", sector: "1", byteOffset: 16, size: 4, value: "CRC32(1,92)", what: "Update Primary Header with CRC of Primary Header."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 16, size: 4, value: "0", what: "Zero Out Header CRC in Backup Header."),
            Patch(target: "DISK", sector: backupHeader, byteOffset: 16, size: 4, value: "CRC32(\(backupHeader),92)", what: "Update Backup Header with CRC of Backup Header."),
        ]
    }

    /// The same patches for the host copies `gpt_main` and `gpt_backup` (file-relative sectors).
    func files(main: String, backup: String) -> [Patch] {
        let lastUsable = "NUM_DISK_SECTORS-\(entrySectors + 2)."
        let (entrySector, entryOffset) = growingEntryPlace
        let header = "\(entrySectors)"
        return [
            Patch(target: main, sector: "1", byteOffset: 32, size: 8, value: "NUM_DISK_SECTORS-1.", what: "Update Primary Header with BackupGPT Header Location."),
            Patch(target: main, sector: "1", byteOffset: 48, size: 8, value: lastUsable, what: "Update Primary Header with LastUseableLBA."),
            Patch(target: main, sector: "\(2 + entrySector)", byteOffset: entryOffset, size: 8, value: lastUsable, what: "Update the last partition with the actual size in the Primary table."),
            Patch(target: main, sector: "1", byteOffset: 88, size: 4, value: "CRC32(2,\(entryBytes))", what: "Update Primary Header with CRC of Partition Array."),
            Patch(target: main, sector: "1", byteOffset: 16, size: 4, value: "0", what: "Zero Out Header CRC in Primary Header."),
            Patch(target: main, sector: "1", byteOffset: 16, size: 4, value: "CRC32(1,92)", what: "Update Primary Header with CRC of Primary Header."),
            Patch(target: backup, sector: "\(entrySector)", byteOffset: entryOffset, size: 8, value: lastUsable, what: "Update the last partition with the actual size in the Backup table."),
            Patch(target: backup, sector: header, byteOffset: 24, size: 8, value: "NUM_DISK_SECTORS-1.", what: "Update Backup Header with its own location."),
            Patch(target: backup, sector: header, byteOffset: 48, size: 8, value: lastUsable, what: "Update Backup Header with LastUseableLBA."),
            Patch(target: backup, sector: header, byteOffset: 72, size: 8, value: "NUM_DISK_SECTORS-\(entrySectors + 1).", what: "Update Backup Header with the Partition Array Location."),
            Patch(target: backup, sector: header, byteOffset: 88, size: 4, value: "CRC32(0,\(entryBytes))", what: "Update Backup Header with CRC of Partition Array."),
            Patch(target: backup, sector: header, byteOffset: 16, size: 4, value: "0", what: "Zero Out Header CRC in Backup Header."),
            Patch(target: backup, sector: header, byteOffset: 16, size: 4, value: "CRC32(\(header),92)", what: "Update Backup Header with CRC of Backup Header."),
        ]
    }

    /// Sector (within the entry array) and byte offset of the growing partition's EndingLBA.
    private var growingEntryPlace: (Int, Int) {
        let byte = growingEntry * 128 + 40
        return (byte / sectorSize, byte % sectorSize)
    }
}
