using System.Globalization;

namespace ActorDispatch.Model;

/// <summary>
/// Parses durations the way FireFly (Go) writes them — <c>500ms</c>, <c>5s</c>, <c>1m30s</c>, <c>2h</c> —
/// plus HOCON's spaced forms (<c>500 ms</c>); a bare number is milliseconds, as in FireFly.
/// </summary>
public static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (bare < 0 || double.IsNaN(bare) || bare > MaxMilliseconds) return false;
            value = TimeSpan.FromMilliseconds(bare);
            return true;
        }

        var total = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
            if (start == i) return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < s.Length && char.IsLetter(s[i])) i++;
            var ms = s[unitStart..i] switch
            {
                "ns" or "nanos" or "nanoseconds" => 1e-6,
                "us" or "µs" or "micros" or "microseconds" => 1e-3,
                "ms" or "millis" or "milliseconds" => 1.0,
                "s" or "second" or "seconds" => 1000.0,
                "m" or "minute" or "minutes" => 60_000.0,
                "h" or "hour" or "hours" => 3_600_000.0,
                "d" or "day" or "days" => 86_400_000.0,
                _ => double.NaN,
            };
            if (double.IsNaN(ms)) return false;
            total += n * ms;
        }
        // Beyond what a TimeSpan holds (some 29,000 years) is no duration: refused, not an overflow.
        if (double.IsNaN(total) || total > MaxMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    private static readonly double MaxMilliseconds = TimeSpan.MaxValue.TotalMilliseconds / 2;
}
