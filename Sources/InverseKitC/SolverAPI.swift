import CInverseKitHeader
import InverseKit

// Thunks of the header's experimental "Solvers" section.

@_cdecl("ik_solver_options_init")
public func ikSolverOptionsInit(_ options: UnsafeMutablePointer<ik_solver_options>?) {
    guard let options else { return }
    options.pointee = solverOptionsDefaults()
}

@_cdecl("ik_solver_options_init_v2")
public func ikSolverOptionsInitV2(_ options: UnsafeMutablePointer<ik_solver_options>?, _ size: UInt32) -> Int32 {
    initVersioned(options, size: size, defaults: solverOptionsDefaults(), name: "options")
}

private func solverOptionsDefaults() -> ik_solver_options {
    var o = ik_solver_options()
    o.struct_size = UInt32(MemoryLayout<ik_solver_options>.size)
    o.method = Int32(IK_SOLVER_PRIMAL_DUAL.rawValue)
    o.tolerance = 1e-4
    o.change_tolerance = 1e-6
    o.max_iterations = 1000
    o.check_interval = 10
    o.relaxation = 1
    o.accelerate = 0
    o.restart = 1
    return o
}

@_cdecl("ik_solver_info_init")
public func ikSolverInfoInit(_ info: UnsafeMutablePointer<ik_solver_info>?) {
    guard let info else { return }
    var i = ik_solver_info()
    i.struct_size = UInt32(MemoryLayout<ik_solver_info>.size)
    info.pointee = i
}

@_cdecl("ik_solver_info_init_v2")
public func ikSolverInfoInitV2(_ info: UnsafeMutablePointer<ik_solver_info>?, _ size: UInt32) -> Int32 {
    initVersioned(info, size: size, defaults: ik_solver_info(), name: "info")
}

/// The options a caller passed (or the defaults), checked field by field.
private func parseSolverOptions(_ pointer: UnsafePointer<ik_solver_options>?) throws -> ik_solver_options {
    var o = solverOptionsDefaults()
    if let pointer { o = try readVersioned(pointer, defaults: o, name: "options") }
    guard (0...5).contains(o.method) else {
        throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid options.method: \(o.method) is not an ik_solver_method")
    }
    for (name, value) in [("primal_step", o.primal_step), ("dual_step", o.dual_step), ("solution_radius", o.solution_radius),
                          ("penalty", o.penalty)] {
        guard value.isFinite, value >= 0 else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid options.\(name): expected a finite value >= 0 (0 for automatic), got \(value)")
        }
    }
    guard o.max_iterations >= 1, Int(exactly: o.max_iterations) != nil else {
        throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid options.max_iterations: expected >= 1, got \(o.max_iterations)")
    }
    return o
}

/// Lets a C callback see the iterate as an ik_array and turns its answer into continue / stop / fail.
private final class ProgressBridge {
    let function: ik_solver_callback
    let user: UnsafeMutableRawPointer?
    let shape: [Int64]
    let type: ScalarType

    init(function: ik_solver_callback, user: UnsafeMutableRawPointer?, shape: [Int], type: ScalarType) {
        self.function = function
        self.user = user
        self.shape = shape.map(Int64.init)
        self.type = type
    }

    func call(_ p: SolverProgress) throws -> Bool {
        var extents = shape
        let status: Int32 = extents.withUnsafeMutableBufferPointer { e in
            var x = ik_array(data: UnsafeMutableRawPointer(mutating: p.x),
                             device: ik_device(device_type: Int32(IK_DEVICE_CPU.rawValue), device_id: 0),
                             ndim: Int32(shape.count), dtype: dtypeOf(type), shape: e.baseAddress, strides: nil,
                             byte_offset: 0)
            return withUnsafePointer(to: &x) { xp in
                var progress = ik_solver_progress(struct_size: UInt32(MemoryLayout<ik_solver_progress>.size),
                                                  iteration: Int64(p.iteration), primal: p.primal, dual: p.dual,
                                                  gap: p.gap, relative_gap: p.relativeGap, seconds: p.seconds, x: xp)
                return function(user, &progress)
            }
        }
        switch status {
        case 0: return true
        case 1: return false
        default: throw InverseKitError(.callback, "The solver callback reported failure (returned \(status))")
        }
    }
}

