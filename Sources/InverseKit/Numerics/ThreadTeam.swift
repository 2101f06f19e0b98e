#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A team of threads that all run the same body for the duration of one call, synchronising with
/// `barrier()`. Iterative solvers keep the team for the whole solve, so an iteration costs two
/// barrier waits instead of two thread launches.
package final class ThreadTeam {
    package let size: Int
    // A spinning barrier: members arriving early poll `generation` instead of sleeping, because
    // waking a sleeping thread costs tens of microseconds, as much as a whole iteration's share of
    // work on a mid-sized image. After `patience` polls a waiter yields its core on every poll, so
    // a team larger than the machine still makes progress.
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    private static var patience: Int { 20_000 }

    private init(size: Int) {
        self.size = size
    }

    /// Blocks until every member of the team has called it. Writes made before it by any member
    /// are visible to every member after it.
    package func barrier() {
        guard size > 1 else { return }
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == size {
            // Last to arrive: reset the count (nobody touches it until the generation moves on),
            // then release the others.
            arrived.store(0, ordering: .relaxed)
            generation.store(current &+ 1, ordering: .releasing)
            return
        }
        var polls = 0
        while generation.load(ordering: .acquiring) == current {
            polls &+= 1
            if polls > Self.patience { sched_yield() }
        }
    }

    /// Number of online cores (at least 1).
    package static var availableCores: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Runs `body(rank, team)` on `size` threads (the caller is rank 0) and returns when all have
    /// finished, with the size of the team that ran. The other members are the persistent workers
    /// of `WorkerPool.shared`, so a call starts no thread once the pool has grown to the size (see
    /// `WorkerPool.reserve`). A call made while the pool is busy (from another thread, or from
    /// inside a team) gets threads of its own for that call. If the system refuses to start
    /// threads, the team shrinks to the ones it got: the body must split its work by `team.size`,
    /// never by the size it asked for.
    @discardableResult
    package static func run(size requested: Int, _ body: @escaping (Int, ThreadTeam) -> Void) -> Int {
        let wanted = max(1, requested)
        if wanted == 1 {
            body(0, ThreadTeam(size: 1))
            return 1
        }
        if let size = WorkerPool.shared.run(size: wanted, body, makeTeam: { ThreadTeam(size: $0) }) { return size }
        return runOnNewThreads(size: wanted, body)
    }

    /// The same on threads started for this call and joined before it returns.
    private static func runOnNewThreads(size wanted: Int, _ body: @escaping (Int, ThreadTeam) -> Void) -> Int {
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
        threadsStarted.wrappingAdd(threads.count, ordering: .relaxed)
        gate.open(team: team)
        body(0, team)
        for thread in threads { pthread_join(thread, nil) }
        return team.size
    }
}

/// Threads the library has started since the process began (pool workers and per-call threads);
/// tests read it to show that applying an object starts none.
package let threadsStarted = Atomic<Int>(0)

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
package func partitionRange(count: Int, parts: Int, rank: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = rank * base + min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
