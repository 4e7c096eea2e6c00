import Foundation
import Testing

@testable import FERNet

@Suite struct LanesTests {
    @Test func expIsAccurateAcrossTheFloatRange() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let lanes = Lanes(x, x / 2, x / 3, x / 5, -x / 7, x / 11, -x / 13, 0)
            let result = Lanes.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(result[lane]) - exact) / exact)
            }
            x += 0.173
        }
        #expect(worst < 3e-7)
    }

    @Test func sigmoidAndTanhSaturateWithoutNaN() {
        let x = Lanes(-1e4, -200, -88, -20, 20, 88, 200, 1e4)
        let sigmoid = Lanes.sigmoid(x), tanh = Lanes.tanh(x)
        for lane in 0..<8 {
            #expect(sigmoid[lane].isFinite && tanh[lane].isFinite)
            #expect(abs(sigmoid[lane] - (x[lane] > 0 ? 1 : 0)) < 1e-6)
            #expect(abs(tanh[lane] - (x[lane] > 0 ? 1 : -1)) < 1e-6)
        }
    }
}
