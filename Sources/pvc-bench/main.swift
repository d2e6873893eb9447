// pvc-bench: prints measurements as one JSON line on stdout; progress goes to stderr.
@preconcurrency import Glibc
import ArgumentParser
import Logging

// Line-buffered even when piped (swift-interop pitfall 13), so that the JSON line is never held back.
setvbuf(stdout, nil, _IOLBF, 0)

// swift-log's default handler writes to stdout; the JSON line must be alone there.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

await runAsync(PVCBench.self)

/// Calls the async entry point: plain `await PVCBench.main()` in top-level code picks
/// ParsableCommand's synchronous one, which never awaits `run()`.
func runAsync<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main()
}