@_cdecl("ik_solve")
public func ikSolve(_ functionals: UnsafePointer<OpaquePointer?>?, _ operators: UnsafePointer<OpaquePointer?>?,
                    _ count: Int32, _ g: OpaquePointer?, _ x: UnsafePointer<ik_array>?,
                    _ options: UnsafePointer<ik_solver_options>?, _ info: UnsafeMutablePointer<ik_solver_info>?) -> Int32 {
    apiCall {
        guard count >= 0 else { throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid count: expected >= 0, got \(count)") }
        if count > 0 && functionals == nil { throw CAPIError(IK_ERR_NULL_POINTER, "Invalid functionals: NULL array") }
        let o = try parseSolverOptions(options)
        let infoSize = try info.map { try versionedSize($0, ik_solver_info.self, name: "info") }
        // Every entry is checked before the list is built.
        for i in 0..<Int(count) {
            _ = try functionalFrom(functionals![i], "functionals[\(i)]")
            if let operators, operators[i] != nil { _ = try operatorFrom(operators[i], "operators[\(i)]") }
        }
        try AlignedBuffer<UInt8>.requireAllocatable(bytes: Int(count) * 64)
        var terms: [ObjectiveTerm] = []
        for i in 0..<Int(count) {
            let f = try functionalFrom(functionals![i], "functionals[\(i)]")
            let k = try operators.flatMap { $0[i] }.map { try operatorFrom($0, "operators[\(i)]") }
            terms.append(ObjectiveTerm(f, k))
        }
        let gFunctional = try g.map { try functionalFrom($0, "g") }
        let xView = try ArrayView(x, name: "x")
        guard let shape = terms.first.map({ $0.linearOperator?.inputShape ?? $0.functional.shape }) ?? gFunctional?.shape,
              let type = terms.first.map({ $0.linearOperator?.inputType ?? $0.functional.type }) ?? gFunctional?.type else {
            throw CAPIError(IK_ERR_INVALID_ARGUMENT, "Invalid count: an objective needs at least one term or g")
        }
        try xView.require(shape: shape)
        try requireType(xView, type)
        try xView.requireNonOverlapping()
        let objective = try creating { try CompositeObjective(terms: terms, g: gFunctional, shape: shape, type: type) }
        if o.solution_radius > 0 { objective.solutionRadius = o.solution_radius }
        var settings = SolverOptions()
        settings.tolerance = o.tolerance
        settings.changeTolerance = o.change_tolerance
        settings.maxIterations = Int(o.max_iterations)
        settings.checkInterval = Int(o.check_interval)
        settings.warmStart = o.warm_start != 0
        let bridge = o.callback.map { ProgressBridge(function: $0, user: o.callback_data, shape: shape, type: type) }
        let callback: SolverCallback? = bridge.map { b in { try b.call($0) } }
        // The solve runs in a private copy of x: the caller's is written only on success.
        let work = try ContiguousRaw(xView, direct: false, load: settings.warmStart)
        let result: SolverInfo
        switch Int32(o.method) {
        case Int32(IK_SOLVER_PRIMAL_DUAL.rawValue):
            var steps = PrimalDual.Steps()
            steps.primal = o.primal_step > 0 ? o.primal_step : nil
            steps.dual = o.dual_step > 0 ? o.dual_step : nil
            steps.relaxation = o.relaxation
            steps.accelerate = o.accelerate != 0
            steps.preconditioned = o.precondition != 0
            result = try PrimalDual.solve(objective, x: work.pointer, steps: steps, options: settings, callback: callback)
        case Int32(IK_SOLVER_PROXIMAL_GRADIENT.rawValue):
            var s = ProximalGradient.Settings()
            s.step = o.primal_step > 0 ? o.primal_step : nil
            s.backtracking = o.backtracking != 0
            s.restart = o.restart != 0
            s.accelerate = o.ista == 0
            result = try ProximalGradient.solve(objective, x: work.pointer, settings: s, options: settings, callback: callback)
        case Int32(IK_SOLVER_CGLS.rawValue):
            result = try KrylovLeastSquares.solve(objective, x: work.pointer, method: .cgls, options: settings,
                                                  callback: callback)
        case Int32(IK_SOLVER_ADMM.rawValue):
            var s = ADMM.Settings()
            if o.penalty > 0 { s.penalty = o.penalty }
            result = try ADMM.solve(objective, x: work.pointer, settings: s, options: settings, callback: callback)
        case Int32(IK_SOLVER_LSQR.rawValue):
            result = try KrylovLeastSquares.solve(objective, x: work.pointer, method: .lsqr, options: settings,
                                                  callback: callback)
        default:
            result = try ConjugateGradient.solve(objective, x: work.pointer, options: settings, callback: callback)
        }
        work.writeBack()
        if let info, let infoSize {
            var i = ik_solver_info()
            i.stop_reason = result.stopReason.rawValue
            i.iterations = Int64(result.iterations)
            i.primal = result.primal
            i.dual = result.dual
            i.gap = result.gap
            i.relative_gap = result.relativeGap
            i.seconds = result.seconds
            i.primal_step = result.primalStep
            i.dual_step = result.dualStep
            i.check_seconds = result.checkSeconds
            i.call_seconds = result.callSeconds
            writeVersioned(i, to: info, size: infoSize)
        }
    }
}
