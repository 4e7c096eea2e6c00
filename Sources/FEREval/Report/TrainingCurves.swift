import Foundation
import FERMedia

/// Loss and accuracy per epoch of a training run, side by side.
public enum TrainingCurves {
    public struct Series {
        public var name: String
        public var values: [Double]
        public init(_ name: String, _ values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public static func render(loss: [Series], accuracy: [Series], title: String) -> Canvas {
        let (panelWidth, panelHeight, top) = (420, 260, 60)
        var canvas = Canvas(width: 2 * panelWidth + 120, height: top + panelHeight + 60)
        canvas.text(title, x: 10, y: 10, scale: 2)
        panel(&canvas, loss, caption: "LOSS", x: 50, y: top, width: panelWidth, height: panelHeight, range: nil)
        panel(&canvas, accuracy, caption: "ACCURACY", x: panelWidth + 110, y: top, width: panelWidth, height: panelHeight, range: (0, 1))
        return canvas
    }

    private static func panel(
        _ canvas: inout Canvas, _ series: [Series], caption: String, x: Int, y: Int, width: Int, height: Int,
        range: (Double, Double)?
    ) {
        let all = series.flatMap(\.values)
        let (low, high) = range ?? ((all.min() ?? 0) * 0.95, (all.max() ?? 1) * 1.05)
        let span = max(high - low, 1e-9)
        let epochs = max(2, series.map(\.values.count).max() ?? 2)
        canvas.fill(x: x, y: y + height, width: width, height: 1, .black)
        canvas.fill(x: x, y: y, width: 1, height: height, .black)
        canvas.text(caption, x: x, y: y - 16)
        canvas.text(String(format: "%.2f", high), x: x - 46, y: y)
        canvas.text(String(format: "%.2f", low), x: x - 46, y: y + height - 7)
        canvas.text("EPOCH 1", x: x, y: y + height + 8)
        canvas.text(String(epochs), x: x + width - 12, y: y + height + 8)
        for (index, line) in series.enumerated() {
            let color = Canvas.Color.palette[index % Canvas.Color.palette.count]
            let points = line.values.enumerated().map { epoch, value in
                (x: x + epoch * width / (epochs - 1), y: y + height - Int((value - low) / span * Double(height)))
            }
            for (from, to) in zip(points, points.dropFirst()) { canvas.line(from: from, to: to, color) }
            if points.count == 1 { canvas.fill(x: points[0].x - 2, y: points[0].y - 2, width: 5, height: 5, color) }
            canvas.fill(x: x + 10 + index * 120, y: y + height + 26, width: 10, height: 10, color)
            canvas.text(line.name, x: x + 24 + index * 120, y: y + height + 28)
        }
    }
}
