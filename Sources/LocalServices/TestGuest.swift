/// The domain XML of a tiny TCG guest (infra.md §4c): no disk and no kernel, so SeaBIOS just
/// idles. It starts in about 0.3 s in 44 MB, is enough for lifecycle and live migration tests,
/// and needs no KVM. Having no OS, it ignores an ACPI shutdown request: stop it with destroy.
public struct TestGuest: Sendable, Hashable {
    public var name: String
    /// Lower-case canonical form, as libvirt reports it back.
    public var uuid: String
    public var memoryMiB: Int
    public var vcpus: Int

    public init(name: String, uuid: String, memoryMiB: Int = 64, vcpus: Int = 1) {
        self.name = name
        self.uuid = uuid.lowercased()
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
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
            <memballoon model='virtio'><stats period='1'/></memballoon>
            <serial type='pty'/>
          </devices>
        </domain>
        """
    }
}
