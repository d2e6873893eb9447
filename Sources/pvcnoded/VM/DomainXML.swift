/// The few facts the runtime reads from a domain's XML, by plain text search: libvirt's own
/// output (and the definitions PVC's tools store) use one element per line and quoted attributes,
/// and a value that cannot be found is reported as missing, never guessed.
enum DomainXML {
    /// `<memory unit='X'>N</memory>` in MiB (libvirt's default unit is KiB).
    static func memoryMiB(_ xml: String) -> Int? {
        guard let (attributes, text) = element("memory", in: xml), let value = Int(String(text.trimmingWhitespace)) else {
            return nil
        }
        let unit = attribute("unit", in: attributes) ?? "KiB"
        let bytesPerUnit: Int
        switch unit {
        case "b", "bytes": bytesPerUnit = 1
        case "KB": bytesPerUnit = 1000
        case "k", "KiB": bytesPerUnit = 1024
        case "MB": bytesPerUnit = 1_000_000
        case "M", "MiB": bytesPerUnit = 1 << 20
        case "GB": bytesPerUnit = 1_000_000_000
        case "G", "GiB": bytesPerUnit = 1 << 30
        case "T", "TiB": bytesPerUnit = 1 << 40
        default: return nil
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: bytesPerUnit)
        return overflow ? nil : bytes >> 20
    }

    /// `<vcpu ...>N</vcpu>`.
    static func vcpus(_ xml: String) -> Int? {
        element("vcpu", in: xml).flatMap { Int(String($0.text.trimmingWhitespace)) }
    }

    /// `<name>N</name>` (the first one: the domain's, which precedes every device).
    static func name(_ xml: String) -> String? {
        element("name", in: xml).map { String($0.text.trimmingWhitespace) }
    }

    /// PVC's `vnc` key: `"<listen>:<port>"` of the first `<graphics>` element with a port, else
    /// "" (pvc-node-daemon.md §6.4).
    static func vncAddress(_ xml: String) -> String {
        var rest = Substring(xml)
        while let start = rest.firstRange(of: "<graphics") {
            let tail = rest[start.upperBound...]
            guard let end = tail.firstIndex(of: ">") else { break }
            let attributes = tail[..<end]
            if let port = attribute("port", in: attributes), let number = Int(port), number > 0 {
                let listen = attribute("listen", in: attributes) ?? "127.0.0.1"
                return "\(listen):\(port)"
            }
            rest = tail[end...]
        }
        return ""
    }

    private static func element(_ name: String, in xml: String) -> (attributes: Substring, text: String)? {
        var rest = Substring(xml)
        while let start = rest.firstRange(of: "<\(name)") {
            let tail = rest[start.upperBound...]
            guard let next = tail.first else { return nil }
            // `<memoryBacking>` is not `<memory>`.
            guard next == ">" || next == " " || next == "\t" || next == "\n" else {
                rest = tail
                continue
            }
            guard let close = tail.firstIndex(of: ">") else { return nil }
            let attributes = tail[..<close]
            let body = tail[tail.index(after: close)...]
            guard let end = body.firstRange(of: "</\(name)>") else { return nil }
            return (attributes, String(body[..<end.lowerBound]))
        }
        return nil
    }

    private static func attribute(_ name: String, in attributes: Substring) -> String? {
        for quote in ["'", "\""] {
            if let range = attributes.firstRange(of: " \(name)=\(quote)") {
                let value = attributes[range.upperBound...]
                guard let end = value.firstIndex(of: Character(quote)) else { return nil }
                return String(value[..<end])
            }
        }
        return nil
    }
}
