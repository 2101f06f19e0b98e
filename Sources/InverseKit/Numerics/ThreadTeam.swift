#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A team of threads that all run the same body for the duration of one call, synchronising with
/// `barrier()`. Iterative solvers keep the team for the whole solve, so an iteration costs two
/// barrier waits instead of two thread launches.
public final class ThreadTeam {
    public let size: Int
    private var barrierState = pthread_barrier_t()

    private init(size: Int) {
        self.size = size
        pthread_barrier_init(&barrierState, nil, UInt32(size))
    }

    deinit { pthread_barrier_destroy(&barrierState) }

    /// Blocks until every member of the team has called it.
    public func barrier() {
        if size > 1 { pthread_barrier_wait(&barrierState) }
    }

    /// Number of online cores (at least 1).
    public static var availableCores: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(rank, team)` on `size` threads (the caller is rank 0) and returns when all have
    /// finished. If the system refuses to start threads, the team shrinks to the ones it got: the
    /// body must split its work by `team.size`, never by the size it asked for.
    public static func run(size requested: Int, _ body: @escaping (Int, ThreadTeam) -> Void) {
        let wanted = max(1, requested)
        if wanted == 1 {
            body(0, ThreadTeam(size: 1))
            return
        }
        // Threads start parked on a gate; once we know how many were created, the team is built
        // with that size and the gate opens.
        let gate = StartGate(body: body)
        var threads: [pthread_t] = []
        threads.reserveCapacity(wanted - 1)
        for rank in 1..<wanted {
            let context = Unmanaged.passRetained(WorkerContext(gate: gate, rank: rank)).toOpaque()
            var thread = pthread_t()
            if pthread_create(&thread, nil, workerEntry, context) != 0 {
                Unmanaged<WorkerContext>.fromOpaque(context).release()
                break
            }
            threads.append(thread)
        }
        let team = ThreadTeam(size: threads.count + 1)
        gate.open(team: team)
        body(0, team)
        for thread in threads { pthread_join(thread, nil) }
    }
}

private final class StartGate {
    let body: (Int, ThreadTeam) -> Void
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var team: ThreadTeam?

    init(body: @escaping (Int, ThreadTeam) -> Void) {
        self.body = body
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&condition)
    }

    func open(team: ThreadTeam) {
        pthread_mutex_lock(&mutex)
        self.team = team
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func wait() -> ThreadTeam {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if let team { return team }
            pthread_cond_wait(&condition, &mutex)
        }
    }
}

private final class WorkerContext {
    let gate: StartGate
    let rank: Int
    init(gate: StartGate, rank: Int) {
        self.gate = gate
        self.rank = rank
    }
}

#if canImport(Glibc)
private func workerEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let raw else { return nil }
    let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
    let team = context.gate.wait()
    context.gate.body(context.rank, team)
    return nil
}
#else
private func workerEntry(_ raw: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
    let team = context.gate.wait()
    context.gate.body(context.rank, team)
    return nil
}
#endif

/// The half-open range of `count` items that member `rank` of `parts` handles.
@inline(__always)
public func partitionRange(count: Int, parts: Int, rank: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = rank * base + min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
