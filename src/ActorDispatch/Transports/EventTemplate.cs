using System.Collections.Immutable;
using System.Text;
using ActorDispatch.Model;

namespace ActorDispatch.Transports;

/// <summary>
/// Text with the placeholders <c>{namespace}</c>, <c>{topic}</c> and <c>{type}</c>, filled from each
/// event: where a broker transport sends it (an AMQP routing key, an MQTT topic). Parsed once into
/// literal and placeholder parts. Any other <c>{...}</c>, and a brace without its partner, is refused
/// when the subscription is stored, so that a typo never becomes literal text that silently routes
/// nowhere. What a filled-in value may contain is the transport's to say (<see cref="Render(Event, Func{string?, string})"/>).
/// </summary>
public sealed class EventTemplate
{
    private static readonly string[] Placeholders = ["namespace", "topic", "type"];

    private readonly ImmutableArray<(string Text, bool Placeholder)> _parts;

    private EventTemplate(string source, ImmutableArray<(string, bool)> parts)
    {
        Source = source;
        _parts = parts;
    }

    /// <summary>The template as written.</summary>
    public string Source { get; }

    /// <summary>The literal text between the placeholders, for a transport's checks of its own characters.</summary>
    public IEnumerable<string> Literals => _parts.Where(p => !p.Placeholder).Select(p => p.Text);

    /// <summary>The template, or null with the problem (naming the template and the placeholders) in <paramref name="problem"/>.</summary>
    public static EventTemplate? TryParse(string source, out string? problem)
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
        return new EventTemplate(source, parts.ToImmutable());
    }

    /// <summary>The template; an <see cref="ArgumentException"/> with the problem if it is not one.</summary>
    public static EventTemplate Parse(string source) =>
        TryParse(source, out var problem) ?? throw new ArgumentException(problem, nameof(source));

    /// <summary>The text for <paramref name="e"/>, its values as they are; an event without a topic fills <c>{topic}</c> with "".</summary>
    public string Render(Event e) => Render(e, static value => value ?? "");

    /// <summary>
    /// The text for <paramref name="e"/>, each placeholder's value (null: the event has no topic) as
    /// <paramref name="escape"/> makes it; the literal text as it is.
    /// </summary>
    public string Render(Event e, Func<string?, string> escape)
    {
        if (_parts.Length == 1 && _parts[0].Placeholder) return escape(Value(_parts[0].Text, e));
        var text = new StringBuilder(Source.Length + 32);
        foreach (var (part, placeholder) in _parts) text.Append(placeholder ? escape(Value(part, e)) : part);
        return text.ToString();
    }

    private static string? Value(string placeholder, Event e) => placeholder switch
    {
        "namespace" => e.Namespace,
        "topic" => e.Topic,
        _ => e.Type,
    };

    /// <inheritdoc/>
    public override string ToString() => Source;
}
