using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Publishing;

namespace ActorDispatch.Transports.Amqp.Options;

/// <summary>
/// Turns a subscription's options into <see cref="AmqpOptions"/>, refusing anything that cannot work
/// with an <see cref="ActorDispatchException"/> naming the option (<c>options.routingKey</c>). A pure
/// function: the engine calls it through <see cref="AmqpTransport.ValidateOptions"/> before storing
/// a subscription, and the transport again before publishing, with the same result.
/// </summary>
internal static class AmqpOptionsParser
{
    private static readonly string[] Known = ["exchange", "routingKey", "mandatory", "persistent", "headers"];

    // Set by the transport on every message; a static header of the same name would contradict them.
    private static readonly string[] ReservedHeaders =
        ["traceparent", "tracestate", MessageHeaders.Namespace, MessageHeaders.Sequence, MessageHeaders.Topic, "x-dotnet-pub-seq-no"];

    public static AmqpOptions Parse(SubscriptionOptions options)
    {
        var values = options.Transport;
        foreach (var key in values.Keys)
            if (!Known.Contains(key))
                throw OptionError(key, $"unknown option for transport 'amqp' (known: {string.Join(", ", Known)})");

        var exchange = String(values, "exchange") ?? "";
        if (Encoding.UTF8.GetByteCount(exchange) > 255) throw OptionError("exchange", "is longer than 255 bytes");

        var routingKey = RoutingKeyTemplate.Default;
        if (String(values, "routingKey") is { } source)
        {
            if (Encoding.UTF8.GetByteCount(source) > RoutingKeyTemplate.MaxBytes) throw OptionError("routingKey", "is longer than 255 bytes");
            routingKey = EventTemplate.TryParse(source, out var problem) ?? throw OptionError("routingKey", problem!);
        }

        return new AmqpOptions
        {
            Exchange = exchange,
            RoutingKey = routingKey,
            Mandatory = Bool(values, "mandatory") ?? true,
            Persistent = Bool(values, "persistent") ?? true,
            Headers = Headers(values),
            WithData = options.WithData ?? true,
        };
    }

    internal static ActorDispatchException OptionError(string option, string problem) =>
        new(ErrorKind.BadRequest, "AD10103", $"invalid option 'options.{option}': {problem}");

    private static JsonElement? Get(IReadOnlyDictionary<string, JsonElement> values, string name) =>
        values.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static string? String(IReadOnlyDictionary<string, JsonElement> values, string name) => Get(values, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw OptionError(name, "must be a string"),
    };

    private static bool? Bool(IReadOnlyDictionary<string, JsonElement> values, string name) => Get(values, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw OptionError(name, "must be true or false"),
    };

    private static ImmutableArray<KeyValuePair<string, string>> Headers(IReadOnlyDictionary<string, JsonElement> values)
    {
        switch (Get(values, "headers"))
        {
            case null:
                return [];
            case { ValueKind: JsonValueKind.Object } v:
                var builder = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
                foreach (var p in v.EnumerateObject())
                {
                    if (p.Name.Length == 0) throw OptionError("headers", "a header name must not be empty");
                    if (Encoding.UTF8.GetByteCount(p.Name) > 255) throw OptionError($"headers.{p.Name}", "the name is longer than 255 bytes");
                    if (ReservedHeaders.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                        throw OptionError($"headers.{p.Name}", "is set by the transport on every message and cannot be overridden");
                    if (p.Value.ValueKind != JsonValueKind.String) throw OptionError($"headers.{p.Name}", "must be a string");
                    builder.Add(new(p.Name, p.Value.GetString()!));
                }
                return builder.ToImmutable();
            default:
                throw OptionError("headers", "must be an object of strings");
        }
    }
}
