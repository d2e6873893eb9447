import ClusterSchema

/// What one command of a round gave: its text, or why there is none (a timeout, an error code).
public enum CephAnswer: Sendable, Equatable {
    case text(String)
    case failed(String)
}

/// Everything one round asked Ceph, as answered.
public struct CephAnswers: Sendable, Equatable {
    /// `{"prefix":"status"}`: the text PVC publishes as `/ceph`.
    public var status: CephAnswer
    /// `{"prefix":"health","format":"json"}`: `/ceph/health`.
    public var health: CephAnswer
    /// `{"prefix":"df"}`: `/ceph/util`.
    public var dfText: CephAnswer
    /// `{"prefix":"df","format":"json"}`: the pools' `ceph df` figures.
    public var dfJSON: CephAnswer
    /// The pools' librados counters by name, or why listing the pools failed.
    public var poolFigures: Result<[String: PoolFigures], PoolFiguresFailure>
    /// The OSD answers; nil when they were not asked (no OSD exists, and `osd df` would hang).
    public var osds: OSDAnswers?

    public init(status: CephAnswer, health: CephAnswer, dfText: CephAnswer, dfJSON: CephAnswer,
                poolFigures: Result<[String: PoolFigures], PoolFiguresFailure>, osds: OSDAnswers?) {
        self.status = status
        self.health = health
        self.dfText = dfText
        self.dfJSON = dfJSON
        self.poolFigures = poolFigures
        self.osds = osds
    }
}

/// Why librados' pool counters are missing: the pool list failed, or some pools' counters did
/// (those pools are named, the others' counters are kept).
public struct PoolFiguresFailure: Error, Sendable, Equatable {
    public var reason: String
    /// Pools whose counters were read although others failed.
    public var partial: [String: PoolFigures]

    public init(reason: String, partial: [String: PoolFigures] = [:]) {
        self.reason = reason
        self.partial = partial
    }
}

public struct OSDAnswers: Sendable, Equatable {
    /// `{"prefix":"osd dump","format":"json"}`
    public var dump: CephAnswer
    /// `{"prefix":"osd df","format":"json"}`
    public var df: CephAnswer
    /// `{"prefix":"osd status"}` (Pacific answers the table whatever the format).
    public var status: CephAnswer

    public init(dump: CephAnswer, df: CephAnswer, status: CephAnswer) {
        self.dump = dump
        self.df = df
        self.status = status
    }
}

/// What a round publishes, built from its answers. A part whose answers failed or were malformed
/// is nil (its keys keep their earlier values, covered by the staleness marks) and its problem
/// is listed; a part built from good answers is published even when other parts failed, so a
/// Ceph whose mgr is down still shows its current health.
public struct StorageSnapshot: Sendable, Equatable {
    /// `/ceph`, unchanged from Ceph.
    public var status: String?
    /// `/ceph/health`, Ceph's JSON text unchanged (checked to be JSON with a `status`).
    public var health: String?
    /// `/ceph/util`, unchanged from Ceph.
    public var utilization: String?
    /// `/ceph/pools/P/stats` by pool name.
    public var pools: [String: JSONValue]?
    /// `/ceph/osds/ID/stats` by OSD id; an empty dictionary when no OSD was asked about.
    public var osds: [String: JSONValue]?
    /// One line per failed or malformed answer, naming the command.
    public var problems: [String]

    /// Every part is current: the round counts as a success.
    public var isComplete: Bool { problems.isEmpty }

    /// The staleness reason of an incomplete round.
    public var reason: String { problems.joined(separator: "; ") }

    public init(_ answers: CephAnswers) {
        var problems: [String] = []
        func text(_ answer: CephAnswer, _ command: String) -> String? {
            switch answer {
            case .text(let text) where text.contains(where: { !$0.isWhitespace }):
                return text
            case .text:
                problems.append(StorageReportError.empty(command: command).description)
                return nil
            case .failed(let reason):
                problems.append("\(command): \(reason)")
                return nil
            }
        }
        status = text(answers.status, CephCommand.status)
        utilization = text(answers.dfText, CephCommand.dfText)
        health = text(answers.health, CephCommand.health).flatMap { health in
            do throws(StorageReportError) {
                try Self.checkHealth(health)
                return health
            } catch {
                problems.append(error.description)
                return nil
            }
        }

        let dfJSON = text(answers.dfJSON, CephCommand.dfJSON)
        var figures: [String: PoolFigures]?
        switch answers.poolFigures {
        case .success(let all):
            figures = all
        case .failure(let failure):
            problems.append("\(CephCommand.poolStats): \(failure.reason)")
        }
        if let dfJSON, let figures {
            do throws(StorageReportError) {
                pools = try PoolStatsReport.documents(dfJSON: dfJSON, figures: figures)
            } catch {
                problems.append(error.description)
            }
        }

        if let osdAnswers = answers.osds {
            let dump = text(osdAnswers.dump, CephCommand.osdDump)
            let df = text(osdAnswers.df, CephCommand.osdDF)
            let status = text(osdAnswers.status, CephCommand.osdStatus)
            if let dump, let df, let status {
                do throws(StorageReportError) {
                    osds = try OSDStatsReport.documents(dumpJSON: dump, dfJSON: df, statusText: status)
                } catch {
                    problems.append(error.description)
                }
            }
        } else {
            osds = [:]
        }
        self.problems = problems
    }

    /// `ceph health`'s JSON always has a `status` ("HEALTH_OK", …); PVC's API reads it from there.
    static func checkHealth(_ text: String) throws(StorageReportError) {
        let json = try JSONValue.answer(text, of: CephCommand.health)
        guard json["status"]?.string != nil else {
            throw .unexpectedShape(command: CephCommand.health, "no \"status\" string")
        }
    }
}
