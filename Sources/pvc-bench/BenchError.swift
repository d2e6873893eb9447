/// A benchmark step that failed, said plainly for the operator running it.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
