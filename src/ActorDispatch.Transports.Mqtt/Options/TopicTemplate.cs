using System.Text;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.Mqtt.Options;

/// <summary>
/// A subscription's <c>topic</c> option: an <see cref="EventTemplate"/> of MQTT topic-name text,
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

    private readonly EventTemplate _template;

    private TopicTemplate(EventTemplate template) => _template = template;

    public string Text => _template.Source;

    /// <summary>The template, or an error naming <c>options.topic</c>.</summary>
    public static TopicTemplate Parse(string text)
    {
        if (text.Length == 0) throw Error("must not be empty");
        if (text.StartsWith('$')) throw Error($"'{text}' starts with '$', which is reserved for the broker's own topics");
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes) throw Error($"is longer than {MaxBytes} bytes");
        var template = EventTemplate.TryParse(text, out var problem) ?? throw Error(problem!);
        foreach (var literal in template.Literals)
        {
            if (literal.IndexOfAny(['+', '#']) is >= 0 and var i) throw Error($"'{text}' contains the wildcard '{literal[i]}', which a topic name cannot have");
            if (literal.Contains('\0')) throw Error("must not contain NUL");
        }
        return new TopicTemplate(template);
    }

    /// <summary>The topic name for <paramref name="e"/>.</summary>
    public string Render(Event e)
    {
        var topic = _template.Render(e, Escape);
        // Only a value can begin with '$' (the template itself does not): not one of the broker's topics.
        return topic[0] == '$' ? string.Concat("_", topic.AsSpan(1)) : topic;
    }

    // Whatever an event holds, the result stays a topic name that the broker accepts.
    private static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "_";
        if (value.AsSpan().IndexOfAny('+', '#', '\0') < 0) return value;
        return string.Create(value.Length, value, static (chars, v) =>
        {
            for (var i = 0; i < v.Length; i++) chars[i] = v[i] is '+' or '#' or '\0' ? '_' : v[i];
        });
    }

    public override string ToString() => Text;

    private static ActorDispatchException Error(string problem) => MqttOptionsParser.OptionError("topic", problem);
}
