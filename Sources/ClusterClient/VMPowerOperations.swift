import NodeCore

/// `start_vm`, `stop_vm`, `shutdown_vm`, `restart_vm`, `disable_vm`, `undefine_vm` of PVC's
/// `daemon_lib/vm.py`: every state change through `change_state` (see `underStateLock`).
extension ClusterClient {
    /// `state` = start; the owner node starts the VM. No precondition, as in PVC.
    public func start(_ vm: String) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        let written = try await changeState(identity, to: .start)
        return VMOperationResult(vm: identity, written: written, message: "Starting VM \(identity).")
    }

    /// `state` = stop: the owner destroys the VM (forced). No precondition, as in PVC.
    public func stop(_ vm: String) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        let written = try await changeState(identity, to: .stop)
        return VMOperationResult(vm: identity, written: written, message: "Forcibly stopping VM \(identity).")
    }

    /// `state` = shutdown (ACPI), only from `start`. With `wait`, returns once the state is no
    /// longer `shutdown`; an end other than `stop` (say `fail`) is an error.
    public func shutdown(_ vm: String, wait: Bool = false,
                         timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        try await requestFromStart(vm, .shutdown, wait: wait, timeout: timeout, expected: .stop,
                                   message: "Shutting down VM", waitedMessage: "Shut down VM")
    }

    /// `state` = restart, only from `start`. With `wait`, returns once the state is no longer
    /// `restart`; an end other than `start` is an error.
    public func restart(_ vm: String, wait: Bool = false,
                        timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        try await requestFromStart(vm, .restart, wait: wait, timeout: timeout, expected: .start,
                                   message: "Restarting VM", waitedMessage: "Restarted VM")
    }

    private func requestFromStart(_ vm: String, _ state: VMState, wait: Bool, timeout: Duration,
                                  expected: VMState, message: String,
                                  waitedMessage: String) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        let statePath = try path("domain.state", identity.uuid)
        let written = [KeyValue(path: statePath, value: state.rawValue)]
        try await underStateLock(identity) {
            let current = try await currentState(identity)
            guard current == VMState.start.rawValue else {
                throw ClusterClientError.notRunning(vm: identity.description, state: current)
            }
            return (written, ())
        }
        guard wait else {
            return VMOperationResult(vm: identity, written: written, message: "\(message) \(identity).")
        }
        let final = try await waitForState(identity, timeout: timeout) { $0 == state.rawValue }
        guard final == expected.rawValue else {
            throw ClusterClientError.endedIn(subject: "VM \(identity)", path: statePath, state: final,
                                             expected: expected.rawValue)
        }
        return VMOperationResult(vm: identity, written: written, message: "\(waitedMessage) \(identity).",
                                 finalState: final, waited: true)
    }

    /// `disable_vm`: a VM in `start` is first shut down and waited for until `stop` (or, with
    /// `force`, stopped), then `state` = disable. Nodes do nothing on `disable`.
    ///
    /// PVC polls forever for `stop`; here the wait is bounded by `timeout`, and a shutdown that
    /// ends in anything but `stop` ends the wait with an error, before `disable` is written.
    public func disable(_ vm: String, force: Bool = false,
                        timeout: Duration = ClusterClient.defaultWaitTimeout) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        let statePath = try path("domain.state", identity.uuid)
        var written: [KeyValue] = []
        if try await currentState(identity) == VMState.start.rawValue {
            if force {
                written += try await changeState(identity, to: .stop)
            } else {
                written += try await changeState(identity, to: .shutdown)
                let final = try await waitForState(identity, timeout: timeout) { $0 == VMState.shutdown.rawValue }
                guard final == VMState.stop.rawValue else {
                    throw ClusterClientError.endedIn(subject: "VM \(identity)", path: statePath, state: final,
                                                     expected: VMState.stop.rawValue)
                }
            }
        }
        written += try await changeState(identity, to: .disable)
        return VMOperationResult(vm: identity, written: written, message: "Marked VM \(identity) as disabled.")
    }

    /// `undefine_vm`: `state` = stop unless already so, `state` = delete (daemons drop the VM),
    /// then the whole `/domains/U` tree goes. Volumes are not touched (that is `remove_vm`).
    public func undefine(_ vm: String) async throws -> VMOperationResult {
        let identity = try await resolveVM(vm)
        var written: [KeyValue] = []
        if try await currentState(identity) != VMState.stop.rawValue {
            written += try await changeState(identity, to: .stop)
        }
        written += try await changeState(identity, to: .delete)
        try await store.deleteRecursive(try path("domain", identity.uuid))
        return VMOperationResult(vm: identity, written: written, message: "Undefined VM \(identity) from the cluster.")
    }
}
