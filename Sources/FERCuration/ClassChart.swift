import FERCore
import FERData
import FERIngest
import FERMedia

/// A grouped bar chart of records per class, one bar per split, with the counts written on top.
public enum ClassChart {
    public static func render(_ counts: [String: [String: Int]], title: String) -> Canvas {
        let splits = Split.allCases.map(\.name).filter { counts[$0] != nil }
        let classes = Emotion.names
        let largest = max(1, counts.values.flatMap(\.values).max() ?? 1)
        let (barWidth, gap, plotHeight, left, top) = (22, 18, 300, 60, 50)
        let groupWidth = splits.count * barWidth + gap
        var canvas = Canvas(width: left + classes.count * groupWidth + 20, height: top + plotHeight + 60)
        canvas.text(title, x: left, y: 12, scale: 2)
        for (index, split) in splits.enumerated() {
            let x = left + 300 + index * 90
            canvas.fill(x: x, y: 34, width: 10, height: 10, Canvas.Color.palette[index])
            canvas.text(split, x: x + 14, y: 35)
        }
        let baseline = top + plotHeight
        canvas.fill(x: left - 4, y: baseline, width: classes.count * groupWidth, height: 1, .black)
        canvas.text(String(largest), x: 4, y: top)
        canvas.text("0", x: 4, y: baseline - 7)
        for (column, name) in classes.enumerated() {
            let groupX = left + column * groupWidth
            for (index, split) in splits.enumerated() {
                let value = counts[split]?[name] ?? 0
                let height = value * plotHeight / largest
                let x = groupX + index * barWidth
                canvas.fill(x: x, y: baseline - height, width: barWidth - 2, height: height, Canvas.Color.palette[index])
                let label = String(value)
                if Canvas.textWidth(label) <= barWidth + 8 {
                    canvas.text(label, x: x, y: baseline - height - 9)
                }
            }
            canvas.text(name, x: groupX, y: baseline + 8)
        }
        return canvas
    }
}
