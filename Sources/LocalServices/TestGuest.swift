/// The domain XML of a tiny TCG guest (infra.md §4c): no disk and no kernel, so SeaBIOS just
/// idles. It starts in about 0.3 s in 44 MB, is enough for lifecycle and live migration tests,
/// and needs no KVM. Having no OS, it ignores an ACPI shutdown request: stop it with destroy.
public struct TestGuest: Sendable, Hashable {
    public var name: String
    /// Lower-case canonical form, as libvirt reports it back.
    public var uuid: String
    public var memoryMiB: Int
    public var vcpus: Int
    /// Network disks on a Ceph cluster's RBD images (vda, vdb, ... in this order); none by default.
    public var rbdDisks: [RBDDisk]

    /// One `<disk type='network'>` on an RBD image, through qemu's librbd, authenticated by a
    /// libvirt secret of usage type `ceph` (infra.md §4c). What PVC's client derives `rbdlist` from.
    public struct RBDDisk: Sendable, Hashable {
        /// `pool/image`.
        public var volume: String
        /// A monitor qemu's librbd can reach: the msgr v1 port (`host:port` of one monitor).
        public var monitorHost: String
        public var monitorPort: Int
        /// The Ceph user without `client.` (`admin`).
        public var user: String
        /// The libvirt secret holding that user's key.
        public var secretUUID: String

        public init(volume: String, monitorHost: String = "127.0.0.1", monitorPort: Int, user: String = "admin",
                    secretUUID: String) {
            self.volume = volume
            self.monitorHost = monitorHost
            self.monitorPort = monitorPort
            self.user = user
            self.secretUUID = secretUUID
        }
    }

    public init(name: String, uuid: String, memoryMiB: Int = 64, vcpus: Int = 1, rbdDisks: [RBDDisk] = []) {
        self.name = name
        self.uuid = uuid.lowercased()
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.rbdDisks = rbdDisks
    }

    /// The `<disk>` elements, one line each, with targets vda, vdb, ...
    private var diskElements: String {
        rbdDisks.enumerated().map { index, disk in
            let target = "vd" + String(UnicodeScalar(UInt8(97 + index % 26)))
            return "    <disk type='network' device='disk'><driver name='qemu' type='raw' cache='none'/>"
                + "<auth username='\(Self.escaped(disk.user))'><secret type='ceph' uuid='\(Self.escaped(disk.secretUUID))'/></auth>"
                + "<source protocol='rbd' name='\(Self.escaped(disk.volume))'>"
                + "<host name='\(Self.escaped(disk.monitorHost))' port='\(disk.monitorPort)'/></source>"
                + "<target dev='\(target)' bus='virtio'/></disk>\n"
        }.joined()
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "'": result += "&apos;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// `<domain type='qemu'>`: TCG, which needs neither /dev/kvm nor a CPU model the host has.
    public var xml: String {
        """
        <domain type='qemu'>
          <name>\(Self.escaped(name))</name>
          <uuid>\(uuid)</uuid>
          <memory unit='MiB'>\(memoryMiB)</memory>
          <currentMemory unit='MiB'>\(memoryMiB)</currentMemory>
          <vcpu>\(vcpus)</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <features><acpi/></features>
          <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>
          <on_poweroff>destroy</on_poweroff>
          <on_reboot>restart</on_reboot>
          <on_crash>destroy</on_crash>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
        \(diskElements)    <memballoon model='virtio'><stats period='1'/></memballoon>
            <serial type='pty'/>
          </devices>
        </domain>
        """
    }
}
