import CBLAS
import CFerShims
import Foundation

/// Single-precision matrix products through OpenBLAS, row-major.
enum BLAS {
    /// C[m, n] = alpha * op(A) * op(B) + beta * C, where op(A) is m x k and op(B) is k x n.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    @inline(__always)
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

}

/// The process-wide settings ferdata makes once, at start-up (`ferdata`'s main, and test suites that
/// train or score), never as a side effect of a library call:
/// - OpenBLAS runs single-threaded: training and inference split work across cores themselves, one
///   model replica per core, and OpenBLAS's own threads spin between this model's small products and
///   lose more than they gain.
/// - Large blocks stay in the heap when freed (glibc's `mallopt`), so that a step's activations
///   reuse memory instead of faulting in fresh pages.
/// - `TZ` is set to the system zone when unset: libarchive converts each zip entry's DOS time with the
///   C library's local time, which re-reads /etc/localtime on every call while TZ is unset (two stats
///   per entry); an existing TZ is left alone.
public enum ProcessSettings {
    public static func apply() {
        _ = once
    }

    private static let once: Void = {
        fer_keep_freed_memory()
        openblas_set_num_threads(1)
        stopOpenBLASThreads()
        setenv("TZ", ":/etc/localtime", 0)
        tzset()
    }()

    /// Joins the worker threads OpenBLAS's pthread build starts when it is loaded: each spins on
    /// `sched_yield` for about 0.1 s before it sleeps, taking a core from whatever the process does
    /// first (a tenth of a WebP ingest's wall time). Single-threaded OpenBLAS never wakes them. Looked
    /// up at run time, because OpenBLAS's serial and OpenMP builds have no such function.
    private static func stopOpenBLASThreads() {
        typealias Shutdown = @convention(c) () -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }

    /// A line for the user when OpenBLAS runs its AVX2 kernels on a CPU with AVX-512 (an epoch took
    /// from 1.09 to 1.5 times as long with them on the 2-core machines of docs/results.md): an
    /// `OPENBLAS_CORETYPE` that forces them, or an OpenBLAS too old to know the CPU. Nil otherwise.
    public static var kernelNote: String? {
        let core = openblas_get_corename().map { String(cString: $0) } ?? ""
        guard ["Haswell", "Zen"].contains(core), cpuHasAVX512() else { return nil }
        if let forced = getenv("OPENBLAS_CORETYPE") {
            return "note: OPENBLAS_CORETYPE=\(String(cString: forced)) holds OpenBLAS to its AVX2 kernels on this "
                + "AVX-512 CPU; training may run up to 1.5x as fast without it (unset OPENBLAS_CORETYPE)"
        }
        return "note: OpenBLAS chose its AVX2 kernels on this AVX-512 CPU; training may run up to 1.5x as fast "
            + "with OPENBLAS_CORETYPE=SkylakeX"
    }

    /// Whether /proc/cpuinfo lists AVX-512 F, CD, BW, DQ and VL (what OpenBLAS's SkylakeX kernels use).
    private static func cpuHasAVX512() -> Bool {
        // Line by line: /proc files report size 0, which whole-file reads take at its word.
        guard let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let text = line.map({ String(cString: $0) }) {
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: \.isWhitespace).map(String.init))
            return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        }
        return false
    }
}
