using System.Globalization;

namespace ActorDispatch.Server.Api;

/// <summary>
/// FireFly-style list parameters: <c>limit</c> (default 25, max 1000), <c>skip</c>, <c>sort</c>
/// (<c>sequence</c> or <c>-sequence</c>), and comparisons on sequence numbers written as FireFly
/// does (<c>sequence=&gt;=10</c>, <c>&gt;10</c>, <c>&lt;=</c>, <c>&lt;</c>, <c>!5</c>, or a plain value).
/// </summary>
internal sealed record ListQuery(int Limit, int Skip, bool Descending)
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 1000;

    public static ListQuery Parse(IQueryCollection query)
    {
        var limit = Int(query, "limit", DefaultLimit);
        if (limit is < 1 or > MaxLimit) throw Invalid("limit", $"must be 1..{MaxLimit}");
        var skip = Int(query, "skip", 0);
        if (skip < 0) throw Invalid("skip", "must be 0 or more");
        var descending = query["sort"].ToString() switch
        {
            "" or "sequence" => false,
            "-sequence" => true,
            var other => throw Invalid("sort", $"'{other}' is not 'sequence' or '-sequence'"),
        };
        return new ListQuery(limit, skip, descending);
    }

    /// <summary>The inclusive sequence range described by every <paramref name="name"/> comparison, and excluded values.</summary>
    public static (long From, long To, IReadOnlySet<long> Not) SequenceRange(IQueryCollection query, string name)
    {
        long from = 1, to = long.MaxValue;
        var not = new HashSet<long>();
        foreach (var raw in query[name])
        {
            var s = raw ?? "";
            var (op, number) = s.StartsWith(">=", StringComparison.Ordinal) ? (">=", s[2..])
                : s.StartsWith("<=", StringComparison.Ordinal) ? ("<=", s[2..])
                : s.StartsWith('>') ? (">", s[1..])
                : s.StartsWith('<') ? ("<", s[1..])
                : s.StartsWith('!') ? ("!", s[1..])
                : s.StartsWith('=') ? ("=", s[1..])
                : ("=", s);
            if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                throw Invalid(name, $"'{s}' is not a sequence comparison such as '>=10'");
            switch (op)
            {
                case ">=": from = Math.Max(from, n); break;
                case ">": from = Math.Max(from, n + 1); break;
                case "<=": to = Math.Min(to, n); break;
                case "<": to = Math.Min(to, n - 1); break;
                case "!": not.Add(n); break;
                default: from = Math.Max(from, n); to = Math.Min(to, n); break;
            }
        }
        return (from, to, not);
    }

    public static long? Long(IQueryCollection query, string name)
    {
        var s = query[name].ToString();
        if (s.Length == 0) return null;
        return long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid(name, $"'{s}' is not a number");
    }

    private static int Int(IQueryCollection query, string name, int fallback)
    {
        var s = query[name].ToString();
        if (s.Length == 0) return fallback;
        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid(name, $"'{s}' is not a number");
    }

    public static ActorDispatchException Invalid(string name, string problem) =>
        new(ErrorKind.BadRequest, "AD10124", $"invalid query parameter '{name}': {problem}");
}
