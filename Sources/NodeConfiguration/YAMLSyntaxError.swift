/// Why a text is not YAML this module reads. `line` is 1-based, as editors count, because the operator's next step
/// is to open the file there.
struct YAMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    let line: Int
    let message: String

    var description: String { "line \(line): \(message)" }
}
