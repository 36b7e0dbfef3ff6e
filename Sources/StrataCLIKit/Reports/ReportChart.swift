// Which picture a report result gets: none, horizontal bars (a value per row), or columns or a line over an
// x axis — time when a column holds dates or hours. `-- @chart none|bar|line` decides; without it, a result
// over time gets columns when its values are counts and a line otherwise, and another chart-shaped result
// (BarChart.isChartable) gets bars.
import SQLiteKit

enum ReportChart {
    enum Plan {
        case table
        case bars
        case series(SeriesChart, SeriesText.Kind)
    }

    static func plan(_ r: ResultSet, choice: SQLScanner.ChartChoice?) -> Plan {
        guard !r.rows.isEmpty, choice != SQLScanner.ChartChoice.none else { return .table }
        if let s = SeriesChart.time(r), choice != nil || s.allValues.contains(where: { $0 > 0 }) {
            switch choice {
            case .line: return .series(s, .line)
            case .bar: return .series(s, .columns)
            default: return .series(s, s.integral ? .columns : .line)
            }
        }
        switch choice {
        case .line:
            if let s = SeriesChart.rows(r), s.bucketCount >= 2 { return .series(s, .line) }
            return .table
        case .bar:
            return BarChart.barColumn(r) != nil ? .bars : .table
        default:
            return BarChart.isChartable(r) ? .bars : .table
        }
    }
}
