#!/usr/bin/env bash
# Build the lab guests' kernel and initramfs into .lab/image/ (cached):
#   .lab/image/vmlinuz     Debian cloud kernel (linux-image-6.1.0-N-cloud-amd64)
#   .lab/image/initrd.img  busybox-static + virtio modules + scripts/lab/guest-init.sh
# Rebuilds the initramfs only when guest-init.sh or the kernel changed.
source "$(dirname "$0")/lib.sh"

IMG=$LAB_IMAGE_DIR
mkdir -p "$IMG"

# --- kernel ----------------------------------------------------------------------
# Pick the newest signed cloud kernel the apt lists know; remember the choice so
# reruns do not download again.
pick_kernel_pkg() {
  apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' 2>/dev/null |
    awk '{print $1}' | sort -t- -k5,5n | tail -n1
}

if [[ -s "$IMG/vmlinuz" && -s "$IMG/kernel.pkg" && -d "$IMG/kernel" ]]; then
  KPKG=$(cat "$IMG/kernel.pkg")
else
  KPKG=$(pick_kernel_pkg)
  if [[ -z "$KPKG" ]]; then   # clean machine: package lists not fetched yet
    apt-get update -qq
    KPKG=$(pick_kernel_pkg)
  fi
  [[ -n "$KPKG" ]] || lab_die "apt-cache knows no linux-image-6.1.0-*-cloud-amd64 package"
  lab_log "downloading $KPKG"
  rm -rf "$IMG/dl" "$IMG/kernel"
  mkdir -p "$IMG/dl"
  # apt-get download as root warns about the _apt sandbox unless _apt may write here.
  chown _apt "$IMG/dl" 2>/dev/null || true
  if ! (cd "$IMG/dl" && apt-get download -qq "$KPKG"); then
    # The mirror may have dropped that version since the last "apt-get update".
    apt-get update -qq
    KPKG=$(pick_kernel_pkg)
    (cd "$IMG/dl" && apt-get download -qq "$KPKG") || lab_die "apt-get download $KPKG failed"
  fi
  dpkg -x "$IMG"/dl/"$KPKG"_*.deb "$IMG/kernel"
  cp "$IMG"/kernel/boot/vmlinuz-* "$IMG/vmlinuz"
  rm -rf "$IMG/dl"
  printf '%s\n' "$KPKG" >"$IMG/kernel.pkg"
fi
KVER=${KPKG#linux-image-}

# --- initramfs -------------------------------------------------------------------
# The stamp covers everything that goes into the initramfs.
stamp=$( { sha256sum "$LAB_SCRIPTS/guest-init.sh" /bin/busybox; echo "$KVER"; } | sha256sum | cut -c1-16)
if [[ -s "$IMG/initrd.img" && "$(cat "$IMG/initrd.stamp" 2>/dev/null)" == "$stamp" ]]; then
  lab_log "guest image cached: $KVER ($IMG/vmlinuz, $IMG/initrd.img)"
  exit 0
fi

lab_log "building initramfs for $KVER"
root="$IMG/initramfs.d"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done
# The kernel opens /dev/console for init before devtmpfs is mounted; without the
# node the early output of /init is lost. (init also re-opens it after mounting.)
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
install -m 755 "$LAB_SCRIPTS/guest-init.sh" "$root/init"

# The virtio drivers are modules in the cloud kernel (lab.md); take them from the
# same package, decompressing if the package ships .ko.xz.
moddir="$IMG/kernel/lib/modules/$KVER"
[[ -d "$moddir" ]] || lab_die "no module tree $moddir in $KPKG"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         virtio_blk failover net_failover virtio_net virtio_balloon; do
  f=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n1)
  [[ -n "$f" ]] || lab_die "module $m not found in $moddir"
  case "$f" in
    *.ko.xz)  xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -dqc "$f" >"$root/lib/modules/$m.ko" ;;
    *)        cp "$f" "$root/lib/modules/$m.ko" ;;
  esac
done

(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -9 >"$IMG/initrd.img.tmp"
mv "$IMG/initrd.img.tmp" "$IMG/initrd.img"
printf '%s\n' "$stamp" >"$IMG/initrd.stamp"
rm -rf "$root"
lab_log "guest image built: $KVER ($(du -h "$IMG/initrd.img" | cut -f1) initramfs)"
