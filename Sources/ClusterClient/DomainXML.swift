import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What PVC's `define_vm` takes from a libvirt domain XML: `<name>` and `<uuid>`, the children of
/// the root `<domain>` (lxml's `parsed_xml.name`, `parsed_xml.uuid`), and the RBD volumes of its
/// disks (`<disk type="network"><source protocol="rbd" name="pool/volume">`), which become
/// `rbdlist`.
public struct DomainXML: Sendable, Equatable {
    public let name: String
    public let uuid: String
    /// "pool/volume" of every RBD disk, in document order.
    public let rbdVolumes: [String]

    public init(parsing xml: String) throws {
        let reader = DomainXMLReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"
            throw ClusterClientError.invalidXML("not well-formed XML (line \(parser.lineNumber): \(reason))")
        }
        guard reader.rootElement == "domain" else {
            throw ClusterClientError.invalidXML("the root element is <\(reader.rootElement ?? "")>, not <domain>")
        }
        let name = reader.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let uuid = reader.uuid.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw ClusterClientError.invalidXML("no <name> in <domain>") }
        guard !uuid.isEmpty else { throw ClusterClientError.invalidXML("no <uuid> in <domain>") }
        // Both become path segments under /domains (the UUID) or are compared with them.
        guard UUID(uuidString: uuid) != nil else {
            throw ClusterClientError.invalidXML("<uuid> '\(uuid)' is not a UUID")
        }
        guard !name.contains("/") else { throw ClusterClientError.invalidXML("<name> '\(name)' contains '/'") }
        self.name = name
        self.uuid = uuid
        rbdVolumes = reader.rbdVolumes
    }
}

/// SAX handler: tracks the element path and picks the three things `DomainXML` needs.
private final class DomainXMLReader: NSObject, XMLParserDelegate {
    var rootElement: String?
    var name = ""
    var uuid = ""
    var rbdVolumes: [String] = []
    private var stack: [String] = []
    private var networkDisk = false

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if stack.isEmpty { rootElement = element }
        stack.append(element)
        if stack == ["domain", "devices", "disk"] {
            networkDisk = attributes["type"] == "network"
        } else if stack == ["domain", "devices", "disk", "source"], networkDisk,
                  attributes["protocol"] == "rbd", let volume = attributes["name"] {
            rbdVolumes.append(volume)
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if stack == ["domain", "name"] { name += string }
        if stack == ["domain", "uuid"] { uuid += string }
    }
}
