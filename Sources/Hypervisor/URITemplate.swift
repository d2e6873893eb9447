/// A URI with `{node}` and `{cluster_domain}` placeholders, as in pvcnoded's configuration:
/// `qemu+tcp://{node}.{cluster_domain}/system` for the destination libvirtd,
/// `tcp://{node}.{cluster_domain}` for the migration data. Checked when made, so a typo in the
/// configuration is an error at start-up rather than at the first migration.
public struct URITemplate: Sendable, Hashable, CustomStringConvertible {
    public static let placeholders: Set<String> = ["node", "cluster_domain"]

    public let template: String
    private let parts: [Part]

    private enum Part: Hashable, Sendable {
        case literal(String)
        case placeholder(String)
    }

    public init(_ template: String) throws(HypervisorError) {
        var parts: [Part] = []
        var literal = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "}" {
                throw .invalidURITemplate(template: template, reason: "'}' without '{'")
            }
            guard character == "{" else {
                literal.append(character)
                index = template.index(after: index)
                continue
            }
            let nameStart = template.index(after: index)
            guard let close = template[nameStart...].firstIndex(where: { $0 == "}" || $0 == "{" }),
                  template[close] == "}"
            else {
                throw .invalidURITemplate(template: template, reason: "'{' without '}'")
            }
            let name = String(template[nameStart..<close])
            guard Self.placeholders.contains(name) else {
                throw .invalidURITemplate(
                    template: template,
                    reason: "unknown placeholder {\(name)}; known: {node}, {cluster_domain}")
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(.placeholder(name))
            index = template.index(after: close)
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.template = template
        self.parts = parts
    }

    /// The URI for one node.
    public func expand(node: String, clusterDomain: String) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .placeholder(let name): result += name == "node" ? node : clusterDomain
            }
        }
        return result
    }

    public var description: String { template }
}
