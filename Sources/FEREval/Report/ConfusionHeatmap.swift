import Foundation
import FERMedia
import FERNet

/// A matrix of counts between classes as a heatmap: the confusion matrix (rows true classes, columns
/// predicted ones) or label-noise's noise matrix (rows given labels, columns likely true ones); each
/// cell shows its count and its share of the row, shaded by that share.
public enum ConfusionHeatmap {
    public static func render(_ metrics: ClassificationMetrics, classes: [String], title: String) -> Canvas {
        render(metrics.confusion, classes: classes, title: title, rows: "TRUE", columns: "PREDICTED",
               footer: "ROWS: TRUE CLASS. CELLS: COUNT AND SHARE OF THE ROW.")
    }

    public static func render(_ matrix: [[Int]], classes: [String], title: String, rows: String, columns: String,
                              footer: String) -> Canvas {
        let (cellWidth, cellHeight) = (74, 44)
        let left = max(90, (classes.map { Canvas.textWidth($0, scale: 2) }.max() ?? 0) + 40)
        let top = 92
        let size = classes.count
        var canvas = Canvas(width: left + size * cellWidth + 20, height: top + size * cellHeight + 40)
        canvas.text(title, x: 10, y: 10, scale: 2)
        canvas.text(columns, x: left, y: 38, scale: 1)
        canvas.text(rows, x: 10, y: top - 14, scale: 1)
        for (column, name) in classes.enumerated() {
            canvas.text(String(name.prefix(11)), x: left + column * cellWidth + 4, y: top - 22, scale: 1)
        }
        for (row, name) in classes.enumerated() {
            let counts = matrix[row]
            let total = counts.reduce(0, +)
            canvas.text(name, x: 10, y: top + row * cellHeight + cellHeight / 2 - 7, scale: 2)
            for column in 0..<size {
                let share = total == 0 ? 0 : Double(counts[column]) / Double(total)
                let (x, y) = (left + column * cellWidth, top + row * cellHeight)
                canvas.fill(x: x, y: y, width: cellWidth - 2, height: cellHeight - 2, shade(share))
                let ink: Canvas.Color = share > 0.45 ? .white : .black
                canvas.text(String(counts[column]), x: x + 6, y: y + 8, scale: 2, color: ink)
                canvas.text(total == 0 ? "-" : String(format: "%.0f%%", share * 100), x: x + 6, y: y + 28, scale: 1, color: ink)
            }
        }
        canvas.text(footer, x: 10, y: top + size * cellHeight + 16, scale: 1)
        return canvas
    }

    /// White to deep blue.
    static func shade(_ share: Double) -> Canvas.Color {
        let t = min(1, max(0, share))
        func channel(_ from: Double, _ to: Double) -> UInt8 { UInt8((from + (to - from) * t).rounded()) }
        return Canvas.Color(channel(247, 8), channel(251, 48), channel(255, 107))
    }
}
