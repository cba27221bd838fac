/// Which Qualcomm NV items termflash refuses to write, whatever a profile allows.
public enum NVWritePolicy {
    /// Items that hold the device's identity or its calibration; never written.
    public static let identityItems: [Int: String] = [
        0: "ESN, NV_ESN_I",
        453: "identity calibration item",
        550: "IMEI, NV_UE_IMEI_I",
        1943: "MEID, NV_MEID_I",
        4678: "identity calibration item",
        6828: "identity calibration item",
        6853: "OEM identity item, NV_OEM_ITEM_1_I",
    ]

    /// Whether an item may be written when a profile lists it in `nvWriteAllowList`.
    public static func mayWrite(item: Int, allowList: [Int]) -> Bool {
        identityItems[item] == nil && allowList.contains(item)
    }
}
