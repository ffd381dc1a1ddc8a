import CLibvirt

extension LibvirtConnection {
    /// Version of the libvirt headers this binary was compiled against
    /// (`LIBVIR_VERSION_NUMBER`), e.g. "9.0.0". The library found at run time may be newer:
    /// see `libraryVersion()`.
    public static let headerVersion = versionString(UInt(LIBVIR_VERSION_NUMBER))
}
