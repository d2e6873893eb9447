/// Why a floating address from the configuration was rejected; each case quotes the offending
/// text so the operator can find it in the file.
public enum FloatingAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingPrefixLength(String)
    case invalidAddress(String)
    case invalidPrefixLength(String, family: FloatingAddress.Family)
    case invalidDevice(String)

    public var description: String {
        switch self {
        case let .missingPrefixLength(text):
            return "floating address \(text.debugDescription) is not ADDRESS/PREFIX (e.g. 10.0.0.250/24)"
        case let .invalidAddress(text):
            return "\(text.debugDescription) is not an IPv4 or IPv6 address"
        case let .invalidPrefixLength(text, family):
            let maximum = family.maximumPrefixLength
            return "prefix length \(text.debugDescription) is not a number from 0 to \(maximum)"
        case let .invalidDevice(name):
            return "\(name.debugDescription) is not a valid network device name"
        }
    }
}
