import Testing

@testable import FERMedia

@Suite struct CanvasTests {
    /// Drawing past any edge clips instead of trapping (a dedup that found no duplicate groups drew
    /// its caption below a small sheet and crashed).
    @Test func drawingOutsideTheCanvasIsClipped() throws {
        var canvas = Canvas(width: 20, height: 10)
        canvas.fill(x: -5, y: -5, width: 10, height: 10, .black)
        canvas.fill(x: 30, y: 30, width: 5, height: 5, .black)
        canvas.fill(x: 5, y: 50, width: 5, height: 5, .black)
        canvas.text("BELOW THE EDGE", x: 2, y: 40, scale: 2)
        canvas.line(from: (x: -10, y: -10), to: (x: 40, y: 40), .black)
        #expect(canvas.pixels[0] == 0 && canvas.pixels[(9 * 20 + 9) * 3] == 0)
        #expect(canvas.pixels[(0 * 20 + 19) * 3] == 255)
        #expect(try canvas.png().count > 0)
    }
}
