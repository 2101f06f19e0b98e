#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The process's persistent worker threads, which `ThreadTeam.run` lends to one call at a time.
/// Workers are started on demand (`reserve`, which objects call at creation, or a call that asks
/// for more than exist) and live as long as the process, so applying an operator or a prox starts
/// no thread. Between calls a worker spins for a short while, because a solver's next parallel
/// step usually comes within microseconds and waking a sleeping thread costs tens of them, then
/// sleeps on a condition variable. A fork leaves the child with no workers; the pool starts again
/// from empty there.
package final class WorkerPool: @unchecked Sendable {
    package static let shared = WorkerPool()

    /// Most workers the pool keeps; larger requests run with what it has.
    package static var capacity: Int { max(64, 4 * ThreadTeam.availableCores) }
    /// How long an idle worker spins before it sleeps, in nanoseconds.
    private static var spinNanoseconds: UInt64 { 200_000 }

    // Everything below except the atomics is guarded by `mutex`.
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var workers = 0
    private var job: ((Int, ThreadTeam) -> Void)?
    private var team: ThreadTeam?
    private var jobSize = 0
    /// Incremented for every job; a worker runs the job of a generation it has not seen.
    private let generation = Atomic<Int>(0)
    /// Members of the current job that have returned from its body.
    private let finished = Atomic<Int>(0)
    /// Whether a call holds the pool.
    private let held = Atomic<Bool>(false)

    private init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        pthread_atfork(nil, nil, workerPoolAfterFork)
    }

    /// Starts workers until a team of `members` threads (the caller and `members - 1` workers)
    /// can run without starting any. Returns the team size now available.
    @discardableResult
    package func reserve(members: Int) -> Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return growLocked(to: members - 1) + 1
    }

    /// Runs `body` on a team of `size` members made by `makeTeam`, or returns nil when another call
    /// holds the pool (the caller then starts threads of its own).
    func run(size: Int, _ body: @escaping (Int, ThreadTeam) -> Void,
             makeTeam: (Int) -> ThreadTeam) -> Int? {
        guard held.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return nil }
        defer { held.store(false, ordering: .releasing) }
        pthread_mutex_lock(&mutex)
        let members = min(size, growLocked(to: size - 1) + 1)
        let current = makeTeam(members)
        if members > 1 {
            job = body
            team = current
            jobSize = members
            finished.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_cond_broadcast(&wake)
        }
        pthread_mutex_unlock(&mutex)
        body(0, current)
        guard members > 1 else { return 1 }
        var polls = 0
        while finished.load(ordering: .acquiring) < members - 1 {
            polls &+= 1
            if polls > 20_000 { sched_yield() }
        }
        pthread_mutex_lock(&mutex)
        job = nil // drop the body's captures now, not at the next call
        team = nil
        pthread_mutex_unlock(&mutex)
        return members
    }

    /// Starts workers (mutex held) until there are `count` or the system refuses; returns how
    /// many there are.
    private func growLocked(to count: Int) -> Int {
        let target = min(count, Self.capacity)
        while workers < target {
            let context = Unmanaged.passRetained(PoolWorker(pool: self, index: workers + 1,
                                                            seen: generation.load(ordering: .relaxed))).toOpaque()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            var thread = pthread_t()
            let status = pthread_create(&thread, &attributes, poolWorkerEntry, context)
            pthread_attr_destroy(&attributes)
            if status != 0 {
                Unmanaged<PoolWorker>.fromOpaque(context).release()
                break
            }
            workers += 1
            threadsStarted.wrappingAdd(1, ordering: .relaxed)
        }
        return workers
    }

    /// A worker's life: wait for a generation it has not seen, run its share if the job has a
    /// place for it, report, repeat.
    fileprivate func serve(index: Int, seen initial: Int) -> Never {
        var seen = initial
        while true {
            if generation.load(ordering: .acquiring) == seen { spinWhileIdle(seen) }
            pthread_mutex_lock(&mutex)
            while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&wake, &mutex) }
            seen = generation.load(ordering: .acquiring)
            let body = job, current = team, size = jobSize
            pthread_mutex_unlock(&mutex)
            if index < size, let body, let current {
                body(index, current)
                finished.wrappingAdd(1, ordering: .releasing)
            }
        }
    }

    private func spinWhileIdle(_ seen: Int) {
        let start = Self.now()
        var polls = 0
        while generation.load(ordering: .acquiring) == seen {
            polls &+= 1
            if polls & 1023 == 0 && Self.now() &- start > Self.spinNanoseconds { return }
        }
    }

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// In a forked child the workers are gone and the mutex may have been held by one of them.
    fileprivate func resetAfterFork() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        workers = 0
        job = nil
        team = nil
        jobSize = 0
        held.store(false, ordering: .relaxed)
    }
}

private func workerPoolAfterFork() {
    WorkerPool.shared.resetAfterFork()
}

private final class PoolWorker {
    let pool: WorkerPool
    let index: Int
    let seen: Int
    init(pool: WorkerPool, index: Int, seen: Int) {
        self.pool = pool
        self.index = index
        self.seen = seen
    }
}

#if canImport(Glibc)
private func poolWorkerEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let raw else { return nil }
    let worker = Unmanaged<PoolWorker>.fromOpaque(raw).takeRetainedValue()
    worker.pool.serve(index: worker.index, seen: worker.seen)
}
#else
private func poolWorkerEntry(_ raw: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    let worker = Unmanaged<PoolWorker>.fromOpaque(raw).takeRetainedValue()
    worker.pool.serve(index: worker.index, seen: worker.seen)
}
#endif
