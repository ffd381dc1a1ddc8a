import Glibc

/// What an unprivileged direct collection will miss, in the operator's words.
///
/// Only a direct collection needs privileges: through the daemon, hvtop sees what the daemon
/// sees, whoever runs it.
public enum PrivilegeCheck {
    /// Warnings for the current user (empty as root).
    /// - Parameters:
    ///   - libvirtURI: the URI a direct collection opens.
    ///   - runDir: where libvirt's sockets live (`<runDir>/libvirt/`).
    public static func warnings(libvirtURI: String, runDir: String = "/run", procfs: String = "/proc") -> [String] {
        let uid = geteuid()
        guard uid != 0 else { return [] }
        var out = [
            "not root (uid \(uid)): collecting directly with limited privileges; start hv-exporter (as root) or run hvtop as root to see everything"
        ]
        out.append(
            "other users' \(procfs)/<pid> entries may be unreadable: QEMU/container process-to-guest mapping, per-thread CPU and RSS will be missing"
        )
        if libvirtURI.hasSuffix(":///system") || libvirtURI.hasPrefix("qemu:///system") || libvirtURI.hasPrefix("lxc:///system") {
            let ro = runDir + "/libvirt/libvirt-sock-ro"
            let rw = runDir + "/libvirt/libvirt-sock"
            if access(ro, R_OK | W_OK) != 0 && access(rw, R_OK | W_OK) != 0 {
                out.append(
                    "cannot open the libvirt socket \(ro) (\(errnoText())): libvirt guests, block, network and job figures will be missing (add the user to group libvirt, or use root)"
                )
            } else {
                out.append(
                    "libvirtd may refuse \(libvirtURI) to uid \(uid) (polkit, auth_unix_ro): then libvirt guests, block, network and job figures are missing"
                )
            }
        }
        out.append("some guests' cgroup files (memory, io, pressure) may be unreadable: host-side figures will be missing")
        return out
    }
}
