import CBLAS

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

    /// How many threads OpenBLAS uses.
    static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }
}
