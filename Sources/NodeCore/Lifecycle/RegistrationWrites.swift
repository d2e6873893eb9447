import Coordination

/// `setup_node` of PVC as one transaction. A new node gets every key of the schema's node group,
/// so PVC's tools and our `validate` find nothing missing; an existing node only has its identity
/// and `init` rewritten, keeping its keepalive, domain state and figures.
enum RegistrationWrites {
    static func operations(identity: NodeIdentity, paths: NodePaths, nodeExists: Bool, now: Int) -> [Operation] {
        let identityValues: [(String, String)] = [
            (paths.daemonMode, identity.role.rawValue),
            (paths.daemonState, DaemonState.initializing.rawValue),
            (paths.routerState, identity.role.initialRouterState),
            (paths.staticData, identity.staticData),
            (paths.pvcVersion, identity.pvcVersion),
            (paths.ipmiHostname, identity.ipmiHostname),
            (paths.ipmiUsername, identity.ipmiUsername),
            (paths.ipmiPassword, identity.ipmiPassword),
            (paths.activeSchema, String(identity.activeSchema)),
            (paths.latestSchema, String(identity.latestSchema)),
        ]
        guard !nodeExists else {
            return [KeepaliveWrites.set(paths.root, identity.role.rawValue)]
                + identityValues.map { KeepaliveWrites.set($0.0, $0.1) }
        }
        // Unlike PVC's literal "0", which its daemon then carries in the list until a flush, a new
        // node runs no VMs: the list is empty.
        let freshValues: [(String, String)] = [
            (paths.keepalive, String(now)),
            (paths.domainState, "flushed"),
            (paths.memTotal, "0"),
            (paths.memUsed, "0"),
            (paths.memFree, "0"),
            (paths.memAllocated, "0"),
            (paths.memProvisioned, "0"),
            (paths.vcpuAllocated, "0"),
            (paths.cpuLoad, "0.0"),
            (paths.runningDomains, ""),
            (paths.domainsCount, "0"),
            (paths.networksCount, "0"),
        ]
        return [create(paths.root, identity.role.rawValue)]
            + (identityValues + freshValues).map { create($0.0, $0.1) }
            + paths.otherKeys.map { create($0, "") }
    }

    private static func create(_ path: String, _ value: String) -> Operation {
        .create(path, data: Array(value.utf8), mode: .persistent)
    }
}
