using System.Collections.Immutable;
using System.Text;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.Amqp.Options;

/// <summary>
/// A routing key with placeholders <c>{namespace}</c>, <c>{topic}</c> and <c>{type}</c>, parsed once
/// into literal and placeholder parts; an event without a topic fills <c>{topic}</c> with "".
/// Any other <c>{...}</c> is refused when the subscription is stored, so a typo never becomes a
/// literal key that silently routes nowhere.
/// </summary>
internal sealed class RoutingKeyTemplate
{
    /// <summary>AMQP routing keys are short strings: at most 255 bytes.</summary>
    public const int MaxBytes = 255;

    private static readonly string[] Placeholders = ["namespace", "topic", "type"];

    private readonly ImmutableArray<(string Text, bool Placeholder)> _parts;

    private RoutingKeyTemplate(string source, ImmutableArray<(string, bool)> parts)
    {
        Source = source;
        _parts = parts;
    }

    /// <summary><c>{topic}</c>.</summary>
    public static RoutingKeyTemplate Default { get; } = Parse("{topic}");

    /// <summary>The template as written.</summary>
    public string Source { get; }

    /// <summary>The template, or null with the problem in <paramref name="problem"/>.</summary>
    public static RoutingKeyTemplate? TryParse(string source, out string? problem)
    {
        var parts = ImmutableArray.CreateBuilder<(string, bool)>();
        var literal = new StringBuilder();
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            if (c == '}')
            {
                problem = $"'{source}' has a '}}' without its '{{' (placeholders: {{namespace}}, {{topic}}, {{type}})";
                return null;
            }
            if (c != '{')
            {
                literal.Append(c);
                continue;
            }
            var end = source.IndexOf('}', i + 1);
            var name = end < 0 ? null : source[(i + 1)..end];
            if (name is null || !Placeholders.Contains(name))
            {
                problem = $"'{source}' has an unknown placeholder '{(end < 0 ? source[i..] : source[i..(end + 1)])}' (known: {{namespace}}, {{topic}}, {{type}})";
                return null;
            }
            if (literal.Length > 0) parts.Add((literal.ToString(), false));
            literal.Clear();
            parts.Add((name, true));
            i = end;
        }
        if (literal.Length > 0) parts.Add((literal.ToString(), false));
        problem = null;
        return new RoutingKeyTemplate(source, parts.ToImmutable());
    }

    public static RoutingKeyTemplate Parse(string source) =>
        TryParse(source, out var problem) ?? throw new ArgumentException(problem, nameof(source));

    /// <summary>The routing key for <paramref name="e"/>.</summary>
    public string Render(Event e)
    {
        if (_parts.Length == 1 && _parts[0].Placeholder) return Value(_parts[0].Text, e);
        var key = new StringBuilder();
        foreach (var (text, placeholder) in _parts) key.Append(placeholder ? Value(text, e) : text);
        return key.ToString();
    }

    private static string Value(string placeholder, Event e) => placeholder switch
    {
        "namespace" => e.Namespace,
        "topic" => e.Topic ?? "",
        _ => e.Type,
    };

    public override string ToString() => Source;
}
