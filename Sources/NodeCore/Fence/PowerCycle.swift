/// The fence's power sequence and its verdict, pure: the runtime makes each call to the BMC and
/// reports what came back. off → status until *off* is seen (bounded) → on → status.
///
/// The verdict is PVC's intent without its bug (§5.3: a case mismatch judged every clean
/// off → on cycle a failure): a power state seen *off* is the one thing that proves the node
/// stopped writing, so it is the only success. Off then on again, or off and staying off:
/// success. Never seen off (a BMC that acknowledges and does nothing), or no answer: failure.
public struct PowerCycle: Sendable, Equatable {
    public enum Call: String, Sendable, Equatable {
        case powerOff = "power off"
        case powerStatus = "power status"
        case powerOn = "power on"
    }

    public enum Answer: Sendable, Equatable {
        case done
        case power(on: Bool)
        case failed(String)
    }

    public enum Next: Sendable, Equatable {
        case call(Call)
        case wait(until: Int)
        case finished(success: Bool, detail: String)
    }

    /// How long after the off command the power may take to read off: 5 s, PVC's pause before its
    /// status check. A real chassis is off within a second or two.
    public var offConfirmWithin: Int
    /// Between two status reads while waiting for off: 0.5 s.
    public var pollEvery: Int
    public private(set) var transcript: [String] = []
    var offDeadline = 0
    var seenOff = false
    var pending: Call?

    public init(offConfirmWithin: Int = 5_000, pollEvery: Int = 500) {
        self.offConfirmWithin = offConfirmWithin
        self.pollEvery = pollEvery
    }

    public mutating func start(now: Int) -> Next {
        offDeadline = now + offConfirmWithin
        return call(.powerOff)
    }

    public mutating func onAnswer(_ answer: Answer, now: Int) -> Next {
        guard let call = pending else { return .finished(success: seenOff, detail: summary) }
        pending = nil
        transcript.append("\(call.rawValue): \(Self.describe(answer))")
        switch call {
        case .powerOff:
            // Even an off command that reported an error may have worked: the status decides.
            return self.call(.powerStatus)
        case .powerStatus:
            if seenOff { return finish() }
            if answer == .power(on: false) {
                seenOff = true
                return self.call(.powerOn)
            }
            if now + pollEvery <= offDeadline { return .wait(until: now + pollEvery) }
            return finish()
        case .powerOn:
            // Whether it comes back is not the fence's concern; one status read says for the log.
            return self.call(.powerStatus)
        }
    }

    public mutating func onWaited(now: Int) -> Next {
        call(.powerStatus)
    }

    public var summary: String {
        let verdict = seenOff ? "power seen off" : "power never seen off"
        return "\(verdict) (\(transcript.joined(separator: "; ")))"
    }

    private mutating func call(_ call: Call) -> Next {
        pending = call
        return .call(call)
    }

    private func finish() -> Next {
        .finished(success: seenOff, detail: summary)
    }

    private static func describe(_ answer: Answer) -> String {
        switch answer {
        case .done: return "ok"
        case .power(let on): return on ? "on" : "off"
        case .failed(let reason): return "failed (\(reason))"
        }
    }
}
