import CUdev

/// Looks up block devices in the udev database through libudev.
///
/// Underneath: `udev_new`, `udev_device_new_from_subsystem_sysname("block", name)`,
/// `udev_device_get_property_value`, `udev_device_get_devlinks_list_entry`,
/// `udev_device_get_is_initialized`. libudev reads `/sys` and `/run/udev/data`; it needs no
/// running daemon and does not block. Safe from any thread: each call uses its own context.
public enum UdevBlockDevices {
    /// Identity of the block device with kernel name `name` ("sda", "sda1", "nvme0n1p3");
    /// nil when the kernel has no such block device.
    public static func identity(kernelName name: String) -> DiskIdentity? {
        guard !name.isEmpty, !name.contains("/"), let udev = udev_new() else { return nil }
        defer { udev_unref(udev) }
        guard let dev = udev_device_new_from_subsystem_sysname(udev, "block", name) else { return nil }
        defer { udev_device_unref(dev) }

        var properties: [String: String] = [:]
        for key in ["ID_MODEL", "ID_SERIAL_SHORT", "ID_SERIAL", "ID_WWN"] {
            if let v = udev_device_get_property_value(dev, key) { properties[key] = String(cString: v) }
        }
        var links: [String] = []
        var entry = udev_device_get_devlinks_list_entry(dev)
        while let e = entry {
            if let n = udev_list_entry_get_name(e) { links.append(String(cString: n)) }
            entry = udev_list_entry_get_next(e)
        }
        let initialized = udev_device_get_is_initialized(dev) > 0
        return DiskIdentity(properties: properties, devlinks: links, initialized: initialized)
    }
}
