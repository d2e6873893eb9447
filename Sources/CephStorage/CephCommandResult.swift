/// What a monitor command answered: Ceph puts human-readable status in `status` (often empty on
/// success) and the payload (JSON when asked for) in `output`.
public struct CephCommandResult: Sendable {
    public var status: String
    public var output: [UInt8]
    /// `output` decoded as UTF-8.
    public var text: String

    public init(status: String, output: [UInt8]) {
        self.status = status
        self.output = output
        self.text = String(decoding: output, as: UTF8.self)
    }
}
