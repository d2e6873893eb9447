/// The migration URI templates' rules, checked as text. They are the hypervisor's `URITemplate` rules (only `{node}`
/// and `{cluster_domain}`, every `{` closed by a `}` before the next `{`, no `}` alone) and the same wording, so an
/// operator sees one message whichever module finds the mistake; repeated here because the configuration module
/// depends on nothing, and checked here so that a typo stops the daemon at start-up instead of the first migration.
enum URITemplateText {
    /// Why `template` is not a valid template, in `URITemplate`'s words; nil when it is valid.
    static func problem(in template: String) -> String? {
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "}" { return "'}' without '{'" }
            guard character == "{" else {
                index = template.index(after: index)
                continue
            }
            let nameStart = template.index(after: index)
            guard let close = template[nameStart...].firstIndex(where: { $0 == "}" || $0 == "{" }),
                template[close] == "}"
            else { return "'{' without '}'" }
            let name = String(template[nameStart..<close])
            guard MigrationSettings.uriPlaceholders.contains(name) else {
                return "unknown placeholder {\(name)}; known: {node}, {cluster_domain}"
            }
            index = template.index(after: close)
        }
        return nil
    }

    /// Whether a valid template uses `{name}`.
    static func uses(_ name: String, in template: String) -> Bool {
        template.contains("{\(name)}")
    }

    /// A peer's URIs are not templates; a brace in one is a template written where plain text belongs.
    static func hasBraces(_ text: String) -> Bool {
        text.contains { $0 == "{" || $0 == "}" }
    }
}
