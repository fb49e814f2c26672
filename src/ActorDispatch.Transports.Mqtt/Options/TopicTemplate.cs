using System.Collections.Immutable;
using System.Text;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.Mqtt.Options;

/// <summary>
/// A subscription's <c>topic</c> option: MQTT topic-name text with the placeholders
/// <c>{namespace}</c>, <c>{topic}</c> and <c>{type}</c>, filled from each event. Parsed once and
/// checked so that every rendering is a valid topic name: no wildcards (<c>+</c>, <c>#</c>), no
/// NUL, no leading <c>$</c> (the broker's own topics). A filled-in value has those characters
/// replaced by <c>_</c>, and an empty or missing value becomes <c>_</c>; a <c>/</c> in a value is
/// kept, so an event topic <c>orders/eu</c> adds a topic level.
/// </summary>
internal sealed class TopicTemplate
{
    public const string Default = "actordispatch/{namespace}/{topic}";

    /// <summary>MQTT's limit on a topic name, in bytes of UTF-8.</summary>
    public const int MaxBytes = 65535;

    private static readonly string[] Placeholders = ["namespace", "topic", "type"];

    // Literal text, or a placeholder's name.
    private readonly ImmutableArray<(bool Placeholder, string Text)> _parts;

    private TopicTemplate(string text, ImmutableArray<(bool, string)> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>The template, or an error naming <c>options.topic</c>.</summary>
    public static TopicTemplate Parse(string text)
    {
        if (text.Length == 0) throw Error("must not be empty");
        if (text.StartsWith('$')) throw Error($"'{text}' starts with '$', which is reserved for the broker's own topics");
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes) throw Error($"is longer than {MaxBytes} bytes");
        var parts = ImmutableArray.CreateBuilder<(bool, string)>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{')
            {
                var close = text.IndexOf('}', i + 1);
                if (close < 0) throw Error($"'{text}' has a '{{' without a closing '}}'");
                var name = text[(i + 1)..close];
                if (!Placeholders.Contains(name))
                    throw Error($"'{{{name}}}' is not a placeholder (known: {string.Join(", ", Placeholders.Select(p => "{" + p + "}"))})");
                if (literal.Length > 0) parts.Add((false, literal.ToString()));
                literal.Clear();
                parts.Add((true, name));
                i = close;
            }
            else if (c == '}') throw Error($"'{text}' has a '}}' without an opening '{{'");
            else if (c is '+' or '#') throw Error($"'{text}' contains the wildcard '{c}', which a topic name cannot have");
            else if (c == '\0') throw Error("must not contain NUL");
            else literal.Append(c);
        }
        if (literal.Length > 0) parts.Add((false, literal.ToString()));
        return new TopicTemplate(text, parts.ToImmutable());
    }

    /// <summary>The topic name for one event of namespace <paramref name="namespace"/>.</summary>
    public string Render(string @namespace, Event e)
    {
        var builder = new StringBuilder(Text.Length + 32);
        foreach (var (placeholder, text) in _parts)
        {
            if (!placeholder) builder.Append(text);
            else AppendValue(builder, text switch
            {
                "namespace" => @namespace,
                "topic" => e.Topic,
                _ => e.Type,
            });
        }
        return builder.ToString();
    }

    // Whatever an event holds, the result stays a topic name that the broker accepts.
    private static void AppendValue(StringBuilder builder, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            builder.Append('_');
            return;
        }
        var start = builder.Length;
        foreach (var c in value) builder.Append(c is '+' or '#' or '\0' ? '_' : c);
        if (start == 0 && builder[0] == '$') builder[0] = '_';
    }

    public override string ToString() => Text;

    private static ActorDispatchException Error(string problem) => MqttOptionsParser.OptionError("topic", problem);
}
