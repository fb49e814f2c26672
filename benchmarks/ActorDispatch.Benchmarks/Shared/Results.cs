using System.Globalization;
using System.Text;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>A row of the results table: which values, and how they are labelled and formatted.</summary>
internal sealed record Metric(string Key, string Label, string Unit, string Format);

/// <summary>
/// Values per metric over the repetitions, and notes (settings, failures). Renders one
/// min / median / max table in PeerBench's layout, so the two can be read side by side.
/// </summary>
internal sealed class Results(string column)
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];

    public void Add(string key, double value)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        list.Add(value);
    }

    public void Note(string text) => _notes.Add(text);

    public double? Median(string key)
    {
        if (!_values.TryGetValue(key, out var list)) return null;
        var sorted = list.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public string Render(IEnumerable<Metric> metrics)
    {
        var rows = new List<(string Label, string Cell)> { ("metric (min / median / max)", column) };
        foreach (var m in metrics)
        {
            if (_values.TryGetValue(m.Key, out var list))
                rows.Add(($"{m.Label} [{m.Unit}]", $"{Format(list.Min(), m)} / {Format(Median(m.Key)!.Value, m)} / {Format(list.Max(), m)}"));
        }

        var labelWidth = rows.Max(r => r.Label.Length);
        var cellWidth = rows.Max(r => r.Cell.Length);
        var sb = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            sb.Append("| ").Append(rows[i].Label.PadRight(labelWidth)).Append(" | ").Append(rows[i].Cell.PadLeft(cellWidth)).Append(" |\n");
            if (i == 0) sb.Append("|:").Append('-', labelWidth + 1).Append('|').Append('-', cellWidth + 1).Append(":|\n");
        }
        if (_notes.Count > 0)
        {
            sb.Append('\n');
            foreach (var note in _notes) sb.Append("- ").Append(note).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Rows in the same layout: the first is the header, the first column is left-aligned, the others right.</summary>
    public static string Table(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            for (var c = 0; c < widths.Length; c++)
                sb.Append(c == 0 ? "| " : " | ").Append(c == 0 ? rows[i][c].PadRight(widths[c]) : rows[i][c].PadLeft(widths[c]));
            sb.Append(" |\n");
            if (i == 0)
            {
                sb.Append("|:").Append('-', widths[0] + 1);
                for (var c = 1; c < widths.Length; c++) sb.Append('|').Append('-', widths[c] + 1).Append(':');
                sb.Append("|\n");
            }
        }
        return sb.ToString();
    }

    private static string Format(double value, Metric m) => value.ToString(m.Format, CultureInfo.InvariantCulture);
}
