import Foundation
import FERMedia
import FERNet

/// Precision, recall and F1 per class as grouped bars on a 0-1 scale.
public enum ClassBars {
    public static func render(_ metrics: ClassificationMetrics, classes: [String], title: String) -> Canvas {
        let series = [("PRECISION", metrics.precision), ("RECALL", metrics.recall), ("F1", metrics.f1)]
        let (barWidth, gap, plotHeight, left, top) = (20, 22, 240, 44, 56)
        let groupWidth = series.count * barWidth + gap
        var canvas = Canvas(width: left + classes.count * groupWidth + 30, height: top + plotHeight + 50)
        canvas.text(title, x: 10, y: 10, scale: 2)
        for (index, (name, _)) in series.enumerated() {
            let x = left + index * 110
            canvas.fill(x: x, y: 36, width: 10, height: 10, Canvas.Color.palette[index])
            canvas.text(name, x: x + 14, y: 38)
        }
        let baseline = top + plotHeight
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let y = baseline - Int(tick * Double(plotHeight))
            canvas.fill(x: left - 4, y: y, width: classes.count * groupWidth, height: 1, tick == 0 ? .black : Canvas.Color(225, 225, 225))
            canvas.text(String(format: "%.2f", tick), x: 4, y: y - 3)
        }
        for (column, name) in classes.enumerated() {
            let groupX = left + column * groupWidth
            for (index, (_, values)) in series.enumerated() {
                let height = Int((values[column] * Double(plotHeight)).rounded())
                canvas.fill(x: groupX + index * barWidth, y: baseline - height, width: barWidth - 2, height: height,
                            Canvas.Color.palette[index])
            }
            canvas.text(String(name.prefix(10)), x: groupX, y: baseline + 8)
            canvas.text(String(format: "%d", metrics.support[column]), x: groupX, y: baseline + 20, color: .gray)
        }
        return canvas
    }
}
