using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorDispatch.Server.Configuration;

/// <summary>
/// What Akka's HOCON parser does not say: it reads an unclosed <c>{</c> as closed at the end, and
/// loops forever on an unclosed <c>[</c>, it runs an unclosed quoted string on over the next lines;
/// and its errors give a character position, not a line. So brackets and quotes are checked before
/// parsing, and positions are turned into lines.
/// </summary>
internal static partial class HoconSyntax
{
    /// <summary>The first unbalanced bracket or unclosed quote, as "line N: ...", or null when there is none (comments skipped).</summary>
    public static string? FirstProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') line++;
            else if (c == '#' || (c == '/' && At(text, i, "//"))) i = SkipToEndOfLine(text, i) - 1;
            else if (At(text, i, "\"\"\"")) i = SkipPast(text, i + 3, "\"\"\"", ref line);
            else if (c == '"' && (i = ClosingQuote(text, i + 1)) < 0) return $"line {line}: a quoted string is not closed on its line";
            else if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (open.Count == 0) return $"line {line}: '{c}' closes nothing";
                var (bracket, at) = open.Pop();
                if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' of line {at}";
            }
        }
        return open.Count > 0 ? $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed" : null;
    }

    /// <summary>The parser's message with its "position N" given as a line and column of <paramref name="text"/>.</summary>
    public static string WithLine(string message, string text)
    {
        var match = Position().Match(message);
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var position)) return message;
        position = Math.Clamp(position, 0, text.Length);
        var line = 1 + text.AsSpan(0, position).Count('\n');
        var column = position - (text.LastIndexOf('\n', Math.Max(position - 1, 0)) + 1) + 1;
        // The parser's own message repeats the offending text over several lines: the first says enough.
        return $"line {line}, column {column}: {message.Split('\n')[0].Trim()}";
    }

    [GeneratedRegex(@"position (\d+)")]
    private static partial Regex Position();

    private static bool At(string text, int i, string token) => string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    private static int SkipToEndOfLine(string text, int i)
    {
        var end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end;
    }

    private static int SkipPast(string text, int i, string end, ref int line)
    {
        var at = text.IndexOf(end, i, StringComparison.Ordinal);
        var stop = at < 0 ? text.Length : at + end.Length;
        line += text.AsSpan(i, stop - i).Count('\n');
        return stop - 1;
    }

    // A quoted string ends at its closing quote on the same line; -1 when it does not.
    private static int ClosingQuote(string text, int i)
    {
        for (; i < text.Length && text[i] != '\n'; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == '"') return i;
        }
        return -1;
    }
}
